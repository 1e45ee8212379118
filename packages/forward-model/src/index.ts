export { ForwardModel, DEFAULT_FORWARD_MODEL_CONFIG } from './model.js';
export type { ForwardModelConfig, ForwardModelKind, TransitionWindows } from './model.js';
