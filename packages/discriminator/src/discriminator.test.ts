import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf } from '@mgail/core-autodiff-graph';
import { DEFAULT_DISCRIMINATOR_CONFIG, Discriminator, pairs } from './discriminator.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

function gaussianRows(rng: Rng, n: number, dim: number, mean: number): Float32Array {
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal(mean, 1);
  return x;
}

describe('Discriminator', () => {
  it('learns to separate expert from agent pairs, without leaking tensors', () => {
    const rng = new Rng(0);
    const expert = gaussianRows(rng, 512, 3, 1);
    const d = new Discriminator(2, 1, { ...DEFAULT_DISCRIMINATOR_CONFIG, hidden: [32, 32], lr: 3e-3 }, expert, rng.spawn());
    let first = null, last = null;
    d.train(expert.subarray(0, 64 * 3), gaussianRows(rng, 64, 3, -1));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 150; i++) {
      const s = d.train(gaussianRows(rng, 64, 3, 1), gaussianRows(rng, 64, 3, -1));
      first ??= s;
      last = s;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(last!.loss).toBeLessThan(first!.loss);
    expect(last!.expertAccuracy).toBeGreaterThan(0.85);
    expect(last!.agentAccuracy).toBeGreaterThan(0.85);
    // the cost −log D is low on expert-like pairs and high on agent-like pairs
    const c = tf.tidy(() => d.cost(tf.tensor2d([[1, 1], [-1, -1]]), tf.tensor2d([[1], [-1]])).dataSync());
    expect(c[0]).toBeLessThan(c[1]);
    d.dispose();
  });

  it('gives the policy a gradient through both state and action', () => {
    const rng = new Rng(1);
    const d = new Discriminator(2, 2, { ...DEFAULT_DISCRIMINATOR_CONFIG, hidden: [8] }, gaussianRows(rng, 16, 4, 0), rng);
    const s = tf.tensor2d([[0.1, 0.2]]), a = tf.tensor2d([[0.3, -0.1]]);
    const [gs, ga] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(d.cost(x as tf.Tensor2D, y as tf.Tensor2D)))([s, a]);
    expect(tf.norm(gs).dataSync()[0]).toBeGreaterThan(0);
    expect(tf.norm(ga).dataSync()[0]).toBeGreaterThan(0);
  });

  it('regularizers run: label smoothing and a gradient penalty', () => {
    const rng = new Rng(2);
    const e = gaussianRows(rng, 64, 3, 1);
    const d = new Discriminator(2, 1, { ...DEFAULT_DISCRIMINATOR_CONFIG, hidden: [16], labelSmoothing: 0.1, gradientPenalty: 1, weightDecay: 1e-3 }, e, rng);
    const s = d.train(e, gaussianRows(rng, 64, 3, -1));
    expect(Number.isFinite(s.loss)).toBe(true);
  });

  it('one-hot encodes discrete actions', () => {
    expect(Array.from(pairs([1, 2, 3, 4], [1, 0], 2, 2, true))).toEqual([1, 2, 0, 1, 3, 4, 1, 0]);
  });
});
