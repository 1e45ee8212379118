import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { Dense } from './dense.js';
import { Rng } from './random.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const act: Record<string, (x: number) => number> = {
  relu: (x) => Math.max(0, x),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  linear: (x) => x,
};

/** y = act(x W + b) in float64. */
function denseRef(x: number[][], w: Float32Array, b: Float32Array, out: number, a: string): number[][] {
  return x.map((row) =>
    Array.from({ length: out }, (_, j) => act[a]!(row.reduce((s, xi, i) => s + xi * w[i * out + j]!, b[j]!))),
  );
}

describe('Dense', () => {
  it.each(['relu', 'tanh', 'sigmoid', 'elu', 'linear'] as const)('%s matches a float64 reference', (a) => {
    const d = new Dense(3, 4, { activation: a, rng: new Rng(1), name: 'd' });
    // A nonzero bias so the bias path is exercised.
    d.setWeights({ 'd/kernel': d.getWeights()['d/kernel']!, 'd/bias': new Float32Array([0.1, -0.2, 0.3, -0.4]) });
    const xs = [[0.5, -1, 2], [-0.3, 0.2, -0.1]];
    const y = d.apply(tf.tensor2d(xs));
    const w = d.getWeights();
    const ref = denseRef(xs, w['d/kernel']!, w['d/bias']!, 4, a).flat();
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 5));
    expect(d.namedVariables.size).toBe(2);
    expect([...d.namedVariables.keys()]).toEqual(['d/kernel', 'd/bias']);
    d.dispose();
  });

  it('rejects a wrong input width', () => {
    const d = new Dense(3, 2, { rng: new Rng(0), name: 'd' });
    expect(() => d.apply(tf.zeros([1, 4]))).toThrow('Dense d: input has shape [1, 4], expected [batch, 3]');
    d.dispose();
  });
});
