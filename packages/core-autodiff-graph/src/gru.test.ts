import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { checkGradients } from './gradcheck.js';
import { GRUCell } from './gru.js';
import { Rng, randomNormalTensor } from './random.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** torch.nn.GRUCell in float64 with [in, 3H] / [H, 3H] kernels, gates (r, z, n). */
function gruRef(x: number[], h: number[], w: Record<string, Float32Array>, H: number): number[] {
  const wi = w['gru/kernel_ih']!, bi = w['gru/bias_ih']!, wh = w['gru/kernel_hh']!, bh = w['gru/bias_hh']!;
  const lin = (v: number[], k: Float32Array, b: Float32Array, col: number) =>
    v.reduce((s, vi, i) => s + vi * k[i * 3 * H + col]!, b[col]!);
  return h.map((hj, j) => {
    const r = sig(lin(x, wi, bi, j) + lin(h, wh, bh, j));
    const z = sig(lin(x, wi, bi, H + j) + lin(h, wh, bh, H + j));
    const n = Math.tanh(lin(x, wi, bi, 2 * H + j) + r * lin(h, wh, bh, 2 * H + j));
    return (1 - z) * n + z * hj;
  });
}

describe('GRUCell', () => {
  it('follows the PyTorch GRUCell equations', () => {
    const H = 4;
    const cell = new GRUCell(3, H, { rng: new Rng(2), name: 'gru' });
    const xs = [[0.3, -0.7, 1.1], [-1, 0.5, 0.2]];
    const hs = [[0.1, -0.2, 0.3, 0.0], [0.5, 0.4, -0.6, 0.9]];
    const out = cell.apply(tf.tensor2d(xs), tf.tensor2d(hs)).arraySync();
    const w = cell.getWeights();
    xs.forEach((x, b) => gruRef(x, hs[b]!, w, H).forEach((v, j) => expect(out[b]![j]).toBeCloseTo(v, 5)));
    // PyTorch's init: U(-1/sqrt(H), 1/sqrt(H)).
    for (const arr of Object.values(w)) expect(Math.max(...arr.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(H));
    expect([...cell.namedVariables.keys()]).toEqual(['gru/kernel_ih', 'gru/bias_ih', 'gru/kernel_hh', 'gru/bias_hh']);
    cell.dispose();
  });

  it('gradients through two unrolled steps match finite differences', () => {
    const rng = new Rng(9);
    const cell = new GRUCell(3, 4, { rng, name: 'gru' });
    const x1 = randomNormalTensor(rng, [2, 3], 0, 0.5) as tf.Tensor2D;
    const x2 = randomNormalTensor(rng, [2, 3], 0, 0.5) as tf.Tensor2D;
    const proj = randomNormalTensor(rng, [2, 4]);
    const loss = () =>
      tf.tidy(() => {
        const h1 = cell.apply(x1, cell.initialState(2));
        return tf.sum(tf.mul(cell.apply(x2, h1), proj)) as tf.Scalar;
      });
    const res = checkGradients(cell, loss, { rng, coordsPerVariable: 4, eps: 1e-2 });
    if (res.maxRelError >= 2e-2) console.log(res.entries);
    expect(res.maxRelError).toBeLessThan(2e-2);
    tf.dispose([x1, x2, proj]);
    cell.dispose();
  });

  it('checks shapes', () => {
    const cell = new GRUCell(3, 4, { rng: new Rng(0), name: 'g' });
    expect(() => cell.apply(tf.zeros([2, 3]), tf.zeros([2, 5]))).toThrow('GRUCell g: h has shape [2, 5], expected [2, 4]');
    cell.dispose();
  });
});
