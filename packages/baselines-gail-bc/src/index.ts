export { trainBC, bcConfig, DEFAULT_BC_CONFIG } from './bc.js';
export type { BCConfig, BCResult, BCHistoryEntry } from './bc.js';
export { resolveConfig, configDir } from './config.js';
export { cartPoleLinearExpert } from './testing.js';
