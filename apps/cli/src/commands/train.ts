import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readTensorFile, DivergenceError, initBackend, MetricsWriter, openRunDir, PREVIOUS_RUN_DIR, Progress, runDirPath, writeJsonAtomic, type ConfigLayer } from '@mgail/core-autodiff-graph';
import { describeSpace, type Env } from '@mgail/envs-classic';
import { demosProvenance, evaluatePolicy, savePolicy, type Demonstrations, type Policy } from '@mgail/policies';
import { bcConfig, gailBCConfig, gailConfig, trainBCAsync, trainGAIL, type BCConfig, type GAILConfig } from '@mgail/baselines-gail-bc';
import { effectiveMGAILConfig, mgailBCConfig, mgailConfig, MissingWorkerEnvError, readMGAILCheckpointMeta, trainMGAIL, type MGAILConfig } from '@mgail/mgail';
import { cliConfigLayers } from '../config-file.js';
import { loadDemosArg } from '../demos.js';
import { makeEnv, makeVecEnv, workerEnvSpec, xmlEnvOptions } from '../envs.js';
import { InterruptedError, UserError } from '../errors.js';
import { stopOnSignals } from '../signals.js';
import type { Io } from '../io.js';
import { parseIntFlag, parseSeedFlag } from '../options.js';

export interface TrainOptions {
  algo: string;
  env: string;
  demos: string;
  trajectories?: number;
  /** Keep every K-th pair of each trajectory (`ho-ermon`: the protocol's rate for the env). */
  subsample?: string;
  seed: number;
  out?: string;
  config?: string;
  forwardModel?: string;
  evalEpisodes: number;
  resume?: boolean;
  force?: boolean;
  xml?: string;
}

/** What every algorithm gets: the env, the demonstrations, where to write, and user overrides. */
export interface TrainContext {
  env: Env;
  envId: string;
  demos: Demonstrations;
  demosFile: string;
  seed: number;
  runDir: string;
  metrics: MetricsWriter;
  /** The algorithm's resolved config: defaults < per-env file < `--config FILE` < flags. */
  config: unknown;
  /** Options of every env this run makes (`--xml`'s model file). */
  envOptions?: Record<string, unknown>;
  opts: TrainOptions;
  io: Io;
  /** The signal that asked the run to stop (polled between iterations), or null. */
  stopped(): NodeJS.Signals | null;
}

export interface TrainOutcome {
  policy: Policy;
  /** The resolved config, saved as config.json. */
  config: object;
  summary: Record<string, unknown>;
  /**
   * A learner that evaluates nothing during training (BC) logs the final evaluation as its
   * `eval/return_mean` row, at this metrics step and with these fields (`global_step`, ...).
   */
  finalEvalRow?: { step: number; fields: Record<string, number> };
}

const gailAlgo = (name: 'gail' | 'gail+bc') => ({
  description: name === 'gail' ? 'GAIL (Ho & Ermon 2016): TRPO (or PPO) on the discriminator reward' : 'GAIL from a BC-trained generator (not the published algorithm)',
  config: (envId: string, layers: ConfigLayer[]) => (name === 'gail' ? gailConfig : gailBCConfig)(envId, layers),
  async run(ctx: TrainContext): Promise<TrainOutcome> {
    const config = ctx.config as GAILConfig;
    // a resumed run keeps the record of the command that started it
    if (!ctx.opts.resume) writeJsonAtomic(path.join(ctx.runDir, 'config.json'), { algo: name, ...runInfo(ctx), config });
    const progress = new Progress(name, config.totalSteps);
    const res = await trainGAIL({
      envId: ctx.envId, demos: ctx.demos, config, seed: ctx.seed,
      makeVecEnv: (n) => makeVecEnv(ctx.envId, n, { options: ctx.envOptions }), makeEvalEnv: () => makeEnv(ctx.envId, ctx.envOptions),
      onRound: (h) => {
        ctx.metrics.log(h.envSteps, {
          global_step: h.envSteps, 'time/elapsed_s': h.wallClockSeconds, 'charts/surrogate_reward': h.surrogateReward,
          ...(h.trainEpisodeReturn !== undefined ? { 'charts/episodic_return': h.trainEpisodeReturn } : {}),
          ...(h.disc ? { 'losses/discriminator': h.disc.loss, 'charts/d_expert': h.disc.expertD, 'charts/d_agent': h.disc.agentD } : {}),
          ...(h.policyLoss !== undefined ? { 'losses/policy': h.policyLoss, 'charts/kl': h.kl!, 'losses/entropy': h.entropy! } : {}),
        });
        progress.update(h.envSteps, { return: h.trainEpisodeReturn, d_agent: h.disc?.agentD });
      },
      onEval: (e) => ctx.metrics.log(e.envSteps, { global_step: e.envSteps, 'time/elapsed_s': e.wallClockSeconds, 'eval/return_mean': e.mean, 'eval/return_std': e.std }),
      shouldStop: () => ctx.stopped() !== null,
      checkpoint: { file: checkpointFile(ctx), every: 1, resume: ctx.opts.resume },
    }).catch(trainerError(ctx));
    const sig = ctx.stopped();
    if (!res.finished && sig) {
      res.policy.dispose();
      throw new InterruptedError(`${name} stopped by ${sig} at ${res.envSteps} of ${config.totalSteps} env steps; ${checkpointFile(ctx)} holds it: continue with --resume`, sig);
    }
    progress.done(res.envSteps, { eval: res.evalHistory.at(-1)?.mean });
    return { policy: res.policy, config, summary: { envSteps: res.envSteps, rounds: res.rounds, expertPairs: res.expertPairs, trainWallClockSeconds: res.wallClockSeconds, evalHistory: res.evalHistory } };
  },
});

const mgailAlgo = (name: 'mgail' | 'mgail+bc') => ({
  description: name === 'mgail' ? 'MGAIL: the exact discriminator gradient through a learned forward model' : 'MGAIL with a BC warm start and BC term (not the published algorithm)',
  config(envId: string, layers: ConfigLayer[], opts: TrainOptions) {
    if (opts.forwardModel !== undefined && opts.forwardModel !== 'basic' && opts.forwardModel !== 'advanced') {
      throw new UserError(`--forward-model must be basic or advanced, got "${opts.forwardModel}"`);
    }
    return (name === 'mgail' ? mgailConfig : mgailBCConfig)(envId, [...layers, ...cliConfigLayers(undefined, { '--forward-model': { forwardModel: opts.forwardModel } })]);
  },
  async run(ctx: TrainContext): Promise<TrainOutcome> {
    const config = ctx.config as MGAILConfig;
    const n = ctx.demos.episodeStarts.length;
    if (effectiveMGAILConfig(config, n) !== config) ctx.io.err(`[mgail] ${n} ${n === 1 ? 'trajectory' : 'trajectories'} < bcMinTrajectories ${config.bcMinTrajectories}: no BC warm start or BC term`);
    // --force starts over; without --resume an unfinished run (checkpoint.ckpt) is never overwritten
    const ckpt = path.join(ctx.runDir, 'checkpoint.ckpt');
    if (ctx.opts.force && !ctx.opts.resume) fs.rmSync(ckpt, { force: true });
    if (fs.existsSync(ckpt) && !ctx.opts.resume) {
      throw new UserError(`${ctx.runDir} holds an unfinished MGAIL run (checkpoint.ckpt)`, 'pass --resume to continue it, --force to start over, or choose another --out');
    }
    const workerEnv = await workerEnvSpec(ctx.envId, ctx.envOptions);
    // a resumed run keeps its checkpoint's config: trainMGAIL reads it (once) and refuses
    // policyWorkers there without a workerEnv, which the catch below words for the command line
    const resuming = ctx.opts.resume && fs.existsSync(ckpt);
    if (!resuming && config.policyWorkers > 0 && !workerEnv) {
      throw new UserError(`policyWorkers ${config.policyWorkers}: worker threads cannot make ${ctx.envId}, an env from --env-module`, 'set policyWorkers to 0 for this env');
    }
    let res;
    try {
      res = await trainMGAIL({
        envId: ctx.envId, makeEnv: () => makeEnv(ctx.envId, ctx.envOptions), workerEnv,
        demos: ctx.demos, config, seed: ctx.seed, runDir: ctx.runDir, resume: ctx.opts.resume, progress: true,
        configLayers: cliConfigLayers(ctx.opts.config, { '--forward-model': { forwardModel: ctx.opts.forwardModel } }), shouldStop: () => ctx.stopped() !== null, runInfo: { demos: ctx.demosFile, ...(ctx.opts.config ? { configFile: path.resolve(ctx.opts.config) } : {}), ...(ctx.envOptions ? { xml: ctx.envOptions.xmlFile } : {}) },
      });
    } catch (e) {
      if (e instanceof DivergenceError) {
        const kept = fs.existsSync(ckpt) ? `the last good checkpoint (iteration ${readMGAILCheckpointMeta(ckpt).iteration}) is kept in ${ckpt}` : 'no checkpoint was written';
        throw new DivergenceError(`${e.message}; ${kept}`, e.field, e.step);
      }
      if (e instanceof MissingWorkerEnvError) {
        throw new UserError(`${ckpt} is a run with policyWorkers ${e.policyWorkers}: worker threads cannot make ${ctx.envId}, an env from --env-module`, 'a resumed run keeps its config; rerun with --force instead of --resume to start over with policyWorkers 0');
      }
      const msg = (e as Error).message;
      if (/is a run on|is a run with|expert transitions|not an MGAIL training checkpoint|is corrupt|checksum mismatch/.test(msg)) throw new UserError(msg);
      throw e;
    }
    const sig = ctx.stopped();
    if (!res.finished && sig) {
      res.policy.dispose();
      throw new InterruptedError(`${name} stopped by ${sig} at iteration ${res.iterations}; ${ckpt} holds it: continue with --resume`, sig);
    }
    return { policy: res.policy, config, summary: { envSteps: res.envSteps, iterations: res.iterations, trainWallClockSeconds: res.wallClockSeconds, evalHistory: res.evalHistory } };
  },
});

/** One entry per algorithm: `mgail train --algo <name>`. */
export const TRAIN_ALGOS: Record<string, {
  description: string;
  /** Resolves and validates the config before anything is created (a bad field leaves no run directory behind). */
  config(envId: string, layers: ConfigLayer[], opts: TrainOptions): unknown;
  run(ctx: TrainContext): Promise<TrainOutcome>;
}> = {
  bc: {
    description: 'behavioural cloning (maximum likelihood, early stopping)',
    config: (envId, layers) => bcConfig(envId, layers),
    async run(ctx) {
      const config = ctx.config as BCConfig;
      if (!ctx.opts.resume) writeJsonAtomic(path.join(ctx.runDir, 'config.json'), { algo: 'bc', ...runInfo(ctx), config });
      const progress = new Progress('bc', config.maxEpochs);
      const started = Date.now();
      let res;
      try {
        res = await trainBCAsync(ctx.demos, ctx.env, config, {
          seed: ctx.seed,
          // every epoch, and at the minibatch a signal stops it at
          checkpoint: { file: checkpointFile(ctx), resume: ctx.opts.resume },
          shouldStop: () => ctx.stopped() !== null,
          onEpoch: (e) => {
            // BC steps no env: its rows sit at global_step 0, its progress is in gradient steps
            ctx.metrics.log(e.epoch, {
              global_step: 0, 'train/gradient_steps': e.gradientSteps, 'time/elapsed_s': (Date.now() - started) / 1000,
              'losses/bc_train': e.trainLoss, 'losses/bc_validation': e.validationLoss,
            });
            progress.update(e.epoch + 1, { train_nll: e.trainLoss, val_nll: e.validationLoss });
          },
        });
      } catch (e) {
        return trainerError(ctx)(e);
      }
      const sig = ctx.stopped();
      if (!res.finished && sig) {
        res.policy.dispose();
        throw new InterruptedError(`bc stopped by ${sig} after ${res.history.length} of at most ${config.maxEpochs} epochs (inside the next one); ${checkpointFile(ctx)} holds it: continue with --resume`, sig);
      }
      progress.done(res.history.length, { best_epoch: res.bestEpoch, val_nll: res.bestValidationLoss });
      const last = res.history.at(-1);
      return {
        policy: res.policy, config, summary: { epochs: res.history.length, bestEpoch: res.bestEpoch, bestValidationLoss: res.bestValidationLoss, expertPairs: res.expertPairs },
        // BC has no evaluation during training: the final one is its evaluation row
        finalEvalRow: { step: res.history.length, fields: { global_step: 0, 'train/gradient_steps': last?.gradientSteps ?? 0, 'time/elapsed_s': (Date.now() - started) / 1000 } },
      };
    },
  },
  gail: gailAlgo('gail'),
  'gail+bc': gailAlgo('gail+bc'),
  mgail: mgailAlgo('mgail'),
  'mgail+bc': mgailAlgo('mgail+bc'),
};

/** Where bc and gail keep their training checkpoint (mgail's own trainer names the same file). */
function checkpointFile(ctx: TrainContext): string {
  return path.join(ctx.runDir, 'checkpoint.ckpt');
}

/** A resume the checkpoint refuses (another seed, config or demonstrations; a corrupt file) is the user's to fix. */
function trainerError(ctx: TrainContext): (e: unknown) => never {
  return (e: unknown) => {
    const msg = (e as Error)?.message ?? '';
    if (!(e instanceof DivergenceError) && msg.includes(checkpointFile(ctx))) throw new UserError(msg);
    throw e;
  };
}

/** What config.json records beside the resolved config. */
function runInfo(ctx: TrainContext): Record<string, unknown> {
  return {
    env: ctx.envId, seed: ctx.seed, demos: ctx.demosFile, ...demosProvenance(ctx.demos),
    ...(ctx.opts.config ? { configFile: path.resolve(ctx.opts.config) } : {}),
    ...(ctx.envOptions ? { xml: ctx.envOptions.xmlFile } : {}),
  };
}

export async function runTrain(opts: TrainOptions, io: Io): Promise<{ runDir: string; evalMean: number }> {
  const algo = TRAIN_ALGOS[opts.algo];
  if (!algo) throw new UserError(`unknown algorithm "${opts.algo}"`, `choose one of: ${Object.keys(TRAIN_ALGOS).join(', ')}`);
  if (opts.resume && opts.force) throw new UserError('--resume continues the run in --out and --force replaces it: pass one of them');
  const config = algo.config(opts.env, cliConfigLayers(opts.config), opts);
  const envOptions = await xmlEnvOptions(opts.env, opts.xml);
  const env = await makeEnv(opts.env, envOptions);
  try {
    const { demos, file } = loadDemosArg(opts.demos, opts.env, { trajectories: opts.trajectories, subsample: opts.subsample, seed: opts.seed, observationSpace: env.observationSpace, actionSpace: env.actionSpace });
    if (demos.clippedActions) io.err(`[mgail] ${file}: ${demos.clippedActions} action values lay outside ${describeSpace(env.actionSpace)} and were clipped into it, as the env executed them`);
    await initBackend();
    let guard;
    try {
      guard = openRunDir(runDirPath({ env: opts.env, algo: opts.algo, seed: opts.seed, dir: opts.out }), { resume: opts.resume, force: opts.force, verb: `train --algo ${opts.algo}` });
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    const runDir = guard.dir;
    if (guard.removed.length) io.err(`[mgail] --force: moved the previous run's ${guard.removed.join(', ')} to ${path.join(runDir, PREVIOUS_RUN_DIR)}`);
    const signals = stopOnSignals(io);
    try {
      return await trainInto(runDir, algo, config, env, demos, file, envOptions, opts, io, signals);
    } finally {
      signals.dispose();
      guard.release();
    }
  } finally {
    env.close();
  }
}

/** Trains into the guarded run folder, then saves, evaluates and summarizes the policy. */
async function trainInto(
  runDir: string, algo: (typeof TRAIN_ALGOS)[string], config: unknown, env: Env, demos: Demonstrations, file: string,
  envOptions: Record<string, unknown> | undefined, opts: TrainOptions, io: Io, signals: { stopped(): NodeJS.Signals | null; dispose(): void },
): Promise<{ runDir: string; evalMean: number }> {
  const xml = envOptions ? { xml: envOptions.xmlFile } : {};
  // rows a killed sitting logged past its last checkpoint are dropped (mgail's trainer does its own)
  const from = opts.resume && !opts.algo.startsWith('mgail') ? checkpointMetricsStep(path.join(runDir, 'checkpoint.ckpt')) : undefined;
  const metrics = new MetricsWriter(runDir, from === undefined ? {} : { resumeFromStep: from });
  io.err(`[mgail] ${opts.algo} on ${opts.env}: ${demos.episodeStarts.length} trajectories from ${file}, seed ${opts.seed}, run dir ${runDir}`);
  const started = Date.now();
  const outcome = await algo.run({ env, envId: opts.env, demos, demosFile: file, seed: opts.seed, runDir, metrics, config, envOptions, opts, io, stopped: signals.stopped });
  // training is over: what is left is atomic writes and the final evaluation, which Ctrl-C may simply end
  signals.dispose();
  try {
    savePolicy(path.join(runDir, 'policy.ckpt'), outcome.policy, { envId: opts.env, algo: opts.algo, seed: opts.seed, demos: file, trajectories: demos.episodeStarts.length, ...xml });
    // A final deterministic evaluation is reported, never used for selection.
    const evalEnv = await makeEnv(opts.env, envOptions);
    const ev = evaluatePolicy(evalEnv, outcome.policy, { episodes: opts.evalEpisodes, seed: 10_000 + opts.seed });
    evalEnv.close();
    const summary = {
      algo: opts.algo, env: opts.env, ...xml, seed: opts.seed, trajectories: demos.episodeStarts.length,
      expertReturn: demos.metadata.meanReturn, eval: { episodes: ev.returns.length, mean: ev.mean, std: ev.std, returns: ev.returns },
      wallClockSeconds: (Date.now() - started) / 1000, ...outcome.summary,
    };
    writeJsonAtomic(path.join(runDir, 'summary.json'), summary);
    if (outcome.finalEvalRow) metrics.log(outcome.finalEvalRow.step, { ...outcome.finalEvalRow.fields, 'eval/return_mean': ev.mean, 'eval/return_std': ev.std });
    metrics.log(-1, { 'eval/final_return_mean': ev.mean, 'eval/final_return_std': ev.std });
    io.out(`${opts.algo} on ${opts.env} (${demos.episodeStarts.length} trajectories, seed ${opts.seed}): final return ${ev.mean.toFixed(2)} ± ${ev.std.toFixed(2)} over ${ev.returns.length} episodes (expert ${demos.metadata.meanReturn.toFixed(2)}); policy ${path.join(runDir, 'policy.ckpt')}`);
    return { runDir, evalMean: ev.mean };
  } finally {
    outcome.policy.dispose();
  }
}

/** The last metrics step a bc or gail checkpoint includes. */
function checkpointMetricsStep(file: string): number | undefined {
  let m: Record<string, unknown>;
  try {
    m = readTensorFile(file).metadata;
  } catch (e) {
    throw new UserError(`--resume: ${(e as Error).message}`);
  }
  const step = (m.metricsStep ?? (m.extra as { gail?: { metricsStep?: unknown } } | undefined)?.gail?.metricsStep) as unknown;
  if (typeof step !== 'number') throw new UserError(`--resume: ${file} is not a bc or gail training checkpoint`, 'resume it with the --algo that wrote it');
  return step;
}

/** What the columns of the progress lines mean (stderr, every 5 s in a log, redrawn on a terminal). */
export const TRAIN_PROGRESS_HELP = `
Progress lines (stderr): [label] done/total (percent) | columns | elapsed | ETA (time left at the rate so far)
  bc:    done/total in epochs; train_nll, val_nll: negative log-likelihood of the expert's actions on
         the training and held-out pairs (lower is better); best_epoch: the epoch whose policy is kept
  gail:  done/total in env steps; return: mean return of the training episodes that ended in the round;
         d_agent: D's mean output on the agent's pairs (0.5: D cannot tell them from the expert's)
  mgail: done/total in iterations; eval: the last logged deterministic evaluation (plots only, never
         selects a policy); D acc: the discriminator's accuracy on expert/agent pairs (0.5/0.5: it cannot
         tell them apart; 1.00/1.00: it always can); model: the forward model's loss; J: the policy's
         objective, the discounted discriminator cost along its unrolls (lower is better); steps: env
         steps so far; sps: env steps per second`;

export function registerTrain(program: Command, io: Io): void {
  program
    .command('train')
    .description(`train an imitation policy from demonstrations (algorithms: ${Object.keys(TRAIN_ALGOS).join(', ')})`)
    .requiredOption('--algo <name>', `algorithm: ${Object.keys(TRAIN_ALGOS).join(' | ')}`)
    .requiredOption('--env <id>', 'environment id')
    .requiredOption('--demos <path>', 'demonstrations .npz, or an expert folder holding demos.npz')
    .option('--trajectories <n>', 'use the first N trajectories', parseIntFlag('trajectories', 1))
    .option('--subsample <k>', 'keep every K-th (state, action) pair of each trajectory from a seeded random offset (Ho & Ermon); "ho-ermon" takes the protocol\'s rate for the env (MuJoCo 20, CartPole 10, Acrobot and MountainCar 5)', '1')
    .option('--seed <s>', 'seed', parseSeedFlag(), 0)
    .option('--out <dir>', 'run directory (default runs/{env}__{algo}__{seed}__{time})')
    .option('--config <file>', 'YAML (.yaml, .yml) or JSON file of config fields: defaults < per-env file < this file < flags')
    .option('--forward-model <kind>', 'MGAIL forward model: basic | advanced')
    .option('--eval-episodes <n>', 'episodes of the final deterministic evaluation', parseIntFlag('eval-episodes', 1), 10)
    .option('--xml <file>', 'MuJoCo envs: load this MJCF model instead of the bundled one (same joints and actuators; other masses, sizes, gains)')
    .option('--resume', 'continue the run in --out from its last checkpoint (checkpoint.ckpt)')
    .option('--force', 'replace the previous run in --out (its metrics, checkpoint, policy and summary) instead of refusing')
    .addHelpText('after', TRAIN_PROGRESS_HELP)
    .action(async (opts: TrainOptions) => {
      await runTrain(opts, io);
    });
}
