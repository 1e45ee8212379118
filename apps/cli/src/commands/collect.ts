import type { Command } from 'commander';
import { initBackend, openOutputFile } from '@mgail/core-autodiff-graph';
import { collectDemos, writeDemos } from '@mgail/policies';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { parseIntFlag, parseSeedFlag } from '../options.js';
import { loadPolicyFor } from './eval.js';

interface CollectOpts {
  env: string;
  policy: string;
  episodes: number;
  out: string;
  seed: number;
  stochastic?: boolean;
  force?: boolean;
  xml?: string;
}

export function registerCollect(program: Command, io: Io): void {
  program
    .command('collect')
    .description('record demonstrations of a policy into an .npz file numpy can read')
    .requiredOption('--env <id>', 'environment id')
    .requiredOption('--policy <path>', 'policy checkpoint, or a folder holding one')
    .requiredOption('--episodes <n>', 'number of episodes (trajectories)', parseIntFlag('episodes', 1))
    .requiredOption('--out <file>', 'output .npz file')
    .option('--seed <s>', 'seed of the first reset', parseSeedFlag(), 0)
    .option('--stochastic', 'sample actions instead of the deterministic mean/argmax')
    .option('--force', 'overwrite --out if it exists')
    .option('--xml <file>', 'MuJoCo envs: load this MJCF model instead of the bundled one (same joints and actuators; other masses, sizes, gains)')
    .action(async (opts: CollectOpts) => {
      let out;
      try {
        // held until the file is written: two collects into one --out fail fast instead of racing
        out = openOutputFile(opts.out, { force: opts.force, verb: 'collect' });
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      let loaded;
      try {
        await initBackend();
        loaded = await loadPolicyFor(opts.env, opts.policy, opts.xml);
      } catch (e) {
        out.release();
        throw e;
      }
      const { env, policy } = loaded;
      try {
        const command = `mgail collect --env ${opts.env} --policy ${opts.policy} --episodes ${opts.episodes} --seed ${opts.seed}${opts.stochastic ? ' --stochastic' : ''}${opts.xml ? ` --xml ${opts.xml}` : ''} --out ${opts.out}`;
        const d = collectDemos(env, policy, { episodes: opts.episodes, seed: opts.seed, deterministic: !opts.stochastic, source: opts.policy, command });
        try {
          out.check();
        } catch (e) {
          throw new UserError((e as Error).message);
        }
        writeDemos(opts.out, d);
        io.out(`wrote ${opts.out}: ${d.metadata.numEpisodes} episodes, ${d.metadata.numTransitions} transitions, return ${d.metadata.meanReturn.toFixed(2)} ± ${d.metadata.stdReturn.toFixed(2)}`);
      } finally {
        policy.dispose();
        env.close();
        out.release();
      }
    });
}
