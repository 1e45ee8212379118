export { Discriminator, DEFAULT_DISCRIMINATOR_CONFIG, COST_KINDS, pairs } from './discriminator.js';
export type { DiscriminatorConfig, DiscriminatorOptions, DiscriminatorStats, CostKind } from './discriminator.js';
