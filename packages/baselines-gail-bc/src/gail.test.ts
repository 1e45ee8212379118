import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { collectDemos, evaluatePolicy } from '@mgail/policies';
import { gailBCConfig, gailConfig, trainGAIL } from './gail.js';
import { cartPoleLinearExpert } from './testing.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('GAIL', () => {
  it('imitates a CartPole-v1 expert from 4 trajectories far above random (~22), keeping numTensors flat', async () => {
    const demos = collectDemos(make('CartPole-v1'), cartPoleLinearExpert, { episodes: 4, seed: 0 });
    const config = gailConfig('CartPole-v1', { totalSteps: 16_384, numEnvs: 8, numSteps: 128, hidden: [32, 32], valueHidden: [32, 32], discHidden: [32, 32], evalEvery: 4, evalEpisodes: 2 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const t0 = Date.now();
    const res = await trainGAIL({ envId: 'CartPole-v1', demos, config, seed: 0, onRound: () => counts.push(tf.memory().numTensors) });
    const ev = evaluatePolicy(make('CartPole-v1'), res.policy, { episodes: 10, seed: 123 });
    console.log(`GAIL CartPole: deterministic ${ev.mean.toFixed(1)} ± ${ev.std.toFixed(1)}, ${res.envSteps} env steps, ${((Date.now() - t0) / 1000).toFixed(1)} s; evals ${res.evalHistory.map((e) => e.mean.toFixed(0)).join(' ')}`);
    expect(ev.mean).toBeGreaterThan(150);
    // every round ends with the same live tensors: the learner, D and their optimizers
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(res.history).toHaveLength(res.rounds);
    expect(res.envSteps).toBeGreaterThanOrEqual(16_384);
    expect(res.evalHistory.at(-1)!.envSteps).toBe(res.envSteps);
    // only the returned policy's variables outlive the run
    expect(tf.memory().numTensors - before).toBe(res.policy.variables.length);
    res.policy.dispose();
  });

  it('PPO generator, BC warm start and D warm-up rounds run end to end', async () => {
    const demos = collectDemos(make('CartPole-v1'), cartPoleLinearExpert, { episodes: 1, seed: 0 });
    const config = gailBCConfig('CartPole-v1', {
      generator: 'ppo', rewardKind: 'neg-logit', totalSteps: 512, numEnvs: 2, numSteps: 64, hidden: [8], valueHidden: [8], discHidden: [8], bcEpochs: 2, discWarmupRounds: 1, evalEvery: 0, generatorOverrides: { updateEpochs: 1, numMinibatches: 2 },
    });
    const res = await trainGAIL({ envId: 'CartPole-v1', demos, config, seed: 1 });
    expect(res.rounds).toBe(4);
    expect(res.history[0].policyLoss).toBeUndefined();
    expect(res.history[1].policyLoss).toBeDefined();
    expect(res.history.every((h) => Number.isFinite(h.surrogateReward) && h.disc !== undefined)).toBe(true);
    res.policy.dispose();
  });

  it('rejects unknown or mistyped fields by name', () => {
    expect(() => gailConfig('CartPole-v1', { bcWarmStart: true }, 'my.yaml')).toThrow(/my.yaml: gail config field "bcWarmStart" is true, a BC warm start the published GAIL does not have; use the gail\+bc algorithm/);
    expect(gailBCConfig('CartPole-v1').bcWarmStart).toBe(true);
    expect(() => gailBCConfig('CartPole-v1', { bcWarmStart: false }, 'my.yaml')).toThrow(/my.yaml: a gail\+bc config has bcWarmStart true/);
    expect(() => gailConfig('CartPole-v1', { discUpdates: 3 } as never)).toThrow(/unknown gail config field "discUpdates"/);
    expect(() => gailConfig('CartPole-v1', { rewardKind: 'log-d' as never })).toThrow(/rewardKind" must be one of/);
    expect(() => gailConfig('CartPole-v1', { generatorOverrides: { maxKL: 0.1 } })).toThrow(/unknown trpo config field "maxKL"/);
  });
});
