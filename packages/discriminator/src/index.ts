export { Discriminator, DEFAULT_DISCRIMINATOR_CONFIG, pairs } from './discriminator.js';
export type { DiscriminatorConfig, DiscriminatorStats, CostKind } from './discriminator.js';
