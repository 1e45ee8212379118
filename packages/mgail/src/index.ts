export { trainMGAIL, readMGAILCheckpointMeta, MGAIL_CHECKPOINT_FORMAT, MissingWorkerEnvError } from './mgail.js';
export type { MGAILOptions, MGAILResult, MGAILTiming } from './mgail.js';
export { mgailConfig, mgailBCConfig, mgailAlgoName, MGAIL_BC_FIELDS, effectiveMGAILConfig, DEFAULT_MGAIL_CONFIG, configDir, idleCollectStepsOf, policyStepsEnvs } from './config.js';
export type { MGAILConfig } from './config.js';
export { ReplayBuffer } from './buffer.js';
export type { ReplayBufferState } from './buffer.js';
