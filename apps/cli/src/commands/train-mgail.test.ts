import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@mgail/core-autodiff-graph';
import { cartPoleLinearExpert } from '@mgail/baselines-gail-bc';
import { cli, recordDemos, useTempDir } from '../test-helpers.js';

const tmp = useTempDir('mgail-cli-mgail-');
let demos: string, cfg: string;
beforeAll(async () => {
  await initBackend({ quiet: true });
  demos = recordDemos(tmp.join('demos.npz'), 'CartPole-v1', cartPoleLinearExpert, 2);
  cfg = tmp.join('tiny.json');
  fs.writeFileSync(cfg, JSON.stringify({
    iterations: 30, prepIterations: 10, initialRandomSteps: 100, modelPretrainSteps: 2, evalEvery: 15, evalEpisodes: 1,
    policyHidden: [8], modelHidden: [8], discHidden: [8], modelEncoderDim: 8, unrollBatch: 2, horizon: 3,
  }));
});

describe('mgail train --algo mgail', () => {
  it('trains into a run directory, refuses to overwrite it, and resumes it', async () => {
    const out = tmp.join('run');
    const argv = ['train', '--algo', 'mgail', '--env', 'CartPole-v1', '--demos', demos, '--trajectories', '1', '--seed', '3', '--config', cfg, '--forward-model', 'advanced', '--out', out, '--eval-episodes', '1'];
    const t = await cli(...argv);
    expect(t.err).not.toMatch(/error/);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/mgail on CartPole-v1 \(1 trajectories, seed 3\): final return/);
    for (const f of ['policy.ckpt', 'checkpoint.ckpt', 'config.json', 'metrics.jsonl', 'metrics.csv', 'summary.json']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const info = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(info).toMatchObject({ algo: 'mgail', env: 'CartPole-v1', seed: 3, trajectories: 1, demos });
    expect(info.config).toMatchObject({ forwardModel: 'advanced', iterations: 30 });
    const rows = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const k of ['global_step', 'time/elapsed_s', 'eval/return_mean', 'eval/return_std', 'losses/discriminator', 'disc/expert_accuracy', 'disc/agent_accuracy', 'losses/forward_model', 'losses/policy', 'time/sps']) {
      expect(rows.some((r) => typeof r[k] === 'number'), k).toBe(true);
    }
    const again = await cli(...argv);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds a trained policy/);
    const resumed = await cli(...argv, '--resume');
    expect(resumed.code).toBe(0);
  });

  it('names a bad --forward-model', async () => {
    const r = await cli('train', '--algo', 'mgail', '--env', 'CartPole-v1', '--demos', demos, '--config', cfg, '--forward-model', 'lstm', '--out', tmp.join('bad'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--forward-model must be basic or advanced, got "lstm"/);
  });
});
