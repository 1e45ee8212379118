export { Rng } from './rng.js';
export type { RngState } from './rng.js';
export { Box, Discrete, spaceFromJSON, flatDim, spacesEqual, describeSpace, checkAction, INSPECT } from './spaces.js';
export type { Space, SpaceJSON, BoxJSON, DiscreteJSON } from './spaces.js';
export type { Action, Observation, Info, ResetOptions, ResetResult, StepResult, EnvSpec, Env, StatefulEnv } from './types.js';

export { ClassicControlEnv } from './classic-env.js';
export type { Transition, CommonEnvOptions } from './classic-env.js';
export { CartPoleEnv } from './cartpole.js';
export type { CartPoleOptions } from './cartpole.js';
export { MountainCarEnv } from './mountain-car.js';
export type { MountainCarOptions } from './mountain-car.js';
export { MountainCarContinuousEnv } from './continuous-mountain-car.js';
export type { MountainCarContinuousOptions } from './continuous-mountain-car.js';
export { PendulumEnv, angleNormalize } from './pendulum.js';
export type { PendulumOptions } from './pendulum.js';
export { AcrobotEnv, rk4, wrap, bound } from './acrobot.js';
export type { AcrobotOptions } from './acrobot.js';

export { make, register, registry, listEnvs } from './registry.js';
export { checkEnv, assertEnv } from './checker.js';
export type { CheckEnvOptions, CheckEnvReport } from './checker.js';
export type { EnvFactory, RegistryEntry } from './registry.js';

export { Wrapper, TimeLimit, RecordEpisodeStatistics, EpisodeStatistics, envString } from './wrappers.js';
export type { EpisodeRecord } from './wrappers.js';

export { SyncVectorEnv, makeVec } from './vector.js';
export type { AutoresetMode, VectorEnvOptions, VectorInfos, VectorResetResult, VectorStepResult, VectorActions } from './vector.js';

export { benchEnvSteps, formatBench, CLASSIC_IDS } from './bench.js';
export type { BenchOptions, BenchResult } from './bench.js';

/** This module's URL: worker threads import it to make the same envs (MGAIL's `policyWorkers`). */
export const MODULE_URL: string = import.meta.url;
