import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@mgail/core-autodiff-graph';
import { cli, useTempDir } from '../test-helpers.js';

const tmp = useTempDir('mgail-cli-expert-');
beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('train-expert', () => {
  it('trains TRPO with a separate run directory, refuses to overwrite it, and resumes a finished run', async () => {
    const out = tmp.join('expert');
    const run = tmp.join('run');
    const args = ['train-expert', '--env', 'CartPole-v1', '--algo', 'trpo', '--seed', '2', '--num-envs', '2', '--out', out, '--run-dir', run, '--eval-episodes', '2'];
    const t = await cli(...args, '--steps', '1024');
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/CartPole-v1 trpo: 1024 steps, deterministic return [\d.]+ ± [\d.]+ over 2 episodes/);
    for (const f of ['policy.ckpt', 'summary.json']) expect(fs.existsSync(path.join(out, f))).toBe(true);
    for (const f of ['checkpoint.ckpt', 'config.json', 'metrics.jsonl', 'metrics.csv']) expect(fs.existsSync(path.join(run, f))).toBe(true);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.command).toContain('--algo trpo --steps 1024 --seed 2 --num-envs 2');
    expect(summary.config.numEnvs).toBe(2);

    const again = await cli(...args);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^mgail: error: .*already holds a training checkpoint; pass --resume/);
    const resumed = await cli(...args, '--resume');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/1024 steps/);
    const wrongSteps = await cli(...args, '--resume', '--steps', '2048');
    expect(wrongSteps.code).toBe(1);
    expect(wrongSteps.err).toMatch(/run of 1024 steps/);
  });

  it('gives one-line errors for bad input', async () => {
    const algo = await cli('train-expert', '--env', 'CartPole-v1', '--algo', 'ddpg');
    expect(algo.code).toBe(1);
    expect(algo.err).toBe('mgail: error: unknown expert algorithm "ddpg" (choose one of: ppo, trpo, sac)');
    const discrete = await cli('train-expert', '--env', 'CartPole-v1', '--algo', 'sac');
    expect(discrete.code).toBe(1);
    expect(discrete.err).toBe('mgail: error: --algo sac: SAC needs continuous (Box) actions and CartPole-v1 has Discrete(2); use --algo ppo or trpo');
    const env = await cli('train-expert', '--env', 'CartPole-v0');
    expect(env.code).toBe(1);
    expect(env.err).toMatch(/^mgail: error: unknown env "CartPole-v0" \(known envs: CartPole-v1/);
    const resume = await cli('train-expert', '--env', 'CartPole-v1', '--resume');
    expect(resume.err).toMatch(/--resume needs --out DIR/);
  });
});
