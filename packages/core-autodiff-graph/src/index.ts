export { tf, initBackend, getBackendName, BACKEND_NAMES } from './backend.js';
export type { BackendName, BackendOptions, BackendInfo } from './backend.js';

export {
  Rng,
  shapeSize,
  randomNormalArray,
  randomUniformArray,
  randomNormalTensor,
  randomUniformTensor,
  glorotUniform,
  uniformInit,
  orthogonal,
  zerosInit,
  constantInit,
  initializerFor,
} from './random.js';
export type { Shape, Initializer, InitName } from './random.js';

export {
  joinName,
  createVariable,
  toNamedVariables,
  VariableStore,
  moduleToTensors,
  getWeights,
  assignFromTensors,
} from './variables.js';
export type {
  WeightArray,
  TensorData,
  TensorRecord,
  NamedVariables,
  Module,
  VariablesLike,
  AssignOptions,
} from './variables.js';

export { Dense, ACTIVATIONS, activate, checkActivation } from './dense.js';
export type { Activation, DenseOptions } from './dense.js';
export { MLP } from './mlp.js';
export type { MLPOptions } from './mlp.js';
export { GRUCell } from './gru.js';
export type { GRUCellOptions } from './gru.js';

export { RunningMeanStd, FrozenMeanStd } from './running_mean_std.js';
export type { Normalizer, RunningMeanStdOptions, RunningMeanStdJSON, FrozenMeanStdJSON } from './running_mean_std.js';

export { Adam, clipByGlobalNorm } from './adam.js';
export type { AdamOptions, AdamState, GradientsInput, Optimizer } from './adam.js';
export { trainStep } from './train.js';

export {
  encodeTensors,
  decodeTensors,
  readTensorFile,
  saveTensors,
  loadTensors,
  TENSOR_FORMAT,
  TENSOR_FORMAT_VERSION,
  crc32,
  crc32Table,
} from './tensor_io.js';
export type { DecodedTensors } from './tensor_io.js';

export {
  logSigmoid,
  sumSquares,
  globalNorm,
  flattenTensors,
  flattenVariables,
  unflattenLike,
  assignFlat,
  numParameters,
  stopGradient,
} from './math.js';

export { conjugateGradient, dot } from './cg.js';
export type { ConjugateGradientOptions, ConjugateGradientResult } from './cg.js';

export { checkGradients } from './gradcheck.js';
export type { GradCheckOptions, GradCheckEntry, GradCheckResult } from './gradcheck.js';

export {
  writeFileAtomic,
  writeJsonAtomic,
  formatRunTime,
  runDirPath,
  createRunDir,
  MetricsWriter,
  readMetricsJsonl,
  Progress,
  formatDuration,
  DivergenceError,
  assertFiniteLosses,
  assertFiniteTensors,
  firstNonFiniteTensor,
  removeStaleTempFiles,
  describeFsError,
  assertReplaceable,
  pidAlive,
  openRunDir,
  lockRunDir,
  openCheckpointFile,
  openOutputFile,
  outputLockFile,
  RUN_LOCK_FILE,
  RUN_FILES,
  PREVIOUS_RUN_DIR,
} from './run.js';
export type { RunDirOptions, MetricValues, RunDirGuardOptions, RunDirHandle } from './run.js';

export { lineChartSvg, niceTicks } from './chart.js';
export type { LineChartSpec, ChartSeries, ChartRefLine } from './chart.js';

export { resolveConfigLayers, checkField, readJsonConfig, layerSetting, ConfigError, COUNT_LIMITS, countLimitOf } from './config.js';
export type { FieldRule, ConfigRules, ConfigLayer } from './config.js';

export { unroll } from './unroll.js';
export type { UnrollOptions, UnrollResult } from './unroll.js';
