import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf } from '@mgail/core-autodiff-graph';
import { Discriminator, pairs } from './discriminator.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

function gaussianRows(rng: Rng, n: number, dim: number, mean: number): Float32Array {
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal(mean, 1);
  return x;
}

describe('Discriminator', () => {
  for (const dropout of [0, 0.25]) {
    it(`learns to separate two Gaussians (dropout ${dropout}), without leaking tensors`, () => {
      const rng = new Rng(0);
      const expert = gaussianRows(rng, 512, 3, 1);
      const d = new Discriminator({ obsDim: 2, actDim: 1, expertInputs: expert, rng: rng.spawn(), hidden: [32, 32], lr: 3e-3, dropout });
      d.train(expert.subarray(0, 64 * 3), gaussianRows(rng, 64, 3, -1));
      const before = tf.memory().numTensors;
      let first = null, last = null;
      for (let i = 0; i < 150; i++) {
        const s = d.train(gaussianRows(rng, 64, 3, 1), gaussianRows(rng, 64, 3, -1));
        first ??= s;
        last = s;
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(last!.loss).toBeLessThan(first!.loss);
      const held = d.evaluate(gaussianRows(rng, 256, 3, 1), gaussianRows(rng, 256, 3, -1));
      // the Bayes accuracy of N(1, I) vs N(−1, I) in 3-d is Φ(√3) ≈ 0.96
      expect(held.expertAccuracy).toBeGreaterThan(0.85);
      expect(held.agentAccuracy).toBeGreaterThan(0.85);
      expect(tf.memory().numTensors).toBe(before);
      // the cost −log D is low on expert-like pairs and high on agent-like pairs
      const c = tf.tidy(() => d.cost(tf.tensor2d([[1, 1], [-1, -1]]), tf.tensor2d([[1], [-1]])).dataSync());
      expect(c[0]).toBeLessThan(c[1]);
      d.dispose();
    });
  }

  it('cost kinds follow D: −log D, log(1 − D), −logit', () => {
    const rng = new Rng(3);
    const d = new Discriminator({ obsDim: 2, actDim: 1, expertInputs: gaussianRows(rng, 32, 3, 0), rng, hidden: [8] });
    tf.tidy(() => {
      const s = tf.tensor2d([[0.3, -0.1], [1, 2]]), a = tf.tensor2d([[0.5], [-1]]);
      const p = d.prob(s, a).arraySync() as number[];
      const l = d.logits(s, a).arraySync() as number[];
      const nl = d.cost(s, a, 'neg-log-d').arraySync() as number[];
      const lm = d.cost(s, a, 'log-one-minus-d').arraySync() as number[];
      const ng = d.cost(s, a, 'neg-logit').arraySync() as number[];
      for (let i = 0; i < 2; i++) {
        expect(nl[i]).toBeCloseTo(-Math.log(p[i]), 4);
        expect(lm[i]).toBeCloseTo(Math.log(1 - p[i]), 4);
        expect(ng[i]).toBeCloseTo(-l[i], 5);
      }
    });
    d.dispose();
  });

  it('gives the policy a gradient through both state and action', () => {
    const rng = new Rng(1);
    const d = new Discriminator({ obsDim: 2, actDim: 2, expertInputs: gaussianRows(rng, 16, 4, 0), rng, hidden: [8] });
    const s = tf.tensor2d([[0.1, 0.2]]), a = tf.tensor2d([[0.3, -0.1]]);
    const [gs, ga] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(d.cost(x as tf.Tensor2D, y as tf.Tensor2D)))([s, a]);
    expect(tf.norm(gs).dataSync()[0]).toBeGreaterThan(0);
    expect(tf.norm(ga).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([s, a, gs, ga]);
    d.dispose();
  });

  it('label smoothing, the gradient penalty and input noise keep D from saturating', () => {
    const run = (extra: object) => {
      const rng = new Rng(2);
      const e = gaussianRows(rng, 64, 3, 2);
      const d = new Discriminator({ obsDim: 2, actDim: 1, expertInputs: e, rng: rng.spawn(), hidden: [32], lr: 1e-2, dropout: 0, ...extra });
      let s = d.train(e, gaussianRows(rng, 64, 3, -2));
      for (let i = 0; i < 200; i++) s = d.train(e, gaussianRows(rng, 64, 3, -2));
      d.dispose();
      return s;
    };
    const plain = run({});
    const smooth = run({ labelSmoothing: 0.1 });
    const gp = run({ gradientPenalty: 1 });
    const noisy = run({ inputNoise: 2 });
    expect(plain.expertD).toBeGreaterThan(0.97);
    expect(smooth.expertD).toBeLessThan(0.95);
    expect(Number.isFinite(gp.loss)).toBe(true);
    expect(gp.expertD).toBeLessThan(plain.expertD);
    expect(noisy.expertD).toBeLessThan(0.95);
  });

  it('checks its inputs', () => {
    const rng = new Rng(4);
    expect(() => new Discriminator({ obsDim: 2, actDim: 1, expertInputs: new Float32Array(4), rng })).toThrow(/rows of 3 values/);
    expect(() => new Discriminator({ obsDim: 2, actDim: 1, expertInputs: new Float32Array(3), rng, dropout: 1 })).toThrow(/dropout/);
    expect(() => new Discriminator({ obsDim: 2, actDim: 1, expertInputs: new Float32Array(3), rng, inputNoise: -1 })).toThrow(/inputNoise/);
  });

  it('one-hot encodes discrete actions', () => {
    expect(Array.from(pairs([1, 2, 3, 4], [1, 0], 2, 2, true))).toEqual([1, 2, 0, 1, 3, 4, 1, 0]);
    expect(() => pairs([1, 2, 3, 4], [1, 2], 2, 2, true)).toThrow(/outside 0..1/);
  });
});
