export { trainMGAIL, MissingWorkerEnvError } from './mgail.js';
export type { MGAILOptions, MGAILResult } from './mgail.js';
export { readMGAILCheckpointMeta, MGAIL_CHECKPOINT_FORMAT } from './checkpoint.js';
export type { EvalPoint } from './checkpoint.js';
export type { MGAILTiming } from './timing.js';
export { mgailConfig, mgailBCConfig, mgailAlgoName, MGAIL_BC_FIELDS, effectiveMGAILConfig, DEFAULT_MGAIL_CONFIG, configDir, idleCollectStepsOf, policyStepsEnvs } from './config.js';
export type { MGAILConfig } from './config.js';
export { ReplayBuffer } from './buffer.js';
export type { ReplayBufferState } from './buffer.js';
