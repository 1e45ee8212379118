import { Rng } from './rng.js';
import { checkAction, INSPECT, type Box, type Space } from './spaces.js';
import type { Action, EnvSpec, Info, ResetOptions, ResetResult, StatefulEnv, StepResult } from './types.js';

/** What one transition of the unwrapped dynamics produces (Gymnasium's `env.unwrapped.step`). */
export interface Transition {
  reward: number;
  terminated: boolean;
  info?: Info;
}

/**
 * Shared machinery of the classic-control envs: seeding, Gymnasium's OrderEnforcing (no step
 * before reset) and TimeLimit (truncated once `maxEpisodeSteps` steps have been taken, even on
 * the step that also terminates), and the float64 state / float32 observation split.
 *
 * Subclasses implement the dynamics exactly as the Gymnasium source does.
 */
export abstract class ClassicControlEnv implements StatefulEnv {
  readonly spec: EnvSpec;
  abstract readonly observationSpace: Box;
  abstract readonly actionSpace: Space;
  /** The env's generator; reseeded by `reset({ seed })` (Gymnasium's `np_random`). */
  protected rng: Rng;
  /** Gymnasium's `self.state`, in float64 like numpy. */
  protected state: Float64Array;
  private elapsedSteps = 0;
  private needsReset = true;

  /** As Gymnasium prints an env: `CartPoleEnv<CartPole-v1>`. */
  toString(): string {
    return `${this.constructor.name}<${this.spec.id}>`;
  }

  [INSPECT](): string {
    return this.toString();
  }

  protected constructor(spec: EnvSpec, stateSize: number) {
    if (!Number.isInteger(spec.maxEpisodeSteps) || spec.maxEpisodeSteps <= 0) {
      throw new Error(`${spec.id}: maxEpisodeSteps must be a positive integer, got ${spec.maxEpisodeSteps}`);
    }
    this.spec = spec;
    this.state = new Float64Array(stateSize);
    // Gymnasium seeds from OS entropy when no seed is given; the library never uses hidden
    // randomness, so an unseeded env starts from seed 0 (pass reset({ seed }) to choose).
    this.rng = new Rng(0);
  }

  get id(): string {
    return this.spec.id;
  }

  /** Steps taken since the last reset (Gymnasium's `TimeLimit._elapsed_steps`). */
  get elapsed(): number {
    return this.elapsedSteps;
  }

  reset(options: ResetOptions = {}): ResetResult {
    const { seed } = options;
    if (seed !== undefined) {
      if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) {
        throw new Error(`${this.id}: reset seed must be a non-negative integer, got ${String(seed)}`);
      }
      this.rng = new Rng(seed);
    }
    this.resetState(this.rng, options.options);
    this.elapsedSteps = 0;
    this.needsReset = false;
    return { observation: this.observe(), info: {} };
  }

  step(action: Action): StepResult {
    if (this.needsReset) {
      throw new Error(`${this.id}: step() called before reset(); call env.reset() first`);
    }
    const a = checkAction(this.id, this.actionSpace, action);
    const tr = this.transition(a);
    this.elapsedSteps++;
    return {
      observation: this.observe(),
      reward: tr.reward,
      terminated: tr.terminated,
      truncated: this.elapsedSteps >= this.spec.maxEpisodeSteps,
      info: tr.info ?? {},
    };
  }

  /**
   * Sets Gymnasium's internal `state` (`env.unwrapped.state = ...`) and returns its observation.
   * The time-limit counter is left alone, as in Gymnasium; `reset()` restarts it.
   */
  setState(state: ArrayLike<number>): Float32Array {
    if (state == null || typeof state.length !== 'number' || state.length !== this.state.length) {
      throw new Error(`${this.id}: setState expects ${this.state.length} numbers (${this.stateNames().join(', ')}), got ${state == null ? String(state) : `length ${state.length}`}`);
    }
    for (let i = 0; i < state.length; i++) {
      if (typeof state[i] !== 'number' || Number.isNaN(state[i])) {
        throw new Error(`${this.id}: setState value ${this.stateNames()[i]} is ${String(state[i])}; expected a number`);
      }
    }
    this.state.set(state);
    this.needsReset = false;
    this.afterSetState();
    return this.observe();
  }

  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  close(): void {}

  /** Names of the state entries, in order (for error messages). */
  protected abstract stateNames(): string[];
  /** Draws the initial state from `rng` (Gymnasium's `reset` body after `super().reset(seed)`). */
  protected abstract resetState(rng: Rng, options: Record<string, unknown> | undefined): void;
  /** One step of the dynamics on the validated action. */
  protected abstract transition(action: number | Float64Array): Transition;
  /** The observation of the current state, cast to float32 as Gymnasium does. */
  protected abstract observe(): Float32Array;
  /** Hook for envs with bookkeeping beyond `state`. */
  protected afterSetState(): void {}
}

/**
 * Gymnasium's `utils.maybe_parse_reset_bounds`: reads `low`/`high` from reset options,
 * falling back to the env's defaults.
 */
export function parseResetBounds(
  envId: string,
  options: Record<string, unknown> | undefined,
  defaultLow: number,
  defaultHigh: number,
): [number, number] {
  if (options == null) return [defaultLow, defaultHigh];
  checkOptionKeys(envId, options, ['low', 'high']);
  const low = 'low' in options ? toNumber(envId, 'low', options.low) : defaultLow;
  const high = 'high' in options ? toNumber(envId, 'high', options.high) : defaultHigh;
  if (low > high) throw new Error(`${envId}: reset option low=${low} is greater than high=${high}`);
  return [low, high];
}

export function checkOptionKeys(envId: string, options: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k)) {
      throw new Error(`${envId}: unknown reset option "${k}"; valid reset options: ${allowed.join(', ')}`);
    }
  }
}

/** Gymnasium's `utils.verify_number_and_cast`. */
export function toNumber(envId: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${envId}: option ${name} must be a finite number, got ${JSON.stringify(v) ?? String(v)}`);
  }
  return v;
}

export function toBool(envId: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error(`${envId}: option ${name} must be true or false, got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

/** numpy's `np.remainder` / Python's `%` on floats: the result takes the divisor's sign. */
export function pyMod(a: number, b: number): number {
  let r = a % b;
  if (r !== 0 && r < 0 !== b < 0) r += b;
  return r;
}

/** Float32 bounds, as `np.array([...], dtype=np.float32)`. */
export function f32(values: number[]): Float32Array {
  return Float32Array.from(values);
}

/** Options every env constructor and `make` accept besides the env's own keyword arguments. */
export interface CommonEnvOptions {
  /** Overrides the registered time limit (Gymnasium's `max_episode_steps`). */
  maxEpisodeSteps?: number;
  /** Accepted for Gymnasium compatibility and ignored: these envs do not render. */
  renderMode?: string | null;
}

/**
 * Validates constructor options against the env's keyword arguments and builds its spec.
 * Unknown keys are errors, so a misspelt option never silently does nothing.
 */
export function resolveEnvOptions<K extends Record<string, unknown>>(
  base: { id: string; maxEpisodeSteps: number; rewardThreshold?: number },
  options: Record<string, unknown> | undefined,
  kwargDefaults: K,
): { spec: EnvSpec; kwargs: K } {
  const id = base.id;
  const opts = options ?? {};
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new Error(`${id}: options must be an object, got ${JSON.stringify(opts)}`);
  }
  const valid = ['maxEpisodeSteps', 'renderMode', ...Object.keys(kwargDefaults)];
  for (const k of Object.keys(opts)) {
    if (!valid.includes(k)) throw new Error(`${id}: unknown option "${k}"; valid options: ${valid.join(', ')}`);
  }
  let maxEpisodeSteps = base.maxEpisodeSteps;
  if (opts.maxEpisodeSteps !== undefined) {
    const m = opts.maxEpisodeSteps;
    if (typeof m !== 'number' || !Number.isInteger(m) || m <= 0) {
      throw new Error(`${id}: option maxEpisodeSteps must be a positive integer, got ${JSON.stringify(m) ?? String(m)}`);
    }
    maxEpisodeSteps = m;
  }
  if (opts.renderMode !== undefined && opts.renderMode !== null && typeof opts.renderMode !== 'string') {
    throw new Error(`${id}: option renderMode must be a string or null, got ${JSON.stringify(opts.renderMode)}`);
  }
  const kwargs = { ...kwargDefaults } as Record<string, unknown>;
  for (const k of Object.keys(kwargDefaults)) {
    if (opts[k] === undefined) continue;
    const expected = typeof kwargDefaults[k];
    if (typeof opts[k] !== expected || (expected === 'number' && !Number.isFinite(opts[k] as number))) {
      throw new Error(`${id}: option ${k} must be a ${expected === 'number' ? 'finite number' : expected}, got ${JSON.stringify(opts[k]) ?? String(opts[k])}`);
    }
    kwargs[k] = opts[k];
  }
  const spec: EnvSpec = { id, maxEpisodeSteps, entryPoint: '@mgail/envs-classic', kwargs: { ...kwargs } };
  if (base.rewardThreshold !== undefined) spec.rewardThreshold = base.rewardThreshold;
  return { spec, kwargs: kwargs as K };
}
