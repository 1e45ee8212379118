import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { collectDemos, readDemos, selectEpisodes, writeDemos } from './demos.js';
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

  it('selects the first k trajectories', () => {
    const d = demosOf('CartPole-v1', 4);
    const s = selectEpisodes(d, 2);
    expect(s.episodeStarts).toHaveLength(2);
    expect(s.rewards.length).toBe(d.episodeLengths[0] + d.episodeLengths[1]);
    expect(s.metadata.returns).toEqual(d.metadata.returns.slice(0, 2));
    expect(() => selectEpisodes(d, 5)).toThrow(/hold 4 trajectories, 5 were asked/);
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
  if (!hasNumpy) console.warn('python3 with numpy not found: skipping the numpy load check');
});
