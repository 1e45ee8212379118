import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf } from '@mgail/core-autodiff-graph';
import { Box, Discrete } from '@mgail/envs-classic';
import { CategoricalPolicy, GaussianPolicy, gumbelNoise, makePolicy } from './policy.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const obsSpace = new Box(-Infinity, Infinity, [3]);

describe('GaussianPolicy', () => {
  it('log-prob and entropy match the closed form', () => {
    const p = new GaussianPolicy(obsSpace, new Box(-1, 1, [2]), { hidden: [8], logStdInit: -0.5 }, new Rng(1));
    const obs = tf.tensor2d([[0.1, -0.2, 0.3], [1, 2, 3]]);
    const a = tf.tensor2d([[0.5, -0.1], [0.0, 0.2]]);
    const mean = p.mean(obs).arraySync() as number[][];
    const lp = p.logProb(obs, a).arraySync() as number[];
    const aa = a.arraySync() as number[][];
    for (let i = 0; i < 2; i++) {
      let ref = 0;
      for (let j = 0; j < 2; j++) {
        const z = (aa[i][j] - mean[i][j]) / Math.exp(-0.5);
        ref += -0.5 * z * z + 0.5 - 0.5 * Math.log(2 * Math.PI); // log σ = -0.5
      }
      expect(lp[i]).toBeCloseTo(ref, 4);
    }
    const h = p.entropy(obs).arraySync() as number[];
    expect(h[0]).toBeCloseTo(2 * (-0.5 + 0.5 + 0.5 * Math.log(2 * Math.PI)), 4);
    p.dispose();
  });

  it('deterministic action is the mean; sampling is seeded', () => {
    const p = new GaussianPolicy(obsSpace, new Box(-1, 1, [2]), { hidden: [8] }, new Rng(2));
    const o = new Float32Array([0.1, 0.2, 0.3]);
    const det = p.act(o, { deterministic: true }).actions;
    expect(Array.from(det)).toEqual(Array.from(p.mean(tf.tensor2d(o, [1, 3])).dataSync()));
    const a1 = p.act(o, { rng: new Rng(5) }).actions;
    const a2 = p.act(o, { rng: new Rng(5) }).actions;
    expect(Array.from(a1)).toEqual(Array.from(a2));
    p.dispose();
  });

  it('tanh squashing keeps samples in bounds and log-prob consistent', () => {
    const p = new GaussianPolicy(obsSpace, new Box([-2, 0], [2, 1]), { hidden: [8], squash: 'tanh', logStdInit: 1 }, new Rng(3));
    const { actions, logProbs } = p.act(new Float32Array(30).fill(0.5), { rng: new Rng(1) });
    for (let i = 0; i < actions.length; i += 2) {
      expect(actions[i]).toBeGreaterThanOrEqual(-2);
      expect(actions[i]).toBeLessThanOrEqual(2);
      expect(actions[i + 1]).toBeGreaterThanOrEqual(0);
      expect(actions[i + 1]).toBeLessThanOrEqual(1);
    }
    const lp = p.logProb(tf.tensor2d(new Float32Array(30).fill(0.5), [10, 3]), tf.tensor2d(actions, [10, 2])).dataSync();
    for (let i = 0; i < 10; i++) expect(lp[i]).toBeCloseTo(logProbs[i], 2);
    p.dispose();
  });

  it('gradients flow through the reparameterized sample', () => {
    const p = new GaussianPolicy(obsSpace, new Box(-1, 1, [2]), { hidden: [8] }, new Rng(4));
    const obs = tf.tensor2d([[0.1, 0.2, 0.3]]);
    const eps = tf.tensor2d([[0.5, -1]]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(p.rsample(obs, eps))) as tf.Scalar, p.variables);
    const norms = Object.values(grads).map((g) => tf.norm(g).dataSync()[0]);
    expect(norms.every((n) => Number.isFinite(n))).toBe(true);
    expect(norms.filter((n) => n > 0).length).toBe(p.variables.length);
    p.dispose();
  });

  it('KL of a policy with itself is zero', () => {
    const p = new GaussianPolicy(obsSpace, new Box(-1, 1, [2]), { hidden: [8] }, new Rng(6));
    const obs = tf.tensor2d([[0.1, 0.2, 0.3], [1, 0, 0]]);
    const kl = p.kl(obs, p.mean(obs), p.logStd.clone()).dataSync();
    expect(Math.abs(kl[0]) + Math.abs(kl[1])).toBeLessThan(1e-6);
    p.dispose();
  });
});

describe('CategoricalPolicy', () => {
  it('log-probs are normalized and entropy matches', () => {
    const p = new CategoricalPolicy(obsSpace, new Discrete(3), { hidden: [8] }, new Rng(1));
    const obs = tf.tensor2d([[0.3, 0.1, -0.2]]);
    const lps = [0, 1, 2].map((a) => p.logProb(obs, tf.tensor1d([a], 'int32')).dataSync()[0]);
    expect(lps.reduce((s, l) => s + Math.exp(l), 0)).toBeCloseTo(1, 5);
    const h = p.entropy(obs).dataSync()[0];
    expect(h).toBeCloseTo(-lps.reduce((s, l) => s + Math.exp(l) * l, 0), 5);
    p.dispose();
  });

  it('deterministic action is the argmax; stochastic sampling follows the probabilities', () => {
    const p = new CategoricalPolicy(obsSpace, new Discrete(2), { hidden: [8] }, new Rng(2));
    const o = new Float32Array([0.1, 0.2, 0.3]);
    const logits = p.logits(tf.tensor2d(o, [1, 3])).dataSync();
    expect(p.act(o, { deterministic: true }).actions[0]).toBe(logits[0] >= logits[1] ? 0 : 1);
    const rng = new Rng(9);
    const many = p.act(new Float32Array(3000).fill(0.2), { rng }).actions;
    const frac1 = many.reduce((s, a) => s + a, 0) / many.length;
    const p1 = p.logProb(tf.tensor2d([[0.2, 0.2, 0.2]]), tf.tensor1d([1], 'int32')).dataSync()[0];
    expect(frac1).toBeCloseTo(Math.exp(p1), 1);
    p.dispose();
  });

  it('gumbel-softmax: soft sums to one, hard is one-hot, both carry gradients', () => {
    const p = new CategoricalPolicy(obsSpace, new Discrete(3), { hidden: [8] }, new Rng(3));
    const obs = tf.tensor2d([[0.3, 0.1, -0.2], [0, 1, 0]]);
    const g = tf.tensor2d(gumbelNoise(new Rng(1), 6), [2, 3]);
    const soft = p.gumbelSoftmax(obs, g, { temperature: 0.5 }).arraySync() as number[][];
    for (const row of soft) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const hard = p.gumbelSoftmax(obs, g, { hard: true }).arraySync() as number[][];
    for (const row of hard) expect([...row].sort()).toEqual([0, 0, 1]);
    const w = tf.tensor2d([[1, 2, 3]]);
    for (const hardFlag of [false, true]) {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(p.gumbelSoftmax(obs, g, { hard: hardFlag }), w)) as tf.Scalar, p.variables);
      const total = Object.values(grads).reduce((s, t) => s + tf.norm(t).dataSync()[0], 0);
      expect(total).toBeGreaterThan(0);
    }
    p.dispose();
  });
});

describe('makePolicy', () => {
  it('picks the policy by action space and is seeded', () => {
    const a = makePolicy(obsSpace, new Discrete(2), {}, new Rng(1));
    const b = makePolicy(obsSpace, new Discrete(2), {}, new Rng(1));
    expect(a.kind).toBe('categorical');
    expect(makePolicy(obsSpace, new Box(-1, 1, [1]), {}, new Rng(1)).kind).toBe('gaussian');
    const wa = a.getWeights(), wb = b.getWeights();
    for (const k of Object.keys(wa)) expect(Array.from(wa[k])).toEqual(Array.from(wb[k]));
  });

  it('describes itself as JSON (no weights)', () => {
    const p = makePolicy(obsSpace, new Box(-1, 1, [2]), { hidden: [4] }, new Rng(1));
    const j = JSON.parse(JSON.stringify(p));
    expect(j).toMatchObject({ kind: 'gaussian', obsDim: 3, actDim: 2, config: { hidden: [4], activation: 'tanh' } });
    expect(j.actionSpace).toEqual({ kind: 'box', shape: [2], low: [-1, -1], high: [1, 1] });
    // (3*4 + 4) + (4*2 + 2) + log-std 2
    expect(j.numParameters).toBe(28);
    p.dispose();
  });

  it('uses its observation normalizer', () => {
    const p = makePolicy(obsSpace, new Discrete(2), {}, new Rng(1));
    const before = p.act(new Float32Array([5, 5, 5]), { deterministic: true, rng: new Rng(0) });
    p.normalizer.update(new Float32Array([4, 4, 4, 6, 6, 6]));
    const x = p.normalize(tf.tensor2d([[5, 5, 5]])).dataSync();
    expect(Math.abs(x[0])).toBeLessThan(1e-3);
    expect(before.actions.length).toBe(1);
  });
});
