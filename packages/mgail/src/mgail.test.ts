import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { evaluatePolicy, readDemos, selectEpisodes } from '@mgail/policies';
import { mgailConfig } from './config.js';
import { trainMGAIL } from './mgail.js';

// A copy of experts/CartPole-v1/demos.npz (the shipped PPO expert's 10 trajectories).
const DEMOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'cartpole-expert-demos.npz');

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('MGAIL', () => {
  it('on CartPole-v1 from the shipped demonstrations clearly beats a random policy', async () => {
    const demos = selectEpisodes(readDemos(DEMOS, { envId: 'CartPole-v1' }), 4);
    const config = mgailConfig('CartPole-v1', { iterations: 400, discWarmupIterations: 100, initialRandomSteps: 1000, modelPretrainSteps: 200, evalEvery: 0 });
    const res = await trainMGAIL({ envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos, config, seed: 0 });
    const ev = evaluatePolicy(make('CartPole-v1'), res.policy, { episodes: 5, seed: 123 });
    // a uniformly random policy scores ~22 on CartPole-v1
    expect(ev.mean).toBeGreaterThan(150);
    res.policy.dispose();
  });

  it('keeps tf.memory().numTensors flat over 200 iterations', async () => {
    const demos = selectEpisodes(readDemos(DEMOS), 1);
    const config = mgailConfig('CartPole-v1', {
      iterations: 200, discWarmupIterations: 20, initialRandomSteps: 200, modelPretrainSteps: 5, evalEvery: 50, evalEpisodes: 1,
      policyHidden: [16], modelHidden: [16], discHidden: [16], unrollBatch: 2, horizon: 4, unrollsPerUpdate: 2,
    });
    const counts: number[] = [];
    const res = await trainMGAIL({ envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos, config, seed: 1, onLog: () => counts.push(tf.memory().numTensors) });
    expect(counts).toHaveLength(20);
    // from the first policy update on, not one tensor more
    expect(new Set(counts.slice(2)).size).toBe(1);
    res.policy.dispose();
  });

  it('the advanced (recurrent) forward model trains end to end', async () => {
    const demos = selectEpisodes(readDemos(DEMOS), 1);
    const config = mgailConfig('CartPole-v1', {
      iterations: 30, discWarmupIterations: 10, initialRandomSteps: 200, modelPretrainSteps: 5, evalEvery: 0,
      forwardModel: 'advanced', modelEncoderDim: 16, modelHistory: 3, policyHidden: [16], discHidden: [16], unrollBatch: 2, horizon: 4,
    });
    const res = await trainMGAIL({ envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos, config, seed: 2 });
    expect(res.envSteps).toBeGreaterThan(200);
    res.policy.dispose();
  });

  it('rejects unknown config fields by name', () => {
    expect(() => mgailConfig('CartPole-v1', { horizonn: 5 })).toThrow(/unknown mgail config field "horizonn"/);
    expect(() => mgailConfig('CartPole-v1', { horizon: '5' })).toThrow(/"horizon" must be a number/);
  });
});
