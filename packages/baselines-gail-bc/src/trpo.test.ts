import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@mgail/core-autodiff-graph';
import { make, makeVec } from '@mgail/envs-classic';
import { evaluatePolicy } from '@mgail/policies';
import { TRPO, trpoConfig } from './trpo.js';
import type { VectorEnvLike } from './vec.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const vec = (id: string, n: number) => makeVec(id, n, { autoresetMode: 'same-step' }) as unknown as VectorEnvLike;

describe('TRPO', () => {
  it('learns CartPole-v1 (mean return >= 150 in 20k steps) and every step stays inside the trust region', async () => {
    const config = trpoConfig('CartPole-v1', { numEnvs: 8, numSteps: 256, hidden: [32, 32], valueHidden: [32, 32] });
    const trpo = new TRPO(vec('CartPole-v1', 8), config, { seed: 1, totalSteps: 20_480 });
    const t0 = Date.now();
    let recent: number[] = [];
    while (trpo.globalStep < 20_480) {
      const s = await trpo.iterate();
      recent = [...recent, ...s.episodeReturns].slice(-20);
      expect(s.kl).toBeLessThanOrEqual(config.maxKl);
      expect(s.extra['charts/line_search_steps']).toBeLessThan(config.backtrackIterations);
    }
    const trainMean = recent.reduce((a, b) => a + b, 0) / recent.length;
    const ev = evaluatePolicy(make('CartPole-v1'), trpo.policy, { episodes: 10, seed: 100 });
    console.log(`TRPO CartPole: last-20 training mean ${trainMean.toFixed(1)}, deterministic ${ev.mean.toFixed(1)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(trainMean).toBeGreaterThanOrEqual(150);
    expect(ev.mean).toBeGreaterThanOrEqual(150);
    trpo.dispose();
  });

  it('Gaussian policy: keeps numTensors flat, respects max KL and fits the critic', async () => {
    const config = trpoConfig('Pendulum-v1', { numEnvs: 2, numSteps: 64, hidden: [16], valueHidden: [16], valueEpochs: 2, valueMinibatches: 4, fisherSubsample: 2, normalizeRewards: true });
    const trpo = new TRPO(vec('Pendulum-v1', 2), config, { seed: 3, totalSteps: 128 * 4 });
    const s1 = await trpo.iterate();
    const n1 = tf.memory().numTensors;
    const s2 = await trpo.iterate();
    const s3 = await trpo.iterate();
    expect(tf.memory().numTensors).toBe(n1);
    for (const s of [s1, s2, s3]) {
      expect(s.kl).toBeLessThanOrEqual(config.maxKl);
      expect(Number.isFinite(s.valueLoss)).toBe(true);
      expect(Number.isFinite(s.entropy)).toBe(true);
    }
    expect(s3.globalStep).toBe(3 * 128);
    trpo.dispose();
  });

  it('rejects a bad trust region', () => {
    expect(() => new TRPO(vec('CartPole-v1', 8), trpoConfig('CartPole-v1', { maxKl: 0 }), { seed: 0, totalSteps: 10 })).toThrow(/trpo config field "maxKl" must be a number > 0, got 0/);
  });
});
