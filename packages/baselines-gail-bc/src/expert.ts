import fs from 'node:fs';
import path from 'node:path';
import { DivergenceError, MetricsWriter, openRunDir, RUN_FILES, type RunDirHandle, Progress, readMetricsJsonl, removeStaleTempFiles, writeJsonAtomic } from '@mgail/core-autodiff-graph';
import type { Env } from '@mgail/envs-classic';
import { evaluatePolicy, savePolicy, type EvaluationResult, type Policy } from '@mgail/policies';
import { readCheckpointMeta, type IterationStats, type OnPolicyConfig, type OnPolicyLearner, type RLCheckpointMeta } from './learner.js';
import { PPO, ppoConfig, type PPOConfig } from './ppo.js';
import { SAC, sacConfig, type SACConfig } from './sac.js';
import { TRPO, trpoConfig, type TRPOConfig } from './trpo.js';
import type { VectorEnvLike } from './vec.js';
import type { ConfigOverrides } from './config.js';

/** The RL algorithms `trainExpert` can use. */
export const EXPERT_ALGOS = ['ppo', 'trpo', 'sac'] as const;
/** `ppo`, `trpo` or `sac`. */
export type ExpertAlgo = (typeof EXPERT_ALGOS)[number];

/** What `trainExpert` trains (env, algorithm, steps, seed), where it writes, and how it checkpoints, resumes and evaluates. */
export interface TrainExpertOptions {
  envId: string;
  algo: ExpertAlgo;
  /** Total env steps. On resume, defaults to (and must equal) the checkpoint's. */
  steps?: number;
  seed: number;
  /** Where the final `policy.ckpt` and `summary.json` go. */
  outDir: string;
  /**
   * Where the resumable state goes: `checkpoint.ckpt`, `config.json`, `metrics.jsonl`,
   * `metrics.csv` (default `outDir`). Shipped experts keep this under `runs/`.
   */
  runDir?: string;
  /**
   * Continue from `runDir/checkpoint.ckpt` (or `lightCheckpoint`); refused when there is neither.
   * Without it, folders holding an earlier run's files are refused unless `force`.
   */
  resume?: boolean;
  /** Start over: the earlier run's own files are moved into `previous-run/` of their folder first. */
  force?: boolean;
  /** Builds the vector env (same-step auto-reset) with n copies. */
  makeVecEnv: (numEnvs: number) => VectorEnvLike | Promise<VectorEnvLike>;
  /**
   * Config fields over the defaults and `configs/<algo>/<env>.json`: an object, or named layers
   * in order (a config file, then flags). Ignored on resume: the checkpoint's config wins.
   */
  overrides?: Partial<PPOConfig> | Partial<TRPOConfig> | Partial<SACConfig> | ConfigOverrides<PPOConfig & TRPOConfig & SACConfig>;
  /**
   * SAC: also write a light checkpoint (networks, optimizers, α, normalizer, step count; no
   * replay buffer) to `file` every `every` iterations, small enough to commit. `resume` with no
   * full checkpoint in `runDir` continues from it, refilling the buffer with the current policy.
   */
  lightCheckpoint?: { file: string; every: number };
  /** Iterations between checkpoints (default 10; one is always written at the end). */
  checkpointEvery?: number;
  /** The command line, recorded with the run and in the policy checkpoint. */
  command?: string;
  /** Stop after this many iterations in this sitting; the run stays resumable. */
  maxIterationsThisSitting?: number;
  /**
   * With `resume`: end the run at its checkpoint's step instead of training on (when the compute
   * ran out): the policy, its evaluation and summary.json are written as for a finished run, and
   * the summary records the step it ended at and the steps it was planned for.
   */
  finishNow?: boolean;
  /** Polled after every iteration: true checkpoints and stops (a SIGINT handler sets it). */
  shouldStop?: () => boolean;
  /** Deterministic evaluation of the final policy, recorded in summary.json. */
  evaluation?: { makeEnv: () => Env | Promise<Env>; episodes: number; seed: number };
  onIteration?: (s: IterationStats) => void;
  quiet?: boolean;
}

/** The trained policy, how far the run got, and its final evaluation. */
export interface TrainExpertResult {
  policy: Policy;
  globalStep: number;
  iterations: number;
  /** Whether the run reached its total steps (otherwise it stopped early and can resume). */
  finished: boolean;
  /** Mean return of the last 20 finished training episodes (stochastic actions). */
  recentReturn: number;
  evaluation?: EvaluationResult;
  /** Checkpoint and metrics location. */
  runDir: string;
}

const RECENT = 20;

/** The algorithm's config: defaults, then the checked-in per-env file, then overrides. */
export function expertConfig(algo: ExpertAlgo, envId: string, overrides: ConfigOverrides<PPOConfig & TRPOConfig & SACConfig> = {}, source = 'overrides'): PPOConfig | TRPOConfig | SACConfig {
  if (algo === 'ppo') return ppoConfig(envId, overrides as ConfigOverrides<PPOConfig>, source);
  if (algo === 'trpo') return trpoConfig(envId, overrides as ConfigOverrides<TRPOConfig>, source);
  if (algo === 'sac') return sacConfig(envId, overrides as ConfigOverrides<SACConfig>, source);
  throw new Error(`unknown expert algorithm "${algo}"; choose one of: ${EXPERT_ALGOS.join(', ')}`);
}

/** What `trainExpert` drives: the on-policy learners and SAC. */
type ExpertLearner = Pick<OnPolicyLearner<OnPolicyConfig>, 'policy' | 'iteration' | 'globalStep' | 'iterate' | 'disposeExceptPolicy'> & {
  save(file: string, extra: Record<string, unknown>, envId?: string, opts?: { withBuffer?: boolean }): void;
  load(file: string): RLCheckpointMeta | Promise<RLCheckpointMeta & { refilled?: number }>;
};

function makeLearner(algo: ExpertAlgo, venv: VectorEnvLike, config: OnPolicyConfig | SACConfig, seed: number, totalSteps: number): ExpertLearner {
  if (algo === 'sac') return new SAC(venv, config as SACConfig, { seed, totalSteps });
  return algo === 'ppo' ? new PPO(venv, config as PPOConfig, { seed, totalSteps }) : new TRPO(venv, config as TRPOConfig, { seed, totalSteps });
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * Trains an RL expert with a checkpoint every few iterations, so a run longer than a sitting
 * continues with `resume` to the same total step count. Metrics go to `metrics.jsonl`/`.csv`
 * (`charts/episodic_return`, `losses/policy`, `losses/value`, `losses/entropy`, `charts/kl`,
 * `time/sps`, ...), progress lines to stderr.
 */
export async function trainExpert(o: TrainExpertOptions): Promise<TrainExpertResult> {
  // nested inside the CLI's own guard of the same folders; a library caller gets the same checks
  const guards = openExpertDirs(o);
  try {
    return await trainExpertHeld(o);
  } finally {
    for (const g of guards) g.release();
  }
}

/**
 * The run-folder guard (`openRunDir`) of an expert run's folders: `runDir` (checkpoint, config,
 * metrics) and, when apart, `outDir` (policy, summary). `flags` names them in messages.
 */
export function openExpertDirs(
  o: Pick<TrainExpertOptions, 'algo' | 'outDir' | 'runDir' | 'resume' | 'force' | 'lightCheckpoint'>,
  flags: { runDir: string; outDir: string } = { runDir: 'runDir', outDir: 'outDir' },
  verb = `trainExpert ${o.algo}`,
): RunDirHandle[] {
  if (o.resume && o.force) throw new Error(`resume continues the run and force replaces it: pass one of them`);
  const runDir = path.resolve(o.runDir ?? o.outDir), outDir = path.resolve(o.outDir);
  const apart = runDir !== outDir;
  const runFiles = apart ? RUN_FILES.filter((f) => f !== 'policy.ckpt' && f !== 'summary.json') : RUN_FILES;
  const resumeFrom = ['checkpoint.ckpt', ...(o.lightCheckpoint ? [path.resolve(o.lightCheckpoint.file)] : [])];
  const guards: RunDirHandle[] = [];
  try {
    guards.push(openRunDir(runDir, { resume: o.resume, force: o.force, resumeFrom, flag: o.runDir ? flags.runDir : flags.outDir, verb, guarded: runFiles }));
    if (apart) guards.push(openRunDir(outDir, { force: o.force, flag: flags.outDir, verb, guarded: o.resume ? [] : ['policy.ckpt', 'summary.json'] }));
  } catch (e) {
    for (const g of guards) g.release();
    throw e;
  }
  return guards;
}

async function trainExpertHeld(o: TrainExpertOptions): Promise<TrainExpertResult> {
  const runDir = o.runDir ?? o.outDir;
  const ckpt = path.join(runDir, 'checkpoint.ckpt');
  let config: OnPolicyConfig | SACConfig;
  let steps: number;
  // with no full checkpoint, a light one (committed by an earlier machine) is what there is to resume
  const light = o.lightCheckpoint && !fs.existsSync(ckpt) && fs.existsSync(o.lightCheckpoint.file) ? o.lightCheckpoint.file : null;
  const from = light ?? ckpt;
  const resuming = Boolean(o.resume && fs.existsSync(from));
  if (resuming) {
    const meta = readCheckpointMeta(from);
    if (meta.algo !== o.algo) throw new Error(`${from} is a ${meta.algo} run; resume it with algo ${meta.algo}`);
    if (meta.envId && meta.envId !== o.envId) throw new Error(`${from} is a run on ${meta.envId}, not ${o.envId}`);
    if (meta.seed !== o.seed) throw new Error(`${from} is a run with seed ${meta.seed}, not ${o.seed}`);
    if (o.steps !== undefined && o.steps !== meta.totalSteps) throw new Error(`${from} is a run of ${meta.totalSteps} steps; resume it with the same steps (or omit them)`);
    config = meta.config as unknown as OnPolicyConfig | SACConfig;
    steps = meta.totalSteps;
  } else {
    if (fs.existsSync(ckpt)) throw new Error(`${runDir} already holds a training checkpoint; pass resume to continue it or choose another directory`);
    config = expertConfig(o.algo, o.envId, (o.overrides ?? {}) as ConfigOverrides<PPOConfig & TRPOConfig & SACConfig>);
    steps = o.steps ?? 100_000;
  }
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
  fs.mkdirSync(runDir, { recursive: true });
  fs.mkdirSync(o.outDir, { recursive: true });
  // a killed run may have left a half-written temp file beside its last complete checkpoint
  if (resuming) removeStaleTempFiles(runDir);

  // SAC steps one env, as CleanRL's
  const venv = await o.makeVecEnv('numEnvs' in config ? config.numEnvs : 1);
  let learner: ExpertLearner | undefined;
  try {
    learner = makeLearner(o.algo, venv, config, o.seed, steps);
    const L = learner;
    let recent: number[] = [];
    let elapsed = 0;
    let command = o.command;
    let sittings = 1;
    let refilled: { fromLightCheckpoint: string; bufferSteps: number; atStep: number } | undefined;
    if (resuming) {
      const meta = await L.load(from);
      if (light) refilled = { fromLightCheckpoint: light, bufferSteps: (meta as { refilled?: number }).refilled ?? 0, atStep: meta.globalStep };
      recent = (meta.extra.recentReturns as number[] | undefined) ?? [];
      elapsed = (meta.extra.elapsedSeconds as number | undefined) ?? 0;
      // The run is described by the command that started it; resumes only continue it.
      command = (meta.extra.command as string | undefined) ?? command;
      sittings = ((meta.extra.sittings as number | undefined) ?? 1) + 1;
    }
    const runInfo = { algo: o.algo, env: o.envId, seed: o.seed, steps, command, config, ...(refilled ? { resumedFromLightCheckpoint: refilled } : {}) };
    if (!resuming || light) writeJsonAtomic(path.join(runDir, 'config.json'), runInfo);
    if (refilled && !o.quiet) process.stderr.write(`[${o.algo} ${o.envId}] resumed from the light checkpoint ${light} at step ${refilled.atStep}: refilled the replay buffer with ${refilled.bufferSteps} steps of the current policy\n`);
    const metrics = new MetricsWriter(runDir, { resumeFromStep: L.globalStep });
    const progress = new Progress(`${o.algo} ${o.envId}`, steps, o.quiet ? { write: () => {} } : {});
    const every = o.checkpointEvery ?? 10;
    const start = Date.now();
    let savedStep = resuming ? L.globalStep : -1;
    const save = () => {
      const extra = { recentReturns: recent, elapsedSeconds: elapsed + (Date.now() - start) / 1000, command, sittings };
      L.save(ckpt, extra, o.envId);
      savedStep = L.globalStep;
      if (o.lightCheckpoint && (L.iteration % o.lightCheckpoint.every === 0 || L.globalStep >= steps)) {
        fs.mkdirSync(path.dirname(o.lightCheckpoint.file), { recursive: true });
        L.save(o.lightCheckpoint.file, extra, o.envId, { withBuffer: false });
      }
    };
    let sitting = 0;
    const finishNow = Boolean(o.finishNow && resuming);
    while (!finishNow && L.globalStep < steps) {
      if (o.maxIterationsThisSitting !== undefined && sitting >= o.maxIterationsThisSitting) break;
      let s;
      try {
        s = await L.iterate();
      } catch (e) {
        if (!(e instanceof DivergenceError)) throw e;
        progress.done(L.globalStep, {});
        const kept = savedStep >= 0 ? `the last good checkpoint (step ${savedStep}) is kept in ${ckpt}` : 'no checkpoint was written';
        throw new DivergenceError(`${e.message}; ${kept}`, e.field, e.step);
      }
      sitting++;
      recent.push(...s.episodeReturns);
      if (recent.length > RECENT) recent = recent.slice(-RECENT);
      // SAC has no KL, and no actor loss before its learning starts: absent, not NaN
      const m: Record<string, number> = Object.fromEntries(Object.entries({
        global_step: s.globalStep,
        'time/elapsed_s': elapsed + (Date.now() - start) / 1000,
        'losses/policy': s.policyLoss,
        'losses/value': s.valueLoss,
        'losses/entropy': s.entropy,
        'charts/kl': s.kl,
        'time/sps': s.sps,
        ...s.extra,
      }).filter(([, v]) => !Number.isNaN(v)));
      if (s.episodeReturns.length) {
        m['charts/episodic_return'] = mean(s.episodeReturns);
        m['charts/episodic_length'] = mean(s.episodeLengths);
      }
      metrics.log(s.globalStep, m);
      o.onIteration?.(s);
      progress.update(s.globalStep, { return: recent.length ? mean(recent) : undefined, sps: Math.round(s.sps) });
      if (L.iteration % every === 0) save();
      // Collection awaits only already-settled steps for sync envs: yield so signal handlers run.
      await new Promise((r) => setImmediate(r));
      if (o.shouldStop?.()) break;
    }
    save();
    const finished = L.globalStep >= steps || finishNow;
    progress.done(L.globalStep, { return: recent.length ? mean(recent) : undefined });
    let evaluation: EvaluationResult | undefined;
    if (finished) {
      savePolicy(path.join(o.outDir, 'policy.ckpt'), L.policy, { envId: o.envId, algo: o.algo, seed: o.seed, steps: L.globalStep, command });
      if (o.evaluation) {
        const env = await o.evaluation.makeEnv();
        try {
          evaluation = evaluatePolicy(env, L.policy, { episodes: o.evaluation.episodes, seed: o.evaluation.seed, deterministic: true });
        } finally {
          env.close();
        }
        // the experts' one evaluation, in every learner's names (GAIL and MGAIL log theirs during training)
        metrics.log(L.globalStep, { global_step: L.globalStep, 'time/elapsed_s': elapsed + (Date.now() - start) / 1000, 'eval/return_mean': evaluation.mean, 'eval/return_std': evaluation.std });
      }
      writeJsonAtomic(path.join(o.outDir, 'summary.json'), {
        ...runInfo,
        ...(finishNow && L.globalStep < steps ? { endedEarly: { atStep: L.globalStep, plannedSteps: steps } } : {}),
        globalStep: L.globalStep,
        iterations: L.iteration,
        sittings,
        trainingSeconds: Math.round(elapsed + (Date.now() - start) / 1000),
        recentTrainingReturn: mean(recent),
        evaluation: evaluation && { deterministic: true, episodes: evaluation.returns.length, seed: o.evaluation!.seed, mean: evaluation.mean, std: evaluation.std },
        learningCurve: learningCurve(path.join(runDir, 'metrics.jsonl')),
      });
    }
    return { policy: L.policy, globalStep: L.globalStep, iterations: L.iteration, finished, recentReturn: mean(recent), evaluation, runDir };
  } catch (e) {
    learner?.policy.dispose();
    throw e;
  } finally {
    // The caller owns the returned policy; everything else goes.
    learner?.disposeExceptPolicy();
    await venv.close();
  }
}

/** About 25 points of (step, mean episodic return so far in that window) from a metrics file. */
function learningCurve(file: string): { step: number; return: number }[] {
  if (!fs.existsSync(file)) return [];
  const rows = readMetricsJsonl(file).filter((r) => typeof r['charts/episodic_return'] === 'number');
  if (!rows.length) return [];
  const k = Math.max(1, Math.ceil(rows.length / 25));
  const out: { step: number; return: number }[] = [];
  for (let i = 0; i < rows.length; i += k) {
    const w = rows.slice(i, i + k);
    out.push({ step: w[w.length - 1].step, return: Number(mean(w.map((r) => r['charts/episodic_return'])).toFixed(2)) });
  }
  return out;
}
