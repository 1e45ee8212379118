import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '@mgail/envs-classic';
import { ParallelVectorEnv } from './parallel.js';
import { makeVec } from './vector.js';

// The workers run the built dist/parallel-worker.js: build the package before these tests.

function batch(rng: Rng, n: number, d: number): Float32Array {
  const a = new Float32Array(n * d);
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

describe('ParallelVectorEnv', () => {
  it.each([
    ['next-step', {}],
    ['same-step', { useMainThread: false, numWorkers: 2 }],
  ] as const)('equals MujocoVectorEnv step for step (%s, %o)', async (mode, threads) => {
    const n = 4;
    const par = await ParallelVectorEnv.create('Hopper-v5', n, { autoresetMode: mode, ...threads });
    const sync = await makeVec('Hopper-v5', n, { autoresetMode: mode });
    try {
      expect(par.numWorkers + (par.mainThreadEnvs > 0 ? 1 : 0)).toBeGreaterThanOrEqual(2);
      expect(par.singleActionSpace.low).toEqual(sync.singleActionSpace.low);
      expect(par.spec.id).toBe('Hopper-v5');
      expect(await par.reset({ seed: 21 })).toEqual(sync.reset({ seed: 21 }));
      const rng = new Rng(3);
      let ended = 0;
      for (let t = 0; t < 60; t++) {
        const a = batch(rng, n, 3);
        const p = await par.step(a);
        const s = sync.step(a);
        expect(p).toEqual(s);
        ended += p.infos.episodes.length;
      }
      expect(ended).toBeGreaterThan(0);
      expect(par.episodeStatistics.recent).toEqual(sync.episodeStatistics.recent);
    } finally {
      await par.close();
      sync.close();
    }
  });

  it('rejects bad actions before stepping, refuses overlapping calls, and closes its workers', async () => {
    const par = await ParallelVectorEnv.create('HalfCheetah-v5', 3, { numWorkers: 1, useMainThread: false });
    await par.reset({ seed: 0 });
    const bad = new Float32Array(18);
    bad[13] = Infinity;
    await expect(par.step(bad)).rejects.toThrow('ParallelVectorEnv(HalfCheetah-v5): env 2: action[1] is Infinity; actions must be finite numbers');
    const first = par.step(new Float32Array(18));
    await expect(par.step(new Float32Array(18))).rejects.toThrow(/still running; await it/);
    expect((await first).rewards.length).toBe(3);
    await par.close();
    await expect(par.step(new Float32Array(18))).rejects.toThrow(/closed/);
    await par.close(); // idempotent
  });

  it('reports option errors before starting workers', async () => {
    await expect(ParallelVectorEnv.create('Hopper-v5', 2, { frameSkip: -1 })).rejects.toThrow(/frameSkip must be a positive integer/);
    await expect(ParallelVectorEnv.create('Hopper-v5', 2, { numWorkers: 2 })).rejects.toThrow(/numWorkers must be an integer in \[1, 1\]/);
  });

  it.each([true, false])('an invalid xmlFile fails cleanly (useMainThread %s)', async (useMainThread) => {
    const file = path.join(os.tmpdir(), `mgail-parallel-bad-${process.pid}.xml`);
    fs.writeFileSync(file, '<mujoco><worldbody><body><geom size="x"/></body></worldbody></mujoco>');
    try {
      await expect(ParallelVectorEnv.create('Hopper-v5', 2, { xmlFile: file, useMainThread })).rejects.toThrow(/invalid MuJoCo XML .*bad format in attribute 'size'/s);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
