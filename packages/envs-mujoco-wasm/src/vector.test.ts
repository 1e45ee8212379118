import { describe, expect, it } from 'vitest';
import { Rng } from '@mgail/envs-classic';
import type { Info } from '@mgail/envs-classic';
import { addWarningInfo, type MujocoEnv } from './mujoco-env.js';
import { make } from './registry.js';
import { makeVec, MujocoVectorEnv } from './vector.js';
import type { AutoresetMode } from './vector-core.js';

const N = 3;

function actionBatch(rng: Rng, n: number, lo: Float32Array, hi: Float32Array): Float32Array {
  const d = lo.length, out = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) out[i] = rng.uniform(lo[i % d], hi[i % d]);
  return out;
}

/** Gymnasium's SyncVectorEnv semantics written out over N single envs (the oracle). */
class Oracle {
  private pending: boolean[];
  constructor(readonly envs: MujocoEnv[], readonly mode: AutoresetMode) {
    this.pending = envs.map(() => false);
  }
  reset(seed: number) {
    this.pending.fill(false);
    return this.envs.map((e, i) => e.reset({ seed: seed + i }));
  }
  step(actions: Float32Array) {
    const d = this.envs[0].nu;
    return this.envs.map((env, i) => {
      if (this.pending[i]) {
        this.pending[i] = false;
        const r = env.reset();
        return { observation: r.observation, reward: 0, terminated: false, truncated: false, info: r.info as Info, finalObservation: null as Float64Array | null };
      }
      const s = env.step(actions.subarray(i * d, (i + 1) * d));
      const done = s.terminated || s.truncated;
      if (!done) return { ...s, finalObservation: null };
      if (this.mode === 'next-step') {
        this.pending[i] = true;
        return { ...s, finalObservation: s.observation };
      }
      const r = env.reset();
      return { ...s, observation: r.observation, info: { ...r.info, finalInfo: s.info }, finalObservation: s.observation };
    });
  }
}

describe.each(['next-step', 'same-step'] as const)('MujocoVectorEnv (%s)', (mode) => {
  it('equals N single envs with seeds n, n+1, ... including auto-resets', async () => {
    const venv = await makeVec('Hopper-v5', N, { autoresetMode: mode });
    const singles = await Promise.all(Array.from({ length: N }, () => make('Hopper-v5')));
    const oracle = new Oracle(singles, mode);
    try {
      const r = venv.reset({ seed: 5 });
      const o = oracle.reset(5);
      expect(r.observations).toEqual(Float64Array.from(o.flatMap((x) => Array.from(x.observation))));
      expect(r.infos.perEnv).toEqual(o.map((x) => x.info));

      const rng = new Rng(11);
      let resets = 0;
      for (let t = 0; t < 80; t++) {
        const a = actionBatch(rng, N, venv.singleActionSpace.low, venv.singleActionSpace.high);
        const got = venv.step(a);
        const exp = oracle.step(a);
        expect(got.observations).toEqual(Float64Array.from(exp.flatMap((x) => Array.from(x.observation))));
        expect(Array.from(got.rewards)).toEqual(exp.map((x) => x.reward));
        expect(Array.from(got.terminated)).toEqual(exp.map((x) => (x.terminated ? 1 : 0)));
        expect(Array.from(got.truncated)).toEqual(exp.map((x) => (x.truncated ? 1 : 0)));
        expect(got.infos.perEnv).toEqual(exp.map((x) => addWarningInfo({ ...x.info }, -1)));
        expect(got.finalObservations).toEqual(exp.map((x) => x.finalObservation));
        resets += exp.filter((x) => x.finalObservation).length;
        expect(got.infos.episodes.length).toBe(exp.filter((x) => x.finalObservation).length);
      }
      expect(resets).toBeGreaterThan(2); // random actions topple the hopper: auto-reset was exercised
      expect(venv.episodeStatistics.episodeCount).toBe(resets);
    } finally {
      venv.close();
      for (const s of singles) s.close();
    }
  });
});

describe('MujocoVectorEnv API', () => {
  it('shares one compiled model across its envs and frees it on close', async () => {
    const venv = await makeVec('Ant-v5', 2);
    const shared = venv.envs.map((e) => (e as unknown as { shared: unknown }).shared);
    expect(shared[0]).toBe(shared[1]);
    expect(venv.obsDim).toBe(105);
    expect(venv.actDim).toBe(8);
    venv.close();
    expect(venv.envs.every((e) => e.isClosed)).toBe(true);
    expect(() => venv.reset()).toThrow(/closed/);
  });

  it('accepts one action per env; rejects bad batches before stepping any env', async () => {
    const venv = await makeVec('HalfCheetah-v5', 2, { maxEpisodeSteps: 2 });
    expect(() => venv.step(new Float32Array(12))).toThrow(/step\(\) called before reset/);
    venv.reset({ seed: [4, 9] });
    const perEnv = [new Float32Array(6).fill(0.1), new Float32Array(6).fill(-0.1)];
    expect(venv.step(perEnv).rewards.length).toBe(2);
    expect(() => venv.step(new Float32Array(11))).toThrow('MujocoVectorEnv(HalfCheetah-v5): actions have length 11, expected 12 (numEnvs 2 * action size 6)');
    const bad = new Float32Array(12);
    bad[7] = NaN;
    const before = venv.envs.map((e) => e.getState());
    expect(() => venv.step(bad)).toThrow('MujocoVectorEnv(HalfCheetah-v5): env 1: action[1] is NaN; actions must be finite numbers');
    expect(venv.envs.map((e) => e.getState())).toEqual(before);
    const s = venv.step(perEnv);
    expect(Array.from(s.truncated)).toEqual([1, 1]);
    expect(s.finalObservations.every((o) => o instanceof Float64Array)).toBe(true);
    venv.close();
  });

  it('first unseeded reset seeds env i with i', async () => {
    const a = await makeVec('Hopper-v5', 2);
    const b = await makeVec('Hopper-v5', 2);
    expect(a.reset().observations).toEqual(b.reset({ seed: 0 }).observations);
    a.close();
    b.close();
  });

  it('the constructor rejects envs that differ', async () => {
    const h = await make('Hopper-v5');
    const w = await make('Walker2d-v5');
    expect(() => new MujocoVectorEnv([h, w])).toThrow(/env 1 \(Walker2d-v5, obs 17, action 6\) differs from env 0 \(Hopper-v5, obs 11, action 3\)/);
    h.close();
    w.close();
  });
});
