import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { collectDemos, readDemos, selectEpisodes, writeDemos } from './demos.js';
import { crc32, crc32Table } from './npz.js';
import { makePolicy } from './policy.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-demos-'));

function demosOf(id: string, episodes: number) {
  const env = make(id);
  const p = makePolicy(env.observationSpace, env.actionSpace, { hidden: [8] }, new Rng(1));
  return collectDemos(env, p, { episodes, seed: 4, deterministic: false, source: 'random-init policy' });
}

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

describe('demonstrations', () => {
  it('round-trips discrete and continuous demonstrations', () => {
    for (const id of ['CartPole-v1', 'Pendulum-v1']) {
      const d = demosOf(id, 3);
      const file = path.join(tmp(), 'demos.npz');
      writeDemos(file, d);
      const r = readDemos(file, { envId: id });
      expect(r.discrete).toBe(d.discrete);
      expect(Array.from(r.observations)).toEqual(Array.from(d.observations));
      expect(Array.from(r.actions)).toEqual(Array.from(d.actions));
      expect(Array.from(r.rewards)).toEqual(Array.from(d.rewards));
      expect(Array.from(r.nextObservations)).toEqual(Array.from(d.nextObservations));
      expect(Array.from(r.terminated)).toEqual(Array.from(d.terminated));
      expect(r.episodeStarts).toEqual(d.episodeStarts);
      expect(r.metadata.returns).toEqual(d.metadata.returns);
      // per-episode returns match the rewards
      r.episodeStarts.forEach((s, i) => {
        const sum = Array.from(r.rewards.subarray(s, s + r.episodeLengths[i])).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(r.metadata.returns[i], 3);
      });
    }
  });

  it('records MuJoCo-style qpos/qvel when the env has them, and keeps them through a round trip', () => {
    const env = make('CartPole-v1') as ReturnType<typeof make> & { getState(): unknown };
    // a stand-in for a MuJoCo env: getState() gives {qpos, qvel} before each action
    env.getState = () => ({ qpos: [0, 1, 2], qvel: [3, 4] });
    const p = makePolicy(env.observationSpace, env.actionSpace, { hidden: [8] }, new Rng(1));
    const d = collectDemos(env, p, { episodes: 2, seed: 0 });
    expect(d.nq).toBe(3);
    expect(d.nv).toBe(2);
    const file = path.join(tmp(), 'demos.npz');
    writeDemos(file, d);
    const r = readDemos(file);
    expect(r.qpos!.length).toBe(3 * r.rewards.length);
    expect(Array.from(r.qvel!.subarray(0, 2))).toEqual([3, 4]);
    expect(selectEpisodes(r, 1).qpos!.length).toBe(3 * r.episodeLengths[0]);
  });

  it('selects the first k trajectories', () => {
    const d = demosOf('CartPole-v1', 4);
    const s = selectEpisodes(d, 2);
    expect(s.episodeStarts).toHaveLength(2);
    expect(s.rewards.length).toBe(d.episodeLengths[0] + d.episodeLengths[1]);
    expect(s.metadata.returns).toEqual(d.metadata.returns.slice(0, 2));
    expect(() => selectEpisodes(d, 5)).toThrow(/hold 4 trajectories, 5 were asked/);
  });

  it('subsamples every K-th pair of each episode from a seeded offset, in every array', () => {
    const env = make('CartPole-v1') as ReturnType<typeof make> & { getState(): unknown };
    let t = 0;
    // qpos[0] numbers the rows, so the kept qpos rows say which pairs were kept
    env.getState = () => ({ qpos: [t++], qvel: [0] });
    const p = makePolicy(env.observationSpace, env.actionSpace, { hidden: [8] }, new Rng(1));
    const d = collectDemos(env, p, { episodes: 5, seed: 3, deterministic: false });
    const K = 4;
    const s = selectEpisodes(d, { trajectories: 3, subsample: K, seed: 11 });
    const sel = s.metadata.selection!;
    expect(sel).toMatchObject({ trajectories: 3, subsample: K, offsetSeed: 11, episodePairs: d.episodeLengths[0] + d.episodeLengths[1] + d.episodeLengths[2] });
    expect(sel.offsets.every((o) => Number.isInteger(o) && o >= 0 && o < K)).toBe(true);
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = sel.offsets[i]; j < d.episodeLengths[i]; j += K) expected.push(d.episodeStarts[i] + j);
    expect(Array.from(s.qpos!)).toEqual(expected);
    expect(sel.keptPairs).toBe(expected.length);
    expect(s.rewards.length).toBe(expected.length);
    expect(s.episodeLengths.reduce((a, b) => a + b, 0)).toBe(expected.length);
    // every array is cut by the same rows
    expected.forEach((r, j) => {
      expect(Array.from(s.observations.subarray(j * 4, j * 4 + 4))).toEqual(Array.from(d.observations.subarray(r * 4, r * 4 + 4)));
      expect(Array.from(s.nextObservations.subarray(j * 4, j * 4 + 4))).toEqual(Array.from(d.nextObservations.subarray(r * 4, r * 4 + 4)));
      expect(s.actions[j]).toBe(d.actions[r]);
    });
    // the whole episodes' returns stay the expert's level
    expect(s.metadata.returns).toEqual(d.metadata.returns.slice(0, 3));
    // the offsets are the seed's: same seed, same pairs; across seeds they differ
    expect(selectEpisodes(d, { trajectories: 3, subsample: K, seed: 11 }).metadata.selection!.offsets).toEqual(sel.offsets);
    const offsetsBySeed = new Set(Array.from({ length: 8 }, (_, seed) => selectEpisodes(d, { trajectories: 3, subsample: K, seed }).metadata.selection!.offsets.join()));
    expect(offsetsBySeed.size).toBeGreaterThan(1);
    expect(() => selectEpisodes(s, { subsample: 2 })).toThrow(/already subsampled/);
    expect(() => selectEpisodes(d, { subsample: 0 })).toThrow(/subsample must be a positive integer/);
  });

  it('records how actions were chosen; stochastic Box actions are clipped to the space as the env receives them', () => {
    const env = make('Pendulum-v1');
    // a wide policy: log-std 1 puts many samples outside [-2, 2]
    const p = makePolicy(env.observationSpace, env.actionSpace, { hidden: [8], logStdInit: 1 }, new Rng(1));
    const d = collectDemos(env, p, { episodes: 1, seed: 0, deterministic: false });
    expect(d.metadata.actionSelection).toBe('stochastic');
    expect(Math.max(...Array.from(d.actions))).toBeLessThanOrEqual(2);
    expect(Math.min(...Array.from(d.actions))).toBeGreaterThanOrEqual(-2);
    expect(Array.from(d.actions).filter((a) => Math.abs(a) === 2).length).toBeGreaterThan(0);
    expect(collectDemos(make('CartPole-v1'), makePolicy(make('CartPole-v1').observationSpace, make('CartPole-v1').actionSpace, { hidden: [8] }, new Rng(1)), { episodes: 1, seed: 0 }).metadata.actionSelection).toBe('deterministic');
  });

  it('rejects a truncated file, a non-npz file, another env and mismatched dimensions', () => {
    const dir = tmp();
    const file = path.join(dir, 'demos.npz');
    writeDemos(file, demosOf('CartPole-v1', 2));
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(path.join(dir, 'cut.npz'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(() => readDemos(path.join(dir, 'cut.npz'))).toThrow(/cut.npz: truncated/);
    fs.writeFileSync(path.join(dir, 'text.npz'), 'hello');
    expect(() => readDemos(path.join(dir, 'text.npz'))).toThrow(/not an .npz file/);
    expect(() => readDemos(file, { envId: 'Acrobot-v1' })).toThrow(/demonstrations of CartPole-v1, not Acrobot-v1/);
    expect(() => readDemos(file, { obsDim: 6 })).toThrow(/observations have 4 dimensions, the env has 6/);
    expect(() => readDemos(path.join(dir, 'missing.npz'))).toThrow(/not found/);
  });

  it.skipIf(!hasNumpy)('loads in numpy without allow_pickle, with returns matching the metadata', () => {
    const file = path.join(tmp(), 'demos.npz');
    writeDemos(file, demosOf('CartPole-v1', 3));
    const script = [
      'import json, sys, numpy as np',
      'd = np.load(sys.argv[1])',
      'm = json.loads(str(d["metadata"]))',
      'r = [float(d["rewards"][s:s+l].sum()) for s, l in zip(d["episode_starts"], d["episode_lengths"])]',
      'assert np.allclose(r, m["returns"]), (r, m["returns"])',
      'print(json.dumps({"obs": list(d["observations"].shape), "act": str(d["actions"].dtype), "env": m["envId"]}))',
    ].join('\n');
    const out = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
    expect(out.env).toBe('CartPole-v1');
    expect(out.obs[1]).toBe(4);
    expect(out.act).toBe('int64');
  });
  it.skipIf(!hasNumpy)('reads files numpy writes (np.savez and np.savez_compressed, int32 actions)', () => {
    const dir = tmp();
    const script = [
      'import json, sys, numpy as np',
      'n, meta = 5, {"format": "mgail-demos", "formatVersion": 1, "envId": "CartPole-v1", "observationSpace": {"kind": "box", "shape": [4], "low": ["-inf"] * 4, "high": ["inf"] * 4}, "actionSpace": {"kind": "discrete", "n": 2}, "returns": [2.0, 3.0]}',
      'arrs = dict(observations=np.arange(n * 4, dtype=np.float32).reshape(n, 4), actions=np.array([0, 1, 1, 0, 1], dtype=np.int32), rewards=np.ones(n, np.float32),',
      '  next_observations=np.zeros((n, 4), np.float32), terminated=np.array([0, 1, 0, 0, 1], bool), truncated=np.zeros(n, bool),',
      '  episode_starts=np.array([0, 2]), episode_lengths=np.array([2, 3]), metadata=np.array(json.dumps(meta)))',
      'np.savez(sys.argv[1] + "/plain.npz", **arrs)',
      'np.savez_compressed(sys.argv[1] + "/compressed.npz", **arrs)',
    ].join('\n');
    execFileSync('python3', ['-c', script, dir]);
    for (const f of ['plain.npz', 'compressed.npz']) {
      const d = readDemos(path.join(dir, f), { envId: 'CartPole-v1', obsDim: 4 });
      expect(d.discrete).toBe(true);
      expect(Array.from(d.actions)).toEqual([0, 1, 1, 0, 1]);
      expect(d.observations[19]).toBe(19);
      expect(Array.from(d.terminated)).toEqual([0, 1, 0, 0, 1]);
      expect(d.episodeLengths).toEqual([2, 3]);
    }
  });

  it('CRC-32 fallback table agrees with zlib', () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 31 + 7) & 0xff);
    expect(crc32Table(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32Table(bytes)).toBe(crc32(bytes));
  });

  if (!hasNumpy) console.warn('python3 with numpy not found: skipping the numpy load check');
});
