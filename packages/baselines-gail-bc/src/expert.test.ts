import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, readMetricsJsonl, tf } from '@mgail/core-autodiff-graph';
import { make, makeVec } from '@mgail/envs-classic';
import { loadPolicy } from '@mgail/policies';
import { trainExpert, type TrainExpertOptions } from './expert.js';
import { readCheckpointMeta } from './learner.js';
import type { VectorEnvLike } from './vec.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-expert-'));
  dirs.push(d);
  return d;
}

const base = (outDir: string, runDir: string): TrainExpertOptions => ({
  envId: 'CartPole-v1',
  algo: 'ppo',
  steps: 320,
  seed: 4,
  outDir,
  runDir,
  quiet: true,
  checkpointEvery: 2,
  overrides: { numEnvs: 2, numSteps: 16, updateEpochs: 1, numMinibatches: 1, hidden: [8], valueHidden: [8] },
  makeVecEnv: (n) => makeVec('CartPole-v1', n, { autoresetMode: 'same-step' }) as unknown as VectorEnvLike,
});

describe('trainExpert', () => {
  it('finishNow ends a stopped run at its checkpoint: policy, evaluation and a summary that says so', async () => {
    const root = tmp();
    const outDir = path.join(root, 'expert');
    const runDir = path.join(root, 'run');
    const first = await trainExpert({ ...base(outDir, runDir), maxIterationsThisSitting: 4 });
    expect(first.finished).toBe(false);
    first.policy.dispose();
    expect(fs.existsSync(path.join(outDir, 'policy.ckpt'))).toBe(false);
    const res = await trainExpert({ ...base(outDir, runDir), resume: true, steps: undefined, finishNow: true, evaluation: { makeEnv: () => make('CartPole-v1'), episodes: 2, seed: 0 } });
    expect(res.finished).toBe(true);
    expect(res.globalStep).toBe(128);
    expect(res.evaluation?.returns).toHaveLength(2);
    const summary = JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8'));
    expect(summary.endedEarly).toEqual({ atStep: 128, plannedSteps: 320 });
    const loaded = loadPolicy(path.join(outDir, 'policy.ckpt'));
    expect(loaded.meta.envId).toBe("CartPole-v1");
    loaded.policy.dispose();
    res.policy.dispose();
  });

  it('survives a crash: resume continues from the last checkpoint to the same total steps', async () => {
    const root = tmp();
    const outDir = path.join(root, 'expert');
    const runDir = path.join(root, 'run');
    const before = tf.memory().numTensors;
    // The process "dies" during iteration 3, after its metrics row and before its checkpoint.
    await expect(
      trainExpert({ ...base(outDir, runDir), onIteration: (s) => { if (s.iteration === 3) throw new Error('killed'); } }),
    ).rejects.toThrow('killed');
    expect(tf.memory().numTensors).toBe(before);
    expect(readCheckpointMeta(path.join(runDir, 'checkpoint.ckpt')).iteration).toBe(2);
    expect(fs.existsSync(path.join(outDir, 'policy.ckpt'))).toBe(false);
    await expect(trainExpert(base(outDir, runDir))).rejects.toThrow(/already holds a training checkpoint/);
    // the library gets the CLI's run-folder guard: nothing to resume is refused, force moves the earlier run aside
    await expect(trainExpert({ ...base(path.join(root, 'none'), path.join(root, 'none')), resume: true })).rejects.toThrow(/does not exist, so there is nothing to resume/);
    const moved = path.join(root, 'moved');
    fs.mkdirSync(moved);
    fs.writeFileSync(path.join(moved, 'config.json'), JSON.stringify({ env: 'CartPole-v1' }));
    fs.writeFileSync(path.join(moved, 'metrics.jsonl'), '{"step":64,"wall_time":1}\n');
    await expect(trainExpert(base(moved, moved))).rejects.toThrow(/holds files of an earlier run \(config.json, metrics.jsonl\); pass --force/);
    expect(fs.readFileSync(path.join(moved, 'metrics.jsonl'), 'utf8')).toBe('{"step":64,"wall_time":1}\n');
    await expect(trainExpert({ ...base(outDir, runDir), resume: true, steps: 999 })).rejects.toThrow(/run of 320 steps/);

    const res = await trainExpert({ ...base(outDir, runDir), resume: true, steps: undefined, evaluation: { makeEnv: () => make('CartPole-v1'), episodes: 2, seed: 0 } });
    expect(res.finished).toBe(true);
    expect(res.globalStep).toBe(320);
    expect(res.iterations).toBe(10);
    // metrics: one row per iteration, the dead iteration's row replaced, every required name present, then the evaluation's row
    const rows = readMetricsJsonl(path.join(runDir, 'metrics.jsonl'));
    const evalRow = rows.pop()!;
    expect(evalRow).toMatchObject({ step: 320, global_step: 320, 'eval/return_mean': res.evaluation!.mean, 'eval/return_std': res.evaluation!.std });
    expect(rows.map((r) => r.step)).toEqual(Array.from({ length: 10 }, (_, i) => 32 * (i + 1)));
    expect(rows.map((r) => r.global_step)).toEqual(rows.map((r) => r.step));
    for (const k of ['global_step', 'time/elapsed_s', 'losses/policy', 'losses/value', 'losses/entropy', 'charts/kl', 'time/sps']) expect(typeof rows[9][k]).toBe('number');
    expect(rows.some((r) => typeof r['charts/episodic_return'] === 'number')).toBe(true);
    const csv = fs.readFileSync(path.join(runDir, 'metrics.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('step,wall_time,metric,value');
    // the final policy loads with the policies package and acts like the trained one
    const { policy, meta } = loadPolicy(path.join(outDir, 'policy.ckpt'), { envId: 'CartPole-v1' });
    expect(meta.extra.algo).toBe('ppo');
    expect(policy.getWeights()).toEqual(res.policy.getWeights());
    const summary = JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8'));
    expect(summary.globalStep).toBe(320);
    expect(summary.evaluation.episodes).toBe(2);
    expect(summary.evaluation.mean).toBe(res.evaluation!.mean);
    // resuming a finished run does nothing but write the outputs again
    const again = await trainExpert({ ...base(outDir, runDir), resume: true });
    expect(again.iterations).toBe(10);
    policy.dispose();
    res.policy.dispose();
    again.policy.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains TRPO into one directory by default', async () => {
    const outDir = tmp();
    const res = await trainExpert({ ...base(outDir, undefined as unknown as string), runDir: undefined, algo: 'trpo', steps: 64, overrides: { numEnvs: 2, numSteps: 16, hidden: [8], valueHidden: [8], valueEpochs: 1 } });
    expect(res.globalStep).toBe(64);
    for (const f of ['checkpoint.ckpt', 'config.json', 'metrics.jsonl', 'metrics.csv', 'policy.ckpt', 'summary.json']) expect(fs.existsSync(path.join(outDir, f))).toBe(true);
    expect(readCheckpointMeta(path.join(outDir, 'checkpoint.ckpt')).algo).toBe('trpo');
    await expect(trainExpert({ ...base(outDir, outDir), algo: 'ppo', resume: true })).rejects.toThrow(/is a trpo run/);
    res.policy.dispose();
  });

  it('names unknown config fields and the file they came from', async () => {
    await expect(trainExpert({ ...base(tmp(), tmp()), overrides: { numEnv: 3 } as never })).rejects.toThrow(/unknown ppo config field "numEnv"/);
  });
});
