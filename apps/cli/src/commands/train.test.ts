import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@mgail/core-autodiff-graph';
import { readDemos } from '@mgail/policies';
import { cartPoleLinearExpert } from '@mgail/baselines-gail-bc';
import { cli, recordDemos, useTempDir } from '../test-helpers.js';

const tmp = useTempDir('mgail-cli-');
let demos: string;
beforeAll(async () => {
  await initBackend({ quiet: true });
  demos = recordDemos(tmp.join('demos.npz'), 'CartPole-v1', cartPoleLinearExpert, 4);
});

describe('train / eval / collect', () => {
  it('trains BC into a run directory, then evaluates and collects with its checkpoint', async () => {
    const out = tmp.join('bc-run');
    const cfg = tmp.join('bc.json');
    fs.writeFileSync(cfg, JSON.stringify({ maxEpochs: 10 }));
    const t = await cli('train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', demos, '--trajectories', '4', '--seed', '1', '--out', out, '--config', cfg, '--eval-episodes', '2');
    expect(t.err).not.toMatch(/error/);
    expect(t.code).toBe(0);
    for (const f of ['policy.ckpt', 'config.json', 'metrics.jsonl', 'metrics.csv', 'summary.json']) expect(fs.existsSync(path.join(out, f))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).config.maxEpochs).toBe(10);

    const e = await cli('eval', '--env', 'CartPole-v1', '--policy', out, '--episodes', '3', '--json');
    expect(e.code).toBe(0);
    const r = JSON.parse(e.out);
    expect(r.episodes).toBe(3);
    expect(typeof r.mean).toBe('number');
    expect(typeof r.std).toBe('number');

    const file = tmp.join('collected.npz');
    const c = await cli('collect', '--env', 'CartPole-v1', '--policy', path.join(out, 'policy.ckpt'), '--episodes', '2', '--out', file);
    expect(c.code).toBe(0);
    expect(readDemos(file).episodeStarts).toHaveLength(2);
    // no silent overwrite
    const again = await cli('collect', '--env', 'CartPole-v1', '--policy', out, '--episodes', '2', '--out', file);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists.*--force/);
    // nor of a finished run
    const rerun = await cli('train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', demos, '--out', out);
    expect(rerun.code).toBe(1);
    expect(rerun.err).toMatch(/already holds a trained policy/);
  });

  it('gives one-line errors for bad input', async () => {
    const bad = tmp.join('bad.ckpt');
    fs.writeFileSync(bad, 'not a checkpoint');
    const cases: [string[], RegExp][] = [
      [['eval', '--env', 'CartPole-v1', '--policy', bad], /bad.ckpt is not a valid policy checkpoint/],
      [['eval', '--env', 'CartPole-v1', '--policy', tmp.join('missing.ckpt')], /not found/],
      [['train', '--algo', 'nope', '--env', 'CartPole-v1', '--demos', demos], /unknown algorithm "nope".*bc/],
      [['train', '--algo', 'bc', '--env', 'Acrobot-v1', '--demos', demos], /demonstrations of CartPole-v1, not Acrobot-v1/],
      [['train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', demos, '--trajectories', '9'], /holds 4 trajectories/],
      [['train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', bad], /not an .npz file/],
      [['train', '--algo', 'gail', '--env', 'CartPole-v1', '--demos', demos, '--resume', '--out', tmp.join('never-ran')], /--resume: .*never-ran does not exist, so there is nothing to resume/],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toMatch(re);
      expect(r.err.split('\n').filter((l) => l.startsWith('mgail: error')).length).toBe(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});
