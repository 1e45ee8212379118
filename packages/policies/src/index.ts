export { Policy, GaussianPolicy, CategoricalPolicy, makePolicy, gumbelNoise, DEFAULT_POLICY_CONFIG } from './policy.js';
export type { PolicyKind, PolicyConfig, ObservationBatch, PolicyDescription } from './policy.js';
export { savePolicy, loadPolicy, resolvePolicyPath, policyContentsProblem, POLICY_CHECKPOINT_FORMAT } from './checkpoint.js';
export type { PolicyCheckpointMeta, LoadPolicyOptions } from './checkpoint.js';
export { FisherVectorProduct } from './fisher.js';
export { PolicyKlAnchor } from './kl-anchor.js';
export { evaluatePolicy, meanStd } from './evaluate.js';
export type { EvaluationResult } from './evaluate.js';
export {
  writeDemos,
  readDemos,
  validateDemos,
  clipBoxActions,
  collectDemos,
  selectEpisodes,
  actionSelection,
  demosProvenance,
  episodeSlices,
  numEpisodes,
  numTransitions,
  DEMOS_FORMAT,
} from './demos.js';
export type { Demonstrations, BoxDemonstrations, DiscreteDemonstrations, DemonstrationsBase, DemoMetadata, ReadDemosOptions, ValidateDemosOptions, CollectOptions, Controller, SelectOptions, Selection } from './demos.js';
export { HO_ERMON_SUBSAMPLE, HO_ERMON_EVAL_EPISODES, hoErmonSubsample } from './protocol.js';
export { encodeNpy, decodeNpy, encodeNpz, decodeNpz } from './npz.js';
export type { NpyArray, NpyDtype } from './npz.js';
export { LIBRARY_VERSION } from './version.js';
