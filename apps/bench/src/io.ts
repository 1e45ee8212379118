import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';

/** The repository root (this file is src/io.ts or dist/io.js of apps/bench): experts/ and results live there. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where the bench writes: stdout for results, stderr for progress (tests capture both). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export function parsePositiveInt(flag: string, allowZero = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
      throw new InvalidArgumentError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got '${v}'`);
    }
    return n;
  };
}

export function parseIntList(v: string, flag: string, min = 1): number[] {
  const parts = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const xs = parts.map(Number);
  if (xs.length === 0 || xs.some((n) => !Number.isInteger(n) || n < min || n > 2 ** 32 - 1)) {
    throw new Error(`${flag} must be a comma list of integers in [${min}, 2^32 - 1], got '${v}'`);
  }
  return xs;
}

/** A Redis URL for BullMQ (`redis://HOST:PORT`, optionally `/DB`, user and password; `rediss://` for TLS). */
export function parseRedisUrl(v: string, flag: string): string {
  let u: URL | null = null;
  try {
    u = new URL(v);
  } catch {
    u = null;
  }
  if (!u || (u.protocol !== 'redis:' && u.protocol !== 'rediss:') || !u.hostname) {
    throw new InvalidArgumentError(`${flag} must be a redis://HOST:PORT URL, got '${v}'`);
  }
  return v;
}
