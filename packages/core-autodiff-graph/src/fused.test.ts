import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { Dense } from './dense.js';
import { GRUCell } from './gru.js';
import { MLP } from './mlp.js';
import { Adam } from './adam.js';
import { trainStep } from './train.js';
import { Rng, randomNormalTensor } from './random.js';
import { fusedLayersActive, setFusedEnabled } from './fused.js';
import { wasmKernelsInstalled } from './wasm_kernels.js';

let wasm = false;
beforeAll(async () => {
  const info = await initBackend({ quiet: true });
  wasm = info.backend === 'wasm';
});

/** Runs f with the fused ops on and off; returns both results as plain arrays. */
function both<T>(f: () => T): { fused: T; plain: T } {
  const prev = setFusedEnabled(true);
  try {
    const fused = f();
    setFusedEnabled(false);
    const plain = f();
    return { fused, plain };
  } finally {
    setFusedEnabled(prev);
  }
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  expect(worst).toBeLessThan(tol);
}

describe('fused wasm kernels', () => {
  it('are active on wasm (and only there)', () => {
    expect(fusedLayersActive()).toBe(wasm);
    if (wasm) expect(wasmKernelsInstalled()).toBe(true);
  });

  it('matmul with transposed operands matches a float64 reference', () => {
    const rng = new Rng(3);
    const a = randomNormalTensor(rng, [7, 5]) as tf.Tensor2D;
    const b = randomNormalTensor(rng, [7, 4]) as tf.Tensor2D;
    const c = randomNormalTensor(rng, [6, 5]) as tf.Tensor2D;
    const A = a.arraySync(), Bm = b.arraySync(), C = c.arraySync();
    const atb = tf.matMul(a, b, true, false).arraySync() as number[][]; // [5, 4]
    const act = tf.matMul(a, c, false, true).arraySync() as number[][]; // [7, 6]
    const ctat = tf.matMul(c, a, false, true).arraySync() as number[][]; // [6, 7]
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) expect(atb[i][j]).toBeCloseTo(A.reduce((s, r, k) => s + r[i] * Bm[k][j], 0), 5);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 6; j++) expect(act[i][j]).toBeCloseTo(A[i].reduce((s, v, k) => s + v * C[j][k], 0), 5);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 7; j++) expect(ctat[i][j]).toBeCloseTo(act[j][i], 5);
    // a batched (rank-3) transposed matmul goes to tfjs' own kernel
    const a3 = tf.stack([a, a]) as tf.Tensor3D;
    expectClose(tf.matMul(a3, tf.stack([b, b]) as tf.Tensor3D, true, false).dataSync(), [...atb.flat(), ...atb.flat()], 1e-5);
    tf.dispose([a, b, c, a3]);
  });

  it('a transposed operand reused across calls is never stale after its variable changes', () => {
    const rng = new Rng(6);
    const W = tf.variable(randomNormalTensor(rng, [5, 4]));
    const dy = randomNormalTensor(rng, [3, 4]) as tf.Tensor2D;
    const ref = (w: number[][]) => (dy.arraySync() as number[][]).map((r) => w.map((wr) => wr.reduce((s, v, j) => s + v * r[j], 0)));
    for (let k = 0; k < 3; k++) {
      const w = W.arraySync() as number[][];
      for (let rep = 0; rep < 2; rep++) {
        const got = tf.tidy(() => tf.matMul(dy, W, false, true).arraySync() as number[][]);
        got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(ref(w)[i][j], 5)));
      }
      tf.tidy(() => W.assign(tf.add(W, 1)));
    }
    tf.dispose([W, dy]);
  });

  it.each(['relu', 'linear', 'tanh'] as const)('Dense (%s): values and gradients match the plain ops', (activation) => {
    const rng = new Rng(5);
    const d = new Dense(6, 5, { activation, rng, name: `fd_${activation}` });
    const x = randomNormalTensor(rng, [9, 6]) as tf.Tensor2D;
    const w = randomNormalTensor(rng, [9, 5]);
    const run = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(d.apply(x), w)) as tf.Scalar, d.variables);
        const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(d.apply(xx as tf.Tensor2D), w)))(x);
        return [value, gx, ...d.variables.map((v) => grads[v.name])].map((t) => Array.from(t.dataSync()));
      });
    const { fused, plain } = both(run);
    fused.forEach((f, i) => expectClose(f, plain[i], 1e-5));
    tf.dispose([x, w]);
    d.dispose();
  });

  it('GRUCell: two unrolled steps, values and gradients match the plain ops', () => {
    const rng = new Rng(11);
    const cell = new GRUCell(4, 6, { rng, name: 'fgru' });
    const x1 = randomNormalTensor(rng, [3, 4]) as tf.Tensor2D;
    const x2 = randomNormalTensor(rng, [3, 4]) as tf.Tensor2D;
    const h0 = randomNormalTensor(rng, [3, 6], 0, 0.5) as tf.Tensor2D;
    const w = randomNormalTensor(rng, [3, 6]);
    const run = () =>
      tf.tidy(() => {
        const f = () => tf.sum(tf.mul(cell.apply(x2, cell.apply(x1, h0)), w)) as tf.Scalar;
        const { value, grads } = tf.variableGrads(f, cell.variables);
        const [g1, gh] = tf.grads((a: tf.Tensor, h: tf.Tensor) => tf.sum(tf.mul(cell.apply(x2, cell.apply(a as tf.Tensor2D, h as tf.Tensor2D)), w)))([x1, h0]);
        return [value, g1, gh, ...cell.variables.map((v) => grads[v.name])].map((t) => Array.from(t.dataSync()));
      });
    const { fused, plain } = both(run);
    fused.forEach((f, i) => expectClose(f, plain[i], 2e-5));
    tf.dispose([x1, x2, h0, w]);
    cell.dispose();
  });

  it('a gradient penalty (tf.grad inside tf.variableGrads) gives the plain ops\' gradients', () => {
    const rng = new Rng(2);
    const net = new MLP({ inDim: 5, hidden: [8, 8], outDim: 1, activation: 'relu', rng, name: 'fgp' });
    const x = randomNormalTensor(rng, [6, 5]) as tf.Tensor2D;
    const run = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const main = tf.mean(net.apply(x));
          const g = tf.grad((xx: tf.Tensor) => tf.sum(net.apply(xx as tf.Tensor2D)))(x);
          return tf.add(main, tf.mean(tf.sum(tf.square(g), 1))) as tf.Scalar;
        }, net.variables);
        return [value, ...net.variables.map((v) => grads[v.name])].map((t) => Array.from(t.dataSync()));
      });
    const { fused, plain } = both(run);
    fused.forEach((f, i) => expectClose(f, plain[i], 1e-5));
    tf.dispose(x);
    net.dispose();
  });

  it.each([
    { name: 'plain', opts: {} },
    { name: 'clipped', opts: { maxGradNorm: 0.3 } },
    { name: 'L2', opts: { weightDecay: 0.1 } },
    { name: 'AdamW', opts: { weightDecay: 0.1, decoupledWeightDecay: true } },
  ])('Adam ($name): five steps match the plain ops', ({ opts }) => {
    const run = () => {
      const rng = new Rng(4);
      const net = new MLP({ inDim: 3, hidden: [5], outDim: 2, activation: 'tanh', rng, name: 'fadam' });
      const opt = new Adam(net, { lr: 0.05, ...opts });
      const x = randomNormalTensor(rng, [8, 3]) as tf.Tensor2D;
      const y = randomNormalTensor(rng, [8, 2]) as tf.Tensor2D;
      const losses: number[] = [];
      for (let k = 0; k < 5; k++) losses.push(trainStep(net, () => tf.mean(tf.squaredDifference(net.apply(x), y)) as tf.Scalar, opt));
      const state = opt.getState();
      const out = [losses, ...net.variables.map((v) => Array.from(v.dataSync())), ...Object.values(state.tensors).map((t) => Array.from(t.data))];
      if (opts.maxGradNorm !== undefined) out.push([opt.lastGradNorm ?? NaN]);
      tf.dispose([x, y]);
      opt.dispose();
      net.dispose();
      return out;
    };
    const { fused, plain } = both(run);
    fused.forEach((f, i) => expectClose(f, plain[i], 1e-5));
  });

  it('a GRU + MLP training step leaks no tensors', () => {
    const rng = new Rng(8);
    const cell = new GRUCell(3, 5, { rng, name: 'fleak_gru' });
    const head = new MLP({ inDim: 5, hidden: [4], outDim: 1, activation: 'relu', rng, name: 'fleak_mlp' });
    const vars = [...cell.variables, ...head.variables];
    const opt = new Adam(vars, { lr: 1e-3, maxGradNorm: 1 });
    const x = randomNormalTensor(rng, [4, 3]) as tf.Tensor2D;
    const loss = () => {
      let h = cell.initialState(4);
      for (let t = 0; t < 3; t++) h = cell.apply(x, h);
      return tf.mean(head.apply(h)) as tf.Scalar;
    };
    trainStep(vars, loss, opt);
    trainStep(vars, loss, opt);
    const before = tf.memory();
    for (let k = 0; k < 5; k++) trainStep(vars, loss, opt);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    // Backend buffers too: cached transposed weights of old versions are freed.
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    tf.dispose(x);
    opt.dispose();
    cell.dispose();
    head.dispose();
  });
});
