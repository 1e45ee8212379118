import { make } from './registry.js';
import { describeSpace, flatDim, INSPECT, spacesEqual, type Box, type Space } from './spaces.js';
import type { Env, Info, Observation } from './types.js';
import { EpisodeStatistics, type EpisodeRecord } from './wrappers.js';

/**
 * When a sub-env's episode ends (Gymnasium 1.x `AutoresetMode`):
 * - `'next-step'` (Gymnasium's default): the step that ends it returns the terminal observation;
 *   the next `step` resets that env instead of stepping it (its action is ignored, reward 0,
 *   terminated/truncated false).
 * - `'same-step'`: the env is reset within the step that ends it; `observations` holds the
 *   reset observation and `finalObservations[i]` the terminal one (what PPO/TRPO bootstrap from).
 */
export type AutoresetMode = 'next-step' | 'same-step';

/** How a `SyncVectorEnv` resets finished sub-envs and how many episode records it keeps. */
export interface VectorEnvOptions {
  autoresetMode?: AutoresetMode;
  /** How many finished episodes `episodeStatistics` keeps (default 100). */
  statsBufferLength?: number;
}

/** The infos of a vector reset or step: each sub-env's own, and the episodes that just ended. */
export interface VectorInfos {
  /** Each sub-env's own info object of this step or reset. */
  perEnv: Info[];
  /** Episodes that finished on this step, with the sub-env index (RecordEpisodeStatistics). */
  episodes: EpisodeRecord[];
}

/** What `SyncVectorEnv.reset` returns. */
export interface VectorResetResult {
  /** `numEnvs * obsDim` values, env-major. */
  observations: Float32Array;
  infos: VectorInfos;
}

/** What `SyncVectorEnv.step` returns: per-sub-env arrays, env-major. */
export interface VectorStepResult {
  observations: Float32Array;
  rewards: Float32Array;
  /** 1 where the sub-env's MDP terminated on this step. */
  terminated: Uint8Array;
  /** 1 where the sub-env hit its time limit on this step. */
  truncated: Uint8Array;
  infos: VectorInfos;
  /**
   * The terminal observation of each sub-env whose episode ended on this step, else null.
   * In `'same-step'` mode it differs from `observations` (which holds the reset); in
   * `'next-step'` mode it is a copy of the same values.
   */
  finalObservations: (Float32Array | null)[];
}

/** One action per sub-env: a flat env-major array, or one array per sub-env. */
export type VectorActions = ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/**
 * Steps `numEnvs` copies of an env one after the other, with auto-reset and batched
 * float32 outputs (Gymnasium's `SyncVectorEnv`, plus RecordEpisodeStatistics built in).
 */
export class SyncVectorEnv {
  readonly numEnvs: number;
  readonly envs: readonly Env[];
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Space;
  readonly autoresetMode: AutoresetMode;
  readonly obsDim: number;
  readonly actDim: number;
  /** Running and recent episode returns/lengths of the sub-envs. */
  readonly episodeStatistics: EpisodeStatistics;
  private readonly autoresetEnvs: Uint8Array;
  private readonly lastObs: Observation[];
  private started = false;
  private seeded = false;
  private closed = false;

  /** As Gymnasium prints it: `SyncVectorEnv(CartPole-v1, num_envs=4)`. */
  toString(): string {
    return `SyncVectorEnv(${this.envs[0]?.spec?.id ?? '?'}, num_envs=${this.numEnvs})`;
  }

  [INSPECT](): string {
    return this.toString();
  }

  constructor(numEnvs: number, factory: (index: number) => Env, options: VectorEnvOptions = {}) {
    if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new Error(`SyncVectorEnv: numEnvs must be a positive integer, got ${numEnvs}`);
    if (typeof factory !== 'function') throw new Error('SyncVectorEnv: factory must be a function (index) => Env');
    const mode = options.autoresetMode ?? 'next-step';
    if (mode !== 'next-step' && mode !== 'same-step') {
      throw new Error(`SyncVectorEnv: autoresetMode must be 'next-step' or 'same-step', got ${JSON.stringify(mode)}`);
    }
    this.autoresetMode = mode;
    this.numEnvs = numEnvs;
    const envs: Env[] = [];
    for (let i = 0; i < numEnvs; i++) envs.push(factory(i));
    this.envs = envs;
    this.singleObservationSpace = envs[0].observationSpace;
    this.singleActionSpace = envs[0].actionSpace;
    for (let i = 1; i < numEnvs; i++) {
      if (!spacesEqual(envs[i].observationSpace, this.singleObservationSpace) || !spacesEqual(envs[i].actionSpace, this.singleActionSpace)) {
        throw new Error(
          `SyncVectorEnv: env ${i} has spaces ${describeSpace(envs[i].observationSpace)} / ${describeSpace(envs[i].actionSpace)}, ` +
            `env 0 has ${describeSpace(this.singleObservationSpace)} / ${describeSpace(this.singleActionSpace)}; all sub-envs must match`,
        );
      }
    }
    this.obsDim = flatDim(this.singleObservationSpace);
    this.actDim = flatDim(this.singleActionSpace);
    this.autoresetEnvs = new Uint8Array(numEnvs);
    this.lastObs = new Array(numEnvs);
    this.episodeStatistics = new EpisodeStatistics(numEnvs, options.statsBufferLength ?? 100);
  }

  /** The id of the sub-envs. */
  get id(): string {
    return this.envs[0].spec.id;
  }

  /**
   * Resets every sub-env. `seed` n seeds env i with n + i (an array gives each its own seed);
   * the first reset without a seed uses 0 + i so the copies never share a stream.
   */
  reset(options: { seed?: number | number[]; options?: Record<string, unknown> } = {}): VectorResetResult {
    this.assertOpen();
    let seeds: (number | undefined)[];
    const { seed } = options;
    if (Array.isArray(seed)) {
      if (seed.length !== this.numEnvs) throw new Error(`SyncVectorEnv: reset got ${seed.length} seeds for ${this.numEnvs} envs`);
      seeds = seed;
    } else if (seed !== undefined) {
      if (!Number.isInteger(seed) || seed < 0) throw new Error(`SyncVectorEnv: reset seed must be a non-negative integer, got ${seed}`);
      seeds = this.envs.map((_, i) => seed + i);
    } else {
      seeds = this.envs.map((_, i) => (this.seeded ? undefined : i));
    }
    this.seeded = true;
    const observations = new Float32Array(this.numEnvs * this.obsDim);
    const perEnv: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const r = this.envs[i].reset({ seed: seeds[i], options: options.options });
      this.lastObs[i] = r.observation;
      observations.set(r.observation, i * this.obsDim);
      perEnv.push(r.info);
    }
    this.autoresetEnvs.fill(0);
    this.episodeStatistics.resetEnv();
    this.started = true;
    return { observations, infos: { perEnv, episodes: [] } };
  }

  /**
   * Steps every sub-env with its slice of `actions`: `numEnvs * actDim` numbers env-major
   * (Int32Array / Float32Array / number[]), or one action per env.
   */
  step(actions: VectorActions): VectorStepResult {
    this.assertOpen();
    if (!this.started) throw new Error(`SyncVectorEnv(${this.id}): step() called before reset(); call reset() first`);
    const n = this.numEnvs;
    const perEnvActions = this.splitActions(actions);
    const observations = new Float32Array(n * this.obsDim);
    const rewards = new Float32Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const finalObservations: (Float32Array | null)[] = new Array(n).fill(null);
    const perEnv: Info[] = new Array(n);
    const episodes: EpisodeRecord[] = [];

    for (let i = 0; i < n; i++) {
      const env = this.envs[i];
      if (this.autoresetMode === 'next-step' && this.autoresetEnvs[i]) {
        const r = env.reset();
        this.lastObs[i] = r.observation;
        perEnv[i] = r.info;
        this.autoresetEnvs[i] = 0;
      } else {
        let r;
        try {
          r = env.step(perEnvActions[i]);
        } catch (err) {
          throw new Error(`SyncVectorEnv: env ${i}: ${(err as Error)?.message ?? err}`);
        }
        rewards[i] = r.reward;
        const done = r.terminated || r.truncated;
        terminated[i] = r.terminated ? 1 : 0;
        truncated[i] = r.truncated ? 1 : 0;
        perEnv[i] = r.info;
        const ep = this.episodeStatistics.record(i, r.reward, done);
        if (ep) episodes.push(ep);
        if (done) {
          finalObservations[i] = Float32Array.from(r.observation);
          if (this.autoresetMode === 'same-step') {
            const rr = env.reset();
            this.lastObs[i] = rr.observation;
            perEnv[i] = { ...rr.info, finalInfo: r.info };
          } else {
            this.lastObs[i] = r.observation;
            this.autoresetEnvs[i] = 1;
          }
        } else {
          this.lastObs[i] = r.observation;
        }
      }
      observations.set(this.lastObs[i], i * this.obsDim);
    }
    return { observations, rewards, terminated, truncated, infos: { perEnv, episodes }, finalObservations };
  }

  close(): void {
    if (this.closed) return;
    for (const e of this.envs) e.close();
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`SyncVectorEnv(${this.id}): the vector env is closed`);
  }

  private splitActions(actions: VectorActions): (number | ArrayLike<number>)[] {
    const n = this.numEnvs;
    const d = this.actDim;
    const discrete = this.singleActionSpace.kind === 'discrete';
    if (actions == null || typeof (actions as ArrayLike<unknown>).length !== 'number') {
      throw new Error(`SyncVectorEnv(${this.id}): actions must be an array of ${n * d} numbers (numEnvs * actDim), got ${String(actions)}`);
    }
    const len = (actions as ArrayLike<unknown>).length;
    const out: (number | ArrayLike<number>)[] = new Array(n);
    if (len === n && typeof (actions as ArrayLike<unknown>)[0] === 'object' && (actions as ArrayLike<unknown>)[0] !== null) {
      // One action per env.
      const per = actions as ArrayLike<ArrayLike<number>>;
      for (let i = 0; i < n; i++) out[i] = discrete && per[i].length === 1 ? per[i][0] : per[i];
      return out;
    }
    if (len !== n * d) {
      throw new Error(`SyncVectorEnv(${this.id}): actions have length ${len}, expected ${n * d} (numEnvs ${n} * action size ${d})`);
    }
    const flat = actions as ArrayLike<number>;
    for (let i = 0; i < n; i++) {
      if (discrete) out[i] = flat[i];
      else if (ArrayBuffer.isView(flat)) out[i] = (flat as unknown as Float32Array).subarray(i * d, (i + 1) * d);
      else out[i] = Array.prototype.slice.call(flat, i * d, (i + 1) * d) as number[];
    }
    return out;
  }
}

/** `numEnvs` copies of a registered env in a `SyncVectorEnv` (Gymnasium's `make_vec(..., "sync")`). */
export function makeVec(id: string, numEnvs: number, options: Record<string, unknown> & VectorEnvOptions = {}): SyncVectorEnv {
  const { autoresetMode, statsBufferLength, ...envOptions } = options;
  return new SyncVectorEnv(numEnvs, () => make(id, envOptions), { autoresetMode, statsBufferLength });
}
