import type { Command } from 'commander';
import { initBackend } from '@mgail/core-autodiff-graph';
import { evaluatePolicy, loadPolicy } from '@mgail/policies';
import { makeEnv, xmlEnvOptions } from '../envs.js';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { parseIntFlag, parseSeedFlag } from '../options.js';

interface EvalOpts {
  env: string;
  policy: string;
  episodes: number;
  seed: number;
  stochastic?: boolean;
  json?: boolean;
  xml?: string;
}

/** Loads a checkpoint for an env (with `--xml`'s model when given) with one-line errors a user can act on. */
export async function loadPolicyFor(envId: string, policyPath: string, xml?: string) {
  const env = await makeEnv(envId, await xmlEnvOptions(envId, xml));
  try {
    const { policy, meta } = loadPolicy(policyPath, { envId, observationSpace: env.observationSpace, actionSpace: env.actionSpace });
    return { env, policy, meta };
  } catch (e) {
    env.close();
    throw new UserError((e as Error).message);
  }
}

export function registerEval(program: Command, io: Io): void {
  program
    .command('eval')
    .description('evaluate a policy checkpoint (deterministic by default) and print mean/std return')
    .requiredOption('--env <id>', 'environment id')
    .requiredOption('--policy <path>', 'policy checkpoint, or a run/expert folder holding one')
    .option('--episodes <n>', 'episodes', parseIntFlag('episodes', 1), 50)
    .option('--seed <s>', 'seed of the first reset', parseSeedFlag(), 0)
    .option('--stochastic', 'sample actions instead of the deterministic mean/argmax')
    .option('--json', 'print one JSON object {mean, std, episodes, returns, lengths, ...}')
    .option('--xml <file>', 'MuJoCo envs: load this MJCF model instead of the bundled one (same joints and actuators; other masses, sizes, gains)')
    .action(async (opts: EvalOpts) => {
      // The backend line goes to stderr, so --json output on stdout stays one object.
      await initBackend();
      const { env, policy, meta } = await loadPolicyFor(opts.env, opts.policy, opts.xml);
      try {
        const r = evaluatePolicy(env, policy, { episodes: opts.episodes, seed: opts.seed, deterministic: !opts.stochastic });
        const stderr = r.std / Math.sqrt(r.returns.length);
        if (opts.json) {
          io.out(JSON.stringify({ env: opts.env, ...(opts.xml ? { xml: opts.xml } : {}), policy: opts.policy, seed: opts.seed, deterministic: !opts.stochastic, episodes: r.returns.length, mean: r.mean, std: r.std, stderr, returns: r.returns, lengths: r.lengths, source: meta.extra }));
        } else {
          io.out(`${opts.env}: return ${r.mean.toFixed(2)} ± ${r.std.toFixed(2)} (stderr ${stderr.toFixed(2)}) over ${r.returns.length} episodes, ${opts.stochastic ? 'stochastic' : 'deterministic'}, seed ${opts.seed}`);
        }
      } finally {
        policy.dispose();
        env.close();
      }
    });
}
