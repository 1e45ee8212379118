import type { Command } from 'commander';
import { makeEnv, xmlEnvOptions } from '../envs.js';
import type { Io } from '../io.js';
import { parseIntFlag, parseSeedFlag } from '../options.js';
import { meanStd } from '@mgail/policies';

interface RolloutOpts {
  env: string;
  episodes: number;
  seed: number;
  json?: boolean;
  xml?: string;
}

/** Runs a uniformly random policy: the "Random" row of the paper's Table 1 (on `xml`'s model when given). */
export async function randomRollout(envId: string, episodes: number, seed: number, xml?: string): Promise<{ returns: number[]; lengths: number[] }> {
  const env = await makeEnv(envId, await xmlEnvOptions(envId, xml));
  try {
    env.actionSpace.seed(seed);
    const returns: number[] = [];
    const lengths: number[] = [];
    for (let ep = 0; ep < episodes; ep++) {
      // Seed once, then let the env's stream continue, as Gymnasium users do.
      env.reset(ep === 0 ? { seed } : {});
      let ret = 0;
      let len = 0;
      for (;;) {
        const r = env.step(env.actionSpace.sample());
        ret += r.reward;
        len++;
        if (r.terminated || r.truncated) break;
      }
      returns.push(ret);
      lengths.push(len);
    }
    return { returns, lengths };
  } finally {
    env.close();
  }
}

export function registerRollout(program: Command, io: Io): void {
  program
    .command('rollout')
    .description('roll out a random policy and print the mean/std return')
    .requiredOption('--env <id>', 'environment id (see `mgail envs`)')
    .option('--episodes <n>', 'number of episodes', parseIntFlag('episodes', 1), 10)
    .option('--seed <s>', 'seed', parseSeedFlag(), 0)
    .option('--json', 'print one JSON object')
    .option('--xml <file>', 'MuJoCo envs: load this MJCF model instead of the bundled one (same joints and actuators; other masses, sizes, gains)')
    .action(async (opts: RolloutOpts) => {
      const { returns, lengths } = await randomRollout(opts.env, opts.episodes, opts.seed, opts.xml);
      const { mean, std } = meanStd(returns);
      if (opts.json) {
        io.out(JSON.stringify({ env: opts.env, ...(opts.xml ? { xml: opts.xml } : {}), policy: 'random', seed: opts.seed, episodes: opts.episodes, mean, std, returns, lengths }));
      } else {
        io.out(`${opts.env} random policy, ${opts.episodes} episodes (seed ${opts.seed}): return ${mean.toFixed(2)} ± ${std.toFixed(2)}, mean length ${meanStd(lengths).mean.toFixed(1)}`);
      }
    });
}
