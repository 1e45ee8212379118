import fs from 'node:fs';
import path from 'node:path';
import type { TensorData, WeightArray } from './variables.js';

/**
 * Run bookkeeping shared by every trainer: run directories named
 * `runs/{env}__{algo}__{seed}__{time}/`, atomic file writes, namespaced metrics as JSONL and
 * CSV, and a throttled progress line. No tensors here: it only touches the file system.
 */

let tmpCounter = 0;

/**
 * A system error on a path, in one line that names the path and says what to do: "EISDIR" or
 * "ENOSPC: no space left on device, write" name neither the file nor a way out.
 */
export function describeFsError(e: unknown, file: string, doing = 'write'): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'EISDIR': return `cannot ${doing} ${file}: it is a folder; pass a file path`;
    case 'ENOTDIR': return `cannot ${doing} ${file}: a part of the path is a file, not a folder; choose another path`;
    case 'EEXIST': {
      // mkdir -p over a file on the way: "exists" is true, but it is not the folder wanted
      let onPath = '';
      for (let p = path.resolve(file); p !== path.dirname(p); p = path.dirname(p)) {
        if (fs.existsSync(p) && !fs.statSync(p).isDirectory()) onPath = p;
      }
      if (doing === 'create' && onPath) return `cannot create ${file}: ${onPath} is a file, not a folder; choose another path`;
      return `cannot ${doing} ${file}: it already exists; remove it or choose another path`;
    }
    case 'ENOSPC': return `cannot ${doing} ${file}: the disk is full; free space and retry (completed files were kept)`;
    case 'EDQUOT': return `cannot ${doing} ${file}: the disk quota is exhausted; free space and retry`;
    case 'EACCES':
    case 'EPERM': return `cannot ${doing} ${file}: permission denied; choose a folder you can ${doing === 'read' ? 'read' : 'write to'}`;
    case 'EROFS': return `cannot ${doing} ${file}: the file system is read-only; choose a writable folder`;
    case 'ENOENT': {
      if (doing === 'read') return `cannot read ${file}: no such file`;
      // a folder that exists yet refuses new files: a read-only or special file system (/proc, /sys)
      const dir = path.dirname(path.resolve(file));
      return fs.existsSync(dir) ? `cannot ${doing} ${file}: ${dir} does not accept new files (a read-only or special file system); choose a writable folder` : `cannot ${doing} ${file}: its folder does not exist or was removed`;
    }
    case 'EMFILE':
    case 'ENFILE': return `cannot ${doing} ${file}: too many open files; close other programs or raise the limit (ulimit -n)`;
    default: return `cannot ${doing} ${file}: ${err instanceof Error ? err.message : String(e)}`;
  }
}

/** What an existing path is, for "only regular files are ever replaced" messages. */
function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The file a write to `file` lands in: `file` itself, or where its symbolic links lead (renaming
 * over a link would replace the link and leave the file it names as it was). A broken link is refused.
 */
export function writeTarget(file: string, flag?: string): string {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return file;
  }
  if (!st.isSymbolicLink()) return file;
  try {
    return fs.realpathSync(file);
  } catch {
    throw new Error(`${flag ? `${flag} ` : ''}${file} is a broken symbolic link (to ${fs.readlinkSync(file)}); fix or remove the link, or choose another path`);
  }
}

/**
 * Throws unless `file` is absent or a regular file (after following links): renaming over
 * `/dev/null` or a folder would replace it, or fail with a bare EISDIR.
 */
export function assertReplaceable(file: string, flag?: string): void {
  let st: fs.Stats;
  writeTarget(file, flag);
  try {
    st = fs.statSync(file);
  } catch {
    return;
  }
  if (!st.isFile()) throw new Error(`${flag ? `${flag} ` : ''}${file} is ${kindOf(st)}; only regular files are replaced, so pass a file path`);
}

/**
 * Writes `data` to `file` so readers never see a partial file: temp file in the same folder,
 * fsync, rename. Through a symbolic link it writes the file the link names, keeping the link.
 */
export function writeFileAtomic(fileIn: string, data: string | Uint8Array): void {
  assertReplaceable(fileIn);
  const file = writeTarget(fileIn);
  const dir = path.dirname(path.resolve(file));
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(describeFsError(e, dir, 'create'));
  }
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${tmpCounter++}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(describeFsError(e, file));
  }
}

/** Writes pretty JSON atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** `20261124-163005` (UTC), the time part of a run directory name. */
export function formatRunTime(d: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export interface RunDirOptions {
  env: string;
  algo: string;
  seed: number;
  /** Parent folder of generated run directories (default `runs`). */
  root?: string;
  /** Use this directory instead of a generated name. */
  dir?: string;
  time?: Date;
}

/** The directory a run writes to: `dir` if given, else `{root}/{env}__{algo}__{seed}__{time}`. */
export function runDirPath(o: RunDirOptions): string {
  if (o.dir) return path.resolve(o.dir);
  return path.resolve(o.root ?? 'runs', `${o.env}__${o.algo}__${o.seed}__${formatRunTime(o.time)}`);
}

/** Creates the run directory (and parents) and returns its absolute path. */
export function createRunDir(o: RunDirOptions): string {
  const dir = runDirPath(o);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export type MetricValues = Record<string, number>;

/**
 * Appends namespaced metrics (`charts/episodic_return`, `losses/policy`, `time/sps`) to
 * `metrics.jsonl` (one object per call: `{step, wall_time, ...metrics}`) and `metrics.csv`
 * (long form `step,wall_time,metric,value`, which pandas pivots without knowing the names).
 */
export class MetricsWriter {
  readonly jsonlPath: string;
  readonly csvPath: string;

  /** With `resumeFromStep`, rows logged after that step by a killed run are dropped first. */
  constructor(readonly dir: string, opts: { resumeFromStep?: number } = {}) {
    fs.mkdirSync(dir, { recursive: true });
    this.jsonlPath = path.join(dir, 'metrics.jsonl');
    this.csvPath = path.join(dir, 'metrics.csv');
    // appending to a device or a pipe would pass for logging and keep nothing
    assertReplaceable(this.jsonlPath);
    assertReplaceable(this.csvPath);
    if (opts.resumeFromStep !== undefined) this.truncateAfter(opts.resumeFromStep);
    try {
      if (!fs.existsSync(this.csvPath)) fs.writeFileSync(this.csvPath, 'step,wall_time,metric,value\n');
      if (!fs.existsSync(this.jsonlPath)) fs.writeFileSync(this.jsonlPath, '');
    } catch (e) {
      throw new Error(describeFsError(e, this.jsonlPath));
    }
  }

  log(step: number, metrics: MetricValues): void {
    const wall = Date.now() / 1000;
    const clean: MetricValues = {};
    for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number') clean[k] = v;
    appendWhole(this.jsonlPath, JSON.stringify({ step, wall_time: wall, ...clean }) + '\n');
    const rows = Object.entries(clean).map(([k, v]) => `${step},${wall.toFixed(3)},${k},${Number.isFinite(v) ? v : String(v)}`);
    if (rows.length) appendWhole(this.csvPath, rows.join('\n') + '\n');
  }

  /** All rows logged so far (for plots and summaries). */
  read(): Array<{ step: number; wall_time: number } & MetricValues> {
    if (!fs.existsSync(this.jsonlPath)) return [];
    return readMetricsJsonl(this.jsonlPath);
  }

  private truncateAfter(step: number): void {
    // a negative step is a finished sitting's final row (the CLI's final evaluation, step -1):
    // the resumed run writes its own, so the old one goes too
    if (fs.existsSync(this.jsonlPath)) {
      const keep = readMetricsJsonl(this.jsonlPath).filter((r) => r.step >= 0 && r.step <= step);
      writeFileAtomic(this.jsonlPath, keep.map((r) => JSON.stringify(r)).join('\n') + (keep.length ? '\n' : ''));
    }
    if (fs.existsSync(this.csvPath)) {
      const lines = completeLines(fs.readFileSync(this.csvPath, 'utf8'));
      const keep = lines.slice(1).filter((l) => l.split(',').length === 4 && Number(l.split(',')[0]) >= 0 && Number(l.split(',')[0]) <= step);
      writeFileAtomic(this.csvPath, [lines[0] ?? 'step,wall_time,metric,value', ...keep].join('\n') + '\n');
    }
  }
}

/**
 * Appends `text` (whole lines) or nothing: a write cut short by a full disk is truncated back,
 * so a later reader (or a resumed run) never meets a torn row in the middle of the file.
 */
function appendWhole(file: string, text: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'a');
  } catch (e) {
    throw new Error(describeFsError(e, file));
  }
  let size = 0;
  try {
    size = fs.fstatSync(fd).size;
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
  } catch (e) {
    try {
      fs.ftruncateSync(fd, size);
    } catch {
      // the row stays torn; completeLines drops it on read
    }
    throw new Error(describeFsError(e, file));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The lines of an append-only file, without the torn last line a killed process may have left:
 * every complete append ends with a newline, so a last line without one is partial (even when
 * what is left of it still looks like a row, such as "64" of "640,...").
 */
function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop(); // "" after the final newline, or the torn line
  return lines.filter(Boolean);
}

/** Parses a metrics.jsonl file, skipping a torn last line left by a killed process. */
export function readMetricsJsonl(file: string): Array<{ step: number; wall_time: number } & MetricValues> {
  const out: Array<{ step: number; wall_time: number } & MetricValues> = [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(describeFsError(e, file, 'read'));
  }
  // completeLines drops the partial last line a killed run leaves; any other line must be a row
  completeLines(text).forEach((line, i) => {
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      row = undefined;
    }
    if (!row || typeof row !== 'object' || Array.isArray(row) || typeof (row as { step?: unknown }).step !== 'number') {
      throw new Error(`${file}: line ${i + 1} is not a metrics row ({"step": N, ...}); the file is damaged or not a metrics.jsonl of mgail`);
    }
    out.push(row as { step: number; wall_time: number } & MetricValues);
  });
  return out;
}

/**
 * One progress line on stderr, redrawn in place on a TTY and printed at most every
 * `intervalMs` otherwise, so long jobs show steps, returns and steps per second in logs too.
 */
export class Progress {
  private last = 0;
  private readonly start = Date.now();
  /** The first step this process reported: a resumed run's rate counts only its own steps. */
  private firstStep: number | undefined;
  private readonly write: (s: string) => void;
  private readonly tty: boolean;

  constructor(
    readonly label: string,
    readonly total?: number,
    opts: { intervalMs?: number; write?: (s: string) => void; tty?: boolean } = {},
  ) {
    this.intervalMs = opts.intervalMs ?? (process.stderr.isTTY ? 200 : 5000);
    this.write = opts.write ?? ((s) => process.stderr.write(s));
    this.tty = opts.tty ?? Boolean(process.stderr.isTTY);
  }
  private readonly intervalMs: number;

  /** Formats `step` (of `total`) and the fields; prints when the interval has passed or `force`. */
  update(step: number, fields: Record<string, number | string | undefined> = {}, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    this.firstStep ??= step;
    // a learner may overshoot its total to finish a batch or an episode: never past 100%
    const head = this.total ? `${step}/${this.total} (${Math.min(100, (100 * step) / this.total).toFixed(0)}%)` : `${step}`;
    const parts = [`[${this.label}] ${head}`];
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      parts.push(`${k} ${typeof v === 'number' ? formatNumber(v) : v}`);
    }
    const elapsed = (now - this.start) / 1000;
    parts.push(`${formatDuration(elapsed)}`);
    const done = step - this.firstStep;
    if (this.total && done > 0 && step < this.total) parts.push(`ETA ${formatDuration((elapsed * (this.total - step)) / done)}`);
    const line = parts.join(' | ');
    this.write(this.tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }

  done(step: number, fields: Record<string, number | string | undefined> = {}): void {
    this.update(step, fields, true);
    if (this.tty) this.write('\n');
  }
}

/** 42s, 7m05s, 3h12m: short enough for a progress line. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/**
 * Training stopped because a loss or a weight became NaN or ±Inf. Trainers throw it before
 * anything is written, so the run's last checkpoint stays the last good one.
 */
export class DivergenceError extends Error {
  constructor(
    message: string,
    /** The loss (`losses/policy`) or tensor (`policy:pi/l0/kernel`) that went non-finite. */
    readonly field: string,
    readonly step: number,
  ) {
    super(message);
    this.name = 'DivergenceError';
  }
}

/**
 * The divergence guard of a training loop: throws a `DivergenceError` naming the first loss
 * that is NaN or ±Inf. Pass only losses computed in this step (`undefined` entries are
 * skipped, so "not computed yet" must be `undefined`, not NaN).
 */
export function assertFiniteLosses(step: number, losses: Record<string, number | undefined>, what = 'training', unit = 'step'): void {
  for (const [k, v] of Object.entries(losses)) {
    if (v !== undefined && !Number.isFinite(v)) {
      throw new DivergenceError(`${what} diverged: ${k} is ${v} at ${unit} ${step}`, k, step);
    }
  }
}

/** The name of the first tensor holding a NaN or ±Inf, or undefined when all are finite. */
export function firstNonFiniteTensor(tensors: Record<string, TensorData | WeightArray>): string | undefined {
  for (const [k, t] of Object.entries(tensors)) {
    const a = ArrayBuffer.isView(t) ? t : t.data;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return k;
  }
  return undefined;
}

/**
 * Checkpoint writers call this before writing: a checkpoint with NaN weights would replace the
 * last good one, and a resumed run could never recover.
 */
export function assertFiniteTensors(step: number, tensors: Record<string, TensorData | WeightArray>, what = 'training'): void {
  const bad = firstNonFiniteTensor(tensors);
  if (bad !== undefined) throw new DivergenceError(`${what} diverged: ${bad} holds NaN or Inf at step ${step}`, bad, step);
}

/**
 * Removes the temp files (`.NAME.PID.N.tmp`) that `writeFileAtomic` leaves when its process is
 * killed between writing and renaming; a resumed run calls it so its directory holds only
 * complete files. Temp files of live processes stay; `only` keeps to one file's. Returns the names removed.
 */
export function removeStaleTempFiles(dir: string, only?: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const f of fs.readdirSync(dir)) {
    const m = /^\.(.+)\.(\d+)\.\d+\.tmp$/.exec(f);
    // a live writer's temp file is about to be renamed: only a dead process's are stale
    if (!m || Number(m[2]) === process.pid || pidAlive(Number(m[2]))) continue;
    if (only !== undefined && m[1] !== only) continue;
    fs.rmSync(path.join(dir, f), { force: true });
    removed.push(f);
  }
  return removed;
}

/** True while a process with this id runs (EPERM: it runs, as another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where `--force` moves the previous run's files, inside the run folder. */
export const PREVIOUS_RUN_DIR = 'previous-run';

/** The lock file a writing run holds in its folder. */
export const RUN_LOCK_FILE = '.mgail.lock';

/** The files a run of ours writes into its folder; `--force` moves exactly these aside. */
export const RUN_FILES = ['config.json', 'metrics.jsonl', 'metrics.csv', 'summary.json', 'policy.ckpt', 'checkpoint.ckpt'] as const;

export interface RunDirGuardOptions {
  /** Continue the run there: refuse when the folder or every one of `resumeFrom` is missing. */
  resume?: boolean;
  /** Start over: move the previous run's own files (`RUN_FILES`) into `previous-run/` first. */
  force?: boolean;
  /** What a resume continues from (default `checkpoint.ckpt` in the folder); absolute or relative to it. */
  resumeFrom?: string[];
  /** The flag that named the folder, for messages (default `--out`). */
  flag?: string;
  /** What the holder does, written into the lock (`train --algo mgail`). */
  verb?: string;
  /** Files of a previous run that only `--force` may replace (default all of `RUN_FILES`). */
  guarded?: readonly string[];
}

/** A run folder held by this process until `release()` (or the process exits). */
export interface RunDirHandle {
  readonly dir: string;
  /** The previous run's files `--force` moved into `previous-run/`. */
  readonly removed: string[];
  release(): void;
}

const heldLocks = new Map<string, number>();
let exitHookInstalled = false;

function lockHolder(lock: string): { pid: number; verb?: string } | null {
  try {
    const j = JSON.parse(fs.readFileSync(lock, 'utf8'));
    return typeof j?.pid === 'number' ? j : { pid: -1 };
  } catch {
    return null;
  }
}

/**
 * Takes `lock` (a file created exclusively, naming this pid) for `what` (the run folder or output
 * file it guards); a live holder makes it fail naming its pid, a dead one's lock is taken over.
 * The same process may hold it already: it nests.
 */
function acquireLock(lock: string, what: string, flag: string, verb?: string): void {
  const held = heldLocks.get(lock);
  if (held) {
    heldLocks.set(lock, held + 1);
    return;
  }
  const inUse = (pid: number | undefined, v?: string) =>
    new Error(`${flag ? `${flag} ` : ''}${what} is in use by another run (pid ${pid}${v ? `, ${v}` : ''}); wait for it to end or choose another ${flag || 'folder'}`);
  const body = JSON.stringify({ pid: process.pid, verb, started: new Date().toISOString() }) + '\n';
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, body, { flag: 'wx' });
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' || attempt >= 3) throw new Error(describeFsError(e, lock, 'lock'));
    }
    const holder = lockHolder(lock);
    if (holder && pidAlive(holder.pid) && holder.pid !== process.pid) throw inUse(holder.pid, holder.verb);
    // the holder died (kill -9, a crash): its lock is stale and taken over
    fs.rmSync(lock, { force: true });
  }
  // two processes taking over one stale lock: the later writer wins, the earlier must see it lost
  const now = lockHolder(lock);
  if (now?.pid !== process.pid) throw inUse(now?.pid);
  heldLocks.set(lock, 1);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const l of heldLocks.keys()) releaseLockFile(l);
    });
  }
}

/** Gives back one hold of `lock` (the file goes with the last). */
function releaseLock(lock: string): void {
  const n = heldLocks.get(lock) ?? 0;
  if (n > 1) heldLocks.set(lock, n - 1);
  else if (n === 1) {
    heldLocks.delete(lock);
    releaseLockFile(lock);
  }
}

function releaseLockFile(lock: string): void {
  if (lockHolder(lock)?.pid === process.pid) fs.rmSync(lock, { force: true });
}

/** Metrics rows that hold nothing yet: a run killed before its first row left them. */
function emptyMetrics(file: string): boolean {
  const t = fs.readFileSync(file, 'utf8').trim();
  return t === '' || t === 'step,wall_time,metric,value';
}

/**
 * The one guard every writing verb opens its run folder with. It holds a lock (`.mgail.lock`:
 * a second run into the folder fails naming the holder's pid; a dead holder's lock is taken
 * over), removes stale temp files, and keeps runs apart: `resume` refuses when there is nothing
 * to resume, a fresh run refuses a folder holding a previous run's files unless `force`, which
 * moves exactly those files aside first (old metrics are never mixed with new ones, an old
 * policy.ckpt never sits beside an unfinished run), and metrics files in a folder that is not a
 * run of ours (no config.json) are never touched, even with `force`. Moved files go to
 * `previous-run/` inside the folder (replacing the one run kept there before). Library trainers
 * given a run folder open it too; inside a verb that holds it already, theirs only nests.
 */
export function openRunDir(dirIn: string, o: RunDirGuardOptions = {}): RunDirHandle {
  const dir = path.resolve(dirIn);
  const flag = o.flag ?? '--out';
  const lock = path.join(dir, RUN_LOCK_FILE);
  if (heldLocks.has(lock)) {
    // this process guards the folder already (a CLI verb around the library trainer it calls):
    // the outer open did the checks and the moving, so this one only nests the lock
    acquireLock(lock, dir, flag, o.verb);
    let released = false;
    return { dir, removed: [], release: () => void (released || ((released = true), releaseLock(lock))) };
  }
  const exists = fs.existsSync(dir);
  if (exists && !fs.statSync(dir).isDirectory()) throw new Error(`${flag} ${dir} is a file, not a folder; pass a folder for the run`);
  const resumeFrom = (o.resumeFrom ?? ['checkpoint.ckpt']).map((f) => path.resolve(dir, f));
  if (o.resume) {
    // a checkpoint outside the folder (a committed light checkpoint on a new machine) resumes into a new folder
    const outside = resumeFrom.some((f) => !f.startsWith(dir + path.sep) && fs.existsSync(f));
    if (!exists && !outside) throw new Error(`--resume: ${dir} does not exist, so there is nothing to resume; drop --resume to start a run there`);
    if (!resumeFrom.some((f) => fs.existsSync(f))) {
      throw new Error(`--resume: ${dir} holds no ${resumeFrom.map((f) => path.relative(dir, f) || f).join(' or ')}, so there is nothing to resume; rerun without --resume (with --force to replace what is there)`);
    }
  }
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(describeFsError(e, dir, 'create'));
  }
  acquireLock(lock, dir, flag, o.verb);
  const handle: RunDirHandle & { removed: string[] } = {
    dir,
    removed: [],
    release() {
      const last = heldLocks.get(lock) === 1;
      releaseLock(lock);
      // a run that failed before writing anything (a bad env, too many envs) leaves no folder
      if (last && !exists) removeIfEmpty(dir);
    },
  };
  try {
    removeStaleTempFiles(dir);
    if (!o.resume) {
      const guarded = o.guarded ?? RUN_FILES;
      const present = guarded.filter((f) => fs.existsSync(path.join(dir, f)));
      for (const f of present) assertReplaceable(path.join(dir, f), `${flag} ${dir}:`);
      const metrics = present.filter((f) => f.startsWith('metrics.') && !emptyMetrics(path.join(dir, f)));
      if (metrics.length && !isOurRun(dir)) {
        throw new Error(`${flag} ${dir} holds ${metrics.join(' and ')} but is not a run folder of mgail (no config.json of a run); choose another ${flag}`);
      }
      if (present.length && !o.force) {
        if (present.includes('policy.ckpt')) throw new Error(`${dir} already holds a trained policy; pass --force to overwrite it, --resume to continue, or choose another ${flag}`);
        if (present.includes('checkpoint.ckpt')) throw new Error(`${dir} already holds a training checkpoint; pass --resume to continue it, --force to start over, or choose another ${flag}`);
        const real = present.filter((f) => !(f.startsWith('metrics.') && emptyMetrics(path.join(dir, f))));
        if (real.length) throw new Error(`${dir} holds files of an earlier run (${real.join(', ')}); pass --force to replace them or choose another ${flag}`);
      }
      // moved aside, not deleted: a --force run that fails (diverges, is killed) leaves the last
      // good result recoverable, yet never beside the new run's files. One previous run is kept.
      if (present.length || fs.existsSync(path.join(dir, STAGING_DIR))) moveAside(dir, present);
      handle.removed.push(...present);
    }
  } catch (e) {
    handle.release();
    throw e;
  }
  return handle;
}

const STAGING_DIR = `.${PREVIOUS_RUN_DIR}.partial`;
const OLD_DIR = `.${PREVIOUS_RUN_DIR}.old`;

/**
 * Moves `present` (run files in `dir`) into `previous-run/`, replacing the run kept there, so
 * that a kill at any point loses nothing and mixes nothing: the files are gathered in a staging
 * folder (a later call adds to it), the two folders are swapped by renames, and only then are the
 * older run's files removed. A later call first finishes what a killed one left.
 */
function moveAside(dir: string, present: readonly string[]): void {
  const prev = path.join(dir, PREVIOUS_RUN_DIR), staging = path.join(dir, STAGING_DIR), old = path.join(dir, OLD_DIR);
  // killed between the two renames: the staging folder holds a whole run already
  if (fs.existsSync(old) && !fs.existsSync(prev) && fs.existsSync(staging)) fs.renameSync(staging, prev);
  if (fs.existsSync(old)) dropOld(old, prev);
  if (!present.length && !fs.existsSync(staging)) return;
  fs.mkdirSync(staging, { recursive: true });
  for (const f of present) fs.renameSync(path.join(dir, f), path.join(staging, f));
  if (fs.existsSync(prev)) fs.renameSync(prev, old);
  fs.renameSync(staging, prev);
  if (fs.existsSync(old)) dropOld(old, prev);
}

/** Removes the older previous run's own files; anything else kept there (a user's notes) moves to the new one. */
function dropOld(old: string, prev: string): void {
  for (const f of fs.readdirSync(old)) {
    if ((RUN_FILES as readonly string[]).includes(f)) fs.rmSync(path.join(old, f), { force: true });
    else if (!fs.existsSync(path.join(prev, f))) fs.renameSync(path.join(old, f), path.join(prev, f));
  }
  removeIfEmpty(old);
}

/**
 * The lock of `openRunDir` alone, for trainers that write a run folder themselves (`trainMGAIL`,
 * `trainExpert`): a second process writing there fails; the same process may hold it already
 * (the CLI verb that called the trainer), so it nests.
 */
export function lockRunDir(dirIn: string, verb?: string): { release(): void } {
  const dir = path.resolve(dirIn);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(describeFsError(e, dir, 'create'));
  }
  const lock = path.join(dir, RUN_LOCK_FILE);
  acquireLock(lock, dir, '', verb);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      releaseLock(lock);
    },
  };
}

/**
 * What a trainer that keeps one checkpoint file (`trainBC`, `trainGAIL`) holds while it trains:
 * the lock of the file's folder (nesting inside a verb's run-folder guard), a refusal of
 * `resume` with no file to resume, and of a fresh start over an existing file unless `force`.
 */
export function openCheckpointFile(file: string, o: { resume?: boolean; force?: boolean; verb?: string } = {}): { release(): void } {
  if (o.resume && o.force) throw new Error(`resume continues the run in ${file} and force replaces it: pass one of them`);
  if (o.resume && !fs.existsSync(file)) throw new Error(`resume: ${file} does not exist, so there is nothing to resume; start without resume`);
  if (!o.resume && !o.force && fs.existsSync(file)) throw new Error(`${file} already holds a training checkpoint; pass resume to continue it, force to start over, or choose another file`);
  assertReplaceable(file);
  return lockRunDir(path.dirname(path.resolve(file)), o.verb);
}

function removeIfEmpty(dir: string): void {
  try {
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  } catch {
    // gone already, or not ours to remove
  }
}

/** A folder one of our verbs wrote: its config.json is a JSON object naming the env. */
function isOurRun(dir: string): boolean {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    return Boolean(j && typeof j === 'object' && typeof j.env === 'string');
  } catch {
    return false;
  }
}

/** The lock `openOutputFile` holds beside `file` while a verb writes it. */
export function outputLockFile(file: string): string {
  // beside the file a link leads to: two writers through different links still meet
  const f = path.resolve(writeTarget(file));
  return path.join(path.dirname(f), `.${path.basename(f)}.mgail.lock`);
}

/**
 * The guard of a verb that writes one file (`collect --out`, `plot --out`), held until
 * `release()`: a lock beside the file (`.NAME.mgail.lock`; a second writer of the same file fails
 * naming the first one's pid, so two verbs never race to it), then it refuses an existing file
 * without `force`, anything but a regular file even with it, and removes the temp files a killed
 * writer of the same file left. `check()` repeats the refusal right before the write (a file that
 * appeared meanwhile, outside any verb, is not replaced without `force`).
 */
export function openOutputFile(file: string, o: { force?: boolean; flag?: string; verb?: string } = {}): { check(): void; release(): void } {
  const flag = o.flag ?? '--out';
  const check = () => {
    assertReplaceable(file, flag);
    if (fs.existsSync(file) && !o.force) throw new Error(`${file} already exists; pass --force to overwrite it or choose another ${flag}`);
  };
  check();
  const dir = path.dirname(path.resolve(writeTarget(file, flag)));
  const made = !fs.existsSync(dir);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(describeFsError(e, dir, 'create'));
  }
  const lock = outputLockFile(file);
  acquireLock(lock, file, flag, o.verb);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    releaseLock(lock);
    // a verb that failed before writing leaves no folder it made
    if (made) removeIfEmpty(dir);
  };
  try {
    check();
    removeStaleTempFiles(dir, path.basename(writeTarget(file, flag)));
  } catch (e) {
    release();
    throw e;
  }
  return { check, release };
}
