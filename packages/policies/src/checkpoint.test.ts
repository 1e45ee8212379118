import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { loadPolicy, resolvePolicyPath, savePolicy } from './checkpoint.js';
import { evaluatePolicy } from './evaluate.js';
import { makePolicy } from './policy.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-ckpt-'));

describe('policy checkpoints', () => {
  for (const id of ['CartPole-v1', 'Pendulum-v1']) {
    it(`${id}: a loaded policy acts identically to the saved one`, () => {
      const env = make(id);
      const p = makePolicy(env.observationSpace, env.actionSpace, { hidden: [16, 16] }, new Rng(3));
      p.normalizer.update(new Float32Array(env.observationSpace.size * 4).map((_, i) => Math.sin(i)));
      const file = path.join(tmp(), 'policy.ckpt');
      savePolicy(file, p, { envId: id, algo: 'test' });
      const { policy: q, meta } = loadPolicy(file, { envId: id });
      expect(meta.envId).toBe(id);
      expect(meta.extra.algo).toBe('test');
      const obs = new Float32Array(env.observationSpace.size * 5).map((_, i) => Math.cos(i));
      expect(Array.from(q.act(obs, { rng: new Rng(7) }).actions)).toEqual(Array.from(p.act(obs, { rng: new Rng(7) }).actions));
      expect(Array.from(q.act(obs, { deterministic: true }).actions)).toEqual(Array.from(p.act(obs, { deterministic: true }).actions));
      const e1 = evaluatePolicy(make(id), p, { episodes: 2, seed: 1 });
      const e2 = evaluatePolicy(make(id), q, { episodes: 2, seed: 1 });
      expect(e2.returns).toEqual(e1.returns);
    });
  }

  it('names the problem for a missing, corrupt, or foreign checkpoint', () => {
    const dir = tmp();
    expect(() => loadPolicy(path.join(dir, 'nope.ckpt'))).toThrow(/not found/);
    fs.writeFileSync(path.join(dir, 'bad.ckpt'), 'garbage');
    expect(() => loadPolicy(path.join(dir, 'bad.ckpt'))).toThrow(/bad.ckpt is not a valid policy checkpoint/);
    const env = make('CartPole-v1');
    const p = makePolicy(env.observationSpace, env.actionSpace, {}, new Rng(1));
    const good = path.join(dir, 'policy.ckpt');
    savePolicy(good, p, { envId: 'CartPole-v1' });
    expect(() => loadPolicy(good, { envId: 'Acrobot-v1' })).toThrow(/trained on CartPole-v1, not Acrobot-v1/);
    expect(() => loadPolicy(good, { observationSpace: make('Acrobot-v1').observationSpace })).toThrow(/observations of size 4, the env gives 6/);
    // truncated file
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(path.join(dir, 'cut.ckpt'), bytes.subarray(0, bytes.length - 10));
    expect(() => loadPolicy(path.join(dir, 'cut.ckpt'))).toThrow(/cut.ckpt/);
  });

  it('resolves a folder holding one checkpoint', () => {
    const dir = tmp();
    expect(() => resolvePolicyPath(dir)).toThrow(/without a policy checkpoint/);
    fs.writeFileSync(path.join(dir, 'a.ckpt'), '');
    expect(resolvePolicyPath(dir)).toBe(path.join(dir, 'a.ckpt'));
    fs.writeFileSync(path.join(dir, 'b.ckpt'), '');
    expect(() => resolvePolicyPath(dir)).toThrow(/several checkpoints/);
    fs.writeFileSync(path.join(dir, 'policy.ckpt'), '');
    expect(resolvePolicyPath(dir)).toBe(path.join(dir, 'policy.ckpt'));
  });

  it('says a run folder without policy.ckpt has not finished (not that its training checkpoint is a bad policy)', () => {
    const run = tmp();
    fs.writeFileSync(path.join(run, 'config.json'), '{}');
    fs.writeFileSync(path.join(run, 'checkpoint.ckpt'), '');
    expect(() => resolvePolicyPath(run)).toThrow(/has not finished: it has no policy\.ckpt yet/);
    fs.writeFileSync(path.join(run, 'policy.ckpt'), '');
    expect(resolvePolicyPath(run)).toBe(path.join(run, 'policy.ckpt'));
  });
});
