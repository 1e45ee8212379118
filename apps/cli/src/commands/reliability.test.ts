import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, RUN_LOCK_FILE } from '@mgail/core-autodiff-graph';
import { cartPoleLinearExpert } from '@mgail/baselines-gail-bc';
import { decodeNpz, encodeNpz } from '@mgail/policies';
import { cli, recordDemos, useTempDir } from '../test-helpers.js';

/** The hostile inputs of issue 20, through the command line: one `mgail: error:` line each, nothing written. */

const tmp = useTempDir('mgail-reliable-');
let demos: string, bcCfg: string;
const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
afterAll(() => other.kill('SIGKILL'));

beforeAll(async () => {
  await initBackend({ quiet: true });
  demos = recordDemos(tmp.join('demos.npz'), 'CartPole-v1', cartPoleLinearExpert, 2);
  bcCfg = tmp.write('bc.json', JSON.stringify({ maxEpochs: 2, hidden: [8] }));
});

const bc = (...more: string[]) => cli('train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', demos, '--config', bcCfg, '--eval-episodes', '1', ...more);

function expectOneLineError(r: { code: number; err: string }, re: RegExp): void {
  expect(r.code).toBe(1);
  const errs = r.err.split('\n').filter((l) => l.startsWith('mgail: error'));
  expect(errs, r.err).toHaveLength(1);
  expect(errs[0]).toMatch(re);
  expect(r.err).not.toMatch(/\n\s+at /);
}

describe('bad values inside demonstrations', () => {
  it('a NaN observation or an out-of-range action is refused before training', async () => {
    const arrays = decodeNpz(fs.readFileSync(demos), demos);
    const obs = Float32Array.from(arrays.observations.data as Float32Array);
    obs[5] = NaN;
    const nan = tmp.join('nan.npz');
    fs.writeFileSync(nan, encodeNpz({ ...arrays, observations: { ...arrays.observations, data: obs } }));
    const out = tmp.join('nan-run');
    expectOneLineError(await cli('train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', nan, '--out', out), /nan\.npz: observations row 1 holds NaN; re-record them/);
    expect(fs.existsSync(out)).toBe(false);
    const acts = Float64Array.from(arrays.actions.data as Float64Array);
    acts[3] = 7;
    const far = tmp.join('far.npz');
    fs.writeFileSync(far, encodeNpz({ ...arrays, actions: { ...arrays.actions, data: acts } }));
    expectOneLineError(await cli('train', '--algo', 'gail', '--env', 'CartPole-v1', '--demos', far), /far\.npz: action 3 is 7, not an integer in \[0, 2\)/);
  });
});

describe('run folders', () => {
  it('refuses a folder another live run holds, naming the folder and its pid', async () => {
    const out = tmp.join('locked');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, RUN_LOCK_FILE), JSON.stringify({ pid: other.pid, verb: 'train --algo mgail' }));
    expectOneLineError(await bc('--out', out), new RegExp(`--out .*locked is in use by another run \\(pid ${other.pid}, train --algo mgail\\)`));
    expect(fs.readdirSync(out)).toEqual([RUN_LOCK_FILE]);
  });

  it('--force never mixes two runs; --resume with nothing to resume refuses; a folder that is not a run is left alone', async () => {
    const out = tmp.join('run');
    expect((await bc('--out', out)).code).toBe(0);
    expect(fs.existsSync(path.join(out, RUN_LOCK_FILE))).toBe(false);
    const rows = () => fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
    const n = rows();
    expect((await bc('--out', out, '--force')).code).toBe(0);
    // the new run's rows only, the old ones moved aside with the old policy
    expect(rows()).toBe(n);
    expect(fs.existsSync(path.join(out, 'previous-run', 'policy.ckpt'))).toBe(true);

    fs.rmSync(path.join(out, 'checkpoint.ckpt'));
    expectOneLineError(await bc('--out', out, '--resume'), /--resume: .*run holds no checkpoint\.ckpt, so there is nothing to resume/);
    expectOneLineError(await bc('--out', tmp.join('missing'), '--resume'), /--resume: .*missing does not exist/);
    expect(fs.existsSync(tmp.join('missing'))).toBe(false);

    const mine = tmp.join('mine');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'metrics.jsonl'), '{"my": "numbers"}\n');
    expectOneLineError(await bc('--out', mine, '--force'), /holds metrics\.jsonl but is not a run folder of mgail/);
    expect(fs.readFileSync(path.join(mine, 'metrics.jsonl'), 'utf8')).toBe('{"my": "numbers"}\n');
  });

  it('collect --force refuses to replace a device or a folder, and removes its own stale temp files', async () => {
    const run = tmp.join('run');
    expectOneLineError(await cli('collect', '--env', 'CartPole-v1', '--policy', run, '--episodes', '1', '--out', '/dev/null', '--force'), /--out \/dev\/null is a device; only regular files are replaced/);
    expectOneLineError(await cli('collect', '--env', 'CartPole-v1', '--policy', run, '--episodes', '1', '--out', tmp.join('run'), '--force'), /run is a folder/);
    const file = tmp.join('c.npz');
    const stale = tmp.join('.c.npz.999999.0.tmp');
    fs.writeFileSync(stale, 'partial');
    expect((await cli('collect', '--env', 'CartPole-v1', '--policy', run, '--episodes', '1', '--out', file)).code).toBe(0);
    expect(fs.existsSync(stale)).toBe(false);
  });
});

describe('bounds', () => {
  it('seeds are integers in [0, 2^32); absurd counts are refused with the limit named', async () => {
    for (const s of ['4294967296', '9007199254740993', '-1', '1.5', '1e3']) {
      expectOneLineError(await cli('rollout', '--env', 'CartPole-v1', '--seed', s), /--seed must be an integer in \[0, 2\^32\)/);
    }
    expect((await cli('rollout', '--env', 'CartPole-v1', '--seed', '4294967295', '--episodes', '1')).code).toBe(0);
    expectOneLineError(await cli('rollout', '--env', 'CartPole-v1', '--episodes', '1e12'), /--episodes 1e12 is over the limit of 1,000,000 \(pass at most 1000000\)/);
    expectOneLineError(await cli('train-expert', '--env', 'CartPole-v1', '--num-envs', '100000'), /--num-envs 100000 is over the limit of 1,024/);
    // Number() reads these as 16, 3 and 0: a count flag takes decimal notation only
    for (const v of ['0x10', '0b11', '', ' ']) expectOneLineError(await cli('rollout', '--env', 'CartPole-v1', '--episodes', v), /--episodes must be an integer >= 1, got/);
  });
});
