export { ForwardModel, BasicForwardModel, AdvancedForwardModel, makeForwardModel, DEFAULT_FORWARD_MODEL_CONFIG } from './model.js';
export type { ForwardModelConfig, ForwardModelKind, ForwardModelOptions, ForwardModelStatistics, TransitionWindows } from './model.js';
