import fs from 'node:fs';
import path from 'node:path';
import type { TensorData, WeightArray } from './variables.js';

/**
 * Run bookkeeping shared by every trainer: run directories named
 * `runs/{env}__{algo}__{seed}__{time}/`, atomic file writes, namespaced metrics as JSONL and
 * CSV, and a throttled progress line. No tensors here: it only touches the file system.
 */

let tmpCounter = 0;

/** Writes `data` to `file` so readers never see a partial file: temp file in the same folder, fsync, rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
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
    throw new Error(`cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
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
    if (opts.resumeFromStep !== undefined) this.truncateAfter(opts.resumeFromStep);
    if (!fs.existsSync(this.csvPath)) fs.writeFileSync(this.csvPath, 'step,wall_time,metric,value\n');
    if (!fs.existsSync(this.jsonlPath)) fs.writeFileSync(this.jsonlPath, '');
  }

  log(step: number, metrics: MetricValues): void {
    const wall = Date.now() / 1000;
    const clean: MetricValues = {};
    for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number') clean[k] = v;
    fs.appendFileSync(this.jsonlPath, JSON.stringify({ step, wall_time: wall, ...clean }) + '\n');
    const rows = Object.entries(clean).map(([k, v]) => `${step},${wall.toFixed(3)},${k},${Number.isFinite(v) ? v : String(v)}`);
    if (rows.length) fs.appendFileSync(this.csvPath, rows.join('\n') + '\n');
  }

  /** All rows logged so far (for plots and summaries). */
  read(): Array<{ step: number; wall_time: number } & MetricValues> {
    if (!fs.existsSync(this.jsonlPath)) return [];
    return readMetricsJsonl(this.jsonlPath);
  }

  private truncateAfter(step: number): void {
    if (fs.existsSync(this.jsonlPath)) {
      const keep = readMetricsJsonl(this.jsonlPath).filter((r) => r.step <= step);
      writeFileAtomic(this.jsonlPath, keep.map((r) => JSON.stringify(r)).join('\n') + (keep.length ? '\n' : ''));
    }
    if (fs.existsSync(this.csvPath)) {
      const lines = completeLines(fs.readFileSync(this.csvPath, 'utf8'));
      const keep = lines.slice(1).filter((l) => l.split(',').length === 4 && Number(l.split(',')[0]) <= step);
      writeFileAtomic(this.csvPath, [lines[0] ?? 'step,wall_time,metric,value', ...keep].join('\n') + '\n');
    }
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
  for (const line of completeLines(fs.readFileSync(file, 'utf8'))) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a partial line at the end of a killed run
    }
  }
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
 * complete files. Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const f of fs.readdirSync(dir)) {
    const m = /^\.(.+)\.(\d+)\.\d+\.tmp$/.exec(f);
    if (!m || Number(m[2]) === process.pid) continue;
    fs.rmSync(path.join(dir, f), { force: true });
    removed.push(f);
  }
  return removed;
}
