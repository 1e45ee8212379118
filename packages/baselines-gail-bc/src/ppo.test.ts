import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@mgail/core-autodiff-graph';
import { make, makeVec } from '@mgail/envs-classic';
import { evaluatePolicy } from '@mgail/policies';
import { PPO, ppoConfig } from './ppo.js';
import type { VectorEnvLike } from './vec.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const vec = (id: string, n: number) => makeVec(id, n, { autoresetMode: 'same-step' }) as unknown as VectorEnvLike;

describe('PPO', () => {
  it('learns CartPole-v1 to a mean return >= 150 within seconds (fixed seed)', async () => {
    // A small, compute-light setting: the shipped per-env config trains longer for 500.
    const config = ppoConfig('CartPole-v1', { numEnvs: 8, numSteps: 128, numMinibatches: 4, updateEpochs: 4, lr: 1e-3, gamma: 0.99, gaeLambda: 0.95, hidden: [32, 32], valueHidden: [32, 32] });
    const totalSteps = 20_480;
    const ppo = new PPO(vec('CartPole-v1', config.numEnvs), config, { seed: 1, totalSteps });
    const t0 = Date.now();
    let recent: number[] = [];
    while (ppo.globalStep < totalSteps) recent = [...recent, ...(await ppo.iterate()).episodeReturns].slice(-20);
    const seconds = (Date.now() - t0) / 1000;
    const trainMean = recent.reduce((a, b) => a + b, 0) / recent.length;
    const ev = evaluatePolicy(make('CartPole-v1'), ppo.policy, { episodes: 10, seed: 100 });
    console.log(`PPO CartPole: last-20 training mean ${trainMean.toFixed(1)}, deterministic ${ev.mean.toFixed(1)} after ${ppo.globalStep} steps, ${seconds.toFixed(1)} s`);
    expect(trainMean).toBeGreaterThanOrEqual(150);
    expect(ev.mean).toBeGreaterThanOrEqual(150);
    ppo.dispose();
  });

  it('keeps tf.memory().numTensors flat across iterations and anneals the learning rate', async () => {
    const config = ppoConfig('Pendulum-v1', { numEnvs: 2, numSteps: 32, updateEpochs: 2, numMinibatches: 2, hidden: [16], valueHidden: [16], normalizeRewards: true });
    const ppo = new PPO(vec('Pendulum-v1', 2), config, { seed: 0, totalSteps: 64 * 4 });
    const s1 = await ppo.iterate();
    const after1 = tf.memory().numTensors;
    const s2 = await ppo.iterate();
    await ppo.iterate();
    expect(tf.memory().numTensors).toBe(after1);
    expect(s2.extra['charts/learning_rate']).toBeLessThan(s1.extra['charts/learning_rate']);
    for (const x of [s1.policyLoss, s1.valueLoss, s1.entropy, s1.kl]) expect(Number.isFinite(x)).toBe(true);
    const before = tf.memory().numTensors;
    const n = ppo.policy.variables.length + ppo.value.variables.length + 2 * (ppo.policy.variables.length + ppo.value.variables.length);
    ppo.dispose();
    expect(before - tf.memory().numTensors).toBe(n);
  });

  it('a learner restored from a checkpoint continues reproducibly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-ppo-'));
    const config = ppoConfig('CartPole-v1', { numEnvs: 2, numSteps: 16, updateEpochs: 1, hidden: [8], valueHidden: [8] });
    const a = new PPO(vec('CartPole-v1', 2), config, { seed: 5, totalSteps: 320 });
    await a.iterate();
    await a.iterate();
    a.save(path.join(dir, 'c.ckpt'));
    const runFrom = async () => {
      const b = new PPO(vec('CartPole-v1', 2), config, { seed: 5, totalSteps: 320 });
      b.load(path.join(dir, 'c.ckpt'));
      expect(b.iteration).toBe(2);
      expect(b.globalStep).toBe(64);
      expect(b.policy.getWeights()).toEqual(a.policy.getWeights());
      expect(b.policy.normalizer.toJSON()).toEqual(a.policy.normalizer.toJSON());
      await b.iterate();
      const w = b.policy.getWeights();
      b.dispose();
      return w;
    };
    expect(await runFrom()).toEqual(await runFrom());
    a.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
