import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertFiniteLosses, assertFiniteTensors, createRunDir, DivergenceError, formatRunTime, MetricsWriter, Progress, formatDuration, readMetricsJsonl, removeStaleTempFiles, runDirPath, writeJsonAtomic,
} from './run.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-run-'));

describe('run bookkeeping', () => {
  it('names run directories {env}__{algo}__{seed}__{time}', () => {
    const t = new Date(Date.UTC(2026, 10, 24, 16, 5, 9));
    expect(formatRunTime(t)).toBe('20261124-160509');
    const root = tmp();
    const dir = createRunDir({ root, env: 'CartPole-v1', algo: 'mgail', seed: 3, time: t });
    expect(dir).toBe(path.join(root, 'CartPole-v1__mgail__3__20261124-160509'));
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(runDirPath({ env: 'x', algo: 'y', seed: 0, dir: root })).toBe(path.resolve(root));
  });

  it('writes JSON atomically without leaving temp files', () => {
    const dir = tmp();
    writeJsonAtomic(path.join(dir, 'config.json'), { a: 1 });
    writeJsonAtomic(path.join(dir, 'config.json'), { a: 2 });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({ a: 2 });
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
  });

  it('logs metrics to JSONL and long-form CSV, and drops rows past a resume point', () => {
    const dir = tmp();
    const m = new MetricsWriter(dir);
    m.log(10, { 'charts/episodic_return': 12.5, 'time/sps': 100 });
    m.log(20, { 'charts/episodic_return': 30 });
    m.log(30, { 'charts/episodic_return': 44 });
    expect(m.read().map((r) => r.step)).toEqual([10, 20, 30]);
    const csv = fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,wall_time,metric,value');
    expect(csv).toHaveLength(5);
    // a killed run left a torn line; resuming from step 20 drops step 30 and the torn line
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"step": 40, "wall');
    const r = new MetricsWriter(dir, { resumeFromStep: 20 });
    expect(r.read().map((x) => x.step)).toEqual([10, 20]);
    expect(readMetricsJsonl(path.join(dir, 'metrics.jsonl'))).toHaveLength(2);
    expect(fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    // a CSV row torn inside its step ("1" of "10,...") looks like an early row: it goes too
    fs.appendFileSync(path.join(dir, 'metrics.csv'), '1');
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"step": 1');
    new MetricsWriter(dir, { resumeFromStep: 20 });
    expect(fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    expect(fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').endsWith('\n')).toBe(true);
    expect(readMetricsJsonl(path.join(dir, 'metrics.jsonl')).map((x) => x.step)).toEqual([10, 20]);
    // a finished sitting's final row (step -1) goes on resume: the resumed run writes its own
    new MetricsWriter(dir).log(-1, { 'eval/final_return_mean': 5 });
    new MetricsWriter(dir, { resumeFromStep: 20 });
    expect(readMetricsJsonl(path.join(dir, 'metrics.jsonl')).map((x) => x.step)).toEqual([10, 20]);
    expect(fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8')).not.toMatch(/^-1,/m);
  });

  it('refuses a metrics.jsonl with a damaged line in the middle instead of skipping it', () => {
    const dir = tmp();
    const f = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(f, '{"step":1,"wall_time":1}\n{"step":2,"wa\n{"step":3,"wall_time":3}\n');
    expect(() => readMetricsJsonl(f)).toThrow(/metrics.jsonl: line 2 is not a metrics row/);
    fs.writeFileSync(f, 'x\n');
    expect(() => readMetricsJsonl(f)).toThrow(/line 1 is not a metrics row/);
  });

  it('prints progress lines with steps and fields', () => {
    const lines: string[] = [];
    const p = new Progress('ppo', 1000, { intervalMs: 0, write: (s) => lines.push(s), tty: false });
    p.update(500, { return: 123.456, sps: 1500 });
    expect(lines[0]).toMatch(/^\[ppo\] 500\/1000 \(50%\) \| return 123.5 \| sps 1500 \| \d+s\n$/);
    // from the second line on, the time left at this process's rate
    p.update(750);
    expect(lines[1]).toMatch(/^\[ppo\] 750\/1000 \(75%\) \| \d+s \| ETA \d+s\n$/);
    // a learner that overshoots its total to end a batch is at 100%, not 25600%
    p.update(256_000);
    expect(lines[2]).toMatch(/^\[ppo\] 256000\/1000 \(100%\) \| \d+s\n$/);
    expect([formatDuration(42), formatDuration(425), formatDuration(11_520)]).toEqual(['42s', '7m05s', '3h12m']);
  });

  it('the divergence guard names the first non-finite loss or tensor', () => {
    expect(() => assertFiniteLosses(5, { 'losses/policy': 1.5, 'losses/value': undefined })).not.toThrow();
    let err: unknown;
    try {
      assertFiniteLosses(640, { 'losses/policy': 0.1, 'losses/value': NaN, 'losses/entropy': Infinity }, 'ppo');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as DivergenceError).message).toBe('ppo diverged: losses/value is NaN at step 640');
    expect((err as DivergenceError).field).toBe('losses/value');
    const good = { w: { data: new Float32Array([1, 2]), shape: [2] } };
    expect(() => assertFiniteTensors(3, good)).not.toThrow();
    expect(() => assertFiniteTensors(3, { ...good, b: new Float64Array([0, -Infinity]) })).toThrow('training diverged: b holds NaN or Inf at step 3');
  });

  it('removes temp files a killed writer left, and only those', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'checkpoint.ckpt'), 'x');
    fs.writeFileSync(path.join(dir, '.checkpoint.ckpt.99999999.3.tmp'), 'partial');
    fs.writeFileSync(path.join(dir, `.config.json.${process.pid}.0.tmp`), 'this process is writing it');
    expect(removeStaleTempFiles(dir)).toEqual(['.checkpoint.ckpt.99999999.3.tmp']);
    expect(fs.readdirSync(dir).sort()).toEqual([`.config.json.${process.pid}.0.tmp`, 'checkpoint.ckpt']);
  });
});
