import { Box, INSPECT, Rng, checkAction } from '@mgail/envs-classic';
import type { EnvSpec, Info, ResetOptions } from '@mgail/envs-classic';
import path from 'node:path';
import { ASSETS_DIR, readXmlFile } from './assets.js';
import { checkModelXml, loadMujoco, MJ_NWARNING, MJ_WARNINGS, MujocoXmlError } from './binding.js';
import type { MjData, MjModel, Mujoco } from './binding.js';
import type { OptionSchema } from './options.js';

/** What `reset` returns. Observations are float64, as Gymnasium's MuJoCo envs return them. */
export interface MujocoResetResult {
  observation: Float64Array;
  info: Info;
}

/** What `step` returns (Gymnasium's 5-tuple, TimeLimit included). */
export interface MujocoStepResult {
  observation: Float64Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

/** `getState()`: copies of `data.qpos` and `data.qvel`. */
export interface MujocoState {
  qpos: Float64Array;
  qvel: Float64Array;
}

/** A named entry of `info`; `size` > 1 is returned as a Float64Array (Humanoid's tendons). */
export interface InfoField {
  readonly name: string;
  readonly size: number;
}

/** Options every MuJoCo env accepts (Gymnasium's `MujocoEnv` arguments plus `max_episode_steps`). */
export interface CommonOptions {
  /** Model file: a bundled model's name, or a path starting with "." or "/" (Gymnasium's rule). */
  xmlFile?: string;
  /** MuJoCo steps per env step; `dt = timestep * frameSkip`. */
  frameSkip?: number;
  /** Scale of the reset noise. */
  resetNoiseScale?: number;
  /** Drop the root's x (and y) position from the observation. */
  excludeCurrentPositionsFromObservation?: boolean;
  /** TimeLimit (`gymnasium.make(..., max_episode_steps=)`); default 1000. */
  maxEpisodeSteps?: number;
}

/**
 * A compiled model shared by one or more envs (a vector env shares one model across its N
 * `MjData`). Reference counted: the last env to close deletes it.
 */
export class SharedModel {
  readonly mj: Mujoco;
  readonly model: MjModel;
  /** Absolute path of the XML file. */
  readonly file: string;
  readonly timestep: number;
  private refs = 0;

  constructor(mj: Mujoco, model: MjModel, file: string) {
    this.mj = mj;
    this.model = model;
    this.file = file;
    this.timestep = mj.timestep(model);
  }

  /** Loads the module (once per thread) and compiles `xmlFile` (Gymnasium's path rule). */
  static async load(envId: string, xmlFile: string): Promise<SharedModel> {
    const mj = await loadMujoco();
    const { file, xml } = readXmlFile(envId, xmlFile);
    // a model MuJoCo refuses leaks heap in the module that read it: try others' XML elsewhere first
    if (!path.resolve(file).startsWith(path.resolve(ASSETS_DIR))) {
      try {
        await checkModelXml(xml, file);
      } catch (e) {
        throw SharedModel.xmlError(envId, xmlFile, e);
      }
    }
    return SharedModel.loadWith(mj, envId, xmlFile);
  }

  private static xmlError(envId: string, xmlFile: string, e: unknown): unknown {
    if (!(e instanceof MujocoXmlError)) return e;
    const err = new Error(`${envId}: ${e.message} (option xmlFile ${JSON.stringify(xmlFile)})`, { cause: e });
    err.name = 'MujocoXmlError';
    return err;
  }

  static loadWith(mj: Mujoco, envId: string, xmlFile: string): SharedModel {
    const { file, xml } = readXmlFile(envId, xmlFile);
    try {
      return new SharedModel(mj, mj.loadModel(xml, file), file);
    } catch (e) {
      throw SharedModel.xmlError(envId, xmlFile, e);
    }
  }

  /** @internal */
  acquire(): void {
    if (this.refs < 0) throw new Error(`model ${this.file} was already freed`);
    this.refs++;
  }

  /** Deletes the model if no env took it (a constructor threw). */
  disposeIfUnused(): void {
    if (this.refs === 0) {
      this.model.delete();
      this.refs = -1;
    }
  }

  /** @internal */
  release(): void {
    if (--this.refs === 0) {
      this.model.delete();
      this.refs = -1;
    }
  }
}

/** Gymnasium's info dict from numbers laid out as `fields` (the first `count` of them). */
export function buildInfo(fields: readonly InfoField[], count: number, values: Float64Array, off: number): Info {
  const info: Info = {};
  let k = off;
  for (let i = 0; i < count; i++) {
    const f = fields[i];
    info[f.name] = f.size === 1 ? values[k] : values.slice(k, k + f.size);
    k += f.size;
  }
  return info;
}

/** `info.diverged` / `info.warning` for a warning code (see `MujocoEnv.lastWarning`). */
export function addWarningInfo(info: Info, code: number): Info {
  if (code >= 0) {
    if (isFatalWarning(code)) info.diverged = true;
    info.warning = warningName(code);
  }
  return info;
}

/** `lastWarning` when the observation is not finite although MuJoCo raised no warning. */
export const WARN_NONFINITE = MJ_NWARNING;
/** MuJoCo warnings after which the state is garbage (MuJoCo reset it): the episode ends. */
const FATAL = [4, 5, 6]; // mjWARN_BADQPOS, mjWARN_BADQVEL, mjWARN_BADQACC
/** Warnings worth surfacing that leave the simulation running. */
const NONFATAL = [1, 2, 7]; // mjWARN_CONTACTFULL, mjWARN_CNSTRFULL, mjWARN_BADCTRL

/** The name of a warning code from `lastWarning`. */
export function warningName(code: number): string {
  return code === WARN_NONFINITE ? 'non-finite observation' : MJ_WARNINGS[code];
}
export function isFatalWarning(code: number): boolean {
  return code === WARN_NONFINITE || FATAL.includes(code);
}

export interface MujocoEnvInit {
  id: string;
  shared: SharedModel;
  frameSkip: number;
  obsDim: number;
  maxEpisodeSteps: number;
  rewardThreshold?: number;
  kwargs: Record<string, unknown>;
  infoFields: readonly InfoField[];
  /** How many of `infoFields` (a prefix) `reset` reports (Gymnasium's `_get_reset_info`). */
  resetInfoCount: number;
}

/**
 * Gymnasium's `MujocoEnv` (mujoco_env.py) with OrderEnforcing and TimeLimit built in:
 * `reset` = mj_resetData + the env's `reset_model` (noise, set_state -> mj_forward);
 * `step` = ctrl := action, frameSkip x mj_step, one mj_rnePostConstraint, then the env's reward,
 * termination and observation from the post-step state.
 *
 * Subclasses implement the `*_v5.py` specifics. The `*Into` methods write into caller-owned
 * buffers and allocate nothing: the vector envs use them directly.
 */
export abstract class MujocoEnv {
  readonly spec: EnvSpec;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly frameSkip: number;
  /** `model.opt.timestep * frameSkip`. */
  readonly dt: number;
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly obsDim: number;
  readonly infoFields: readonly InfoField[];
  readonly resetInfoCount: number;
  /** Length of `infoValues` (sum of the field sizes). */
  readonly infoSize: number;
  /** @internal The numbers behind the last `info`, laid out as `infoFields`. */
  readonly infoValues: Float64Array;

  /** @internal Set by `stepInto`: the step ended the episode. */
  lastTerminated = false;
  /** @internal Set by `stepInto`: the time limit was reached. */
  lastTruncated = false;
  /** @internal Set by `stepInto`: -1, or the code of the warning MuJoCo raised (see `warningName`). */
  lastWarning = -1;

  protected readonly mj: Mujoco;
  protected readonly shared: SharedModel;
  protected readonly model: MjModel;
  protected data: MjData;
  /** `data.qpos` / `data.qvel` right after `mj_makeData` (Gymnasium's `init_qpos`, `init_qvel`). */
  protected readonly initQpos: Float64Array;
  protected readonly initQvel: Float64Array;
  protected rng: Rng;
  /** The validated action of the current step (float64 copy). */
  protected readonly action: Float64Array;
  /** Set by `afterStep`: the MDP reached a terminal state. */
  protected terminal = false;

  // Views on the WASM heap, re-fetched when the heap grows (see `ensureViews`).
  protected qpos: Float64Array;
  protected qvel: Float64Array;
  protected ctrl: Float64Array;
  private warnings: Int32Array | null = null;
  private warningsBefore: Int32Array | null = null;
  private viewsFetched = false;

  /** As Gymnasium prints an env: `HopperEnv<Hopper-v5>` (not the WASM handles). */
  toString(): string {
    return `${this.constructor.name}<${this.spec.id}>`;
  }

  [INSPECT](): string {
    return this.toString();
  }

  private readonly maxEpisodeSteps: number;
  private elapsedSteps = 0;
  private needsReset = true;
  private closed = false;
  private readonly scratchQpos: Float64Array;
  private readonly scratchQvel: Float64Array;

  protected constructor(init: MujocoEnvInit) {
    const { shared } = init;
    this.mj = shared.mj;
    this.shared = shared;
    this.model = shared.model;
    const m = this.model;
    this.nq = m.nq;
    this.nv = m.nv;
    this.nu = m.nu;
    if (this.nu === 0) throw new Error(`${init.id}: the model ${shared.file} has no actuators`);
    this.frameSkip = init.frameSkip;
    this.dt = shared.timestep * init.frameSkip;
    this.obsDim = init.obsDim;
    this.maxEpisodeSteps = init.maxEpisodeSteps;
    this.spec = {
      id: init.id,
      maxEpisodeSteps: init.maxEpisodeSteps,
      ...(init.rewardThreshold !== undefined ? { rewardThreshold: init.rewardThreshold } : {}),
      entryPoint: '@mgail/envs-mujoco-wasm',
      kwargs: init.kwargs,
    };
    this.infoFields = init.infoFields;
    this.resetInfoCount = init.resetInfoCount;
    this.infoSize = init.infoFields.reduce((s, f) => s + f.size, 0);
    this.infoValues = new Float64Array(this.infoSize);

    this.observationSpace = new Box(-Infinity, Infinity, [init.obsDim]);
    // mujoco_env.py _set_action_space: Box(ctrlrange as float32).
    const cr = m.actuator_ctrlrange;
    const low = new Float32Array(this.nu), high = new Float32Array(this.nu);
    for (let i = 0; i < this.nu; i++) {
      low[i] = cr[2 * i];
      high[i] = cr[2 * i + 1];
    }
    this.actionSpace = new Box(low, high);

    shared.acquire();
    try {
      this.data = this.mj.makeData(m);
    } catch (e) {
      shared.release();
      throw new Error(`${init.id}: cannot allocate MjData (the WASM heap is limited to 2 GiB; fewer envs or a smaller <size memory=...>): ${(e as Error)?.message ?? e}`, { cause: e });
    }
    this.qpos = this.data.qpos;
    this.qvel = this.data.qvel;
    this.ctrl = this.data.ctrl;
    this.initQpos = Float64Array.from(this.qpos);
    this.initQvel = Float64Array.from(this.qvel);
    this.scratchQpos = new Float64Array(this.nq);
    this.scratchQvel = new Float64Array(this.nv);
    this.action = new Float64Array(this.nu);
    this.rng = new Rng(0);
  }

  get id(): string {
    return this.spec.id;
  }

  /** Steps since the last reset (Gymnasium's `TimeLimit._elapsed_steps`). */
  get elapsed(): number {
    return this.elapsedSteps;
  }

  /** The simulation time `data.time`. */
  get time(): number {
    this.assertOpen();
    return this.data.time;
  }

  /**
   * Gymnasium's `reset(seed=...)`: reseeds the env's generator when a seed is given (an unseeded
   * env starts from seed 0: the library has no hidden randomness), then mj_resetData and the
   * env's reset noise.
   */
  reset(options: ResetOptions = {}): MujocoResetResult {
    const observation = new Float64Array(this.obsDim);
    this.resetInto(options.seed, observation, 0);
    return { observation, info: this.buildInfo(this.resetInfoCount) };
  }

  step(action: ArrayLike<number>): MujocoStepResult {
    const observation = new Float64Array(this.obsDim);
    const reward = this.stepInto(action, observation, 0);
    const info = addWarningInfo(this.buildInfo(this.infoFields.length), this.lastWarning);
    return { observation, reward, terminated: this.lastTerminated, truncated: this.lastTruncated, info };
  }

  /**
   * Gymnasium's `set_state(qpos, qvel)`: copies both in and runs mj_forward; returns the
   * observation of that state. The time-limit counter is left alone (as in Gymnasium).
   */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): Float64Array {
    this.assertOpen();
    this.checkVector('qpos', qpos, this.nq);
    this.checkVector('qvel', qvel, this.nv);
    this.ensureViews();
    this.setStateRaw(qpos, qvel);
    this.needsReset = false;
    const obs = new Float64Array(this.obsDim);
    this.writeObs(obs, 0);
    return obs;
  }

  getState(): MujocoState {
    this.assertOpen();
    this.ensureViews();
    return { qpos: Float64Array.from(this.qpos), qvel: Float64Array.from(this.qvel) };
  }

  /** Frees the MjData (and the model when no other env shares it). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.needsReset = true;
    this.data.delete();
    this.shared.release();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal `reset` writing the observation into `obs[off..]`; the info into `infoValues`. */
  resetInto(seed: number | undefined, obs: Float64Array, off: number): void {
    this.assertOpen();
    if (seed !== undefined) {
      if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) {
        throw new Error(`${this.id}: reset seed must be a non-negative integer, got ${String(seed)}`);
      }
      this.rng = new Rng(seed);
    }
    this.ensureViews();
    this.mj.resetData(this.model, this.data);
    this.resetModel(this.rng);
    this.elapsedSteps = 0;
    this.needsReset = false;
    this.lastTerminated = false;
    this.lastTruncated = false;
    this.lastWarning = -1;
    this.infoValues.fill(0);
    this.writeResetInfo(this.infoValues);
    this.writeObs(obs, off);
  }

  /**
   * @internal `step` writing the observation into `obs[off..]` and the info into `infoValues`;
   * returns the reward and sets `lastTerminated`, `lastTruncated`, `lastWarning`.
   */
  stepInto(action: ArrayLike<number>, obs: Float64Array, off: number, actionOff = -1): number {
    if (this.needsReset) {
      this.assertOpen();
      throw new Error(`${this.id}: step() called before reset(); call env.reset() first`);
    }
    if (actionOff < 0) this.readAction(action);
    else this.readActionAt(action, actionOff);
    this.ensureViews();
    const m = this.model, d = this.data, mj = this.mj;
    this.ctrl.set(this.action);

    const warn = this.warnings;
    if (warn !== null) warn.fill(0);
    else this.warningsBefore = mj.warningCounts(d);

    this.beforeStep();
    for (let i = 0; i < this.frameSkip; i++) mj.step(m, d);
    // Force-related quantities (cfrc_ext, cacc) are only computed on demand since MuJoCo 2.0.
    mj.rnePostConstraint(m, d);

    let reward = this.afterStep(this.action, this.infoValues);
    let terminated = this.terminal;
    this.writeObs(obs, off);

    let code = warn !== null ? this.warningFromView(warn) : this.warningFromCounts();
    if (code < 0) {
      for (let i = off, end = off + this.obsDim; i < end; i++) {
        if (!Number.isFinite(obs[i])) {
          code = WARN_NONFINITE;
          break;
        }
      }
    }
    this.lastWarning = code;
    if (code >= 0 && isFatalWarning(code)) {
      // MuJoCo reset the state to qpos0 mid-step; the reward terms would measure that jump.
      terminated = true;
      reward = 0;
      this.zeroRewardInfo();
    }
    this.elapsedSteps++;
    this.lastTerminated = terminated;
    this.lastTruncated = this.elapsedSteps >= this.maxEpisodeSteps;
    return reward;
  }

  /** @internal Builds Gymnasium's info dict from `infoValues` (first `count` fields). */
  buildInfo(count: number): Info {
    return buildInfo(this.infoFields, count, this.infoValues, 0);
  }

  // ------------------------------------------------------------------ subclass hooks

  /** Gymnasium's `reset_model`: draws the initial state (use `setStateRaw`). */
  /**
   * Whether the episode terminates on reaching a state with this observation: the env's health
   * rule read from the observation (`Env.terminatesAt`), for the steps a model-based learner
   * imagines. Exact wherever the observation holds what the rule reads (Hopper's note says where
   * it does not).
   */
  abstract terminatesAt(observation: ArrayLike<number>): boolean;

  protected abstract resetModel(rng: Rng): void;
  /** Gymnasium's `_get_obs`, written into `out[off .. off + obsDim)`. */
  protected abstract writeObs(out: Float64Array, off: number): void;
  /** Records what the reward needs from the pre-step state (positions). */
  protected abstract beforeStep(): void;
  /** Reward and info of the post-step state; sets `terminal`. Returns the reward. */
  protected abstract afterStep(action: Float64Array, info: Float64Array): number;
  /** Gymnasium's `_get_reset_info`, into the first `resetInfoCount` fields. */
  protected abstract writeResetInfo(info: Float64Array): void;
  /** Views beyond qpos/qvel/ctrl a subclass reads (called whenever the heap moved). */
  protected fetchViews(): void {}

  // ------------------------------------------------------------------ helpers

  /** mujoco_env.py `set_state` without argument checks. */
  protected setStateRaw(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.qpos.set(qpos);
    this.qvel.set(qvel);
    this.mj.forward(this.model, this.data);
  }

  /** `init_qpos + U(-s, s)` per coordinate, into a scratch array. */
  protected uniformQpos(rng: Rng, scale: number): Float64Array {
    const q = this.scratchQpos;
    for (let i = 0; i < this.nq; i++) q[i] = this.initQpos[i] + rng.uniform(-scale, scale);
    return q;
  }

  /** `init_qvel + U(-s, s)` (Hopper, Walker2d, Humanoid). */
  protected uniformQvel(rng: Rng, scale: number): Float64Array {
    const v = this.scratchQvel;
    for (let i = 0; i < this.nv; i++) v[i] = this.initQvel[i] + rng.uniform(-scale, scale);
    return v;
  }

  /** `init_qvel + s * N(0, 1)` (HalfCheetah, Ant). */
  protected normalQvel(rng: Rng, scale: number): Float64Array {
    const v = this.scratchQvel;
    for (let i = 0; i < this.nv; i++) v[i] = this.initQvel[i] + scale * rng.normal();
    return v;
  }

  /** Zeroes the `reward_*` info entries (used when a diverged step's reward is withheld). */
  private zeroRewardInfo(): void {
    let k = 0;
    for (const f of this.infoFields) {
      if (f.name.startsWith('reward_')) this.infoValues.fill(0, k, k + f.size);
      k += f.size;
    }
  }

  /** Re-fetches the heap views if the WASM heap grew (any allocation anywhere in this thread). */
  protected ensureViews(): void {
    if (this.viewsFetched && !this.mj.viewsStale(this.qpos)) return;
    const d = this.data;
    this.qpos = d.qpos;
    this.qvel = d.qvel;
    this.ctrl = d.ctrl;
    this.warnings = this.mj.warningView(d);
    this.fetchViews();
    this.viewsFetched = true;
  }

  /** Copies the action into `this.action`; malformed actions go through envs-classic's checkAction for its error. */
  private readAction(action: ArrayLike<number>): void {
    const a = this.action;
    if (action != null && typeof action === 'object' && action.length === a.length) {
      for (let i = 0; i < a.length; i++) {
        const v = action[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          checkAction(this.id, this.actionSpace, action); // throws, naming the entry
        }
        a[i] = v;
      }
      return;
    }
    a.set(checkAction(this.id, this.actionSpace, action) as Float64Array);
  }

  /** `action[off .. off + nu)` of a flat batch of actions (vector envs). */
  private readActionAt(flat: ArrayLike<number>, off: number): void {
    const a = this.action;
    for (let i = 0; i < a.length; i++) {
      const v = flat[off + i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        checkAction(this.id, this.actionSpace, Array.prototype.slice.call(flat, off, off + a.length));
      }
      a[i] = v;
    }
  }

  private warningFromView(w: Int32Array): number {
    for (const i of FATAL) if (w[2 * i + 1] !== 0) return i;
    for (const i of NONFATAL) if (w[2 * i + 1] !== 0) return i;
    return -1;
  }

  /** Fallback for bindings without a warning view: compare the counters around the step. */
  private warningFromCounts(): number {
    const before = this.warningsBefore!;
    const after = this.mj.warningCounts(this.data);
    for (const i of FATAL) if (after[i] !== before[i]) return i;
    for (const i of NONFATAL) if (after[i] !== before[i]) return i;
    return -1;
  }

  private checkVector(name: string, v: ArrayLike<number>, n: number): void {
    if (v == null || typeof v.length !== 'number' || v.length !== n) {
      throw new Error(`${this.id}: setState ${name} must have length ${n} (model nq=${this.nq}, nv=${this.nv}), got ${v == null ? String(v) : `length ${v.length}`}`);
    }
    for (let i = 0; i < n; i++) {
      if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw new Error(`${this.id}: setState ${name}[${i}] is ${String(v[i])}; expected a finite number`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.id}: the env is closed`);
  }
}

/** How `make` builds a built-in env: its option schema and a constructor on a compiled model. */
export interface EnvDefinition {
  readonly id: string;
  readonly rewardThreshold?: number;
  readonly schema: OptionSchema;
  /** Options earlier versions had, with the message that explains what replaced them. */
  readonly removed?: Readonly<Record<string, string>>;
  /** One env on `shared`; `options` are parsed (defaults filled), `kwargs` what the caller passed. */
  construct(shared: SharedModel, options: Record<string, unknown>, kwargs: Record<string, unknown>): MujocoEnv;
}
