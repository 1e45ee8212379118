import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf } from '@mgail/core-autodiff-graph';
import { Box, Discrete, type Space } from '@mgail/envs-classic';
import { makePolicy } from '@mgail/policies';
import { computeGAE } from './gae.js';
import { RolloutCollector } from './rollout-buffer.js';
import { ValueFunction } from './value.js';
import type { VectorEnvLike, VectorStepLike } from './vec.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/**
 * Two envs whose observation is [time in episode, env index]; env 0 is cut by a time limit after
 * 3 steps, env 1 terminates after 2. Same-step auto-reset, reward 1 per step. Records actions.
 */
class CountingVecEnv implements VectorEnvLike {
  readonly numEnvs = 2;
  readonly singleObservationSpace = new Box(-100, 100, [2]);
  readonly seen: number[][] = [];
  private t = [0, 0];
  private ret = [0, 0];
  constructor(readonly singleActionSpace: Space) {}
  private obs(): Float32Array {
    return Float32Array.from([this.t[0], 0, this.t[1], 1]);
  }
  reset(): { observations: Float32Array } {
    this.t = [0, 0];
    return { observations: this.obs() };
  }
  async step(actions: ArrayLike<number>): Promise<VectorStepLike> {
    this.seen.push(Array.from(actions));
    const terminated = new Uint8Array(2), truncated = new Uint8Array(2);
    const finalObservations: (Float32Array | null)[] = [null, null];
    const episodes: VectorStepLike['infos']['episodes'] = [];
    for (let e = 0; e < 2; e++) {
      this.t[e]++;
      this.ret[e]++;
      const end = e === 0 ? this.t[e] === 3 : this.t[e] === 2;
      if (end) {
        (e === 0 ? truncated : terminated)[e] = 1;
        finalObservations[e] = Float32Array.from([this.t[e], e]);
        episodes.push({ index: e, return: this.ret[e], length: this.t[e] });
        this.t[e] = 0;
        this.ret[e] = 0;
      }
    }
    return { observations: this.obs(), rewards: Float32Array.from([1, 1]), terminated, truncated, finalObservations, infos: { episodes } };
  }
  close(): void {}
}

function setup(actionSpace: Space) {
  const venv = new CountingVecEnv(actionSpace);
  const rng = new Rng(0);
  const policy = makePolicy(venv.singleObservationSpace, actionSpace, { hidden: [4], normalizeObservations: false, logStdInit: 1 }, rng);
  const value = new ValueFunction(2, { hidden: [4], activation: 'tanh' }, rng, (o) => policy.normalize(o));
  return { venv, policy, value };
}

describe('RolloutCollector', () => {
  it('bootstraps time-limit cuts from V(final observation) and none at terminal states', async () => {
    const { venv, policy, value } = setup(new Discrete(2));
    const c = new RolloutCollector(venv, policy, value, { numSteps: 4, gamma: 0.9, gaeLambda: 0.8, normalizeRewards: false });
    c.reset(0);
    const before = tf.memory().numTensors;
    const ro = await c.collect(new Rng(1));
    expect(tf.memory().numTensors).toBe(before);
    // time-major rows t·2 + e: env 0 is cut at t = 2, env 1 terminates at t = 1 and t = 3
    expect(Array.from(ro.truncated)).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(ro.terminated)).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(ro.observations.subarray(0, 8))).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    const vFinal = value.predict(Float32Array.from([3, 0]))[0];
    const vReset = value.predict(Float32Array.from([0, 0]))[0];
    expect(ro.finalValues[4]).toBeCloseTo(vFinal, 6);
    expect(vFinal).not.toBeCloseTo(vReset, 3);
    expect(ro.finalValues.filter((_, i) => i !== 4).every((v) => v === 0)).toBe(true);
    expect(ro.values[4]).toBeCloseTo(value.predict(Float32Array.from([2, 0]))[0], 6);
    const expected = computeGAE({
      rewards: ro.rewards, values: ro.values, terminated: ro.terminated, truncated: ro.truncated, finalValues: ro.finalValues,
      lastValues: value.predict(Float32Array.from([1, 0, 0, 1])), numSteps: 4, numEnvs: 2, gamma: 0.9, lambda: 0.8,
    });
    expect(Array.from(ro.advantages)).toEqual(Array.from(expected.advantages));
    expect(ro.advantages[4]).toBeCloseTo(1 + 0.9 * vFinal - ro.values[4], 5);
    expect(ro.episodeReturns.sort()).toEqual([2, 2, 3]);
    policy.dispose();
    value.dispose();
  });

  it('clips Gaussian samples to the Box for the env and keeps the sampled action for the learner', async () => {
    const { venv, policy, value } = setup(new Box(-0.1, 0.1, [1]));
    const c = new RolloutCollector(venv, policy, value, { numSteps: 8, gamma: 0.99, gaeLambda: 0.95, normalizeRewards: true });
    c.reset(0);
    const ro = await c.collect(new Rng(2));
    const sent = venv.seen.flat();
    expect(sent.every((a) => a >= -0.1 - 1e-7 && a <= 0.1 + 1e-7)).toBe(true);
    expect(Array.from(ro.actions).some((a) => Math.abs(a) > 0.1)).toBe(true); // σ = e ≫ 0.1
    // normalized rewards: 1 / std of the running discounted return
    expect(ro.rewards.every((r) => r > 0 && r !== 1)).toBe(true);
    policy.dispose();
    value.dispose();
  });
});
