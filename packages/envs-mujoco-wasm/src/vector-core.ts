/**
 * The part of a MuJoCo vector env that runs next to the physics: it steps a contiguous range of
 * sub-envs and writes raw numbers into batch buffers. `MujocoVectorEnv` runs one core over all
 * envs in-thread; `ParallelVectorEnv` runs one per worker over SharedArrayBuffers. Both turn
 * the buffers into results with `readStep`/`readReset`, so they cannot disagree.
 */
import type { EpisodeStatistics, EpisodeRecord, Info } from '@mgail/envs-classic';
import { addWarningInfo, buildInfo, type InfoField, type MujocoEnv } from './mujoco-env.js';

/** When a sub-env's episode ends (Gymnasium 1.x `AutoresetMode`, as envs-classic's SyncVectorEnv). */
export type AutoresetMode = 'next-step' | 'same-step';

/** What the batch buffers look like for one env type. */
export interface VectorLayout {
  numEnvs: number;
  obsDim: number;
  actDim: number;
  infoFields: readonly InfoField[];
  resetInfoCount: number;
  infoSize: number;
}

/** Per-env outcome of the last command, in `VectorBuffers.kind`. */
export const KIND_STEPPED = 0;
/** `'next-step'`: the env was reset instead of stepped (its episode ended on the step before). */
export const KIND_AUTORESET = 1;
/** `'same-step'`: the env was stepped, its episode ended, and it was reset within the step. */
export const KIND_STEPPED_AND_RESET = 2;
export const KIND_RESET = 3;

export interface VectorBuffers {
  actions: Float64Array;
  obs: Float64Array;
  /** Terminal observations of envs whose episode ended on this step. */
  finalObs: Float64Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  kind: Uint8Array;
  /** Info values of the step (or of the reset, for KIND_AUTORESET / KIND_RESET). */
  info: Float64Array;
  /** Info values of the reset that followed a terminal step (KIND_STEPPED_AND_RESET). */
  resetInfo: Float64Array;
  /** Warning code per env (-1: none), see `warningName`. */
  warning: Int32Array;
  /** Seeds for the next reset command; NaN = no seed. */
  seeds: Float64Array;
}

/** Allocates the buffers, on SharedArrayBuffers when `shared` (for worker threads). */
export function allocateBuffers(l: VectorLayout, shared: boolean): VectorBuffers {
  const n = l.numEnvs;
  const mk = (bytes: number) => (shared ? new SharedArrayBuffer(Math.max(8, bytes)) : new ArrayBuffer(Math.max(8, bytes)));
  return {
    actions: new Float64Array(mk(8 * n * l.actDim)),
    obs: new Float64Array(mk(8 * n * l.obsDim)),
    finalObs: new Float64Array(mk(8 * n * l.obsDim)),
    rewards: new Float64Array(mk(8 * n)),
    terminated: new Uint8Array(mk(n)),
    truncated: new Uint8Array(mk(n)),
    kind: new Uint8Array(mk(n)),
    info: new Float64Array(mk(8 * n * l.infoSize)),
    resetInfo: new Float64Array(mk(8 * n * l.infoSize)),
    warning: new Int32Array(mk(4 * n)),
    seeds: new Float64Array(mk(8 * n)),
  };
}

export function layoutOf(env: MujocoEnv, numEnvs: number): VectorLayout {
  return {
    numEnvs,
    obsDim: env.obsDim,
    actDim: env.nu,
    infoFields: env.infoFields,
    resetInfoCount: env.resetInfoCount,
    infoSize: env.infoSize,
  };
}

/** Steps sub-envs `start .. start + envs.length` of a batch. */
export class VectorCore {
  private readonly autoreset: Uint8Array;

  constructor(
    readonly envs: readonly MujocoEnv[],
    readonly start: number,
    readonly layout: VectorLayout,
    readonly mode: AutoresetMode,
  ) {
    this.autoreset = new Uint8Array(envs.length);
  }

  /** Resets every env of the range with `b.seeds` (NaN: continue the env's stream). */
  reset(b: VectorBuffers): void {
    const { obsDim, infoSize } = this.layout;
    for (let j = 0; j < this.envs.length; j++) {
      const i = this.start + j, env = this.envs[j];
      const s = b.seeds[i];
      env.resetInto(Number.isNaN(s) ? undefined : s, b.obs, i * obsDim);
      b.info.set(env.infoValues, i * infoSize);
      b.rewards[i] = 0;
      b.terminated[i] = 0;
      b.truncated[i] = 0;
      b.warning[i] = -1;
      b.kind[i] = KIND_RESET;
    }
    this.autoreset.fill(0);
  }

  /** Steps every env of the range with its slice of `b.actions`, auto-resetting per `mode`. */
  step(b: VectorBuffers): void {
    const { obsDim, actDim, infoSize } = this.layout;
    const sameStep = this.mode === 'same-step';
    for (let j = 0; j < this.envs.length; j++) {
      const i = this.start + j, env = this.envs[j], o = i * obsDim;
      if (this.autoreset[j]) {
        env.resetInto(undefined, b.obs, o);
        b.info.set(env.infoValues, i * infoSize);
        b.rewards[i] = 0;
        b.terminated[i] = 0;
        b.truncated[i] = 0;
        b.warning[i] = -1;
        b.kind[i] = KIND_AUTORESET;
        this.autoreset[j] = 0;
        continue;
      }
      let r: number;
      try {
        r = env.stepInto(b.actions, b.obs, o, i * actDim);
      } catch (err) {
        throw new Error(`env ${i}: ${(err as Error)?.message ?? err}`, { cause: err });
      }
      b.rewards[i] = r;
      b.terminated[i] = env.lastTerminated ? 1 : 0;
      b.truncated[i] = env.lastTruncated ? 1 : 0;
      b.warning[i] = env.lastWarning;
      b.info.set(env.infoValues, i * infoSize);
      b.kind[i] = KIND_STEPPED;
      if (env.lastTerminated || env.lastTruncated) {
        b.finalObs.set(b.obs.subarray(o, o + obsDim), o);
        if (sameStep) {
          env.resetInto(undefined, b.obs, o);
          b.resetInfo.set(env.infoValues, i * infoSize);
          b.kind[i] = KIND_STEPPED_AND_RESET;
        } else {
          this.autoreset[j] = 1;
        }
      }
    }
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}

/** Per-env infos plus the episodes that finished (envs-classic's `VectorInfos`). */
export interface MujocoVectorInfos {
  perEnv: Info[];
  episodes: EpisodeRecord[];
}

/** What a MuJoCo vector env's `reset` returns. */
export interface MujocoVectorResetResult {
  /** `numEnvs * obsDim` float64 values, env-major. */
  observations: Float64Array;
  infos: MujocoVectorInfos;
}

/** What a MuJoCo vector env's `step` returns: per-sub-env arrays, env-major. */
export interface MujocoVectorStepResult {
  observations: Float64Array;
  rewards: Float64Array;
  /** 1 where the sub-env's MDP terminated on this step. */
  terminated: Uint8Array;
  /** 1 where the sub-env hit its time limit on this step. */
  truncated: Uint8Array;
  infos: MujocoVectorInfos;
  /** The terminal observation of each sub-env whose episode ended on this step, else null. */
  finalObservations: (Float64Array | null)[];
}

export function readReset(l: VectorLayout, b: VectorBuffers, stats: EpisodeStatistics): MujocoVectorResetResult {
  const perEnv: Info[] = new Array(l.numEnvs);
  for (let i = 0; i < l.numEnvs; i++) perEnv[i] = buildInfo(l.infoFields, l.resetInfoCount, b.info, i * l.infoSize);
  stats.resetEnv();
  return { observations: b.obs.slice(0, l.numEnvs * l.obsDim), infos: { perEnv, episodes: [] } };
}

export function readStep(l: VectorLayout, b: VectorBuffers, stats: EpisodeStatistics): MujocoVectorStepResult {
  const n = l.numEnvs, d = l.obsDim, fields = l.infoFields, all = fields.length;
  const perEnv: Info[] = new Array(n);
  const finalObservations: (Float64Array | null)[] = new Array(n).fill(null);
  const episodes: EpisodeRecord[] = [];
  for (let i = 0; i < n; i++) {
    const k = b.kind[i], io = i * l.infoSize;
    if (k === KIND_AUTORESET) {
      perEnv[i] = buildInfo(fields, l.resetInfoCount, b.info, io);
      continue;
    }
    const stepInfo = addWarningInfo(buildInfo(fields, all, b.info, io), b.warning[i]);
    const done = b.terminated[i] === 1 || b.truncated[i] === 1;
    const ep = stats.record(i, b.rewards[i], done);
    if (ep) episodes.push(ep);
    if (done) finalObservations[i] = b.finalObs.slice(i * d, (i + 1) * d);
    perEnv[i] = k === KIND_STEPPED_AND_RESET ? { ...buildInfo(fields, l.resetInfoCount, b.resetInfo, io), finalInfo: stepInfo } : stepInfo;
  }
  return {
    observations: b.obs.slice(0, n * d),
    rewards: b.rewards.slice(0, n),
    terminated: b.terminated.slice(0, n),
    truncated: b.truncated.slice(0, n),
    infos: { perEnv, episodes },
    finalObservations,
  };
}

/** Returns `mode` when it is an `AutoresetMode`, else throws naming `what`. */
export function checkAutoresetMode(what: string, mode: unknown): AutoresetMode {
  if (mode !== 'next-step' && mode !== 'same-step') {
    throw new Error(`${what}: autoresetMode must be 'next-step' or 'same-step', got ${JSON.stringify(mode)}`);
  }
  return mode;
}

/**
 * The caller's side both vector envs share, whichever thread runs the cores: the layout and
 * buffers, episode statistics, the seeding rule across resets, the step-before-reset check and
 * the results read back from the buffers.
 */
export class VectorSession {
  private started = false;
  private seeded = false;

  constructor(
    readonly layout: VectorLayout,
    readonly buffers: VectorBuffers,
    readonly episodeStatistics: EpisodeStatistics,
  ) {}

  /** Writes a reset's seeds into the buffers, before the cores reset. */
  prepareReset(what: string, seed: number | readonly number[] | undefined): void {
    const n = this.layout.numEnvs;
    const seeds = vectorSeeds(what, n, seed, this.seeded);
    for (let i = 0; i < n; i++) this.buffers.seeds[i] = seeds[i] ?? NaN;
  }

  /** The result of a reset the cores finished. */
  finishReset(): MujocoVectorResetResult {
    this.seeded = true;
    this.started = true;
    return readReset(this.layout, this.buffers, this.episodeStatistics);
  }

  /** Checks a reset came first and writes the actions into the buffers, before the cores step. */
  prepareStep(what: string, actions: ArrayLike<number> | ArrayLike<ArrayLike<number>>): void {
    if (!this.started) throw new Error(`${what}: step() called before reset(); call reset() first`);
    writeActions(what, this.layout, actions, this.buffers.actions);
  }

  /** The result of a step the cores finished. */
  finishStep(): MujocoVectorStepResult {
    return readStep(this.layout, this.buffers, this.episodeStatistics);
  }
}

/** Seeds for a vector reset, envs-classic's rule: n -> n + i; an array per env; first unseeded reset -> i. */
export function vectorSeeds(what: string, numEnvs: number, seed: number | readonly number[] | undefined, seededBefore: boolean): (number | undefined)[] {
  if (Array.isArray(seed)) {
    if (seed.length !== numEnvs) throw new Error(`${what}: reset got ${seed.length} seeds for ${numEnvs} envs`);
    for (const s of seed) if (!Number.isInteger(s) || s < 0) throw new Error(`${what}: reset seeds must be non-negative integers, got ${s}`);
    return [...seed];
  }
  if (seed !== undefined) {
    const s = seed as number;
    if (!Number.isInteger(s) || s < 0) throw new Error(`${what}: reset seed must be a non-negative integer, got ${s}`);
    return Array.from({ length: numEnvs }, (_, i) => s + i);
  }
  return Array.from({ length: numEnvs }, (_, i) => (seededBefore ? undefined : i));
}

/**
 * Copies a batch of actions (flat `numEnvs * actDim`, or one array per env) into `out`,
 * rejecting non-finite entries before any env steps (so a bad action never leaves half the
 * batch stepped).
 */
export function writeActions(what: string, l: VectorLayout, actions: ArrayLike<number> | ArrayLike<ArrayLike<number>>, out: Float64Array): void {
  const n = l.numEnvs, d = l.actDim;
  if (actions == null || typeof (actions as ArrayLike<unknown>).length !== 'number') {
    throw new Error(`${what}: actions must be ${n * d} numbers (numEnvs * actDim) or ${n} arrays of ${d}, got ${String(actions)}`);
  }
  const len = (actions as ArrayLike<unknown>).length;
  const first = (actions as ArrayLike<unknown>)[0];
  if (len === n && typeof first === 'object' && first !== null) {
    const per = actions as ArrayLike<ArrayLike<number>>;
    for (let i = 0; i < n; i++) {
      const a = per[i];
      if (a == null || a.length !== d) throw new Error(`${what}: env ${i}: action has length ${a?.length}, expected ${d}`);
      for (let j = 0; j < d; j++) out[i * d + j] = finite(what, i, j, a[j]);
    }
    return;
  }
  if (len !== n * d) throw new Error(`${what}: actions have length ${len}, expected ${n * d} (numEnvs ${n} * action size ${d})`);
  const flat = actions as ArrayLike<number>;
  for (let k = 0; k < n * d; k++) {
    const v = flat[k];
    out[k] = typeof v === 'number' && Number.isFinite(v) ? v : finite(what, Math.floor(k / d), k % d, v);
  }
}

function finite(what: string, env: number, j: number, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${what}: env ${env}: action[${j}] is ${typeof v === 'number' ? v : JSON.stringify(v) ?? String(v)}; actions must be finite numbers`);
  }
  return v;
}
