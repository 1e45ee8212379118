import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeTensors, DivergenceError, firstNonFiniteTensor, initBackend, readMetricsJsonl, tf } from '@mgail/core-autodiff-graph';
import { make, makeVec } from '@mgail/envs-classic';
import { collectDemos } from '@mgail/policies';
import { bcConfig, trainBC } from './bc.js';
import { trainExpert, type ExpertAlgo } from './expert.js';
import { gailConfig, trainGAIL } from './gail.js';
import { readCheckpointMeta } from './learner.js';
import type { VectorEnvLike } from './vec.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-diverge-'));
  dirs.push(d);
  return d;
};

/** CartPole whose rewards turn NaN from vector step `from` on: a numerical blow-up in the env, injected. */
function nanRewardsFrom(from: number) {
  return (n: number): VectorEnvLike => {
    const inner = makeVec('CartPole-v1', n, { autoresetMode: 'same-step' }) as unknown as VectorEnvLike;
    let t = 0;
    return {
      numEnvs: inner.numEnvs, singleObservationSpace: inner.singleObservationSpace, singleActionSpace: inner.singleActionSpace,
      reset: (o) => inner.reset(o),
      close: () => inner.close(),
      step: async (a) => {
        const r = await inner.step(a);
        return t++ >= from ? { ...r, rewards: new Float32Array(r.rewards.length).fill(NaN) } : r;
      },
    };
  };
}

/** Pendulum demonstrations of a hand-written swing controller. */
const pendulumDemos = () => collectDemos(make('Pendulum-v1'), (o) => [Math.max(-2, Math.min(2, -3 * o[1] - 0.5 * o[2]))], { episodes: 2, seed: 0 });

describe('divergence guard', () => {
  it.each(['ppo', 'trpo'] as ExpertAlgo[])('%s stops on a NaN loss and keeps the last good checkpoint', async (algo) => {
    const dir = tmp();
    const before = tf.memory().numTensors;
    // 2 envs × 16 steps per iteration; rewards go NaN in the 4th iteration's rollout
    const err = await trainExpert({
      envId: 'CartPole-v1', algo, steps: 320, seed: 1, outDir: dir, quiet: true, checkpointEvery: 1,
      overrides: { numEnvs: 2, numSteps: 16, hidden: [8], valueHidden: [8] }, makeVecEnv: nanRewardsFrom(3 * 16 + 5),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    const ckpt = path.join(dir, 'checkpoint.ckpt');
    expect(err.message).toBe(`${algo} diverged: losses/policy is NaN at step 128; the last good checkpoint (step 96) is kept in ${ckpt}`);
    expect(err.message).not.toContain('\n');
    expect(tf.memory().numTensors).toBe(before);
    // the checkpoint on disk is iteration 3's, with finite weights; no policy was published
    expect(readCheckpointMeta(ckpt).globalStep).toBe(96);
    expect(firstNonFiniteTensor(decodeTensors(fs.readFileSync(ckpt), ckpt).tensors)).toBeUndefined();
    expect(fs.existsSync(path.join(dir, 'policy.ckpt'))).toBe(false);
    expect(readMetricsJsonl(path.join(dir, 'metrics.jsonl')).map((r) => r.step)).toEqual([32, 64, 96]);
    // and it resumes from there (the env is healthy again) to the full step count
    const res = await trainExpert({
      envId: 'CartPole-v1', algo, seed: 1, outDir: dir, quiet: true, resume: true,
      makeVecEnv: (n) => makeVec('CartPole-v1', n, { autoresetMode: 'same-step' }) as unknown as VectorEnvLike,
    });
    expect(res.globalStep).toBe(320);
    res.policy.dispose();
  });

  it('BC stops on a NaN loss (absurd learning rate) instead of returning a policy', () => {
    const demos = pendulumDemos();
    const before = tf.memory().numTensors;
    const epochs: number[] = [];
    expect(() => trainBC(demos, make('Pendulum-v1'), bcConfig('Pendulum-v1', { lr: 1e4, maxEpochs: 5 }), { seed: 0, onEpoch: (e) => epochs.push(e.epoch) }))
      .toThrow(/^bc diverged: losses\/bc_train is NaN at epoch 0$/);
    expect(epochs).toEqual([0]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('GAIL stops on a NaN generator loss with a one-line error and frees everything', async () => {
    const demos = pendulumDemos();
    const config = gailConfig('Pendulum-v1', {
      totalSteps: 2048, numEnvs: 2, numSteps: 64, hidden: [8], valueHidden: [8], discHidden: [8], evalEvery: 0, generator: 'ppo', generatorOverrides: { lr: 1e8 },
    });
    const before = tf.memory().numTensors;
    const err = await trainGAIL({ envId: 'Pendulum-v1', demos, config, seed: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.message).toMatch(/^gail ppo diverged: losses\/\w+ is NaN at step \d+$/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
