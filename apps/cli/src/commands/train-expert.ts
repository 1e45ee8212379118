import path from 'node:path';
import type { Command } from 'commander';
import { initBackend, runDirPath } from '@mgail/core-autodiff-graph';
import { trainExpert } from '@mgail/baselines-gail-bc';
import { evaluatePolicy } from '@mgail/policies';
import { makeEnv, makeVecEnv } from '../envs.js';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { parseIntFlag } from '../options.js';

interface TrainExpertOpts {
  env: string;
  algo: string;
  steps: number;
  seed: number;
  out?: string;
  resume?: boolean;
  numEnvs?: number;
  parallel?: boolean;
  evalEpisodes: number;
}

const EXPERT_ALGOS = ['ppo'];

export function registerTrainExpert(program: Command, io: Io): void {
  program
    .command('train-expert')
    .description('train an RL expert (PPO) with checkpoints; --resume continues a stopped run')
    .requiredOption('--env <id>', 'environment id')
    .option('--algo <name>', `RL algorithm: ${EXPERT_ALGOS.join(' | ')}`, 'ppo')
    .option('--steps <n>', 'total env steps', parseIntFlag('steps', 1), 100_000)
    .option('--seed <s>', 'seed', parseIntFlag('seed'), 0)
    .option('--out <dir>', 'output directory (default runs/{env}__{algo}__{seed}__{time})')
    .option('--resume', 'continue from --out/checkpoint.ckpt')
    .option('--num-envs <n>', 'parallel envs (overrides the per-env config)', parseIntFlag('num-envs', 1))
    .option('--parallel', 'step MuJoCo envs in worker threads')
    .option('--eval-episodes <n>', 'deterministic evaluation episodes at the end', parseIntFlag('eval-episodes', 1), 50)
    .action(async (opts: TrainExpertOpts) => {
      if (!EXPERT_ALGOS.includes(opts.algo)) throw new UserError(`unknown expert algorithm "${opts.algo}"`, `choose one of: ${EXPERT_ALGOS.join(', ')}`);
      if (opts.resume && !opts.out) throw new UserError('--resume needs --out DIR (the run to continue)');
      await initBackend();
      const outDir = runDirPath({ env: opts.env, algo: opts.algo, seed: opts.seed, dir: opts.out });
      const command = `mgail train-expert --env ${opts.env} --algo ${opts.algo} --steps ${opts.steps} --seed ${opts.seed}${opts.numEnvs ? ` --num-envs ${opts.numEnvs}` : ''} --out ${opts.out ?? outDir}`;
      let res;
      try {
        res = await trainExpert({
          envId: opts.env, algo: 'ppo', steps: opts.steps, seed: opts.seed, outDir, resume: opts.resume, command,
          overrides: opts.numEnvs ? { numEnvs: opts.numEnvs } : {},
          makeVecEnv: (n) => makeVecEnv(opts.env, n, { parallel: opts.parallel }),
        });
      } catch (e) {
        if (e instanceof UserError) throw e;
        if ((e as Error).message.includes('already holds a training checkpoint')) throw new UserError((e as Error).message.replace('pass resume', 'pass --resume'));
        throw e;
      }
      try {
        const env = await makeEnv(opts.env);
        const ev = evaluatePolicy(env, res.policy, { episodes: opts.evalEpisodes, seed: 1000 });
        env.close();
        io.out(`${opts.env} ${opts.algo}: ${res.globalStep} steps, deterministic return ${ev.mean.toFixed(2)} ± ${ev.std.toFixed(2)} over ${ev.returns.length} episodes; policy ${path.join(outDir, 'policy.ckpt')}`);
      } finally {
        res.policy.dispose();
      }
    });
}
