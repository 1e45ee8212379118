/**
 * Faster matmuls for tfjs-backend-wasm 4.22.
 *
 * The wasm backend runs a matmul through XNNPACK only when neither operand is transposed; with
 * transposeA or transposeB it falls back to a scalar blocked triple loop that is 10-40x slower.
 * Every backward pass asks for exactly those: for y = x W, dx = dy Wᵀ (transposeB) and
 * dW = xᵀ dy (transposeA). These wrappers transpose the operand physically first (one cheap
 * Transpose kernel) and hand XNNPACK a plain matmul. Same inputs, same outputs, different
 * summation order (differences at float32 rounding level). Transposed right-hand operands (the
 * weights, in dx = dy Wᵀ) are cached while their source is alive.
 *
 * Identity (what the engine runs to keep each tensor saved for a backward pass) copies the
 * data on wasm; here it shares it by reference count, as Reshape and the cpu backend's Identity
 * do. Tensors are immutable, so sharing is safe.
 *
 * Installed once, when the wasm backend is activated (see backend.ts), together with the fused
 * kernels of fused.ts. `MGAIL_WASM_KERNELS=0` leaves tfjs' kernels alone (for A/B timing or to
 * rule this out); `MGAIL_FUSED=0` turns off only the fused ops.
 */
import * as tf from './tf.js';
import { registerFusedKernels } from './fused.js';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;

interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  dataIdMap: { has(dataId: object): boolean };
}

/**
 * Transposed copies of right-hand operands, by the source's data id and shape. In a backward
 * pass dx = dy Wᵀ runs once per use of W (T times in a T-step unroll) with the same W data; the
 * copy's id is also what XNNPACK caches its packed weights on, so both the transpose and the
 * packing happen once per weight version instead of once per call. Data ids are never reused
 * and tensor data is immutable, so an entry is valid while its source's data is alive; dead
 * ones are freed on the next miss.
 */
const transposedB = new Map<object, { shape: string; t: TensorInfo }>();

function sweepTransposed(backend: WasmBackendLike): void {
  for (const [src, e] of transposedB) {
    if (!backend.dataIdMap.has(src)) {
      backend.disposeData(e.t.dataId, true);
      transposedB.delete(src);
    }
  }
}

let installed: boolean | null = null;

function outerSize(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length - 2; i++) n *= shape[i];
  return n;
}

/** Whether the wrappers are installed (null: not attempted yet). */
export function wasmKernelsInstalled(): boolean | null {
  return installed;
}

/**
 * Wraps the wasm BatchMatMul, _FusedMatMul and Identity kernels and registers the fused
 * kernels. Idempotent; call after the wasm backend is ready. Returns whether the wrappers are
 * in place.
 */
export function installWasmKernels(): boolean {
  if (installed === null) {
    const flag = process.env.MGAIL_WASM_KERNELS;
    const off = flag !== undefined && ['0', 'false', 'off', 'no'].includes(flag.trim().toLowerCase());
    installed = off ? false : wrapKernels();
  }
  registerFusedKernels();
  return installed;
}

function wrapKernels(): boolean {
  const transpose = tf.getKernel('Transpose', 'wasm');
  const names = ['BatchMatMul', '_FusedMatMul'] as const;
  const originals = names.map((n) => tf.getKernel(n, 'wasm'));
  if (transpose === undefined || originals.some((k) => k === undefined)) return false;
  const transposeLast2 = (x: TensorInfo, backend: unknown): TensorInfo => {
    const r = x.shape.length;
    const perm = [...Array(r).keys()];
    perm[r - 2] = r - 1;
    perm[r - 1] = r - 2;
    return transpose.kernelFunc({ inputs: { x }, backend: backend as never, attrs: { perm } }) as TensorInfo;
  };
  names.forEach((name, i) => {
    const orig = originals[i];
    const kernelFunc: KernelFunc = (args) => {
      const { inputs, backend, attrs } = args as unknown as {
        inputs: Record<string, TensorInfo | undefined> & { a: TensorInfo; b: TensorInfo };
        backend: WasmBackendLike;
        attrs: Record<string, unknown> & { transposeA: boolean; transposeB: boolean };
      };
      const { a, b } = inputs;
      const { transposeA, transposeB } = attrs;
      if (
        (!transposeA && !transposeB) ||
        a.dtype !== 'float32' ||
        b.dtype !== 'float32' ||
        a.shape.length < 2 ||
        b.shape.length < 2 ||
        outerSize(a.shape) !== 1 ||
        outerSize(b.shape) !== 1
      ) {
        return orig.kernelFunc(args);
      }
      const tmp: TensorInfo[] = [];
      try {
        const a2 = transposeA ? transposeLast2(a, backend) : a;
        if (transposeA) tmp.push(a2);
        let b2 = b;
        if (transposeB) {
          // Leading dims are all 1 here: the same data can arrive as [k, n] or [1, k, n].
          const r = b.shape.length;
          const key = `${b.shape[r - 2]},${b.shape[r - 1]}`;
          const tShape = [...b.shape.slice(0, r - 2), b.shape[r - 1], b.shape[r - 2]];
          const hit = transposedB.get(b.dataId);
          if (hit !== undefined && hit.shape === key) {
            b2 = { ...hit.t, shape: tShape };
          } else {
            sweepTransposed(backend);
            if (hit !== undefined) backend.disposeData(hit.t.dataId, true);
            b2 = transposeLast2(b, backend);
            transposedB.set(b.dataId, { shape: key, t: b2 });
          }
        }
        return orig.kernelFunc({
          ...args,
          inputs: { ...inputs, a: a2, b: b2 },
          attrs: { ...attrs, transposeA: false, transposeB: false },
        } as never);
      } finally {
        // Freeing a temporary also frees any XNNPACK operator cached on its id.
        for (const t of tmp) backend.disposeData(t.dataId, true);
      }
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...orig, kernelFunc });
  });
  const identity = tf.getKernel('Identity', 'wasm');
  if (identity !== undefined) {
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel({
      ...identity,
      kernelFunc: (args) => {
        const x = (args.inputs as { x: TensorInfo }).x;
        if (x.dtype === 'string') return identity.kernelFunc(args);
        (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
        return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
      },
    });
  }
  return true;
}
