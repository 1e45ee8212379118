import { COUNT_LIMITS } from '@mgail/core-autodiff-graph';
import { UserError } from './errors.js';

/**
 * Upper bounds of count flags, the ones config files' fields have (`COUNT_LIMITS`): past them a
 * run would go on for days without a line of output (`--episodes 1e12`) or exhaust memory.
 */
export const FLAG_LIMITS: Record<string, number> = {
  episodes: COUNT_LIMITS.episodes,
  'eval-episodes': COUNT_LIMITS.episodes,
  rollouts: COUNT_LIMITS.episodes,
  trajectories: COUNT_LIMITS.episodes,
  episode: COUNT_LIMITS.episodes,
  steps: COUNT_LIMITS.steps,
  'num-envs': COUNT_LIMITS.envs,
  'checkpoint-every': COUNT_LIMITS.count,
  'light-every': COUNT_LIMITS.count,
};

/** Seeds are 32-bit: a larger one would alias a smaller one (2^32 + 5 runs as 5). */
export const MAX_SEED = 2 ** 32 - 1;

/** Parses an integer flag in [min, max] (max defaults to the flag's `FLAG_LIMITS` entry) with an error that names the flag. */
export function parseIntFlag(name: string, min = 0, max = FLAG_LIMITS[name] ?? Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string) => {
    // decimal notation only: Number() would also read "0x10" as 16, "0b11" as 3 and "" as 0
    const n = /^\s*\d+(\.\d*)?(e\+?\d+)?\s*$/i.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be an integer >= ${min}, got "${v}"`);
    if (n > max) throw new UserError(`--${name} ${v} is over the limit of ${max.toLocaleString('en-US')}`, `pass at most ${max}`);
    return n;
  };
}

/** `--seed`: an integer in [0, 2^32), never silently aliased or rounded. */
export function parseSeedFlag(name = 'seed'): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    // above 2^53 Number() already rounds: compare the digits too
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n > MAX_SEED) {
      throw new UserError(`--${name} must be an integer in [0, 2^32) = [0, ${MAX_SEED}], got "${v}"`, 'seeds are 32-bit: a larger one would alias a smaller one');
    }
    return n;
  };
}

/** Parses a finite number flag. */
export function parseNumberFlag(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new UserError(`--${name} must be a number, got "${v}"`);
    return n;
  };
}

/** Parses a comma-separated list of integers (`1,4,7,10`). */
export function parseIntList(name: string): (v: string) => number[] {
  return (v: string) => {
    const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
    const out = parts.map(Number);
    if (!out.length || out.some((n) => !Number.isInteger(n) || n < 0)) {
      throw new UserError(`--${name} must be a comma-separated list of integers, got "${v}"`);
    }
    return out;
  };
}
