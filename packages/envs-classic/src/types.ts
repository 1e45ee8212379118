import type { Box, Space } from './spaces.js';

/** A discrete action is an integer; a Box action an array or Float32Array. */
export type Action = number | ArrayLike<number>;

/**
 * An observation: float32 for classic control (Gymnasium's float32 Box), float64 for MuJoCo
 * (Gymnasium's MuJoCo envs return float64, and float32 would not keep their values).
 */
export type Observation = Float32Array | Float64Array;

/** Free-form per-step information; reward terms are named here (`reward_forward`, ...). */
export type Info = Record<string, unknown>;

/** What `reset` takes, as Gymnasium's `reset(seed=..., options=...)`. */
export interface ResetOptions {
  /** Reseeds the env's generator (Gymnasium's `reset(seed=...)`); without it the stream continues. */
  seed?: number;
  /**
   * Env-specific reset options, as Gymnasium's `reset(options=...)`: the classic envs take
   * `low`/`high` (CartPole, MountainCar, MountainCarContinuous, Acrobot) or `x_init`/`y_init` (Pendulum).
   */
  options?: Record<string, unknown>;
}

/** What `reset` returns: the first observation and an info object. */
export interface ResetResult {
  observation: Observation;
  info: Info;
}

/** What `step` returns, as Gymnasium's `(observation, reward, terminated, truncated, info)`. */
export interface StepResult {
  observation: Observation;
  reward: number;
  /** The MDP reached a terminal state (pole fell, robot unhealthy, goal reached). */
  terminated: boolean;
  /** The episode was cut by the time limit (Gymnasium's TimeLimit), not by the MDP. */
  truncated: boolean;
  info: Info;
}

/** What `make` knows about an id (Gymnasium's EnvSpec). */
export interface EnvSpec {
  id: string;
  /** Time limit applied by the env itself (Gymnasium's `max_episode_steps`). */
  maxEpisodeSteps: number;
  /** Gymnasium's reward threshold, where it defines one. */
  rewardThreshold?: number;
  /** Where the env comes from: `@mgail/envs-classic`, `@mgail/envs-mujoco-wasm`, a user module. */
  entryPoint?: string;
  /** Options the env was made with. */
  kwargs?: Record<string, unknown>;
}

/**
 * The environment contract every env in the library follows (Gymnasium's `Env`, with the
 * TimeLimit wrapper built in). Methods may return Promises only where noted by an env package
 * (MuJoCo's `make`); `reset` and `step` are synchronous.
 */
export interface Env {
  readonly spec: EnvSpec;
  readonly observationSpace: Box;
  readonly actionSpace: Space;
  reset(options?: ResetOptions): ResetResult;
  step(action: Action): StepResult;
  /** Frees native resources (MuJoCo); a no-op for pure-JS envs. */
  close(): void;
  /**
   * Whether the episode terminates on reaching a state with this observation: the env's own
   * termination rule, read from the observation. Model-based learners need it for the steps they
   * imagine (MBPO's termination functions); absent where the observation does not determine it.
   */
  terminatesAt?(observation: ArrayLike<number>): boolean;
}

/** An env whose internal state can be set directly (Gymnasium's `env.unwrapped.state = ...`). */
export interface StatefulEnv extends Env {
  /** Sets the internal state and returns the observation it produces. */
  setState(state: ArrayLike<number>): Float32Array;
  /** The internal state (a copy). */
  getState(): Float64Array;
}
