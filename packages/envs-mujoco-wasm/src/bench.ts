/**
 * Benchmark (package script `bench`, not a test): env steps per second of every env, single,
 * vectorized and parallel, against a raw mj_step loop on the same model (the wrapper's
 * overhead) and, when gcc and Debian's libmujoco-dev are installed, a native C loop.
 *
 * usage: node dist/bench.js [--rounds R] [--steps T] [--envs N] [--workers W] [--ids Hopper-v5,...]
 *
 * Every measurement runs the same physics: the envs are made with terminateWhenUnhealthy=false
 * (no early resets), the raw loop starts from the env's reset state and both replay the same
 * seeded actions, so the trajectories are identical and the difference is wrapper cost alone.
 * Rounds are interleaved and the best round is kept (robust to other load on the machine).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@mgail/envs-classic';
import { loadMujoco } from './binding.js';
import { MujocoEnv, SharedModel } from './mujoco-env.js';
import { ParallelVectorEnv } from './parallel.js';
import { make, MUJOCO_ENV_IDS, mujocoRegistry } from './registry.js';
import { makeVec } from './vector.js';

interface Args {
  rounds: number;
  steps: number;
  envs: number;
  workers: number | undefined;
  ids: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { rounds: 3, steps: 1000, envs: 8, workers: undefined, ids: [...MUJOCO_ENV_IDS] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[++i];
    if (k === '--rounds') a.rounds = Number(v);
    else if (k === '--steps') a.steps = Number(v);
    else if (k === '--envs') a.envs = Number(v);
    else if (k === '--workers') a.workers = Number(v);
    else if (k === '--ids') a.ids = v.split(',');
    else throw new Error(`unknown argument ${k}; usage: node dist/bench.js [--rounds R] [--steps T] [--envs N] [--workers W] [--ids A,B]`);
  }
  return a;
}

const NO_EARLY_TERMINATION: Record<string, Record<string, unknown>> = {
  'Hopper-v5': { terminateWhenUnhealthy: false },
  'Walker2d-v5': { terminateWhenUnhealthy: false },
  'HalfCheetah-v5': {},
  'Ant-v5': { terminateWhenUnhealthy: false },
  'Humanoid-v5': { terminateWhenUnhealthy: false },
};

function actionsFor(env: MujocoEnv, n: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const out: Float32Array[] = [];
  for (let t = 0; t < n; t++) {
    const a = new Float32Array(env.nu);
    for (let i = 0; i < env.nu; i++) a[i] = rng.uniform(env.actionSpace.low[i], env.actionSpace.high[i]);
    out.push(a);
  }
  return out;
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Compiles bench/native.c once, if gcc and the MuJoCo headers are there. */
function nativeBinary(): string | null {
  const src = fileURLToPath(new URL('../bench/native.c', import.meta.url));
  if (!fs.existsSync(src) || !fs.existsSync('/usr/include/mujoco/mujoco.h')) return null;
  const out = path.join(os.tmpdir(), `mgail-mujoco-native-${process.pid}`);
  try {
    execFileSync('gcc', ['-O2', '-o', out, src, '-lmujoco'], { stdio: 'pipe' });
    return out;
  } catch {
    return null;
  }
}

function runNative(bin: string, xmlFile: string, frameSkip: number, steps: number, rounds: number): { sps: number; version: string } | null {
  // MuJoCo 2.x has no <size memory> (the header comments mention it too: replace all).
  const xml = fs.readFileSync(xmlFile, 'utf8').replace(/\smemory="[^"]*"/g, '');
  const tmp = path.join(os.tmpdir(), `mgail-bench-${process.pid}-${path.basename(xmlFile)}`);
  fs.writeFileSync(tmp, xml);
  try {
    const out = execFileSync(bin, [tmp, String(frameSkip), String(steps), '1', String(rounds)], { encoding: 'utf8' }).trim().split(/\s+/);
    const v = Number(out[1]);
    return { sps: Number(out[0]), version: `${Math.floor(v / 100)}.${Math.floor(v / 10) % 10}.${v % 10}` };
  } catch {
    return null;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

interface Row {
  id: string;
  raw: number;
  single: number;
  vector: number;
  parallel: number;
  parallelWorkersOnly: number;
  layout: string;
  native: { sps: number; version: string } | null;
}

async function benchEnv(id: string, a: Args, native: string | null): Promise<Row> {
  const opts = NO_EARLY_TERMINATION[id] ?? {};
  const env = await make(id, opts);
  const T = a.steps;
  const actions = actionsFor(env, T, 7);

  // Raw loop on the same compiled model, from the env's reset state.
  const mj = await loadMujoco();
  const xmlFile = mujocoRegistry.get(id)?.spec.kwargs?.xmlFile as string;
  const shared = SharedModel.loadWith(mj, id, xmlFile);
  const m = shared.model;
  const d = mj.makeData(m);
  const frameSkip = env.frameSkip;

  env.reset({ seed: 1 });
  const { qpos, qvel } = env.getState();

  let bestRaw = 0, bestSingle = 0;
  for (let r = 0; r < a.rounds; r++) {
    mj.resetData(m, d);
    d.qpos.set(qpos);
    d.qvel.set(qvel);
    mj.forward(m, d);
    const ctrl = d.ctrl;
    const tRaw = time(() => {
      for (let t = 0; t < T; t++) {
        ctrl.set(actions[t]);
        for (let k = 0; k < frameSkip; k++) mj.step(m, d);
        mj.rnePostConstraint(m, d);
      }
    });
    bestRaw = Math.max(bestRaw, T / tRaw);

    env.reset({ seed: 1 });
    const tEnv = time(() => {
      for (let t = 0; t < T; t++) env.step(actions[t]);
    });
    bestSingle = Math.max(bestSingle, T / tEnv);
  }
  d.delete();
  shared.disposeIfUnused();
  env.close();

  // Vectorized in this thread, and over worker threads.
  const N = a.envs, TV = Math.max(1, Math.floor(T / 2));
  const flat: Float64Array[] = [];
  for (let t = 0; t < TV; t++) {
    const f = new Float64Array(N * actions[0].length);
    for (let i = 0; i < N; i++) f.set(actions[(t + 37 * i) % T], i * actions[0].length);
    flat.push(f);
  }
  const venv = await makeVec(id, N, opts);
  let bestVec = 0;
  for (let r = 0; r < a.rounds; r++) {
    venv.reset({ seed: 1 });
    const tv = time(() => {
      for (let t = 0; t < TV; t++) venv.step(flat[t]);
    });
    bestVec = Math.max(bestVec, (N * TV) / tv);
  }
  venv.close();

  const runParallel = async (extra: Record<string, unknown>): Promise<{ sps: number; layout: string }> => {
    const penv = await ParallelVectorEnv.create(id, N, { ...opts, ...extra });
    await penv.reset({ seed: 1 });
    for (let t = 0; t < Math.min(50, TV); t++) await penv.step(flat[t]); // warm up the workers' JIT
    let best = 0;
    for (let r = 0; r < a.rounds; r++) {
      await penv.reset({ seed: 1 });
      const tp = await timeAsync(async () => {
        for (let t = 0; t < TV; t++) await penv.step(flat[t]);
      });
      best = Math.max(best, (N * TV) / tp);
    }
    const layout = `${penv.numWorkers} worker${penv.numWorkers > 1 ? 's' : ''}${penv.mainThreadEnvs ? ' + main thread' : ''}`;
    await penv.close();
    return { sps: best, layout };
  };
  const par = await runParallel(a.workers ? { numWorkers: a.workers } : {});
  const cores = os.availableParallelism();
  const parW = await runParallel({ useMainThread: false, numWorkers: Math.min(N, a.workers ?? cores) });

  const nat = native ? runNative(native, shared.file, frameSkip, T, a.rounds) : null;
  return { id, raw: bestRaw, single: bestSingle, vector: bestVec, parallel: par.sps, parallelWorkersOnly: parW.sps, layout: `${par.layout}; ${parW.layout}`, native: nat };
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2).filter((x) => x !== '--'));
  const mj = await loadMujoco();
  const native = nativeBinary();
  const rows: Row[] = [];
  for (const id of a.ids) {
    rows.push(await benchEnv(id, a, native));
    process.stderr.write(`# ${id} done\n`);
  }
  if (native) fs.rmSync(native, { force: true });

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Machine: ${cpu}, ${os.availableParallelism()} cores, Node ${process.version}, ${mj.binding}; load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`Env steps/second (best of ${a.rounds} rounds; raw and single: ${a.steps} steps; vector and parallel: ${a.envs} envs x ${Math.floor(a.steps / 2)} steps).`);
  console.log(`Parallel threads: ${rows[0]?.layout ?? ''} (workers only: useMainThread false).`);
  console.log('');
  const nv = rows.find((r) => r.native)?.native?.version;
  const nativeHead = nv ? ` native C (MuJoCo ${nv}) | WASM raw / native |` : '';
  console.log(`| env | raw mj_step loop | single env | wrapper overhead | vector (${a.envs}) | parallel (${a.envs}) | parallel / single | parallel, workers only |${nativeHead}`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|${nativeHead ? '---:|---:|' : ''}`);
  for (const r of rows) {
    const overhead = (r.raw / r.single - 1) * 100;
    const nat = nativeHead ? (r.native ? ` ${fmt(r.native.sps)} | ${(r.raw / r.native.sps).toFixed(2)}x |` : ' - | - |') : '';
    console.log(
      `| ${r.id} | ${fmt(r.raw)} | ${fmt(r.single)} | ${overhead.toFixed(1)}% | ${fmt(r.vector)} | ${fmt(r.parallel)} | ${(r.parallel / r.single).toFixed(2)}x | ${fmt(r.parallelWorkersOnly)} (${(r.parallelWorkersOnly / r.single).toFixed(2)}x) |${nat}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
