import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEFAULT_PYTHON = '/usr/bin/python3';

/** One measurement line of perf_reference.py. */
export interface TorchRecord {
  workload: string;
  batch: number;
  backend: string;
  threads: number;
  median_ms: number;
  min_ms: number;
  reps: number;
  warmup: number;
  torch: string;
  blas: string;
  horizon?: number;
}

/**
 * perf_reference.py lives in src/torch/ (tsc does not copy it): found from src/perf/ when run
 * under vitest and from dist/perf/ when built.
 */
export function referenceScript(): string {
  for (const rel of ['../torch/perf_reference.py', '../../src/torch/perf_reference.py']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('perf_reference.py not found beside apps/bench/src/torch/: is the bench app complete?');
}

/** Whether `python` can import torch; resolves to the reason when it cannot. */
export function torchAvailable(python: string): { ok: true; version: string } | { ok: false; reason: string } {
  if (!existsSync(python)) return { ok: false, reason: `${python} does not exist` };
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return { ok: true, version: r.stdout.trim() };
  const last = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop() ?? '';
  return { ok: false, reason: `${python} cannot import torch (${last}); on Debian: apt-get install python3-torch` };
}

export interface TorchRunOptions {
  python: string;
  threads: number;
  workloads: ('a' | 'b' | 'sac')[];
  batches: number[];
  bBatch: number;
  horizon: number;
  sacBatch: number;
  reps?: number;
  warmup?: number;
}

/** Runs the reference script once (one thread count) and returns its measurements. */
export function runTorchReference(o: TorchRunOptions): TorchRecord[] {
  const args = [
    referenceScript(),
    '--threads', String(o.threads),
    '--workloads', o.workloads.join(','),
    '--batches', o.batches.join(','),
    '--b-batch', String(o.bBatch),
    '--horizon', String(o.horizon),
    '--sac-batch', String(o.sacBatch),
  ];
  if (o.reps !== undefined) args.push('--reps', String(o.reps));
  if (o.warmup !== undefined) args.push('--warmup', String(o.warmup));
  // OpenMP spins idle threads on a shared machine unless told to sleep.
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  const r = spawnSync(o.python, args, { encoding: 'utf8', env, timeout: 30 * 60_000, maxBuffer: 16 << 20 });
  if (r.status !== 0) {
    const last = (r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`PyTorch reference failed (exit ${r.status}): ${last}`);
  }
  return r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((j): j is Record<string, unknown> & TorchRecord => typeof j.workload === 'string');
}
