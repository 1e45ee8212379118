import { INSPECT, type Space, type Box } from './spaces.js';
import type { Action, Env, EnvSpec, ResetOptions, ResetResult, StepResult } from './types.js';

/** One finished episode: its undiscounted return and its length in steps. */
export interface EpisodeRecord {
  /** Which env of a vector env it ran in (0 for a single env). */
  index: number;
  return: number;
  length: number;
}

/**
 * Running per-env episode return and length (the bookkeeping of Gymnasium's
 * RecordEpisodeStatistics). Feed it every step's rewards and done flags; it returns the
 * episodes that ended on that step and keeps the last `bufferLength` of them.
 */
export class EpisodeStatistics {
  readonly returns: Float64Array;
  readonly lengths: Int32Array;
  /** The most recent finished episodes, oldest first (Gymnasium's `return_queue`/`length_queue`). */
  readonly recent: EpisodeRecord[] = [];
  /** Number of episodes finished so far. */
  episodeCount = 0;

  constructor(readonly numEnvs = 1, readonly bufferLength = 100) {
    if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new Error(`EpisodeStatistics: numEnvs must be a positive integer, got ${numEnvs}`);
    this.returns = new Float64Array(numEnvs);
    this.lengths = new Int32Array(numEnvs);
  }

  /** Forgets the running episode of env `i` (or of every env), as after a reset. */
  resetEnv(i?: number): void {
    if (i === undefined) {
      this.returns.fill(0);
      this.lengths.fill(0);
    } else {
      this.returns[i] = 0;
      this.lengths[i] = 0;
    }
  }

  /** Adds one step of env `i`; returns the finished episode when `done`. */
  record(i: number, reward: number, done: boolean): EpisodeRecord | null {
    this.returns[i] += reward;
    this.lengths[i] += 1;
    if (!done) return null;
    const ep: EpisodeRecord = { index: i, return: this.returns[i], length: this.lengths[i] };
    this.returns[i] = 0;
    this.lengths[i] = 0;
    this.episodeCount++;
    this.recent.push(ep);
    if (this.recent.length > this.bufferLength) this.recent.shift();
    return ep;
  }

  /** Mean return of the recent episodes (NaN when none finished yet). */
  meanReturn(): number {
    return this.recent.length ? this.recent.reduce((a, e) => a + e.return, 0) / this.recent.length : NaN;
  }

  meanLength(): number {
    return this.recent.length ? this.recent.reduce((a, e) => a + e.length, 0) / this.recent.length : NaN;
  }
}

/** Forwards everything to an inner env; the base of the wrappers below. */
export class Wrapper implements Env {
  constructor(readonly env: Env) {}
  get spec(): EnvSpec {
    return this.env.spec;
  }
  get observationSpace(): Box {
    return this.env.observationSpace;
  }
  get actionSpace(): Space {
    return this.env.actionSpace;
  }
  reset(options?: ResetOptions): ResetResult {
    return this.env.reset(options);
  }
  step(action: Action): StepResult {
    return this.env.step(action);
  }
  close(): void {
    this.env.close();
  }
  get terminatesAt(): ((observation: ArrayLike<number>) => boolean) | undefined {
    return this.env.terminatesAt?.bind(this.env);
  }
  /** As Gymnasium prints a wrapper: `RecordEpisodeStatistics<CartPoleEnv<CartPole-v1>>`. */
  toString(): string {
    return `${this.constructor.name}<${envString(this.env)}>`;
  }
  [INSPECT](): string {
    return this.toString();
  }
}

/** An env's `toString()` when it has its own, else `ClassName<id>` (a user env printing as `[object Object]`). */
export function envString(env: Env): string {
  const own = env.toString === Object.prototype.toString ? null : String(env);
  return own ?? `${env.constructor?.name && env.constructor.name !== 'Object' ? env.constructor.name : 'Env'}<${env.spec?.id ?? '?'}>`;
}

/**
 * Gymnasium's TimeLimit, for user envs that lack one (the built-in envs apply theirs already):
 * `truncated` is true once `maxEpisodeSteps` steps were taken since the last reset.
 */
export class TimeLimit extends Wrapper {
  private elapsed = 0;
  private readonly limitSpec: EnvSpec;

  constructor(env: Env, readonly maxEpisodeSteps: number) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new Error(`TimeLimit(${env.spec?.id}): maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
    this.limitSpec = { ...env.spec, maxEpisodeSteps };
  }
  override get spec(): EnvSpec {
    return this.limitSpec;
  }
  override reset(options?: ResetOptions): ResetResult {
    this.elapsed = 0;
    return this.env.reset(options);
  }
  override step(action: Action): StepResult {
    const r = this.env.step(action);
    this.elapsed++;
    if (this.elapsed >= this.maxEpisodeSteps) return { ...r, truncated: true };
    return r;
  }
}

/**
 * Gymnasium's RecordEpisodeStatistics for one env: when an episode ends, `info.episode` holds
 * `{ index: 0, return, length }`, and `stats` keeps the recent episodes.
 */
export class RecordEpisodeStatistics extends Wrapper {
  readonly stats: EpisodeStatistics;

  constructor(env: Env, bufferLength = 100) {
    super(env);
    this.stats = new EpisodeStatistics(1, bufferLength);
  }
  override reset(options?: ResetOptions): ResetResult {
    this.stats.resetEnv(0);
    return this.env.reset(options);
  }
  override step(action: Action): StepResult {
    const r = this.env.step(action);
    const ep = this.stats.record(0, r.reward, r.terminated || r.truncated);
    return ep ? { ...r, info: { ...r.info, episode: ep } } : r;
  }
}
