import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { initBackend, writeFileAtomic, writeJsonAtomic } from '@mgail/core-autodiff-graph';
import { listEnvs as listClassic, make as makeClassic, makeVec as makeClassicVec, type Env } from '@mgail/envs-classic';
import { actionSelection, demosProvenance, evaluatePolicy, HO_ERMON_EVAL_EPISODES, hoErmonSubsample, readDemos, selectEpisodes, type Demonstrations, type Policy } from '@mgail/policies';
import { bcConfig, gailBCConfig, gailConfig, trainBC, trainGAIL, type VectorEnvLike } from '@mgail/baselines-gail-bc';
import { effectiveMGAILConfig, mgailBCConfig, mgailConfig, readMGAILCheckpointMeta, trainMGAIL, type MGAILConfig } from '@mgail/mgail';
import { parseIntList, parsePositiveInt, parseRedisUrl, REPO_ROOT, type Io } from '../io.js';
import { machineInfo, type MachineInfo } from '../perf/machine.js';
import { PUBLISHED } from '../table1/published.js';
import { DEFAULT_ENV_STEPS, HO_ERMON_BUDGETS, TABLE1_BUDGETS, describeBudget, mgailIterationsFor } from '../table1/budgets.js';
import {
  TABLE1_ALGOS, TABLE1_VARIANTS, cellKey, fmt, pooled, rowCharts, table1Markdown,
  type CellResult, type EnvRefs, type EvalPoint, type Stat, type Table1Data,
} from '../table1/report.js';

/** Table 1's tasks in the paper's order, with their default trajectory counts. */
export const TABLE1_ENVS: readonly { env: string; trajectories: number[] }[] = PUBLISHED.map((p) => ({ env: p.envId, trajectories: [...p.trajectories] }));


/**
 * `ho-ermon`: the paper's comparison (Ho & Ermon's data: stochastic expert, every trajectory
 * subsampled, equal GAIL/MGAIL env-step budgets); `full`: whole deterministic demonstrations, the
 * report this bench made before.
 */
export type Table1Protocol = 'ho-ermon' | 'full';
export const TABLE1_PROTOCOLS: readonly Table1Protocol[] = ['ho-ermon', 'full'];

/**
 * The demonstrations file of a protocol in `experts/<env-id>/`: ho-ermon reads `demos.npz` (the
 * stochastic expert's); full reads `demos-deterministic.npz`, or `demos.npz` where that is the
 * only file (experts whose stochastic demonstrations are still to come).
 */
export function protocolDemosPath(experts: string, env: string, protocol: Table1Protocol): string {
  const dir = path.join(experts, env);
  if (protocol === 'ho-ermon') return path.join(dir, 'demos.npz');
  const det = path.join(dir, 'demos-deterministic.npz');
  return fs.existsSync(det) ? det : path.join(dir, 'demos.npz');
}

/**
 * Where `bench table1` writes without `--out`: an untracked folder, so that a try never rewrites
 * the committed reports (apps/bench/results/table1-<protocol>, which change only by naming them).
 */
export function defaultTable1Out(protocol: Table1Protocol): string {
  return path.join(REPO_ROOT, 'runs', `table1-${protocol}`);
}

/** Seeds the committed reports use; configs are tuned on seeds 0-9 only. */
export const REPORT_SEEDS = [100, 101, 102];

export interface Table1Options {
  envs: string[];
  algos: string[];
  protocol: Table1Protocol;
  /** Trajectory counts for every env; each env's Table 1 counts when absent. */
  trajectories?: number[];
  /** The seeds of every cell. */
  seeds: number[];
  /** Keep every K-th pair of each trajectory; the protocol's rate (ho-ermon) or 1 (full) when absent. */
  subsample?: number;
  /** Replaces the GAIL and MGAIL env-step budgets. */
  budgetSteps?: number;
  out: string;
  /** Folder holding `<env-id>/demos.npz` (and `demos-deterministic.npz` for the full protocol). */
  experts: string;
  /** Episodes of each cell's final deterministic evaluation. */
  evalEpisodes: number;
  /** Per-algorithm config fields over the budgets: `{ "bc": {...}, "gail": {...}, "mgail": {...} }`. */
  overrides?: Partial<Record<string, Record<string, unknown>>>;
  /** Only rewrite results.json, table1.md and the SVGs from the cells already there. */
  reportOnly?: boolean;
  /** The command line, recorded in results.json. */
  command?: string;
  /** Run the cells as BullMQ jobs on this Redis (`redis://HOST:PORT`) instead of here; workers train them. */
  queue?: string;
  /** The BullMQ queue's name (one Table 1 run per queue). */
  queueName?: string;
}

/** The options that change a cell's numbers: what a queued cell carries to its worker. */
export type CellOptions = Pick<Table1Options, 'protocol' | 'subsample' | 'budgetSteps' | 'evalEpisodes' | 'overrides'>;

export function cellOptions(o: Table1Options): CellOptions {
  return { protocol: o.protocol, subsample: o.subsample, budgetSteps: o.budgetSteps, evalEpisodes: o.evalEpisodes, overrides: o.overrides };
}

export interface Table1Summary {
  ran: string[];
  skipped: string[];
  notRun: { key: string; why: string }[];
  /** Queued cells that failed on their last attempt (local cells stop the run instead). */
  failed: FailedCell[];
  out: string;
}

/** A queued cell that failed on its last attempt, as `failed.json` keeps it for the report. */
export interface FailedCell {
  key: string;
  error: string;
  attempts: number;
  failedAt: string;
}

/** The failed cells of `out` that have no result since (a later run may have finished them). */
export function readFailedCells(out: string): FailedCell[] {
  return (readJson<FailedCell[]>(path.join(out, 'failed.json')) ?? []).filter((f) => !fs.existsSync(path.join(out, 'cells', `${f.key}.json`)));
}

const MUJOCO_IDS = new Set(['Hopper-v5', 'Walker2d-v5', 'HalfCheetah-v5', 'Ant-v5', 'Humanoid-v5']);

type MujocoModule = {
  make(id: string): Promise<Env>;
  makeVec(id: string, n: number, o: Record<string, unknown>): Promise<VectorEnvLike>;
};
let mujoco: MujocoModule | undefined;
/** Loaded on first use: the classic rows never pay for the WASM module. */
async function mujocoModule(): Promise<MujocoModule> {
  mujoco ??= (await import('@mgail/envs-mujoco-wasm')) as unknown as MujocoModule;
  return mujoco;
}

async function makeEnv(id: string): Promise<Env> {
  if (listClassic().includes(id)) return makeClassic(id);
  if (MUJOCO_IDS.has(id)) return (await mujocoModule()).make(id);
  throw new Error(`table1: unknown env "${id}" (known: ${[...listClassic(), ...MUJOCO_IDS].join(', ')})`);
}

async function makeVecEnv(id: string, n: number): Promise<VectorEnvLike> {
  if (listClassic().includes(id)) return makeClassicVec(id, n, { autoresetMode: 'same-step' }) as unknown as VectorEnvLike;
  return (await mujocoModule()).makeVec(id, n, { autoresetMode: 'same-step' });
}

/** Returns of a uniformly random policy: the table's "Random" column. */
export async function randomReturns(envId: string, episodes: number, seed: number): Promise<number[]> {
  const env = await makeEnv(envId);
  try {
    env.actionSpace.seed(seed);
    const out: number[] = [];
    for (let ep = 0; ep < episodes; ep++) {
      env.reset(ep === 0 ? { seed } : {});
      let ret = 0;
      for (;;) {
        const r = env.step(env.actionSpace.sample());
        ret += r.reward;
        if (r.terminated || r.truncated) break;
      }
      out.push(ret);
    }
    return out;
  } finally {
    env.close();
  }
}

const meanStd = (xs: number[]): Stat => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, std: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) };
};

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Paths under packages/ and apps/ that differ from HEAD: the build the numbers came from is not exactly the commit. */
function dirtyPaths(): string[] {
  try {
    const s = execFileSync('git', ['status', '--porcelain', '--', 'packages', 'apps/bench/src'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return s.split('\n').filter(Boolean).map((l) => l.slice(3));
  } catch {
    return [];
  }
}

export interface RunRecord {
  command: string;
  commit: string | null;
  dirty: string[];
  machine: Omit<MachineInfo, 'commit'>;
  started: string;
  finished?: string;
  cellsRun: string[];
}

export interface CellJob {
  env: string;
  algo: string;
  trajectories: number;
  seed: number;
}

/** The subsampling rate of a cell: `--subsample`, else the protocol's (ho-ermon) or 1 (full). */
export function cellSubsample(env: string, o: Pick<CellOptions, 'protocol' | 'subsample'>): number {
  return o.subsample ?? (o.protocol === 'ho-ermon' ? hoErmonSubsample(env) : 1);
}

/** The (env, algo, trajectories, seed) cells of a run, env-major in the order asked. */
export function planCells(o: Pick<Table1Options, 'envs' | 'algos' | 'trajectories' | 'seeds'>): CellJob[] {
  const jobs: CellJob[] = [];
  for (const env of o.envs) {
    const counts = o.trajectories ?? TABLE1_ENVS.find((r) => r.env === env)?.trajectories ?? [4];
    for (const algo of o.algos) for (const n of counts) for (const seed of o.seeds) jobs.push({ env, algo, trajectories: n, seed });
  }
  return jobs;
}

/**
 * The config of one cell: the algorithm's defaults and per-env file, the bench budget, then
 * overrides and --budget-steps. In the ho-ermon protocol GAIL and MGAIL get the same env-step
 * budget (HO_ERMON_BUDGETS); MGAIL's iterations are sized to it and it stops at the budget.
 */
function cellConfig(job: CellJob, o: CellOptions): { config: Record<string, unknown>; capSteps?: number } {
  const over = o.overrides?.[job.algo] ?? {};
  const fair = o.protocol === 'ho-ermon' ? (o.budgetSteps ?? HO_ERMON_BUDGETS[job.env]?.envSteps) : undefined;
  const budget = o.protocol === 'ho-ermon' ? (HO_ERMON_BUDGETS[job.env] ?? {}) : (TABLE1_BUDGETS[job.env] ?? {});
  if (job.algo === 'bc') return { config: bcConfig(job.env, { ...budget.bc, ...over }, 'table1 budget') as unknown as Record<string, unknown> };
  if (job.algo === 'gail' || job.algo === 'gail+bc') {
    const steps = fair ?? o.budgetSteps ?? (over.totalSteps as number | undefined) ?? (budget.gail?.totalSteps as number | undefined);
    const make = job.algo === 'gail' ? gailConfig : gailBCConfig;
    return { config: make(job.env, { ...budget.gail, ...over, ...(steps !== undefined ? { totalSteps: steps } : {}) }, 'table1 budget') as unknown as Record<string, unknown> };
  }
  if (job.algo === 'mgail' || job.algo === 'mgail+bc') {
    const make = job.algo === 'mgail' ? mgailConfig : mgailBCConfig;
    let base: MGAILConfig = make(job.env, { ...budget.mgail, ...over }, 'table1 budget');
    // the budget caps MGAIL's iterations; a config that needs fewer env steps keeps its own count
    if (fair !== undefined && over.iterations === undefined) base = make(job.env, { ...budget.mgail, ...over, iterations: Math.min(base.iterations, mgailIterationsFor(base, fair)) }, 'table1 budget');
    // the config the cell runs: with fewer trajectories than bcMinTrajectories, no BC anchor
    const config = effectiveMGAILConfig(base, job.trajectories) as unknown as Record<string, unknown>;
    const capSteps = fair ?? o.budgetSteps ?? budget.mgailEnvSteps ?? (TABLE1_BUDGETS[job.env] ? undefined : DEFAULT_ENV_STEPS);
    return { config, capSteps };
  }
  throw new Error(`table1: unknown algorithm "${job.algo}" (choose from ${[...TABLE1_ALGOS, ...TABLE1_VARIANTS].join(', ')})`);
}

interface Trained {
  policy: Policy;
  envSteps: number;
  wallClockSeconds: number;
  history: EvalPoint[];
  extra: Record<string, unknown>;
}

async function trainCell(job: CellJob, demos: Demonstrations, o: CellOptions, io: Io, runDir: string): Promise<Trained & { config: unknown }> {
  const { config, capSteps } = cellConfig(job, o);
  const tag = `${job.env} ${job.algo} ${job.trajectories}traj seed ${job.seed}`;
  const started = Date.now();
  const since = () => (Date.now() - started) / 1000;
  if (job.algo === 'bc') {
    const env = await makeEnv(job.env);
    try {
      const res = trainBC(demos, env, config as never, { seed: job.seed });
      return { policy: res.policy, envSteps: 0, wallClockSeconds: since(), history: [], config, extra: { epochs: res.history.length, bestEpoch: res.bestEpoch } };
    } finally {
      env.close();
    }
  }
  if (job.algo === 'gail' || job.algo === 'gail+bc') {
    const history: EvalPoint[] = [];
    const res = await trainGAIL({
      envId: job.env, demos, config: config as never, seed: job.seed,
      makeVecEnv: (n) => makeVecEnv(job.env, n), makeEvalEnv: () => makeEnv(job.env),
      onEval: (e) => {
        history.push({ envSteps: e.envSteps, wallClockSeconds: e.wallClockSeconds, mean: e.mean });
        io.err(`[table1]   ${tag}: ${e.envSteps} env steps, ${e.wallClockSeconds.toFixed(0)} s, eval ${fmt(e.mean)}`);
      },
    });
    return { policy: res.policy, envSteps: res.envSteps, wallClockSeconds: res.wallClockSeconds, history, config, extra: { rounds: res.rounds } };
  }
  // MGAIL keeps a checkpoint in the cell's run dir, so a killed cell continues where it stopped.
  fs.mkdirSync(runDir, { recursive: true });
  const ckpt = path.join(runDir, 'checkpoint.ckpt');
  const histFile = path.join(runDir, 'bench-history.json');
  type Point = EvalPoint & { iteration: number };
  let earlier: Point[] = [];
  const resume = fs.existsSync(ckpt);
  if (resume) {
    const at = readMGAILCheckpointMeta(ckpt).iteration;
    earlier = (readJson<Point[]>(histFile) ?? []).filter((p) => p.iteration <= at);
    io.err(`[table1]   ${tag}: resuming MGAIL at iteration ${at}`);
  }
  const fresh: Point[] = [];
  let steps = 0;
  const res = await trainMGAIL({
    envId: job.env, makeEnv: () => makeEnv(job.env), demos, config: config as never, seed: job.seed, runDir,
    // a cell with no checkpoint starts over: files of an attempt that died before its first one are moved aside
    resume, force: !resume,
    runInfo: { bench: 'table1', trajectories: job.trajectories },
    onLog: (it, m) => {
      steps = m.global_step ?? steps;
      if (m['eval/return_mean'] === undefined) return;
      fresh.push({ iteration: it, envSteps: steps, wallClockSeconds: since(), mean: m['eval/return_mean'] });
      // relative times of this sitting; shifted by the earlier sittings' time once training returns
      writeJsonAtomic(histFile, [...earlier, ...fresh.map((p) => ({ ...p, wallClockSeconds: (earlier.at(-1)?.wallClockSeconds ?? 0) + p.wallClockSeconds }))]);
      io.err(`[table1]   ${tag}: iteration ${it}, ${steps} env steps, ${since().toFixed(0)} s, eval ${fmt(m['eval/return_mean'])}`);
    },
    shouldStop: () => capSteps !== undefined && steps >= capSteps,
  });
  const before = res.wallClockSeconds - since();
  const history = [...earlier, ...fresh.map((p) => ({ ...p, wallClockSeconds: before + p.wallClockSeconds }))].map(({ envSteps, wallClockSeconds, mean }) => ({ envSteps, wallClockSeconds, mean }));
  fs.rmSync(ckpt, { force: true }); // tens of MB; the cell JSON is the result
  return {
    policy: res.policy, envSteps: res.envSteps, wallClockSeconds: res.wallClockSeconds, history, config,
    extra: { iterations: res.iterations, stoppedAtEnvStepBudget: !res.finished, envStepBudget: capSteps ?? null },
  };
}

/**
 * The demonstrations a protocol's cells of `env` train from, or why there are none (missing, or
 * deterministic where the ho-ermon protocol needs the stochastic expert's).
 */
export function protocolDemos(experts: string, env: string, protocol: Table1Protocol, f = protocolDemosPath(experts, env, protocol)): Demonstrations | string {
  if (!fs.existsSync(f)) return `no demonstrations (${path.relative(process.cwd(), f)} missing)`;
  const d = readDemos(f, { envId: env });
  // the paper's comparison needs the stochastic expert's data: never mix in deterministic demonstrations
  return protocol === 'ho-ermon' && actionSelection(d) !== 'stochastic'
    ? `${path.relative(process.cwd(), f)} holds ${actionSelection(d)} demonstrations; the ho-ermon protocol needs the stochastic expert's (mgail collect --stochastic)` : d;
}

/** Why a cell of `trajectories` trajectories cannot run from these demonstrations, or null when it can. */
export function cellNotRunReason(all: Demonstrations | string, trajectories: number): string | null {
  if (typeof all === 'string') return all;
  return all.episodeStarts.length < trajectories ? `the demonstrations hold ${all.episodeStarts.length} trajectories` : null;
}

/**
 * Trains one cell from its env's demonstrations and evaluates it: the record `cells/<key>.json`
 * holds, whether the cell ran here or on a queue worker. `commit` is the one the record names.
 */
export async function runCell(job: CellJob, all: Demonstrations, o: CellOptions, io: Io, runDir: string, commit: string | null): Promise<CellResult & Record<string, unknown>> {
  const demos = selectEpisodes(all, { trajectories: job.trajectories, subsample: cellSubsample(job.env, o), seed: job.seed });
  const t = await trainCell(job, demos, o, io, runDir);
  try {
    // The final deterministic evaluation is reported, never used to select anything.
    const te = Date.now();
    const env = await makeEnv(job.env);
    let ev;
    try {
      ev = evaluatePolicy(env, t.policy, { episodes: o.evalEpisodes, seed: 10_000 + job.seed, deterministic: true });
    } finally {
      env.close();
    }
    return {
      ...job, protocol: o.protocol, ...demosProvenance(demos), subsampleOffsets: demos.metadata.selection?.offsets ?? null,
      eval: { episodes: ev.returns.length, mean: ev.mean, std: ev.std, returns: ev.returns },
      envSteps: t.envSteps, wallClockSeconds: t.wallClockSeconds, history: t.history, config: t.config,
      finishedAt: new Date().toISOString(), evalSeconds: (Date.now() - te) / 1000, commit, ...t.extra,
    };
  } finally {
    t.policy.dispose();
  }
}

/** The progress line of a finished cell. */
export function cellLine(c: CellResult): string {
  return `${fmt(c.eval.mean)} ± ${fmt(c.eval.std)} over ${c.eval.episodes} episodes, ${c.envSteps} env steps, ${c.wallClockSeconds.toFixed(0)} s`;
}

/**
 * Expert (the demonstrations' returns) and random-policy references, cached in refs.json. With
 * `cachedOnly` nothing is computed or written: what refs.json holds is what the report gets.
 */
async function envRefs(env: string, o: Table1Options, demos: () => Demonstrations | null, withRandom: boolean, cachedOnly = false): Promise<EnvRefs> {
  const file = path.join(o.out, 'refs.json');
  const all = readJson<Record<string, EnvRefs & { randomEpisodes?: number }>>(file) ?? {};
  const r = all[env] ?? {};
  if (cachedOnly) return r;
  let changed = false;
  // the demonstrations file can be replaced (a stronger expert): the cached reference follows it
  const d = demos();
  if (d && (r.expert?.mean !== d.metadata.meanReturn || r.expert?.std !== d.metadata.stdReturn)) {
    r.expert = { mean: d.metadata.meanReturn, std: d.metadata.stdReturn };
    changed = true;
  }
  if (!r.random && withRandom) {
    try {
      r.random = meanStd(await randomReturns(env, o.evalEpisodes, 10_000));
      r.randomEpisodes = o.evalEpisodes;
      changed = true;
    } catch {
      // an env this build cannot make keeps no random reference
    }
  }
  if (changed) {
    all[env] = r;
    writeJsonAtomic(file, all);
  }
  return r;
}

function loadCells(out: string): CellResult[] {
  const dir = path.join(out, 'cells');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => readJson<CellResult>(path.join(dir, f))).filter((c): c is CellResult => c !== null);
}

/** Steps and seconds to the first logged evaluation at or above the threshold (null when never). */
export function firstReach(c: CellResult, threshold: number): { envSteps: number; wallClockSeconds: number } | null {
  const p = c.history.find((h) => h.mean >= threshold);
  return p ? { envSteps: p.envSteps, wallClockSeconds: p.wallClockSeconds } : null;
}

export interface EfficiencyRow {
  env: string;
  trajectories: number;
  threshold: number;
  algos: Record<string, { seeds: number; reached: number; medianEnvSteps: number | null; medianWallClockSeconds: number | null }>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

/**
 * Sample efficiency: 90% of the way from the random policy's return to the expert's (for
 * CartPole 22 → 500 that is 452; the plain "90% of the expert's return" has no meaning for
 * Acrobot's and MountainCar's negative returns).
 */
export function sampleEfficiency(cells: CellResult[], refs: Record<string, EnvRefs>, fraction = 0.9): EfficiencyRow[] {
  const rows: EfficiencyRow[] = [];
  const keys = [...new Set(cells.filter((c) => c.algo !== 'bc').map((c) => `${c.env}|${c.trajectories}`))];
  for (const k of keys) {
    const [env, n] = [k.split('|')[0], Number(k.split('|')[1])];
    const r = refs[env];
    if (!r?.expert) continue;
    const lo = r.random?.mean ?? 0;
    const threshold = lo + fraction * (r.expert.mean - lo);
    const algos: EfficiencyRow['algos'] = {};
    for (const algo of ['gail', 'mgail']) {
      const cs = cells.filter((c) => c.env === env && c.trajectories === n && c.algo === algo);
      if (!cs.length) continue;
      const hits = cs.map((c) => firstReach(c, threshold)).filter((h): h is NonNullable<typeof h> => h !== null);
      algos[algo] = { seeds: cs.length, reached: hits.length, medianEnvSteps: median(hits.map((h) => h.envSteps)), medianWallClockSeconds: median(hits.map((h) => h.wallClockSeconds)) };
    }
    rows.push({ env, trajectories: n, threshold, algos });
  }
  const order = (e: string) => { const i = TABLE1_ENVS.findIndex((t) => t.env === e); return i < 0 ? 99 : i; };
  return rows.sort((a, b) => order(a.env) - order(b.env) || a.trajectories - b.trajectories);
}

function efficiencyMarkdown(rows: EfficiencyRow[]): string[] {
  if (!rows.length) return [];
  const cell = (a?: EfficiencyRow['algos'][string]) =>
    !a ? 'not run | not run' : a.reached === 0 ? `not reached (0/${a.seeds}) | –` : `${Math.round(a.medianEnvSteps!).toLocaleString('en-US')} (${a.reached}/${a.seeds}) | ${a.medianWallClockSeconds!.toFixed(0)}`;
  return [
    '', '## Sample efficiency: first logged evaluation at 90% of the expert', '',
    'Threshold: random + 0.9 × (expert − random) in return. Median over the seeds that reached it (reached / seeds) of the env steps and wall-clock seconds at the first logged deterministic evaluation at or above it (evaluations are sparse, so this is an upper bound at the logging interval). Env steps count every env step the method took, MGAIL\'s initial random steps and policy unrolls included.', '',
    '| Task | Trajectories | Threshold | GAIL env steps | GAIL s | MGAIL env steps | MGAIL s |', '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.env} | ${r.trajectories} | ${fmt(r.threshold)} | ${cell(r.algos.gail)} | ${cell(r.algos.mgail)} |`),
  ];
}

/** Rows where MGAIL's pooled mean is below the baseline's (`gail` or `bc`). */
export function mgailBelow(cells: CellResult[], baseline: 'gail' | 'bc'): { env: string; trajectories: number; baseline: number; mgail: number }[] {
  const out: { env: string; trajectories: number; baseline: number; mgail: number }[] = [];
  const keys = [...new Set(cells.map((c) => `${c.env}|${c.trajectories}`))];
  for (const k of keys) {
    const [env, n] = [k.split('|')[0], Number(k.split('|')[1])];
    const g = pooled(cells.filter((c) => c.env === env && c.trajectories === n && c.algo === baseline));
    const m = pooled(cells.filter((c) => c.env === env && c.trajectories === n && c.algo === 'mgail'));
    if (g && m && m.mean < g.mean) out.push({ env, trajectories: n, baseline: g.mean, mgail: m.mean });
  }
  return out;
}

/** Rows where MGAIL's pooled mean is below GAIL's. */
export function mgailBelowGail(cells: CellResult[]): { env: string; trajectories: number; gail: number; mgail: number }[] {
  return mgailBelow(cells, 'gail').map(({ baseline, ...r }) => ({ ...r, gail: baseline }));
}

/**
 * The report of every cell in `out`: table1.md, results.json and the SVGs, keyed by their path
 * inside `out`. A pure function of the folder's cells, refs.json, runs.json, failed.json and
 * NOTES.md (plus the experts' demonstrations and random rollouts for references refs.json lacks,
 * unless `cachedRefsOnly`), so a committed report can be checked against its cells.
 */
export async function renderTable1Report(o: Table1Options, runs: RunRecord[], cachedRefsOnly = false): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const cells = loadCells(o.out);
  const envsSeen = new Set(cells.map((c) => c.env));
  const rows = TABLE1_ENVS.map((r) => ({ env: r.env, trajectories: [...new Set([...r.trajectories, ...cells.filter((c) => c.env === r.env).map((c) => c.trajectories)])].sort((a, b) => a - b) }));
  for (const env of envsSeen) if (!rows.some((r) => r.env === env)) rows.push({ env, trajectories: [...new Set(cells.filter((c) => c.env === env).map((c) => c.trajectories))].sort((a, b) => a - b) });
  const refs: Record<string, EnvRefs> = {};
  for (const r of rows) {
    const demosFile = protocolDemosPath(o.experts, r.env, o.protocol);
    const demos = () => (fs.existsSync(demosFile) ? readDemos(demosFile, { envId: r.env }) : null);
    refs[r.env] = await envRefs(r.env, o, demos, envsSeen.has(r.env), cachedRefsOnly);
  }
  const eff = sampleEfficiency(cells, refs);
  const below = mgailBelowGail(cells);
  const notes: string[] = [
    o.protocol === 'ho-ermon'
      ? `Protocol ho-ermon (Ho & Ermon 2016, the data of the MGAIL paper's Table 1): experts/<env>/demos.npz sampled from the stochastic expert; each cell trains from the first N episodes, keeping every K-th (state, action) pair of each from a random offset seeded by the cell's seed (K = ${[...new Set(cells.map((c) => `${c.env} ${(c as CellResult & { subsample?: number }).subsample ?? '?'}`))].join(', ') || 'MuJoCo 20, CartPole 10, Acrobot and MountainCar 5'}), and is evaluated deterministically over ${[...new Set(cells.map((c) => c.eval.episodes))].join('/') || o.evalEpisodes} episodes (env seed 10000 + S). Seeds ${[...new Set(cells.map((c) => c.seed))].sort((a, b) => a - b).join(', ') || REPORT_SEEDS.join(', ')}; every config was tuned on seeds 0-9 only, never on these. \`bc\`, \`gail\` and \`mgail\` are the published algorithms: no BC warm start or BC term in a gail or mgail cell (variants that add BC are the columns gail+bc and mgail+bc, when run). Expert: the mean ± std of the stochastic expert's returns over all the demonstrations in the file; Random: uniform random actions, ${o.evalEpisodes} episodes.`
      : `Protocol full: each cell trains from the first N whole episodes of experts/<env>/demos-deterministic.npz (demos.npz for the experts that have only deterministic demonstrations; no subsampling) with seed S and is evaluated deterministically over ${[...new Set(cells.map((c) => c.eval.episodes))].join('/') || o.evalEpisodes} episodes (env seed 10000 + S). Expert: the mean ± std of all the demonstrations in the file; Random: uniform random actions, ${o.evalEpisodes} episodes.`,
    'Env steps are the mean over seeds; wall-clock is the training time of one cell (final evaluation excluded) on a shared 2-core machine, so it is noisy.',
    'Budgets (packages\' per-env configs, capped by apps/bench/src/table1/budgets.ts):',
    ...rows.filter((r) => cells.some((c) => c.env === r.env)).map((r) => `- ${describeBudget(r.env, o.protocol, o.budgetSteps)}`),
  ];
  if (below.length) {
    notes.push(`MGAIL is below GAIL on ${below.length} row(s): ${below.map((b) => `${b.env} ${b.trajectories} traj (${fmt(b.mgail)} vs ${fmt(b.gail)})`).join('; ')}. See the run notes for why.`);
  }
  const belowBC = mgailBelow(cells, 'bc');
  if (belowBC.length) {
    notes.push(`MGAIL is below BC on ${belowBC.length} row(s): ${belowBC.map((b) => `${b.env} ${b.trajectories} traj (${fmt(b.mgail)} vs ${fmt(b.baseline)})`).join('; ')}.`);
  }
  const data: Table1Data = { rows, algos: o.algos, cells, refs, notes };
  let md = table1Markdown(data);
  md += efficiencyMarkdown(eff).join('\n') + (eff.length ? '\n' : '');
  // SVGs: one pair per (env, trajectories) row with any cell
  const plots: string[] = [];
  for (const r of rows) {
    for (const n of r.trajectories) {
      if (!cells.some((c) => c.env === r.env && c.trajectories === n)) continue;
      const ch = rowCharts(data, r.env, n);
      const base = `${r.env}__${n}traj`;
      files.set(`svg/${base}__steps.svg`, ch.steps);
      files.set(`svg/${base}__wallclock.svg`, ch.wallClock);
      plots.push(`- ${r.env}, ${n} trajectories: [return vs env steps](svg/${base}__steps.svg), [return vs wall-clock](svg/${base}__wallclock.svg)`);
    }
  }
  if (plots.length) md += ['', '## Learning curves', '', 'Logged deterministic evaluations during training (never used to pick a policy); one line per seed; BC is a marker at 0 env steps.', '', ...plots].join('\n') + '\n';
  if (runs.length) {
    md += ['', '## Runs', '', 'Each invocation that trained cells (results.json has the full record):', '',
      ...runs.filter((r) => r.cellsRun.length).map((r) => `- \`${r.command}\` at commit ${r.commit ?? 'unknown'}${r.dirty.length ? ` plus ${r.dirty.length} uncommitted paths under packages/ and apps/bench/src (other work in the shared tree; listed in results.json)` : ''}, ${r.machine.nproc} cores (${r.machine.cpu}), node ${r.machine.node}, ${r.started} → ${r.finished ?? 'killed'}: ${r.cellsRun.length} cells`),
    ].join('\n') + '\n';
  }
  const failed = readFailedCells(o.out);
  if (failed.length) {
    md += ['', '## Failed cells', '', 'Queued cells that failed on their last attempt (a later `bench table1 --queue` run queues them again):', '',
      ...failed.map((f) => `- ${f.key} (${f.attempts} attempt${f.attempts === 1 ? '' : 's'}, ${f.failedAt}): ${f.error.split('\n')[0]}`),
    ].join('\n') + '\n';
  }
  const notesFile = path.join(o.out, 'NOTES.md');
  if (fs.existsSync(notesFile)) md += '\n' + fs.readFileSync(notesFile, 'utf8');
  files.set('table1.md', md);
  // no generation time: the same cells give the same bytes, so a rewrite without news changes nothing
  files.set('results.json', JSON.stringify({
    runs, refs, budgets: TABLE1_BUDGETS, sampleEfficiency: eff, mgailBelowGail: below, mgailBelowBC: mgailBelow(cells, 'bc'),
    table: rows.flatMap((r) => r.trajectories.map((n) => ({
      env: r.env, trajectories: n,
      ...Object.fromEntries([...TABLE1_ALGOS, ...TABLE1_VARIANTS.filter((a) => cells.some((c) => c.algo === a))].map((a) => {
        const cs = cells.filter((c) => c.env === r.env && c.trajectories === n && c.algo === a);
        const p = pooled(cs);
        return [a, p ? { ...p, envSteps: cs.reduce((s, c) => s + c.envSteps, 0) / cs.length, wallClockSeconds: cs.reduce((s, c) => s + c.wallClockSeconds, 0) / cs.length } : 'not run'];
      })),
    }))),
    cells: cells.map((c) => cellKey(c)),
    ...(failed.length ? { failed } : {}),
  }, null, 2) + '\n');
  return files;
}

/** Writes the report of every cell in `out` (see renderTable1Report), touching only files whose bytes change. */
export async function writeTable1Report(o: Table1Options, runs: RunRecord[]): Promise<string[]> {
  const changed: string[] = [];
  for (const [rel, text] of await renderTable1Report(o, runs)) {
    const file = path.join(o.out, rel);
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, text);
    changed.push(rel);
  }
  return changed;
}

/**
 * Differences between the committed report in `out` and what its cells generate: the files that
 * differ, are missing, or are SVGs no row draws any more (empty when the report is current).
 */
export async function staleReportFiles(o: Table1Options): Promise<string[]> {
  const runs = readJson<RunRecord[]>(path.join(o.out, 'runs.json')) ?? [];
  const files = await renderTable1Report(o, runs, true);
  const stale: string[] = [];
  for (const [rel, text] of files) {
    const file = path.join(o.out, rel);
    if (!fs.existsSync(file)) stale.push(`${rel} (missing)`);
    else if (fs.readFileSync(file, 'utf8') !== text) stale.push(`${rel} (differs)`);
  }
  const svgDir = path.join(o.out, 'svg');
  if (fs.existsSync(svgDir)) for (const f of fs.readdirSync(svgDir)) if (!files.has(`svg/${f}`)) stale.push(`svg/${f} (no row draws it)`);
  return stale;
}

/** Trains every missing cell of the plan (one at a time), then rewrites the report. */
export async function runTable1(o: Table1Options, io: Io): Promise<Table1Summary> {
  const known: readonly string[] = [...TABLE1_ALGOS, ...TABLE1_VARIANTS];
  for (const a of o.algos) if (!known.includes(a)) throw new Error(`table1: unknown algorithm "${a}" (choose from ${known.join(', ')})`);
  fs.mkdirSync(path.join(o.out, 'cells'), { recursive: true });
  const runsFile = path.join(o.out, 'runs.json');
  let runs = readJson<RunRecord[]>(runsFile) ?? [];
  // two bench processes may fill one report (one per core): merge this run's record into the file as it is now
  const saveRun = (run: RunRecord, drop = false) => {
    const now = (readJson<RunRecord[]>(runsFile) ?? []).filter((r) => !(r.started === run.started && r.command === run.command));
    runs = drop ? now : [...now, run];
    writeJsonAtomic(runsFile, runs);
  };
  const summary: Table1Summary = { ran: [], skipped: [], notRun: [], failed: [], out: o.out };
  if (!o.reportOnly) {
    const { commit, ...machine } = machineInfo();
    const run: RunRecord = { command: o.command ?? 'bench table1', commit, dirty: dirtyPaths(), machine, started: new Date().toISOString(), cellsRun: [] };
    const jobs = planCells(o);
    if (!o.queue) await initBackend({ quiet: true });
    const demoCache = new Map<string, Demonstrations | string>();
    const demosFor = (env: string): Demonstrations | string => {
      if (!demoCache.has(env)) demoCache.set(env, protocolDemos(o.experts, env, o.protocol));
      return demoCache.get(env)!;
    };
    if (o.queue) {
      // loaded only here: a local run never pays for the queue client
      const { runQueuedCells } = await import('../table1/coordinator.js');
      await runQueuedCells({ jobs, o, io, run, saveRun, summary, demosFor });
    }
    let i = 0;
    for (const job of o.queue ? [] : jobs) {
      i++;
      const key = cellKey(job);
      const file = path.join(o.out, 'cells', `${key}.json`);
      const head = `[table1] ${i}/${jobs.length} ${key}`;
      if (fs.existsSync(file)) {
        summary.skipped.push(key);
        io.err(`${head}: done earlier, skipped`);
        continue;
      }
      const all = demosFor(job.env);
      const why = cellNotRunReason(all, job.trajectories);
      if (why !== null) {
        summary.notRun.push({ key, why });
        io.err(`${head}: not run: ${why}`);
        continue;
      }
      io.err(`${head}: training`);
      const cell = await runCell(job, all as Demonstrations, o, io, path.join(o.out, 'runs', key), run.commit);
      writeJsonAtomic(file, cell);
      summary.ran.push(key);
      run.cellsRun.push(key);
      saveRun(run);
      io.err(`${head}: ${cellLine(cell)}`);
    }
    run.finished = new Date().toISOString();
    if (run.cellsRun.length) saveRun(run);
  }
  const changed = await writeTable1Report(o, runs);
  io.err(`[table1] report: ${path.join(o.out, 'table1.md')} (${changed.length ? `${changed.length} files rewritten` : 'unchanged'}; ${summary.ran.length} trained, ${summary.skipped.length} done earlier, ${summary.notRun.length} not run${o.queue ? `, ${summary.failed.length} failed` : ''})`);
  if (summary.failed.length) {
    const f = summary.failed[0];
    throw new Error(`table1: ${summary.failed.length} of the queued cells failed (listed in table1.md), first ${f.key}: ${f.error}`);
  }
  return summary;
}

function readOverrides(file: string | undefined): Table1Options['overrides'] {
  if (!file) return undefined;
  if (!fs.existsSync(file)) throw new Error(`--config ${file}: file not found`);
  const v = JSON.parse(fs.readFileSync(file, 'utf8'));
  const known: readonly string[] = [...TABLE1_ALGOS, ...TABLE1_VARIANTS];
  if (!v || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).some((k) => !known.includes(k))) {
    throw new Error(`--config ${file} must be a JSON object keyed by algorithm (${known.join(', ')})`);
  }
  return v;
}

export function registerTable1(program: Command, io: Io): void {
  program
    .command('table1')
    .description("the paper's Table 1: BC, GAIL and MGAIL from the shipped demonstrations, per env × trajectories × seed; resumable")
    .option('--protocol <name>', 'ho-ermon: stochastic, subsampled demonstrations and equal GAIL/MGAIL env-step budgets (the paper\'s comparison); full: whole deterministic demonstrations', 'ho-ermon')
    .option('--envs <ids>', 'comma list of env ids (default: the Table 1 envs with shipped demonstrations)')
    .option('--algos <list>', `comma list of ${[...TABLE1_ALGOS, ...TABLE1_VARIANTS].join(', ')}`, TABLE1_ALGOS.join(','))
    .option('--trajectories <list>', 'trajectory counts for every env (default: classic 1,4,7,10; MuJoCo 4,11,18,25; Humanoid 80,160,240)')
    .option('--seeds <list>', 'comma list of seeds (configs are tuned on 0-9; reports use 100,101,102)', REPORT_SEEDS.join(','))
    .option('--subsample <k>', 'keep every K-th pair of each trajectory (default: the protocol\'s rate; 1 for full)', parsePositiveInt('--subsample'))
    .option('--budget-steps <n>', 'env-step budget of GAIL and MGAIL (replaces the per-env budgets)', parsePositiveInt('--budget-steps'))
    .option('--eval-episodes <n>', 'episodes of the final deterministic evaluation', parsePositiveInt('--eval-episodes'), HO_ERMON_EVAL_EPISODES)
    .option('--config <file>', 'JSON object of config fields per algorithm, over the budgets: {"gail": {...}, "mgail": {...}}')
    .option('--experts <dir>', 'folder of <env-id>/demos.npz (and demos-deterministic.npz)', path.join(REPO_ROOT, 'experts'))
    .option('--out <dir>', 'report folder; cells already there are not trained again (default runs/table1-<protocol>, untracked; the committed reports change only when --out names apps/bench/results/table1-<protocol>)')
    .option('--report-only', 'only rewrite the report from the cells already in --out')
    .option('--queue <url>', 'queue the missing cells as BullMQ jobs on this Redis (redis://HOST:PORT) for `bench worker` processes on any machine; this process writes the cells and the report', (v) => parseRedisUrl(v, '--queue'))
    .option('--queue-name <name>', 'the BullMQ queue (one Table 1 run per queue; workers take --queue-name too)', 'table1')
    .action(async (x: Record<string, unknown>, cmd: Command) => {
      const protocol = String(x.protocol) as Table1Protocol;
      if (!TABLE1_PROTOCOLS.includes(protocol)) throw new Error(`--protocol must be one of ${TABLE1_PROTOCOLS.join(', ')}, got "${protocol}"`);
      const experts = path.resolve(String(x.experts));
      const envs = typeof x.envs === 'string'
        ? x.envs.split(',').map((s) => s.trim()).filter(Boolean)
        : TABLE1_ENVS.map((r) => r.env).filter((e) => fs.existsSync(protocolDemosPath(experts, e, protocol)));
      await runTable1({
        envs,
        protocol,
        algos: String(x.algos).split(',').map((s) => s.trim()).filter(Boolean),
        trajectories: typeof x.trajectories === 'string' ? parseIntList(x.trajectories, '--trajectories') : undefined,
        seeds: parseIntList(String(x.seeds), '--seeds', 0),
        subsample: x.subsample as number | undefined,
        budgetSteps: x.budgetSteps as number | undefined,
        evalEpisodes: x.evalEpisodes as number,
        overrides: readOverrides(x.config as string | undefined),
        experts,
        out: path.resolve(typeof x.out === 'string' ? x.out : defaultTable1Out(protocol)),
        reportOnly: Boolean(x.reportOnly),
        queue: x.queue as string | undefined,
        queueName: String(x.queueName),
        command: `pnpm bench ${((cmd.parent as unknown as { rawArgs?: string[] })?.rawArgs ?? []).join(' ')}`.trim(),
      }, io);
    });
}
