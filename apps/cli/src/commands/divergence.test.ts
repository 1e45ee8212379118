import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@mgail/core-autodiff-graph';
import { cli, recordDemos, useTempDir } from '../test-helpers.js';

const tmp = useTempDir('mgail-cli-diverge-');
let demos: string;
beforeAll(async () => {
  await initBackend({ quiet: true });
  demos = recordDemos(tmp.join('pendulum.npz'), 'Pendulum-v1', (o) => [Math.max(-2, Math.min(2, -3 * o[1] - 0.5 * o[2]))], 2);
});

describe('divergence guard in the CLI', () => {
  it('train-expert stops with a one-line error on an absurd learning rate and publishes no policy', async () => {
    const cfg = tmp.write('ppo-lr.yaml', 'lr: 1.0e+8\nnumEnvs: 2\nnumSteps: 64\nhidden: [8]\nvalueHidden: [8]\n');
    const out = tmp.join('ppo');
    const r = await cli('train-expert', '--env', 'Pendulum-v1', '--algo', 'ppo', '--steps', '1024', '--config', cfg, '--checkpoint-every', '1', '--out', out);
    expect(r.code).toBe(1);
    const errs = r.err.split('\n').filter((l) => l.startsWith('mgail: error'));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^mgail: error: ppo diverged: losses\/\w+ is NaN at step \d+; (the last good checkpoint \(step \d+\) is kept in .*checkpoint\.ckpt|no checkpoint was written)$/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(out, 'policy.ckpt'))).toBe(false);
  });

  it('train --algo bc stops with a one-line error and keeps a policy already in --out (moved aside by --force)', async () => {
    const out = tmp.join('bc');
    const ok = await cli('train', '--algo', 'bc', '--env', 'Pendulum-v1', '--demos', demos, '--out', out, '--config', tmp.write('bc-ok.yaml', 'maxEpochs: 2\n'), '--eval-episodes', '1');
    expect(ok.code, ok.err).toBe(0);
    const before = fs.readFileSync(path.join(out, 'policy.ckpt'));
    const r = await cli('train', '--algo', 'bc', '--env', 'Pendulum-v1', '--demos', demos, '--out', out, '--force', '--config', tmp.write('bc-lr.yaml', 'lr: 1.0e+4\nmaxEpochs: 5\n'));
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter((l) => l.startsWith('mgail: error'))).toEqual(['mgail: error: bc diverged: losses/bc_train is NaN at epoch 0']);
    // the diverged run wrote no policy; --force moved the good one aside, not beside the new run's files
    expect(fs.existsSync(path.join(out, 'policy.ckpt'))).toBe(false);
    expect(fs.readFileSync(path.join(out, 'previous-run', 'policy.ckpt')).equals(before)).toBe(true);
  });
});
