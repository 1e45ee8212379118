export { trainMGAIL } from './mgail.js';
export type { MGAILOptions, MGAILResult } from './mgail.js';
export { mgailConfig, DEFAULT_MGAIL_CONFIG, configDir } from './config.js';
export type { MGAILConfig } from './config.js';
export { ReplayBuffer } from './buffer.js';
