import path from 'node:path';
import type { Command } from 'commander';
import { initBackend, PREVIOUS_RUN_DIR, runDirPath, type RunDirHandle } from '@mgail/core-autodiff-graph';
import { EXPERT_ALGOS, expertConfig, openExpertDirs, trainExpert, type ExpertAlgo } from '@mgail/baselines-gail-bc';
import { describeSpace } from '@mgail/envs-classic';
import { cliConfigLayers } from '../config-file.js';
import { makeEnv, makeVecEnv, xmlEnvOptions } from '../envs.js';
import { InterruptedError, UserError } from '../errors.js';
import { stopOnSignals } from '../signals.js';
import type { Io } from '../io.js';
import { parseIntFlag, parseSeedFlag } from '../options.js';

interface TrainExpertOpts {
  env: string;
  algo: string;
  steps?: number;
  seed: number;
  out?: string;
  runDir?: string;
  resume?: boolean;
  force?: boolean;
  finish?: boolean;
  numEnvs?: number;
  lightCheckpoint?: string;
  lightEvery: number;
  parallel?: boolean;
  evalEpisodes: number;
  checkpointEvery: number;
  config?: string;
  xml?: string;
}

const DEFAULT_STEPS = 100_000;

export function registerTrainExpert(program: Command, io: Io): void {
  program
    .command('train-expert')
    .description('train an RL expert (PPO, TRPO or SAC) with periodic checkpoints; --resume continues a stopped run')
    .addHelpText('after', `
Progress lines (stderr): [algo env] steps/total (percent) | return | sps | elapsed | ETA
  return: mean return of the last training episodes (stochastic actions); sps: env steps per second;
  ETA: time left at the rate so far`)
    .requiredOption('--env <id>', 'environment id')
    .option('--algo <name>', `RL algorithm: ${EXPERT_ALGOS.join(' | ')}`, 'ppo')
    .option('--steps <n>', `total env steps (default ${DEFAULT_STEPS}; on --resume, the run's own)`, parseIntFlag('steps', 1))
    .option('--seed <s>', 'seed', parseSeedFlag(), 0)
    .option('--out <dir>', 'output directory: policy.ckpt, summary.json (default runs/{env}__{algo}__{seed}__{time})')
    .option('--run-dir <dir>', 'where checkpoint.ckpt, config.json and metrics go (default: --out)')
    .option('--resume', 'continue from the run directory\'s checkpoint.ckpt')
    .option('--force', 'replace a previous run in --out / --run-dir (its metrics, checkpoints, policy and summary) instead of refusing')
    .option('--finish', 'with --resume: end the run at its checkpoint (write policy.ckpt, evaluate, summary.json) instead of training on')
    .option('--num-envs <n>', 'parallel envs (overrides the per-env config)', parseIntFlag('num-envs', 1))
    .option('--parallel', 'step MuJoCo envs in worker threads')
    .option('--eval-episodes <n>', 'deterministic evaluation episodes of the final policy', parseIntFlag('eval-episodes', 1), 50)
    .option('--checkpoint-every <k>', 'iterations between checkpoints', parseIntFlag('checkpoint-every', 1), 10)
    .option('--light-checkpoint <file>', 'sac: also write a checkpoint without the replay buffer here (small enough to commit); --resume with no checkpoint.ckpt in the run folder continues from it, refilling the buffer')
    .option('--light-every <k>', 'iterations between light checkpoints', parseIntFlag('light-every', 1), 50)
    .option('--xml <file>', 'MuJoCo envs: load this MJCF model instead of the bundled one (same joints and actuators; other masses, sizes, gains)')
    .option('--config <file>', 'YAML (.yaml, .yml) or JSON file of PPO/TRPO/SAC config fields: defaults < per-env file < this file < flags (a resumed run keeps its own)')
    .action(async (opts: TrainExpertOpts) => {
      if (!(EXPERT_ALGOS as readonly string[]).includes(opts.algo)) throw new UserError(`unknown expert algorithm "${opts.algo}"`, `choose one of: ${EXPERT_ALGOS.join(', ')}`);
      if (opts.resume && !opts.out && !opts.runDir) throw new UserError('--resume needs --out DIR (or --run-dir DIR): the run to continue');
      if (opts.finish && !opts.resume) throw new UserError('--finish ends a stopped run: pass it with --resume');
      const layers = cliConfigLayers(opts.config, { '--num-envs': { numEnvs: opts.numEnvs } });
      // a bad field fails here, before any directory or output (a resumed run keeps its checkpoint's config)
      if (!opts.resume) expertConfig(opts.algo as ExpertAlgo, opts.env, layers);
      // an unknown id, or SAC on discrete actions, fails here, before any output
      const probe = await makeEnv(opts.env);
      const actionSpace = probe.actionSpace;
      probe.close();
      if (opts.algo === 'sac' && actionSpace.kind !== 'box') {
        throw new UserError(`--algo sac: SAC needs continuous (Box) actions and ${opts.env} has ${describeSpace(actionSpace)}; use --algo ppo or trpo`);
      }
      const envOptions = await xmlEnvOptions(opts.env, opts.xml);
      await initBackend();
      const outDir = runDirPath({ env: opts.env, algo: opts.algo, seed: opts.seed, dir: opts.out });
      const runDir = opts.runDir ? path.resolve(opts.runDir) : outDir;
      const rel = (p: string) => {
        const r = path.relative(process.cwd(), p);
        return r.startsWith('..') ? p : r || '.';
      };
      const command = [
        `mgail train-expert --env ${opts.env} --algo ${opts.algo}`,
        `--steps ${opts.steps ?? DEFAULT_STEPS}`,
        `--seed ${opts.seed}`,
        opts.numEnvs ? `--num-envs ${opts.numEnvs}` : '',
        opts.config ? `--config ${rel(path.resolve(opts.config))}` : '',
        envOptions ? `--xml ${rel(envOptions.xmlFile as string)}` : '',
        `--out ${rel(outDir)}`,
        opts.runDir ? `--run-dir ${rel(runDir)}` : '',
      ].filter(Boolean).join(' ');
      if (opts.resume && opts.force) throw new UserError('--resume continues the run and --force replaces it: pass one of them');
      // one guard per folder: the run folder (checkpoint, config, metrics) and, when apart, --out (policy, summary)
      let guards: RunDirHandle[];
      const signals = stopOnSignals(io);
      try {
        const lightCheckpoint = opts.lightCheckpoint ? { file: opts.lightCheckpoint, every: opts.lightEvery } : undefined;
        guards = openExpertDirs({ algo: opts.algo as ExpertAlgo, outDir, runDir, resume: opts.resume, force: opts.force, lightCheckpoint }, { runDir: opts.runDir ? '--run-dir' : '--out', outDir: '--out' }, `train-expert --algo ${opts.algo}`);
      } catch (e) {
        signals.dispose();
        throw new UserError((e as Error).message);
      }
      for (const g of guards) if (g.removed.length) io.err(`[mgail] --force: moved the previous run's ${g.removed.join(', ')} to ${path.join(g.dir, PREVIOUS_RUN_DIR)}`);
      const stopped = signals.stopped;
      let res;
      try {
        res = await trainExpert({
          envId: opts.env,
          algo: opts.algo as ExpertAlgo,
          steps: opts.steps ?? (opts.resume ? undefined : DEFAULT_STEPS),
          seed: opts.seed,
          outDir,
          runDir,
          resume: opts.resume,
          finishNow: opts.finish,
          command,
          checkpointEvery: opts.checkpointEvery,
          ...(opts.lightCheckpoint ? { lightCheckpoint: { file: path.resolve(opts.lightCheckpoint), every: opts.lightEvery } } : {}),
          overrides: layers,
          makeVecEnv: (n) => makeVecEnv(opts.env, n, { parallel: opts.parallel, options: envOptions }),
          shouldStop: () => stopped() !== null,
          evaluation: { makeEnv: () => makeEnv(opts.env, envOptions), episodes: opts.evalEpisodes, seed: 1000 },
        });
      } catch (e) {
        if (e instanceof UserError) throw e;
        const msg = (e as Error).message;
        if (/already holds a training checkpoint|resume it with|is a run|unknown \w+ config field|must be a/.test(msg)) {
          throw new UserError(msg.replace('pass resume', 'pass --resume').replace('resume it with algo', 'resume it with --algo'));
        }
        throw e;
      } finally {
        signals.dispose();
        for (const g of guards) g.release();
      }
      try {
        if (!res.finished) {
          const msg = `${opts.env} ${opts.algo}: stopped at ${res.globalStep} steps; continue with --resume (checkpoint ${path.join(res.runDir, 'checkpoint.ckpt')})`;
          const sig = stopped();
          if (sig) throw new InterruptedError(`${msg}, stopped by ${sig}`, sig);
          io.out(msg);
          return;
        }
        const ev = res.evaluation!;
        io.out(`${opts.env} ${opts.algo}: ${res.globalStep} steps, deterministic return ${ev.mean.toFixed(2)} ± ${ev.std.toFixed(2)} over ${ev.returns.length} episodes; policy ${path.join(outDir, 'policy.ckpt')}`);
      } finally {
        res.policy.dispose();
      }
    });
}
