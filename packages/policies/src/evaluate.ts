import { Rng } from '@mgail/core-autodiff-graph';
import type { Env } from '@mgail/envs-classic';
import type { Policy } from './policy.js';

/** Per-episode returns and lengths of an evaluation, with the mean and (population) std of the returns. */
export interface EvaluationResult {
  returns: number[];
  lengths: number[];
  mean: number;
  std: number;
}

/** Mean and population std (numpy's default). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (!xs.length) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
}

/**
 * Runs whole episodes: the env is seeded once with `seed` and its stream continues, as a
 * Gymnasium evaluation loop does; deterministic by default (the mean / argmax action).
 */
export function evaluatePolicy(env: Env, policy: Policy, opts: { episodes: number; seed: number; deterministic?: boolean }): EvaluationResult {
  if (!Number.isInteger(opts.episodes) || opts.episodes < 1) throw new Error(`evaluatePolicy: episodes must be a positive integer, got ${opts.episodes}`);
  const deterministic = opts.deterministic ?? true;
  const rng = new Rng(opts.seed);
  const returns: number[] = [];
  const lengths: number[] = [];
  for (let ep = 0; ep < opts.episodes; ep++) {
    let obs = env.reset(ep === 0 ? { seed: opts.seed } : {}).observation;
    let ret = 0;
    let len = 0;
    for (;;) {
      const { actions } = policy.act(obs, { deterministic, rng });
      const r = env.step(policy.kind === 'categorical' ? actions[0] : actions);
      ret += r.reward;
      len++;
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
    returns.push(ret);
    lengths.push(len);
  }
  return { returns, lengths, ...meanStd(returns) };
}
