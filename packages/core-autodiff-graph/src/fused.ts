/**
 * Fused kernels for the training path on the wasm backend.
 *
 * On tfjs-wasm a small op costs a few µs of kernel and about as much again of engine work
 * (tensor tracking, tape node, a copy of every tensor saved for the backward pass). The layers'
 * element-wise tails (GRU gates, ReLU masks) and the Adam update are dozens of such ops per
 * step, so they dominate small-batch training. Here each becomes one kernel that reads and
 * writes the wasm heap directly, with a registered gradient:
 *
 * - `MgailDense` / `MgailDenseLinear`: x W + b with a fused relu / no activation, on 2-D tensors
 *   (no reshapes), its gradient a one-pass ReLU mask and plain matmuls;
 * - `MgailGRUGates`: PyTorch's GRU gate equations after the two matmuls, forward in one kernel
 *   (XNNPACK's sigmoid for σ and tanh), backward in one kernel;
 * - `MgailAdam`: one variable's Adam step (moments, bias correction, clipping coefficient,
 *   weight decay) in one pass.
 *
 * The fused ops are used only on the wasm backend, and only outside nested gradients (a
 * `tf.grad` inside `tf.variableGrads`, e.g. a gradient penalty): their backward kernels are
 * not themselves differentiable, so the layers fall back to plain tfjs ops there. Everything
 * else (cpu, tfjs-node) uses the plain ops too. `MGAIL_FUSED=0` turns the fused ops off.
 */
import * as tf from './tf.js';

type TensorInfo = tf.TensorInfo;

/** The parts of tfjs-backend-wasm's BackendWasm used here (public methods of the class). */
interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

const DENSE = 'MgailDense';
// The linear variant does not save its output for the backward pass (one clone fewer per call).
const DENSE_LINEAR = 'MgailDenseLinear';
const RELU_MASK = 'MgailReluMask';
const GRU = 'MgailGRUGates';
const GRU_GRAD = 'MgailGRUGatesGrad';
const ADAM = 'MgailAdam';

let registered: boolean | null = null;
let enabled = true;

/** Turns the fused ops off or on at run time (tests compare both paths); returns the previous setting. */
export function setFusedEnabled(on: boolean): boolean {
  const prev = enabled;
  enabled = on;
  return prev;
}

function disabledByEnv(): boolean {
  const flag = process.env.MGAIL_FUSED;
  return flag !== undefined && ['0', 'false', 'off', 'no'].includes(flag.trim().toLowerCase());
}

/** Whether the fused layer ops may run now: wasm active, kernels registered, not in a nested gradient. */
export function fusedLayersActive(): boolean {
  if (registered !== true || !enabled) return false;
  const engine = tf.engine();
  return engine.backendName === 'wasm' && engine.state.gradientDepth <= 1;
}

/** Whether the fused Adam update may run now. */
export function fusedAdamActive(): boolean {
  return registered === true && enabled && tf.engine().backendName === 'wasm';
}

/** Registers the fused kernels for wasm (idempotent). Returns whether they are available. */
export function registerFusedKernels(): boolean {
  if (registered !== null) return registered;
  const fused = tf.getKernel('_FusedMatMul', 'wasm');
  const sigmoid = tf.getKernel('Sigmoid', 'wasm');
  if (disabledByEnv() || fused === undefined || sigmoid === undefined) {
    registered = false;
    return registered;
  }

  const denseKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, W, b } = inputs as { x: TensorInfo; W: TensorInfo; b?: TensorInfo };
    const { activation } = attrs as unknown as { activation: 'relu' | 'linear' };
    const [n, k] = x.shape;
    const m = W.shape[1];
    // The wasm matmul kernel takes rank-3 shapes; a TensorInfo with a rank-3 shape over the same
    // data is all it needs (no Reshape kernels).
    const out = fused.kernelFunc({
      inputs: { a: { ...x, shape: [1, n, k] }, b: { ...W, shape: [1, k, m] }, bias: b },
      backend,
      attrs: { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 },
    }) as TensorInfo;
    return { ...out, shape: [n, m] };
  };
  tf.registerKernel({ kernelName: DENSE, backendName: 'wasm', kernelFunc: denseKernel });
  tf.registerKernel({ kernelName: DENSE_LINEAR, backendName: 'wasm', kernelFunc: denseKernel });

  tf.registerKernel({
    kernelName: RELU_MASK,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, y } = inputs as { dy: TensorInfo; y: TensorInfo };
      const be = backend as unknown as WasmBackend;
      const out = be.makeOutput([...dy.shape], 'float32');
      const o = be.typedArrayFromHeap(out);
      const d = be.typedArrayFromHeap(dy);
      const v = be.typedArrayFromHeap(y);
      // Branch-free: the sign of y is a coin flip, a branch would mispredict half the time.
      const n = o.length;
      for (let i = 0; i < n; i++) o[i] = d[i] * +(v[i] > 0);
      return out;
    },
  });

  tf.registerKernel({
    kernelName: GRU,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { gi, gh, h } = inputs as { gi: TensorInfo; gh: TensorInfo; h: TensorInfo };
      const be = backend as unknown as WasmBackend;
      const [B, H] = h.shape;
      const H2 = 2 * H;
      const H3 = 3 * H;
      const sig = (x: TensorInfo) => sigmoid.kernelFunc({ inputs: { x }, backend, attrs: {} }) as TensorInfo;
      // r, z = σ(i_rz + h_rz)
      const rzPre = be.makeOutput([B, H2], 'float32');
      {
        const p = be.typedArrayFromHeap(rzPre);
        const a = be.typedArrayFromHeap(gi);
        const c = be.typedArrayFromHeap(gh);
        for (let bi = 0; bi < B; bi++) {
          const o3 = bi * H3;
          const o2 = bi * H2;
          for (let j = 0; j < H2; j++) p[o2 + j] = a[o3 + j] + c[o3 + j];
        }
      }
      const rz = sig(rzPre);
      be.disposeData(rzPre.dataId, true);
      // n = tanh(i_n + r ⊙ h_n) = 2σ(2·(i_n + r ⊙ h_n)) − 1: XNNPACK has a vector sigmoid, its tanh is scalar libm.
      const nPre = be.makeOutput([B, H], 'float32');
      {
        const p = be.typedArrayFromHeap(nPre);
        const a = be.typedArrayFromHeap(gi);
        const c = be.typedArrayFromHeap(gh);
        const s = be.typedArrayFromHeap(rz);
        for (let bi = 0; bi < B; bi++) {
          const o3 = bi * H3 + H2;
          const o2 = bi * H2;
          const o1 = bi * H;
          for (let j = 0; j < H; j++) p[o1 + j] = 2 * (a[o3 + j] + s[o2 + j] * c[o3 + j]);
        }
      }
      const sn = sig(nPre);
      be.disposeData(nPre.dataId, true);
      const out = be.makeOutput([B, H], 'float32');
      const aux = be.makeOutput([B, H3], 'float32');
      {
        const o = be.typedArrayFromHeap(out);
        const ax = be.typedArrayFromHeap(aux);
        const s = be.typedArrayFromHeap(rz);
        const q = be.typedArrayFromHeap(sn);
        const hv = be.typedArrayFromHeap(h);
        for (let bi = 0; bi < B; bi++) {
          const o1 = bi * H;
          const o2 = bi * H2;
          const o3 = bi * H3;
          for (let j = 0; j < H; j++) {
            const r = s[o2 + j];
            const z = s[o2 + H + j];
            const n = 2 * q[o1 + j] - 1;
            // h' = (1 − z) ⊙ n + z ⊙ h
            o[o1 + j] = n + z * (hv[o1 + j] - n);
            ax[o3 + j] = r;
            ax[o3 + H + j] = z;
            ax[o3 + H2 + j] = n;
          }
        }
      }
      be.disposeData(rz.dataId, true);
      be.disposeData(sn.dataId, true);
      return [out, aux];
    },
  });

  tf.registerKernel({
    kernelName: GRU_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, gh, h, aux } = inputs as { dy: TensorInfo; gh: TensorInfo; h: TensorInfo; aux: TensorInfo };
      const be = backend as unknown as WasmBackend;
      const [B, H] = h.shape;
      const H2 = 2 * H;
      const H3 = 3 * H;
      const dgiT = be.makeOutput([B, H3], 'float32');
      const dghT = be.makeOutput([B, H3], 'float32');
      const dhT = be.makeOutput([B, H], 'float32');
      const dgi = be.typedArrayFromHeap(dgiT);
      const dgh = be.typedArrayFromHeap(dghT);
      const dh = be.typedArrayFromHeap(dhT);
      const g = be.typedArrayFromHeap(dy);
      const c = be.typedArrayFromHeap(gh);
      const hv = be.typedArrayFromHeap(h);
      const ax = be.typedArrayFromHeap(aux);
      for (let bi = 0; bi < B; bi++) {
        const o1 = bi * H;
        const o3 = bi * H3;
        for (let j = 0; j < H; j++) {
          const r = ax[o3 + j];
          const z = ax[o3 + H + j];
          const n = ax[o3 + H2 + j];
          const d = g[o1 + j];
          const dnPre = d * (1 - z) * (1 - n * n); // through n = tanh(·)
          const drPre = dnPre * c[o3 + H2 + j] * r * (1 - r); // n's pre-activation has r ⊙ h_n
          const dzPre = d * (hv[o1 + j] - n) * z * (1 - z);
          dgi[o3 + j] = drPre;
          dgi[o3 + H + j] = dzPre;
          dgi[o3 + H2 + j] = dnPre;
          dgh[o3 + j] = drPre;
          dgh[o3 + H + j] = dzPre;
          dgh[o3 + H2 + j] = dnPre * r;
          dh[o1 + j] = d * z;
        }
      }
      return [dgiT, dghT, dhT];
    },
  });

  tf.registerKernel({
    kernelName: ADAM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { p, g, m, v } = inputs as { p: TensorInfo; g: TensorInfo; m: TensorInfo; v: TensorInfo };
      const a = attrs as unknown as AdamAttrs;
      const be = backend as unknown as WasmBackend;
      const shape = [...p.shape];
      const pT = be.makeOutput(shape, 'float32');
      const mT = be.makeOutput(shape, 'float32');
      const vT = be.makeOutput(shape, 'float32');
      const po = be.typedArrayFromHeap(pT);
      const mo = be.typedArrayFromHeap(mT);
      const vo = be.typedArrayFromHeap(vT);
      const pi = be.typedArrayFromHeap(p);
      const gi = be.typedArrayFromHeap(g);
      const mi = be.typedArrayFromHeap(m);
      const vi = be.typedArrayFromHeap(v);
      const { b1, b2, eps, coef, l2, decay } = a;
      const c1 = 1 - b1;
      const c2 = 1 - b2;
      const invSqrtBc2 = 1 / Math.sqrt(a.bc2);
      const stepSize = a.lr / a.bc1;
      for (let i = 0; i < po.length; i++) {
        const pv = pi[i];
        const gv = gi[i] * coef + l2 * pv;
        const mv = b1 * mi[i] + c1 * gv;
        const vv = b2 * vi[i] + c2 * gv * gv;
        mo[i] = mv;
        vo[i] = vv;
        // torch: p ← p − (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + ε), then AdamW's p ← p − lr·wd·p
        po[i] = pv - stepSize * (mv / (Math.sqrt(vv) * invSqrtBc2 + eps)) - decay * pv;
      }
      return [pT, mT, vT];
    },
  });

  const denseGrad = (d: tf.Tensor, x: tf.Tensor, W: tf.Tensor) => ({
    x: () => tf.matMul(d, W, false, true),
    W: () => tf.matMul(x, d, true, false),
    b: () => tf.sum(d, 0),
  });
  tf.registerGradient({
    kernelName: DENSE,
    inputsToSave: ['x', 'W'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, W, y] = saved;
      const { activation } = attrs as unknown as { activation: 'relu' | 'linear' };
      return denseGrad(activation === 'relu' ? reluMask(dy as tf.Tensor, y) : (dy as tf.Tensor), x, W);
    },
  });
  tf.registerGradient({
    kernelName: DENSE_LINEAR,
    inputsToSave: ['x', 'W'],
    gradFunc: (dy, saved) => denseGrad(dy as tf.Tensor, saved[0], saved[1]),
  });

  tf.registerGradient({
    kernelName: GRU,
    inputsToSave: ['gh', 'h'],
    outputsToSave: [false, true],
    gradFunc: (dys, saved) => {
      const [gh, h, aux] = saved;
      const dy = (dys as tf.Tensor[])[0];
      notNested(GRU);
      const [dgi, dgh, dh] = tf.engine().runKernel(GRU_GRAD, { dy, gh, h, aux }) as tf.Tensor[];
      return { gi: () => dgi, gh: () => dgh, h: () => dh };
    },
  });

  for (const name of [RELU_MASK, GRU_GRAD]) {
    tf.registerGradient({
      kernelName: name,
      gradFunc: () => {
        throw new Error(`${name} has no gradient: fused layer ops are not used inside nested gradients; set MGAIL_FUSED=0 if you see this`);
      },
    });
  }

  registered = true;
  return registered;
}

function notNested(what: string): void {
  if (tf.engine().isTapeOn()) {
    throw new Error(`${what}: backward pass recorded for a higher-order gradient; set MGAIL_FUSED=0 if you see this`);
  }
}

function reluMask(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  // Inside a recorded (higher-order) backward pass stay differentiable.
  if (tf.engine().isTapeOn()) return tf.mul(dy, tf.step(y));
  return tf.engine().runKernel(RELU_MASK, { dy, y }) as tf.Tensor;
}

/** y = act(x W + b) as one kernel with its own gradient (call only when fusedLayersActive()). */
export function fusedDense(x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D | null, activation: 'relu' | 'linear'): tf.Tensor2D {
  const inputs: Record<string, tf.Tensor> = b === null ? { x, W } : { x, W, b };
  return tf.engine().runKernel(activation === 'relu' ? DENSE : DENSE_LINEAR, inputs, { activation }) as tf.Tensor2D;
}

/** PyTorch's GRU update from gi = x W_ih + b_ih and gh = h W_hh + b_hh (call only when fusedLayersActive()). */
export function fusedGRUGates(gi: tf.Tensor2D, gh: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  const [out] = tf.engine().runKernel(GRU, { gi, gh, h }) as tf.Tensor[];
  return out as tf.Tensor2D;
}

export interface AdamAttrs {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  /** 1 − β1^t and 1 − β2^t. */
  bc1: number;
  bc2: number;
  /** Gradient scale (global-norm clipping coefficient, 1 when not clipping). */
  coef: number;
  /** L2 coefficient added to the gradient (torch's weight_decay). */
  l2: number;
  /** Decoupled decay lr·wd (AdamW). */
  decay: number;
}

/** One Adam step of one variable: new values of p, m and v (call only when fusedAdamActive()). */
export function fusedAdam(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: AdamAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(ADAM, { p, g, m, v }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** Σ g² over tensors, read straight from the wasm heap (call only when fusedAdamActive()). */
export function sumSquaresHeap(ts: readonly tf.Tensor[]): number {
  const be = tf.backend() as unknown as WasmBackend;
  let s = 0;
  for (const t of ts) {
    const a = be.typedArrayFromHeap(t);
    for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  }
  return s;
}
