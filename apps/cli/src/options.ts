import { UserError } from './errors.js';

/** Parses a non-negative integer flag with an error that names the flag. */
export function parseIntFlag(name: string, min = 0): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be an integer >= ${min}, got "${v}"`);
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
