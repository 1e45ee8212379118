import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@mgail/core-autodiff-graph';
import { make, makeVec } from '@mgail/envs-classic';
import { evaluatePolicy, loadPolicy } from '@mgail/policies';
import { trainExpert, type TrainExpertOptions } from './expert.js';
import { SAC, sacConfig, type SACConfig } from './sac.js';
import type { VectorEnvLike } from './vec.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-sac-'));
  dirs.push(d);
  return d;
};
const pendulum = () => makeVec('Pendulum-v1', 1, { autoresetMode: 'same-step' }) as unknown as VectorEnvLike;
const tiny: Partial<SACConfig> = { hidden: [16], qHidden: [16], batchSize: 16, learningStarts: 100, stepsPerIteration: 200 };
const weights = (s: { policy: { weightTensors(): Record<string, { data: ArrayLike<number> }> } }) =>
  Object.fromEntries(Object.entries(s.policy.weightTensors()).map(([k, v]) => [k, Array.from(v.data)]));

describe('SAC', () => {
  it('learns Pendulum-v1 from random (about −1200) to better than −700 in 4000 env steps', async () => {
    const config = sacConfig('Pendulum-v1', { hidden: [32, 32], qHidden: [32, 32], batchSize: 64, learningStarts: 500, policyLr: 1e-3 });
    const sac = new SAC(pendulum(), config, { seed: 1, totalSteps: 4000 });
    while (sac.globalStep < 4000) await sac.iterate();
    const ev = evaluatePolicy(make('Pendulum-v1'), sac.policy, { episodes: 5, seed: 100, deterministic: true });
    expect(ev.mean).toBeGreaterThan(-700);
    sac.dispose();
  }, 120_000);

  it('keeps tf.memory().numTensors flat over iterations, α moves, and a stochastic action stays in the bounds', async () => {
    const sac = new SAC(pendulum(), sacConfig('Pendulum-v1', tiny), { seed: 2, totalSteps: 1200 });
    const counts: number[] = [];
    while (sac.globalStep < 1200) {
      const s = await sac.iterate();
      counts.push(tf.memory().numTensors);
      expect(s.extra['charts/buffer_size']).toBe(sac.globalStep);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(sac.alpha).not.toBeCloseTo(1, 3);
    const { actions } = sac.policy.act(new Float32Array([1, 0, 8]), { rng: new (await import('@mgail/core-autodiff-graph')).Rng(0) });
    expect(Math.abs(actions[0])).toBeLessThanOrEqual(2);
    sac.dispose();
  }, 60_000);

  it('a checkpoint holds the networks, targets, optimizers, α and the buffer: a resumed learner continues to the same weights', async () => {
    const dir = tmp();
    const file = path.join(dir, 'sac.ckpt');
    const a = new SAC(pendulum(), sacConfig('Pendulum-v1', tiny), { seed: 3, totalSteps: 1000 });
    for (let i = 0; i < 2; i++) await a.iterate();
    a.save(file, {}, 'Pendulum-v1');
    const b = new SAC(pendulum(), sacConfig('Pendulum-v1', tiny), { seed: 3, totalSteps: 1000 });
    const meta = await b.load(file);
    expect(meta.refilled).toBe(0);
    expect(b.buffer.size).toBe(a.buffer.size);
    expect(b.alpha).toBeCloseTo(a.alpha, 6);
    await a.iterate();
    await b.iterate();
    expect(weights(b)).toEqual(weights(a));
    // a light checkpoint (no buffer) refills it with the current policy before updating again
    const light = path.join(dir, 'light.ckpt');
    a.save(light, {}, 'Pendulum-v1', { withBuffer: false });
    expect(fs.statSync(light).size).toBeLessThan(fs.statSync(file).size);
    const c = new SAC(pendulum(), sacConfig('Pendulum-v1', tiny), { seed: 3, totalSteps: 1000 });
    const lm = await c.load(light);
    expect(lm.refilled).toBe(tiny.learningStarts);
    expect(c.buffer.size).toBe(tiny.learningStarts);
    expect(c.globalStep).toBe(a.globalStep);
    expect(weights(c)).toEqual(weights(a));
    for (const s of [a, b, c]) s.dispose();
  }, 60_000);

  it('trainExpert --algo sac: stopped after two iterations and resumed, it ends with the same policy as a run never stopped; a light checkpoint resumes on a machine without the run folder', async () => {
    const opts = (outDir: string, runDir: string): TrainExpertOptions => ({
      envId: 'Pendulum-v1', algo: 'sac', steps: 1000, seed: 5, outDir, runDir, quiet: true, checkpointEvery: 1, overrides: tiny, makeVecEnv: () => pendulum(),
    });
    const d1 = tmp(), d2 = tmp();
    const whole = await trainExpert(opts(d1, path.join(d1, 'run')));
    const part = await trainExpert({ ...opts(d2, path.join(d2, 'run')), maxIterationsThisSitting: 2, lightCheckpoint: { file: path.join(d2, 'light', 'checkpoint-light.ckpt'), every: 1 } });
    expect(part.finished).toBe(false);
    const resumed = await trainExpert({ ...opts(d2, path.join(d2, 'run')), resume: true });
    expect(resumed.finished).toBe(true);
    expect(weights(resumed)).toEqual(weights(whole));
    const saved = loadPolicy(path.join(d1, 'policy.ckpt'));
    expect(saved.meta.extra.algo).toBe('sac');
    expect(saved.meta.config).toMatchObject({ stateDependentStd: true, squash: 'tanh' });
    saved.policy.dispose();
    // a new machine: the run folder is gone, the light checkpoint was committed
    const d3 = tmp();
    const fromLight = await trainExpert({ ...opts(d3, path.join(d3, 'run')), resume: true, lightCheckpoint: { file: path.join(d2, 'light', 'checkpoint-light.ckpt'), every: 1 } });
    expect(fromLight.finished).toBe(true);
    const record = JSON.parse(fs.readFileSync(path.join(d3, 'run', 'config.json'), 'utf8'));
    expect(record.resumedFromLightCheckpoint).toMatchObject({ bufferSteps: tiny.learningStarts });
    for (const r of [whole, part, resumed, fromLight]) r.policy.dispose();
  }, 120_000);
});
