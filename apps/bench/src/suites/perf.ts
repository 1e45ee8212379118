import { Command, Option } from 'commander';
import { initBackend, getBackendName, tf, BACKEND_NAMES, type BackendName } from '@mgail/core-autodiff-graph';
import { benchWorkloadA } from '../perf/workload_a.js';
import { benchWorkloadB, WORKLOAD_B } from '../perf/workload_b.js';
import { benchWorkloadBUnroll } from '../perf/workload_bu.js';
import { benchWorkloadSAC, WORKLOAD_SAC } from '../perf/workload_sac.js';
import { benchClassicEnvs, findMujocoBench } from '../perf/envs.js';
import { benchMgailIteration } from '../perf/iter.js';
import { DEFAULT_PYTHON, runTorchReference, torchAvailable, type TorchRecord } from '../perf/torch.js';
import { load1, machineInfo } from '../perf/machine.js';
import { round } from '../perf/timing.js';
import { parseIntList, parsePositiveInt, type Io } from '../io.js';

export const PERF_WORKLOADS = ['A', 'B', "B'", 'SAC', 'envs', 'iter'] as const;
export type PerfWorkload = (typeof PERF_WORKLOADS)[number];

export interface PerfOptions {
  workloads: PerfWorkload[];
  /** Timed repetitions (default per workload: A 200, or 30 at batch ≥ 1024; B and B' 20; SAC 50; envs 3). */
  reps?: number;
  /** Untimed steps first (default: A 20, B 3). */
  warmup?: number;
  /** Workload A batch sizes. */
  batches: number[];
  /** Workload B batch and horizon. */
  bBatch: number;
  horizon: number;
  /** Workload SAC batch (the experts' 256). */
  sacBatch: number;
  backend?: BackendName;
  /** Run the PyTorch reference (when python can import torch). */
  torch: boolean;
  torchThreads: number[];
  python: string;
  /** Env transitions per env-steps measurement. */
  envSteps: number;
  envIds?: string[];
  /** Envs of the MGAIL iteration breakdown (`iter`). */
  iterEnvs: string[];
}

export const DEFAULT_PERF: PerfOptions = {
  workloads: ['A', 'B', "B'", 'SAC', 'envs'],
  batches: [64, 256, 1024],
  bBatch: WORKLOAD_B.batch,
  horizon: WORKLOAD_B.horizon,
  sacBatch: WORKLOAD_SAC.batch,
  torch: true,
  torchThreads: [1],
  python: DEFAULT_PYTHON,
  envSteps: 20_000,
  iterEnvs: ['CartPole-v1', 'Hopper-v5'],
};

/**
 * One JSON line of `bench perf --json`. Measurements (kind 'measurement') always carry workload,
 * batch, backend, median_ms and min_ms; the others describe the run, a ratio or a skip.
 */
export type PerfRecord =
  | ({ kind: 'info' } & Record<string, unknown>)
  | {
      kind: 'measurement';
      workload: string;
      batch: number;
      backend: string;
      impl: 'mgail-ts' | 'pytorch';
      median_ms: number;
      min_ms: number;
      reps: number;
      warmup: number;
      load1: number;
      [extra: string]: unknown;
    }
  | {
      kind: 'ratio';
      workload: string;
      batch: number;
      backend: string;
      vs: string;
      torch_threads: number;
      blas: string;
      median_ratio: number;
      min_ratio: number;
    }
  | { kind: 'skip'; workload: string; reason: string };

/** Runs the suite, handing each record to `emit` as soon as it exists; returns them all. */
export async function runPerf(opts: PerfOptions, emit: (r: PerfRecord) => void, log: (s: string) => void): Promise<PerfRecord[]> {
  const all: PerfRecord[] = [];
  const out = (r: PerfRecord) => {
    all.push(r);
    emit(r);
  };
  const info = await initBackend({ backend: opts.backend, quiet: true });
  const backend = getBackendName() ?? info.backend;
  const simd = backend === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : undefined;
  out({ kind: 'info', suite: 'perf', ...machineInfo(), backend, backend_reason: info.reason, wasm_simd: simd, load1: load1(), dtype: 'float32' });
  const want = new Set(opts.workloads);

  // PyTorch first, so our lines can carry the ratio as they come out.
  const torchW = (['a', 'b', 'sac'] as const).filter((w) => want.has(w.toUpperCase() as PerfWorkload) || (w === 'b' && want.has("B'")));
  const torchRecs: TorchRecord[] = [];
  if (opts.torch && torchW.length > 0) {
    const avail = torchAvailable(opts.python);
    if (!avail.ok) {
      out({ kind: 'skip', workload: 'torch', reason: avail.reason });
    } else {
      for (const threads of opts.torchThreads) {
        log(`perf: PyTorch ${avail.version} reference, ${threads} thread(s) ...`);
        const loadBefore = load1();
        const recs = runTorchReference({
          python: opts.python,
          threads,
          workloads: torchW,
          batches: opts.batches,
          bBatch: opts.bBatch,
          horizon: opts.horizon,
          sacBatch: opts.sacBatch,
          reps: opts.reps,
          warmup: opts.warmup,
        });
        for (const r of recs) {
          torchRecs.push(r);
          out({ kind: 'measurement', impl: 'pytorch', ...r, load1: loadBefore });
        }
      }
    }
  }
  const ratios = (workload: string, batch: number, median: number, min: number, torchWorkload = workload) => {
    for (const t of torchRecs.filter((r) => r.workload === torchWorkload && r.batch === batch)) {
      out({
        kind: 'ratio',
        workload,
        batch,
        backend,
        vs: 'torch-cpu',
        torch_threads: t.threads,
        blas: t.blas,
        median_ratio: round(median / t.median_ms, 3),
        min_ratio: round(min / t.min_ms, 3),
      });
    }
  };

  if (want.has('A')) {
    for (const batch of opts.batches) {
      log(`perf: workload A, batch ${batch} ...`);
      const l = load1();
      const reps = opts.reps ?? (batch >= 1024 ? 30 : 200);
      const t = benchWorkloadA(batch, opts.warmup ?? 20, reps);
      out({ kind: 'measurement', workload: 'A', batch, backend, impl: 'mgail-ts', ...t, load1: l });
      ratios('A', batch, t.median_ms, t.min_ms);
    }
  }
  if (want.has('B')) {
    log(`perf: workload B, batch ${opts.bBatch}, T=${opts.horizon} ...`);
    const l = load1();
    const t = benchWorkloadB({ ...WORKLOAD_B, batch: opts.bBatch, horizon: opts.horizon }, opts.warmup ?? 3, opts.reps ?? 20);
    out({ kind: 'measurement', workload: 'B', batch: opts.bBatch, backend, impl: 'mgail-ts', horizon: opts.horizon, ...t, load1: l });
    ratios('B', opts.bBatch, t.median_ms, t.min_ms);
  }
  if (want.has("B'")) {
    log(`perf: workload B' (core unroll), batch ${opts.bBatch}, T=${opts.horizon} ...`);
    const l = load1();
    const t = benchWorkloadBUnroll({ ...WORKLOAD_B, batch: opts.bBatch, horizon: opts.horizon }, opts.warmup ?? 3, opts.reps ?? 20);
    out({ kind: 'measurement', workload: "B'", batch: opts.bBatch, backend, impl: 'mgail-ts', horizon: opts.horizon, ...t, load1: l });
    // The same PyTorch reference as B: the objective and networks are B's.
    ratios("B'", opts.bBatch, t.median_ms, t.min_ms, 'B');
  }
  if (want.has('SAC')) {
    log(`perf: workload SAC (one env step's updates), batch ${opts.sacBatch} ...`);
    const l = load1();
    const t = benchWorkloadSAC(opts.sacBatch, opts.warmup ?? 3, opts.reps ?? 50);
    out({ kind: 'measurement', workload: 'SAC', batch: opts.sacBatch, backend, impl: 'mgail-ts', unit: 'ms per env step', ...t, load1: l });
    ratios('SAC', opts.sacBatch, t.median_ms, t.min_ms);
  }
  if (want.has('envs')) {
    log(`perf: classic env steps (${opts.envSteps} steps per measurement) ...`);
    const reps = opts.reps ?? 3;
    const l = load1();
    const classicIds = opts.envIds?.filter((id) => !/-v5$/.test(id));
    if (classicIds === undefined || classicIds.length > 0) {
      for (const r of benchClassicEnvs({ ids: classicIds, steps: opts.envSteps, reps })) {
        out(envRecord(r.env, r.mode, r.numEnvs, r.stepsPerSecMedian, r.stepsPerSecMax, reps, l));
      }
    }
    const mj = await findMujocoBench();
    if ('skip' in mj) {
      out({ kind: 'skip', workload: 'envs-mujoco', reason: mj.skip });
    } else {
      const ids = opts.envIds?.filter((id) => /-v5$/.test(id)) ?? mj.ids;
      for (const id of ids) {
        log(`perf: MuJoCo env steps ${id} ...`);
        const res = (await mj.fn({ ids: [id], steps: opts.envSteps })) as {
          singleStepsPerSec?: number;
          vectorStepsPerSec?: number;
          parallelStepsPerSec?: number;
          numEnvs?: number;
        }[];
        const r = res[0];
        if (typeof r?.singleStepsPerSec !== 'number') {
          out({ kind: 'skip', workload: 'envs-mujoco', reason: `${id}: its bench function returned no singleStepsPerSec` });
          continue;
        }
        out(envRecord(id, 'single', 1, r.singleStepsPerSec, r.singleStepsPerSec, 1, l));
        if (typeof r.vectorStepsPerSec === 'number') {
          out(envRecord(id, 'vector', r.numEnvs ?? 0, r.vectorStepsPerSec, r.vectorStepsPerSec, 1, l));
        }
        if (typeof r.parallelStepsPerSec === 'number') {
          out(envRecord(id, 'parallel', r.numEnvs ?? 0, r.parallelStepsPerSec, r.parallelStepsPerSec, 1, l));
        }
      }
    }
  }
  if (want.has('iter')) {
    // The real trainer, one thread and then with one unroll worker (the second core)
    for (const env of opts.iterEnvs) {
      for (const workers of [0, 1]) {
        log(`perf: MGAIL iteration on ${env}, policyWorkers ${workers} ...`);
        const l = load1();
        const r = await benchMgailIteration({ envId: env, workers, reps: opts.reps ?? 40, warmup: opts.warmup ?? 10 });
        out({
          kind: 'measurement', workload: 'iter', batch: r.unrollBatch, backend, impl: 'mgail-ts', env, workers,
          unrolls_per_update: r.unrollsPerUpdate, horizon: r.horizon, median_ms: r.median_ms, min_ms: r.min_ms, reps: r.reps, warmup: r.warmup,
          load1: l, phases_ms: r.phases,
        });
      }
    }
  }
  return all;
}

/** Env throughput as a measurement: time per 1000 env steps, so it reads like the others. */
function envRecord(env: string, mode: string, numEnvs: number, spsMedian: number, spsMax: number, reps: number, l: number): PerfRecord {
  return {
    kind: 'measurement',
    workload: 'envs',
    env,
    mode,
    batch: numEnvs,
    backend: 'js',
    impl: 'mgail-ts',
    unit: 'ms per 1000 env steps',
    median_ms: round(1e6 / spsMedian),
    min_ms: round(1e6 / spsMax),
    steps_per_sec: Math.round(spsMedian),
    reps,
    warmup: 1,
    load1: l,
  };
}

/** The human-readable table of a run. */
export function formatPerf(records: PerfRecord[]): string {
  const lines: string[] = [];
  const info = records.find((r) => r.kind === 'info') as Record<string, unknown> | undefined;
  if (info) {
    lines.push(
      `perf: ${String(info.cpu)} x${String(info.nproc)}, node ${String(info.node)}, backend ${String(info.backend)}` +
        `${info.wasm_simd === true ? ' (SIMD)' : ''}, commit ${String(info.commit)}, load ${String(info.load1)}`,
    );
  }
  lines.push('| workload | batch | impl | backend | median ms | min ms | reps | load |', '| --- | ---: | --- | --- | ---: | ---: | ---: | ---: |');
  for (const r of records) {
    if (r.kind !== 'measurement') continue;
    const w = r.workload === 'envs' ? `envs ${String(r.env)} ${String(r.mode)}` : r.workload === 'iter' ? `iter ${String(r.env)} workers ${String(r.workers)}` : r.workload;
    const be = r.impl === 'pytorch' ? `torch ${String(r.threads)}t ${blasLabel(String(r.blas))}` : r.backend;
    lines.push(`| ${w} | ${r.batch} | ${r.impl} | ${be} | ${r.median_ms} | ${r.min_ms} | ${r.reps} | ${r.load1} |`);
  }
  const iters = records.filter((r) => r.kind === 'measurement' && r.workload === 'iter');
  if (iters.length > 0) {
    // where an iteration's time goes; worker busy time runs on the other core, beside this thread's
    lines.push(
      '',
      '| MGAIL iteration (mean ms) | total | collect | model | disc | policy | (env steps in policy) | worker busy | worker wait |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of iters) {
      if (r.kind !== 'measurement') continue;
      const p = r.phases_ms as Record<string, number>;
      lines.push(`| ${String(r.env)}, workers ${String(r.workers)} | ${p.totalMs} | ${p.collectMs} | ${p.modelMs} | ${p.discMs} | ${p.policyMs} | ${p.policyEnvStepMs} | ${p.workerBusyMs} | ${p.workerWaitMs} |`);
    }
  }
  const ratios = records.filter((r) => r.kind === 'ratio');
  if (ratios.length > 0) {
    lines.push('', '| workload | batch | ours/PyTorch (median) | ours/PyTorch (min) | torch threads | torch BLAS |', '| --- | ---: | ---: | ---: | ---: | --- |');
    for (const r of ratios) {
      if (r.kind !== 'ratio') continue;
      lines.push(`| ${r.workload} | ${r.batch} | ${r.median_ratio} | ${r.min_ratio} | ${r.torch_threads} | ${blasLabel(r.blas)} |`);
    }
  }
  for (const r of records) if (r.kind === 'skip') lines.push(`skipped ${r.workload}: ${r.reason}`);
  return lines.join('\n');
}

/** 'OpenBLAS' or 'reference BLAS' from the library path the reference script reports. */
function blasLabel(blas: string): string {
  if (/openblas/i.test(blas)) return 'OpenBLAS';
  if (/mkl/i.test(blas)) return 'MKL';
  if (/(^|\/)blas\/libblas/.test(blas)) return 'reference BLAS';
  return blas;
}

function parseWorkloads(v: string): PerfWorkload[] {
  const out: PerfWorkload[] = [];
  for (const raw of v.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    // B' needs shell quoting; Bu is the same workload.
    const name = raw.toLowerCase() === 'bu' ? "B'" : raw;
    const hit = PERF_WORKLOADS.find((w) => w.toLowerCase() === name.toLowerCase());
    if (hit === undefined) throw new Error(`--workloads: unknown workload '${raw}', use some of ${PERF_WORKLOADS.join(', ')}`);
    if (!out.includes(hit)) out.push(hit);
  }
  if (out.length === 0) throw new Error(`--workloads: empty list, use some of ${PERF_WORKLOADS.join(', ')}`);
  return out;
}

export function registerPerf(program: Command, io: Io): void {
  program
    .command('perf')
    .description('Training-step and env throughput: workload A (MLP+Adam), B (MGAIL policy objective, T-step unroll), SAC (one env step of updates), env steps/sec; PyTorch ratios when torch is importable')
    .option('--json', 'one JSON object per line (kind: info | measurement | ratio | skip)')
    .option('--reps <n>', "timed repetitions per measurement (default: A 200, 30 at batch >= 1024; B, B' 20; SAC 50; envs 3)", parsePositiveInt('--reps'))
    .option('--warmup <n>', 'untimed steps before timing (default: A 20, B 3)', parsePositiveInt('--warmup', true))
    .option(
      '--workloads <list>',
      `comma list of ${PERF_WORKLOADS.join(', ')} (B' or Bu: B through core's unroll; SAC: one env step's SAC updates at the MuJoCo experts' shapes; iter: the real MGAIL iteration by phase, one thread vs one unroll worker)`,
      "A,B,B',SAC,envs",
    )
    .addOption(new Option('--backend <name>', 'tfjs backend (default: automatic; TFJS_BACKEND wins)').choices([...BACKEND_NAMES]))
    .option('--batch <list>', 'workload A batch sizes', '64,256,1024')
    .option('--b-batch <n>', 'workload B batch size', parsePositiveInt('--b-batch'), WORKLOAD_B.batch)
    .option('--horizon <n>', 'workload B unroll length T', parsePositiveInt('--horizon'), WORKLOAD_B.horizon)
    .option('--sac-batch <n>', 'workload SAC batch size', parsePositiveInt('--sac-batch'), WORKLOAD_SAC.batch)
    .option('--no-torch', 'do not run the PyTorch reference')
    .option('--torch-threads <list>', 'torch.set_num_threads values to compare against', '1')
    .option('--python <path>', 'python with torch (Debian: apt-get install python3-torch)', DEFAULT_PYTHON)
    .option('--env-steps <n>', 'env transitions per env measurement', parsePositiveInt('--env-steps'), DEFAULT_PERF.envSteps)
    .option('--envs <ids>', 'env ids for the envs workload (default: every classic env, and MuJoCo when it has a bench)')
    .option('--iter-envs <ids>', 'env ids of the MGAIL iteration workload (iter), from experts/<env>/demos.npz', DEFAULT_PERF.iterEnvs.join(','))
    .addHelpText(
      'after',
      '\nTimes are per training step (forward, backward, Adam, loss read back), float32.\n' +
        'Timings on a shared machine are noisy: each line carries the 1-minute load average.\n' +
        "Debian's python3-torch uses the reference BLAS unless OpenBLAS is on LD_LIBRARY_PATH; the torch lines name the BLAS.",
    )
    .action(async (o: Record<string, unknown>) => {
      const opts: PerfOptions = {
        workloads: parseWorkloads(String(o.workloads)),
        reps: o.reps as number | undefined,
        warmup: o.warmup as number | undefined,
        batches: parseIntList(String(o.batch), '--batch'),
        bBatch: o.bBatch as number,
        horizon: o.horizon as number,
        sacBatch: o.sacBatch as number,
        backend: o.backend as BackendName | undefined,
        torch: o.torch !== false,
        torchThreads: parseIntList(String(o.torchThreads), '--torch-threads'),
        python: String(o.python),
        envSteps: o.envSteps as number,
        iterEnvs: String(o.iterEnvs).split(',').map((x) => x.trim()).filter((x) => x !== ''),
        envIds: typeof o.envs === 'string' ? o.envs.split(',').map((s) => s.trim()).filter((s) => s !== '') : undefined,
      };
      const json = o.json === true;
      const records = await runPerf(opts, (r) => (json ? io.out(JSON.stringify(r)) : undefined), (s) => io.err(s));
      if (!json) io.out(formatPerf(records));
    });
}
