import { describe, expect, it } from 'vitest';
import {
  CartPoleEnv,
  EpisodeStatistics,
  PendulumEnv,
  RecordEpisodeStatistics,
  SyncVectorEnv,
  TimeLimit,
  make,
  makeVec,
  type Env,
} from './index.js';

const inCartPoleReset = (o: ArrayLike<number>) => Array.from(o).every((x) => Math.abs(x) <= 0.05);
const row = (a: Float32Array, i: number, d: number) => Array.from(a.subarray(i * d, (i + 1) * d));

describe('SyncVectorEnv', () => {
  it('reset seeds env i with seed + i and batches float32 observations', () => {
    const vec = makeVec('CartPole-v1', 3);
    expect(vec.numEnvs).toBe(3);
    expect(vec.singleObservationSpace.size).toBe(4);
    expect(vec.singleActionSpace.kind).toBe('discrete');
    const { observations, infos } = vec.reset({ seed: 10 });
    expect(observations).toBeInstanceOf(Float32Array);
    expect(observations).toHaveLength(12);
    expect(infos.perEnv).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(row(observations, i, 4)).toEqual(Array.from(make('CartPole-v1').reset({ seed: 10 + i }).observation));
    }
  });

  it('steps like independent envs (Int32Array, number[] and per-env actions)', () => {
    const vec = makeVec('CartPole-v1', 2);
    vec.reset({ seed: 0 });
    const singles = [0, 1].map((i) => {
      const e = make('CartPole-v1');
      e.reset({ seed: i });
      return e;
    });
    const acts = [Int32Array.of(1, 0), [0, 1], [[1], [1]]];
    for (const a of acts) {
      const r = vec.step(a);
      expect(r.rewards).toBeInstanceOf(Float32Array);
      expect(r.terminated).toBeInstanceOf(Uint8Array);
      for (let i = 0; i < 2; i++) {
        const ai = Array.isArray(a[i]) ? (a[i] as number[])[0] : (a[i] as number);
        expect(row(r.observations, i, 4)).toEqual(Array.from(singles[i].step(ai).observation));
      }
    }
  });

  it('Box actions: Float32Array of numEnvs * actDim', () => {
    const vec = makeVec('Pendulum-v1', 2, { g: 9.81 });
    expect(vec.envs[0].spec.kwargs).toEqual({ g: 9.81 });
    vec.reset({ seed: 1 });
    const r = vec.step(Float32Array.of(0.5, -0.5));
    expect(r.observations).toHaveLength(6);
    expect(() => vec.step([0.5])).toThrow('SyncVectorEnv(Pendulum-v1): actions have length 1, expected 2 (numEnvs 2 * action size 1)');
    expect(() => vec.step([0.5, NaN])).toThrow('SyncVectorEnv: env 1: Pendulum-v1: action[0] is NaN; actions must be finite numbers');
  });

  it('errors: step before reset, bad numEnvs, bad mode, mismatched spaces, closed', () => {
    const vec = makeVec('CartPole-v1', 2);
    expect(() => vec.step([0, 0])).toThrow(/before reset/);
    expect(() => makeVec('CartPole-v1', 0)).toThrow(/numEnvs must be a positive integer/);
    expect(() => makeVec('CartPole-v1', 2, { autoresetMode: 'sometimes' as never })).toThrow(/autoresetMode/);
    expect(() => new SyncVectorEnv(2, (i): Env => (i === 0 ? new CartPoleEnv() : new PendulumEnv()))).toThrow(/all sub-envs must match/);
    expect(() => makeVec('CartPole-v1', 2, { bogus: 1 })).toThrow(/unknown option "bogus"/);
    vec.reset({ seed: 0 });
    expect(() => vec.step([0, 2])).toThrow(/env 1: CartPole-v1: invalid action 2/);
    vec.close();
    expect(() => vec.reset()).toThrow(/closed/);
  });

  it("'next-step' autoreset: terminal observation first, then a reset step with reward 0", () => {
    const vec = makeVec('CartPole-v1', 2, { maxEpisodeSteps: 50 });
    vec.reset({ seed: 0 });
    // Env 0 pushes right until the pole falls; env 1 balances-ish by alternating.
    let t = 0;
    let r = vec.step([1, t % 2]);
    while (!r.terminated[0]) r = vec.step([1, ++t % 2]);
    const terminal = row(r.observations, 0, 4);
    expect(inCartPoleReset(terminal)).toBe(false);
    expect(Array.from(r.finalObservations[0]!)).toEqual(terminal);
    expect(r.rewards[0]).toBe(1);
    expect(r.infos.episodes).toEqual([{ index: 0, return: t + 1, length: t + 1 }]);
    const next = vec.step([1, 0]);
    expect(inCartPoleReset(row(next.observations, 0, 4))).toBe(true);
    expect([next.rewards[0], next.terminated[0], next.truncated[0]]).toEqual([0, 0, 0]);
    expect(next.finalObservations[0]).toBeNull();
    // The reset continues env 0's own stream, as a single env's second reset does.
    const single = make('CartPole-v1');
    single.reset({ seed: 0 });
    expect(row(next.observations, 0, 4)).toEqual(Array.from(single.reset().observation));
  });

  it("'same-step' autoreset: reset observation in observations, terminal one in finalObservations", () => {
    const vec = makeVec('CartPole-v1', 2, { autoresetMode: 'same-step' });
    vec.reset({ seed: 0 });
    let r = vec.step([1, 0]);
    let steps = 1;
    while (!r.terminated[0]) {
      r = vec.step([1, 0]);
      steps++;
    }
    expect(inCartPoleReset(row(r.observations, 0, 4))).toBe(true);
    const fin = r.finalObservations[0]!;
    expect(inCartPoleReset(fin)).toBe(false);
    expect(Math.abs(fin[2]) > (12 * 2 * Math.PI) / 360 || Math.abs(fin[0]) > 2.4).toBe(true);
    expect(r.rewards[0]).toBe(1);
    expect(r.infos.perEnv[0]).toHaveProperty('finalInfo');
    expect(r.infos.episodes.map((e) => e.index)).toContain(0);
    expect(r.infos.episodes.find((e) => e.index === 0)).toEqual({ index: 0, return: steps, length: steps });
    // The next step is an ordinary step from the reset state.
    const next = vec.step([1, 0]);
    expect(next.rewards[0]).toBe(1);
    expect(next.terminated[0]).toBe(0);
  });

  it('truncation auto-resets too, and the statistics keep recent episodes', () => {
    const vec = makeVec('Pendulum-v1', 2, { maxEpisodeSteps: 5, autoresetMode: 'same-step' });
    vec.reset({ seed: 3 });
    let ended = 0;
    for (let t = 0; t < 15; t++) {
      const r = vec.step([0, 0]);
      if (t % 5 === 4) {
        expect(Array.from(r.truncated)).toEqual([1, 1]);
        expect(r.infos.episodes.map((e) => e.length)).toEqual([5, 5]);
        ended += r.infos.episodes.length;
      } else expect(r.infos.episodes).toEqual([]);
    }
    expect(ended).toBe(6);
    expect(vec.episodeStatistics.episodeCount).toBe(6);
    expect(vec.episodeStatistics.meanLength()).toBe(5);
  });

  it('the same seed reproduces a vectorized run', () => {
    const run = () => {
      const vec = makeVec('Acrobot-v1', 2, { maxEpisodeSteps: 8 });
      const out = [Array.from(vec.reset({ seed: 1 }).observations)];
      for (let t = 0; t < 20; t++) out.push(Array.from(vec.step([t % 3, (t + 1) % 3]).observations));
      return out;
    };
    expect(run()).toEqual(run());
  });
});

describe('wrappers', () => {
  it('EpisodeStatistics accumulates per env', () => {
    const s = new EpisodeStatistics(2, 2);
    expect(s.record(0, 1, false)).toBeNull();
    expect(s.record(1, 5, true)).toEqual({ index: 1, return: 5, length: 1 });
    expect(s.record(0, 2, true)).toEqual({ index: 0, return: 3, length: 2 });
    s.record(0, 1, true);
    expect(s.recent).toHaveLength(2);
    expect(s.meanReturn()).toBe(2);
  });

  it('RecordEpisodeStatistics adds info.episode at the end of an episode', () => {
    const env = new RecordEpisodeStatistics(make('CartPole-v1', { maxEpisodeSteps: 4 }));
    env.reset({ seed: 0 });
    const infos = [0, 1, 0, 1].map((a) => env.step(a).info);
    expect(infos.slice(0, 3).every((i) => !('episode' in i))).toBe(true);
    expect(infos[3].episode).toEqual({ index: 0, return: 4, length: 4 });
  });

  it('TimeLimit truncates a user env', () => {
    const env = new TimeLimit(new CartPoleEnv({ maxEpisodeSteps: 1000 }), 2);
    expect(env.spec.maxEpisodeSteps).toBe(2);
    env.reset({ seed: 0 });
    expect(env.step(0).truncated).toBe(false);
    expect(env.step(1).truncated).toBe(true);
  });
});
