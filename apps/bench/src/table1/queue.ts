import crypto from 'node:crypto';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { ConnectionOptions } from 'bullmq';
import { REPO_ROOT } from '../io.js';
import type { CellJob, CellOptions } from '../suites/table1.js';

/** A queued cell's tries: a second one for a transient fault, then it is failed and the report lists it. */
export const CELL_ATTEMPTS = 2;
export const DEFAULT_QUEUE_NAME = 'table1';

/** The code a process runs: its commit and a hash of its uncommitted changes to the code (null when clean). */
export interface SourceIdentity {
  commit: string | null;
  changes: string | null;
}

const sha256 = (x: string | Buffer) => crypto.createHash('sha256').update(x).digest('hex');

export function sourceIdentity(): SourceIdentity {
  const git = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  let commit: string | null;
  try {
    commit = git(['rev-parse', 'HEAD']).trim();
  } catch {
    return { commit: null, changes: null };
  }
  // the paths the report's "dirty" list covers: a worker with other edits there would compute other numbers
  const diff = git(['diff', 'HEAD', '--binary', '--', 'packages', 'apps/bench/src']);
  return { commit, changes: diff ? sha256(diff).slice(0, 16) : null };
}

const hashes = new Map<string, { stamp: string; sha256: string }>();
/** The sha256 of a file, cached while its size and mtime stay (demonstrations are tens of MB). */
export function fileSha256(file: string): string {
  const st = fs.statSync(file);
  const stamp = `${st.size}:${st.mtimeMs}`;
  const hit = hashes.get(file);
  if (hit?.stamp === stamp) return hit.sha256;
  const h = sha256(fs.readFileSync(file));
  hashes.set(file, { stamp, sha256: h });
  return h;
}

/** What a queued cell carries to its worker; its id is the cell key. */
export interface CellJobData {
  cell: CellJob;
  options: CellOptions;
  /** The coordinator's code: a worker running other code refuses the cell. */
  source: SourceIdentity;
  /** The demonstrations file relative to the experts folder, and its hash: a worker with other data refuses the cell. */
  demos: { file: string; sha256: string };
  /** The coordinator's `<out>/runs/<key>`: a retried MGAIL cell resumes from its checkpoint there when it is shared storage. */
  runDir: string;
  /** The commit the cell's record names (the short one the local suite records). */
  reportCommit: string | null;
  /** Hash of everything above that changes the numbers: a restarted coordinator re-queues a job that differs. */
  fingerprint: string;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function cellJobData(d: Omit<CellJobData, 'fingerprint'>): CellJobData {
  return { ...d, fingerprint: sha256(stableJson({ cell: d.cell, options: d.options, source: d.source, demos: d.demos })).slice(0, 16) };
}

export const shortCommit = (c: string | null) => (c ? c.slice(0, 7) : 'unknown');
export const describeSource = (s: SourceIdentity) => `commit ${shortCommit(s.commit)}${s.changes ? ` with uncommitted changes ${s.changes}` : ''}`;

/** Why this worker must not run the cell (other code or other demonstrations), or null when it may. */
export function refusalReason(d: CellJobData, mine: SourceIdentity, demosFile: string): string | null {
  if (!mine.commit) return `this worker is not a git checkout, so it cannot show it runs the coordinator's commit ${shortCommit(d.source.commit)}`;
  if (mine.commit !== d.source.commit) {
    return `worker at commit ${shortCommit(mine.commit)}, the cell was queued at commit ${shortCommit(d.source.commit)}: check out ${shortCommit(d.source.commit)} on this worker and rebuild (npx -y pnpm@10.34.9 install && npx -y pnpm@10.34.9 build)`;
  }
  if (mine.changes !== d.source.changes) {
    return `worker at ${describeSource(mine)}, the cell was queued at ${describeSource(d.source)}: the uncommitted changes under packages/ and apps/bench/src must match (commit them on both)`;
  }
  if (!fs.existsSync(demosFile)) return `this worker has no ${demosFile} (copy the coordinator's experts/ folder)`;
  const h = fileSha256(demosFile);
  if (h !== d.demos.sha256) return `${demosFile} differs from the coordinator's demonstrations (sha256 ${h.slice(0, 12)}…, the cell's ${d.demos.sha256.slice(0, 12)}…)`;
  return null;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString().replace(/\/$/, '');
}

/**
 * BullMQ's connection options for `url`, and the one-line error when Redis cannot be reached
 * (a few quick tries at start) or is lost (about 10 s of reconnecting): ioredis would otherwise
 * retry forever while the run silently waits.
 */
export class RedisLink {
  readonly connection: ConnectionOptions;
  /** Rejects with the clear error once Redis is given up on. */
  readonly failed: Promise<never>;
  private ready = false;
  private down = false;
  private lastError: Error | null = null;
  private fail!: (e: Error) => void;

  constructor(readonly url: string, readonly flag: string, private readonly restartHint: string) {
    this.failed = new Promise<never>((_, reject) => { this.fail = reject; });
    this.failed.catch(() => {});
    this.connection = {
      url,
      connectTimeout: 5000,
      retryStrategy: (times: number) => {
        if (times > (this.ready ? 12 : 3)) {
          this.down = true;
          this.fail(this.error());
          return null;
        }
        return Math.min(250 * times, 1500);
      },
    } as ConnectionOptions;
  }

  readonly noteError = (err: Error): void => {
    this.lastError = err;
  };

  /** Whether Redis was given up on: closing a client then only re-raises its connection error. */
  get isDown(): boolean {
    return this.down;
  }

  markReady(): void {
    this.ready = true;
  }

  error(): Error {
    const why = this.lastError?.message ?? 'connection closed';
    return new Error(this.ready
      ? `${this.flag} ${redactUrl(this.url)}: lost the connection to Redis (${why}); ${this.restartHint}`
      : `${this.flag} ${redactUrl(this.url)}: Redis unreachable (${why})`);
  }

  /** `p`, or the clear error if Redis is given up on first (or was, when `p` fails for it). */
  async race<T>(p: Promise<T>): Promise<T> {
    try {
      return await Promise.race([p, this.failed]);
    } catch (err) {
      throw this.down ? this.error() : err;
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
