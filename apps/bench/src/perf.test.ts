import { describe, expect, it } from 'vitest';
import { runBench } from './cli.js';
import { torchAvailable, DEFAULT_PYTHON } from './perf/torch.js';
import type { Io } from './io.js';

function capture(): Io & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (l) => out_.push(...l.split('\n')), err: (l) => err_.push(l) };
}

const TINY = ['--reps', '1', '--warmup', '0', '--batch', '8', '--b-batch', '4', '--horizon', '3', '--sac-batch', '8', '--env-steps', '200'];

function parseLines(lines: string[]): Record<string, unknown>[] {
  return lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

function expectMeasurement(r: Record<string, unknown>): void {
  expect(typeof r.workload).toBe('string');
  expect(Number.isInteger(r.batch)).toBe(true);
  expect(typeof r.backend).toBe('string');
  for (const k of ['median_ms', 'min_ms']) {
    expect(typeof r[k]).toBe('number');
    expect(r[k] as number).toBeGreaterThan(0);
  }
  expect(r.min_ms as number).toBeLessThanOrEqual(r.median_ms as number);
}

describe('bench perf --json', () => {
  it('prints one parseable JSON object per line with the measurement fields', async () => {
    const io = capture();
    const code = await runBench(['perf', '--json', ...TINY, '--workloads', "A,B,B',SAC,envs", '--envs', 'CartPole-v1', '--no-torch'], io);
    expect(code, io.err_.join('\n')).toBe(0);
    const recs = parseLines(io.out_);
    expect(recs[0]).toMatchObject({ kind: 'info', suite: 'perf', dtype: 'float32' });
    const ms = recs.filter((r) => r.kind === 'measurement');
    ms.forEach(expectMeasurement);
    expect(ms.filter((r) => r.workload === 'A').map((r) => r.batch)).toEqual([8]);
    expect(ms.find((r) => r.workload === 'B')).toMatchObject({ batch: 4, horizon: 3, impl: 'mgail-ts' });
    expect(ms.find((r) => r.workload === "B'")).toMatchObject({ batch: 4, horizon: 3 });
    expect(ms.find((r) => r.workload === 'SAC')).toMatchObject({ batch: 8, impl: 'mgail-ts', unit: 'ms per env step' });
    expect(ms.filter((r) => r.workload === 'envs').map((r) => r.mode)).toEqual(['single', 'vector']);
  });

  it.skipIf(!torchAvailable(DEFAULT_PYTHON).ok)('runs the PyTorch reference and prints ours/PyTorch ratios', async () => {
    const io = capture();
    const code = await runBench(['perf', '--json', ...TINY, '--workloads', 'A,B,SAC'], io);
    expect(code, io.err_.join('\n')).toBe(0);
    const recs = parseLines(io.out_);
    const torch = recs.filter((r) => r.kind === 'measurement' && r.impl === 'pytorch');
    expect(torch.map((r) => r.workload).sort()).toEqual(['A', 'B', 'SAC']);
    torch.forEach(expectMeasurement);
    const ratios = recs.filter((r) => r.kind === 'ratio');
    expect(ratios.map((r) => r.workload).sort()).toEqual(['A', 'B', 'SAC']);
    for (const r of ratios) expect(r.median_ratio as number).toBeGreaterThan(0);
  });
});

describe('bench CLI', () => {
  it('has --help at every level', async () => {
    for (const argv of [['--help'], ['perf', '--help']]) {
      const io = capture();
      expect(await runBench(argv, io)).toBe(0);
      expect(io.out_.join('\n')).toMatch(/Usage: bench/);
    }
  });

  it('names a bad workload and what to use instead', async () => {
    const io = capture();
    expect(await runBench(['perf', '--workloads', 'Z'], io)).toBe(1);
    expect(io.err_.join('\n')).toMatch(/unknown workload 'Z', use some of A, B, B', SAC, envs, iter/);
  });
});

describe('bench perf --workloads iter', () => {
  it('times the real MGAIL iteration with one thread and with an unroll worker, by phase', async () => {
    const io = capture();
    const code = await runBench(['perf', '--json', '--no-torch', '--workloads', 'iter', '--iter-envs', 'CartPole-v1', '--reps', '3', '--warmup', '1'], io);
    expect(io.err_.filter((l) => /error/.test(l))).toEqual([]);
    expect(code).toBe(0);
    const recs = parseLines(io.out_).filter((r) => r.kind === 'measurement');
    expect(recs.map((r) => r.workers)).toEqual([0, 1]);
    for (const r of recs) {
      expectMeasurement(r);
      expect(r.reps).toBe(3);
      const p = r.phases_ms as Record<string, number>;
      expect(p.policyMs).toBeGreaterThan(0);
      expect(p.totalMs).toBeGreaterThanOrEqual(p.policyMs);
    }
  }, 120_000);
});
