/**
 * MGAIL's resumable training checkpoint: every network, optimizer, the agent buffer, the policy
 * average and the counters, in one file that a resumed run continues from exactly.
 */
import {
  assertFiniteTensors,
  assignFromTensors,
  readTensorFile,
  encodeTensors,
  firstNonFiniteTensor,
  moduleToTensors,
  writeFileAtomic,
  type Adam,
  type AdamState,
  type ConfigLayer,
  type TensorRecord,
} from '@mgail/core-autodiff-graph';
import type { Discriminator } from '@mgail/discriminator';
import type { ForwardModel, ForwardModelStatistics } from '@mgail/forward-model';
import type { Policy } from '@mgail/policies';
import type { ReplayBuffer, ReplayBufferState } from './buffer.js';
import type { MGAILConfig } from './config.js';
import type { IterateAverage } from './iterate-average.js';

export const MGAIL_CHECKPOINT_FORMAT = 'mgail-training-checkpoint';

/** A deterministic evaluation logged during training (plots, never selection). */
export interface EvalPoint {
  iteration: number;
  envSteps: number;
  mean: number;
  std: number;
}

/** The counters a checkpoint carries beside the tensors. */
export interface TrainingProgress {
  iteration: number;
  envSteps: number;
  /** Policy steps so far: with envSteps, the replay ratio. */
  policyUpdates: number;
  elapsedSeconds: number;
  evalHistory: EvalPoint[];
}

interface CheckpointMeta {
  format: typeof MGAIL_CHECKPOINT_FORMAT;
  formatVersion: 1;
  envId: string;
  seed: number;
  iteration: number;
  envSteps: number;
  elapsedSeconds: number;
  expertTransitions: number;
  config: MGAILConfig;
  policyNormalizer: ReturnType<Policy['normalizer']['toJSON']>;
  modelStatistics: ForwardModelStatistics;
  optimizers: Record<'policy' | 'disc' | 'model', AdamState['meta']>;
  buffer: ReplayBufferState;
  evalHistory: EvalPoint[];
  /** Iterates in the running policy average (`policyAverageFraction`); absent when none yet. */
  policyAverageCount?: number;
  /** Policy steps so far (absent in older checkpoints). */
  policyUpdates?: number;
}

/** What a checkpoint saves and a resume restores. */
export interface CheckpointParts {
  policy: Policy;
  policyOptimizer: Adam;
  disc: Discriminator;
  model: ForwardModel;
  buffer: ReplayBuffer;
  average: IterateAverage;
}

/** A checkpoint read and checked against the run resuming it. */
export interface SavedTraining {
  file: string;
  tensors: TensorRecord;
  meta: CheckpointMeta;
}

/** What a training checkpoint says about its run (iteration, config, seed, env). */
export function readMGAILCheckpointMeta(file: string): { iteration: number; config: MGAILConfig; seed: number; envId: string } {
  const { metadata } = readTensorFile(file);
  const m = metadata as unknown as CheckpointMeta;
  if (m?.format !== MGAIL_CHECKPOINT_FORMAT) throw new Error(`${file} is not an MGAIL training checkpoint (format ${JSON.stringify(m?.format)})`);
  return { iteration: m.iteration, config: m.config, seed: m.seed, envId: m.envId };
}

/** Reads `file` and refuses a checkpoint of another env, seed or demonstrations, or one holding NaN. */
export function readTrainingCheckpoint(
  file: string,
  run: { envId: string; seed: number; expertTransitions: number; config?: MGAILConfig; configLayers?: readonly ConfigLayer[] },
): SavedTraining {
  const { tensors, metadata } = readTensorFile(file);
  const meta = metadata as unknown as CheckpointMeta;
  if (meta?.format !== MGAIL_CHECKPOINT_FORMAT) throw new Error(`${file} is not an MGAIL training checkpoint`);
  if (meta.envId !== run.envId) throw new Error(`${file} is a run on ${meta.envId}, not ${run.envId}`);
  if (meta.seed !== run.seed) throw new Error(`${file} is a run with seed ${meta.seed}, not ${run.seed}`);
  if (meta.expertTransitions !== run.expertTransitions) {
    throw new Error(`${file} was trained on ${meta.expertTransitions} expert transitions, these demonstrations have ${run.expertTransitions}; resume with the same demonstrations`);
  }
  // a checkpoint holding NaN would resume into a run that diverges at once, blamed on training
  const bad = firstNonFiniteTensor(tensors);
  if (bad !== undefined) throw new Error(`${file} is corrupt: ${bad} holds NaN or Inf; resume from another copy or start over with --force`);
  // the checkpoint's config wins; a field the caller asked for explicitly and would not get is refused, not ignored
  const asked = new Map<string, string>();
  for (const { source, values } of run.configLayers ?? []) {
    for (const [k, v] of Object.entries(values ?? {})) if (v !== undefined && !k.startsWith('$') && k !== 'comment') asked.set(k, source);
  }
  for (const [k, source] of asked) {
    const want = (run.config as unknown as Record<string, unknown> | undefined)?.[k], have = (meta.config as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(want) !== JSON.stringify(have)) {
      throw new Error(`${source} sets ${k} to ${JSON.stringify(want)}, but ${file} is a run with ${k} ${JSON.stringify(have)}; a resumed run keeps its config: drop the field, or start over with --force`);
    }
  }
  return { file, tensors, meta };
}

/** Writes the whole training state to `file` (atomically; refused when a tensor holds NaN). */
export function writeTrainingCheckpoint(
  file: string,
  p: CheckpointParts,
  run: { envId: string; seed: number; expertTransitions: number; config: MGAILConfig },
  progress: TrainingProgress,
): void {
  const tensors: TensorRecord = {};
  const put = (prefix: string, rec: TensorRecord) => {
    for (const [k, v] of Object.entries(rec)) tensors[`${prefix}${k}`] = v;
  };
  put('policy:', p.policy.weightTensors());
  put('disc:', moduleToTensors(p.disc.net));
  put('model:', moduleToTensors(p.model.store));
  const po = p.policyOptimizer.getState(), dopt = p.disc.optimizer.getState(), mo = p.model.optimizer.getState();
  put('opt/policy:', po.tensors);
  put('opt/disc:', dopt.tensors);
  put('opt/model:', mo.tensors);
  const b = p.buffer.save();
  put('buffer:', b.tensors);
  const avg = p.average.tensors();
  if (avg) put('policyAvg:', avg);
  const meta: CheckpointMeta = {
    format: MGAIL_CHECKPOINT_FORMAT, formatVersion: 1, envId: run.envId, seed: run.seed, iteration: progress.iteration, envSteps: progress.envSteps,
    elapsedSeconds: progress.elapsedSeconds, expertTransitions: run.expertTransitions, config: run.config,
    policyNormalizer: p.policy.normalizer.toJSON(), modelStatistics: p.model.statistics(),
    optimizers: { policy: po.meta, disc: dopt.meta, model: mo.meta }, buffer: b.state, evalHistory: progress.evalHistory,
    ...(avg ? { policyAverageCount: p.average.count } : {}),
    policyUpdates: progress.policyUpdates,
  };
  assertFiniteTensors(progress.iteration, tensors, 'mgail');
  writeFileAtomic(file, encodeTensors(tensors, meta as unknown as Record<string, unknown>));
}

/** Restores everything but the envs' physical state; returns the counters to continue from. */
export function restoreTraining(saved: SavedTraining, p: CheckpointParts): TrainingProgress {
  const { tensors, meta, file } = saved;
  const pick = (prefix: string): TensorRecord =>
    Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  p.policy.setWeights(pick('policy:'));
  p.policy.normalizer.load(meta.policyNormalizer);
  assignFromTensors(p.disc.net, pick('disc:'), { source: file });
  assignFromTensors(p.model.store, pick('model:'), { source: file });
  p.model.loadStatistics(meta.modelStatistics);
  p.policyOptimizer.setState({ tensors: pick('opt/policy:'), meta: meta.optimizers.policy });
  p.disc.optimizer.setState({ tensors: pick('opt/disc:'), meta: meta.optimizers.disc });
  p.model.optimizer.setState({ tensors: pick('opt/model:'), meta: meta.optimizers.model });
  p.buffer.load(pick('buffer:'), meta.buffer, file);
  if (meta.policyAverageCount) p.average.load(pick('policyAvg:'), meta.policyAverageCount, file);
  return {
    iteration: meta.iteration, envSteps: meta.envSteps, policyUpdates: meta.policyUpdates ?? 0,
    elapsedSeconds: meta.elapsedSeconds, evalHistory: [...meta.evalHistory],
  };
}
