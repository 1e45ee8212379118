import { UserError } from './errors.js';

/**
 * Upper bounds of count flags: past them a run would go on for days without a line of output
 * (`--episodes 1e12`) or exhaust memory, so they are refused up front, the limit named.
 */
export const FLAG_LIMITS: Record<string, number> = {
  episodes: 1_000_000,
  'eval-episodes': 1_000_000,
  rollouts: 1_000_000,
  trajectories: 1_000_000,
  episode: 1_000_000,
  steps: 10_000_000_000,
  'num-envs': 1024,
  'checkpoint-every': 1_000_000_000,
  'light-every': 1_000_000_000,
};

/** Seeds are 32-bit: a larger one would alias a smaller one (2^32 + 5 runs as 5). */
export const MAX_SEED = 2 ** 32 - 1;

/** Parses an integer flag in [min, max] (max defaults to the flag's `FLAG_LIMITS` entry) with an error that names the flag. */
export function parseIntFlag(name: string, min = 0, max = FLAG_LIMITS[name] ?? Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
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
