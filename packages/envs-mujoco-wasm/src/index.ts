export { make, register, listEnvs, mujocoRegistry, MUJOCO_ENV_IDS } from './registry.js';
export type { MujocoEnvId, MujocoEnvFactory, MujocoRegistryEntry, MujocoEnvOptionsMap, MujocoEnvMap } from './registry.js';

export { MujocoEnv, SharedModel, warningName } from './mujoco-env.js';
export type { MujocoResetResult, MujocoStepResult, MujocoState, InfoField, CommonOptions } from './mujoco-env.js';

export { HopperEnv } from './hopper.js';
export type { HopperOptions } from './hopper.js';
export { Walker2dEnv } from './walker2d.js';
export type { Walker2dOptions } from './walker2d.js';
export { HalfCheetahEnv } from './half-cheetah.js';
export type { HalfCheetahOptions } from './half-cheetah.js';
export { AntEnv } from './ant.js';
export type { AntOptions } from './ant.js';
export { HumanoidEnv } from './humanoid.js';
export type { HumanoidOptions } from './humanoid.js';

export { loadMujoco, setMujocoLogger, MujocoXmlError, MJ_WARNINGS } from './binding.js';
export type { Mujoco, MjModel, MjData, MujocoLogger, MjWarningName } from './binding.js';
export { ASSETS_DIR, resolveXmlFile } from './assets.js';

export { MujocoVectorEnv, makeVec } from './vector.js';
export type { MujocoVectorEnvOptions } from './vector.js';
export { ParallelVectorEnv, makeParallelVec } from './parallel.js';
export type { ParallelVectorEnvOptions } from './parallel.js';
export type { AutoresetMode, MujocoVectorInfos, MujocoVectorResetResult, MujocoVectorStepResult } from './vector-core.js';

export { benchEnvSteps } from './bench-steps.js';
export type { MujocoBenchOptions, MujocoBenchResult } from './bench-steps.js';

/** This module's URL: worker threads import it to make the same envs (MGAIL's `policyWorkers`). */
export const MODULE_URL: string = import.meta.url;
