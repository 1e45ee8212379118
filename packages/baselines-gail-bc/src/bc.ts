import { Adam, Rng, assertFiniteLosses, openCheckpointFile, assertFiniteTensors, readTensorFile, encodeTensors, firstNonFiniteTensor, tf, writeFileAtomic, type TensorData, type TensorRecord } from '@mgail/core-autodiff-graph';
import type { Box, Space } from '@mgail/envs-classic';
import { makePolicy, validateDemos, type Demonstrations, type Policy, type PolicyConfig } from '@mgail/policies';
import { resolveConfig, type ConfigOverrides } from './config.js';

/** Behavioural cloning: maximum likelihood of the expert's actions. */
export interface BCConfig {
  /** Policy hidden layer widths. */
  hidden: number[];
  /** Policy hidden activation. */
  activation: 'tanh' | 'relu';
  /** Adam learning rate. */
  lr: number;
  /** Minibatch size. */
  batchSize: number;
  /** Upper bound on passes over the training split. */
  maxEpochs: number;
  /** Fraction of transitions held out for early stopping. */
  validationFraction: number;
  /** Epochs without a better validation loss before stopping. */
  patience: number;
  /** L2 weight decay (Adam). */
  weightDecay: number;
  /** Initial log-std of a Gaussian policy. */
  logStdInit: number;
}

/** BC's code defaults: a 64-64 tanh policy, Adam 1e-3, batches of 64, early stopping on a 20% split after 10 epochs without improvement. */
export const DEFAULT_BC_CONFIG: BCConfig = {
  hidden: [64, 64],
  activation: 'tanh',
  lr: 1e-3,
  batchSize: 64,
  maxEpochs: 200,
  validationFraction: 0.2,
  patience: 10,
  weightDecay: 0,
  logStdInit: -1,
};

const BC_RULES = {
  activation: { kind: 'choice', choices: ['tanh', 'relu'] },
  lr: { kind: 'number', min: 0, minExclusive: true },
  batchSize: { kind: 'int', min: 1 },
  maxEpochs: { kind: 'int', min: 1 },
  validationFraction: { kind: 'number', min: 0, max: 1, maxExclusive: true },
  patience: { kind: 'int', min: 1 },
  weightDecay: { kind: 'number', min: 0 },
} as const;

/** BC's defaults, the checked-in `configs/bc/<env>.json`, then `overrides` (an object, or layers such as a config file then flags). */
export function bcConfig(envId?: string, overrides: ConfigOverrides<BCConfig> = {}, source = 'overrides'): BCConfig {
  return resolveConfig('bc', DEFAULT_BC_CONFIG, envId, overrides, source, BC_RULES);
}

/** Mean negative log-likelihood of one epoch on the training and validation splits. */
export interface BCHistoryEntry {
  epoch: number;
  trainLoss: number;
  validationLoss: number;
  /** Minibatch (Adam) steps taken by the end of this epoch, all epochs so far. */
  gradientSteps: number;
}

/** The `format` of a BC training checkpoint (`trainBC`'s `checkpoint` option). */
export const BC_CHECKPOINT_FORMAT = 'mgail-bc-training-checkpoint';

/** What a BC training checkpoint holds besides the policy, best-so-far and optimizer tensors. */
export interface BCCheckpointMeta {
  format: typeof BC_CHECKPOINT_FORMAT;
  seed: number;
  pairs: number;
  config: BCConfig;
  /** The epoch a resumed run starts with. */
  nextEpoch: number;
  /** Early stopping or maxEpochs ended the run. */
  done: boolean;
  best: number | null;
  bestEpoch: number;
  since: number;
  history: BCHistoryEntry[];
  rng: ReturnType<Rng['getState']>;
  adam: ReturnType<Adam['getState']>['meta'];
  normalizer: ReturnType<Policy['normalizer']['toJSON']>;
  /** The last metrics step (epoch) this state includes: rows past it were logged by a killed sitting. */
  metricsStep: number;
  /**
   * A run stopped inside epoch `nextEpoch` (`shouldStop`): the first training row of the batch it
   * continues with (the split is saved in its shuffled order), and the loss sum and batch count so
   * far. Absent or 0: the epoch starts from its shuffle.
   */
  batchStart?: number;
  epochLossSum?: number;
  epochBatches?: number;
}

/** The policy with the lowest validation loss, the per-epoch history, and which epoch that was. */
export interface BCResult {
  policy: Policy;
  history: BCHistoryEntry[];
  bestEpoch: number;
  bestValidationLoss: number;
  /** Expert (state, action) pairs cloned from (training and validation split together): every pair of the demonstrations given. */
  expertPairs: number;
  /** False when `shouldStop` ended the run early: the checkpoint holds it and `policy` is its current (not best) weights. */
  finished: boolean;
}

/** What `trainBC` and `trainBCAsync` take besides the demonstrations, spaces and config. */
export interface BCOptions {
  seed: number;
  onEpoch?: (e: BCHistoryEntry) => void;
  /**
   * Write the whole training state to `file` after every epoch (atomically), so a killed run
   * loses at most one epoch; with `resume`, continue from it (refused when it does not exist).
   * An existing file is replaced only with `force`; the file's folder is locked while training.
   * A resumed run ends exactly as an uninterrupted one: the shuffling generator's state is saved too.
   */
  checkpoint?: { file: string; resume?: boolean; force?: boolean };
  /**
   * Polled after every minibatch: true stops the run there, writes the checkpoint (mid-epoch,
   * so a resume continues with the next minibatch and ends as an uninterrupted run) and returns
   * with `finished` false. `trainBCAsync` yields to the event loop between minibatches, so a
   * signal handler can set it.
   */
  shouldStop?: () => boolean;
}

/**
 * Trains a policy to maximize log π(a_expert | s_expert) on a seeded training split, keeps the
 * weights with the lowest validation loss (early stopping), and returns that policy.
 */
export function trainBC(demos: Demonstrations, spaces: { observationSpace: Box; actionSpace: Space }, config: BCConfig, opts: BCOptions): BCResult {
  const steps = bcSteps(demos, spaces, config, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** `trainBC` that yields to the event loop after every minibatch (same result): signal handlers run while it trains. */
export async function trainBCAsync(demos: Demonstrations, spaces: { observationSpace: Box; actionSpace: Space }, config: BCConfig, opts: BCOptions): Promise<BCResult> {
  const steps = bcSteps(demos, spaces, config, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** BC's loop, suspended after every minibatch. */
function* bcSteps(
  demos: Demonstrations,
  spaces: { observationSpace: Box; actionSpace: Space },
  config: BCConfig,
  opts: BCOptions,
): Generator<void, BCResult> {
  validateDemos(demos, 'demonstrations', spaces);
  const ckpt = opts.checkpoint;
  const held = ckpt ? openCheckpointFile(ckpt.file, { resume: ckpt.resume, force: ckpt.force, verb: 'trainBC' }) : null;
  try {
    return yield* bcLoop(demos, spaces, config, opts);
  } finally {
    held?.release();
  }
}

function* bcLoop(
  demos: Demonstrations,
  spaces: { observationSpace: Box; actionSpace: Space },
  config: BCConfig,
  opts: BCOptions,
): Generator<void, BCResult> {
  const rng = new Rng(opts.seed);
  const policyConfig: Partial<PolicyConfig> = { hidden: config.hidden, activation: config.activation, logStdInit: config.logStdInit };
  const policy = makePolicy(spaces.observationSpace, spaces.actionSpace, policyConfig, rng.spawn());
  const n = demos.rewards.length;
  const obsDim = demos.obsDim, actDim = demos.actDim;
  // Expert statistics: the policy's normalizer is fitted once on the demonstrations.
  policy.normalizer.update(demos.observations);

  const perm = rng.permutation(n);
  const nVal = n >= 5 ? Math.max(1, Math.round(n * config.validationFraction)) : 0;
  const valIdx = perm.slice(0, nVal);
  const trainIdx = perm.slice(nVal);
  const take = (idx: Int32Array) => {
    const o = new Float32Array(idx.length * obsDim);
    const a = demos.discrete ? new Int32Array(idx.length) : new Float32Array(idx.length * actDim);
    idx.forEach((k, i) => {
      o.set(demos.observations.subarray(k * obsDim, (k + 1) * obsDim), i * obsDim);
      if (demos.discrete) a[i] = demos.actions[k];
      else a.set(demos.actions.subarray(k * actDim, (k + 1) * actDim), i * actDim);
    });
    return { o, a, rows: idx.length };
  };
  const toTensors = (b: { o: Float32Array; a: Float32Array | Int32Array; rows: number }) => ({
    o: tf.tensor2d(b.o, [b.rows, obsDim]),
    a: demos.discrete ? tf.tensor1d(b.a as Int32Array, 'int32') : tf.tensor2d(b.a as Float32Array, [b.rows, actDim]),
  });
  const nll = (o: tf.Tensor2D, a: tf.Tensor) => tf.neg(tf.mean(policy.logProb(o, a))) as tf.Scalar;

  const val = nVal > 0 ? toTensors(take(valIdx)) : null;
  // keyed by the store's stable names, not tfjs' per-process unique ones, so a checkpoint's state loads anywhere
  const opt = new Adam(new Map(policy.namedVariables), { lr: config.lr, weightDecay: config.weightDecay || undefined });
  let history: BCHistoryEntry[] = [];
  let best = Infinity, bestEpoch = -1, since = 0, startEpoch = 0, stopped = false;
  // where an epoch stopped by shouldStop continues, and what it had summed
  let batchStart = 0, epochLossSum = 0, epochBatches = 0;
  let bestWeights: Record<string, TensorData> | null = null;
  const ckpt = opts.checkpoint;
  const save = (nextEpoch: number, done: boolean) => {
    if (!ckpt) return;
    const tensors: TensorRecord = {};
    for (const [k, v] of Object.entries(policy.weightTensors())) tensors[`policy:${k}`] = v;
    if (bestWeights) for (const [k, v] of Object.entries(bestWeights)) tensors[`best:${k}`] = v;
    const os = opt.getState();
    for (const [k, v] of Object.entries(os.tensors)) tensors[`opt:${k}`] = v;
    assertFiniteTensors(nextEpoch, tensors, 'bc');
    tensors.trainIdx = { data: Float64Array.from(trainIdx), shape: [trainIdx.length] };
    const meta: BCCheckpointMeta = {
      format: BC_CHECKPOINT_FORMAT, seed: opts.seed, pairs: n, config, nextEpoch, done, best: Number.isFinite(best) ? best : null, bestEpoch, since,
      history, rng: rng.getState(), adam: os.meta, normalizer: policy.normalizer.toJSON(), metricsStep: nextEpoch - 1,
      ...(batchStart > 0 ? { batchStart, epochLossSum, epochBatches } : {}),
    };
    writeFileAtomic(ckpt.file, encodeTensors(tensors, meta as unknown as Record<string, unknown>));
  };
  if (ckpt?.resume) {
    const { tensors, metadata } = readTensorFile(ckpt.file);
    const m = metadata as unknown as BCCheckpointMeta;
    if (m?.format !== BC_CHECKPOINT_FORMAT) throw new Error(`${ckpt.file} is not a BC training checkpoint (format ${JSON.stringify(m?.format)})`);
    if (m.seed !== opts.seed) throw new Error(`${ckpt.file} is a run with seed ${m.seed}, not ${opts.seed}`);
    if (m.pairs !== n) throw new Error(`${ckpt.file} was trained on ${m.pairs} expert pairs, these demonstrations have ${n}; resume with the same demonstrations`);
    if (JSON.stringify(m.config) !== JSON.stringify(config)) throw new Error(`${ckpt.file} is a run with another BC config; resume it with the same config`);
    const bad = firstNonFiniteTensor(tensors);
    if (bad !== undefined) throw new Error(`${ckpt.file} is corrupt: ${bad} holds NaN or Inf`);
    const pick = (prefix: string): TensorRecord =>
      Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    const idx = tensors.trainIdx?.data;
    if (!idx || idx.length !== trainIdx.length) throw new Error(`${ckpt.file} is corrupt: its training split does not match`);
    trainIdx.set(Int32Array.from(idx));
    policy.setWeights(pick('policy:'));
    policy.normalizer.load(m.normalizer);
    opt.setState({ tensors: pick('opt:'), meta: m.adam });
    const bw = pick('best:');
    bestWeights = Object.keys(bw).length ? bw : null;
    rng.setState(m.rng);
    best = m.best ?? Infinity;
    bestEpoch = m.bestEpoch;
    since = m.since;
    history = m.history;
    startEpoch = m.nextEpoch;
    stopped = m.done;
    batchStart = m.batchStart ?? 0;
    epochLossSum = m.epochLossSum ?? 0;
    epochBatches = m.epochBatches ?? 0;
    if (!(Number.isInteger(batchStart) && batchStart >= 0 && batchStart < Math.max(1, trainIdx.length) && Number.isFinite(epochLossSum) && Number.isInteger(epochBatches) && epochBatches >= 0)) {
      throw new Error(`${ckpt.file} is corrupt: its position inside epoch ${startEpoch} (batchStart ${m.batchStart}, epochBatches ${m.epochBatches}) is impossible`);
    }
  }
  let interrupted = false;
  try {
    for (let epoch = startEpoch; epoch < config.maxEpochs && !stopped; epoch++) {
      // a resumed epoch keeps the order it was shuffled into before the stop
      if (batchStart === 0) rng.shuffle(trainIdx);
      let sum = epochLossSum, batches = epochBatches;
      for (let s = batchStart; s < trainIdx.length; s += config.batchSize) {
        const b = toTensors(take(trainIdx.subarray(s, s + config.batchSize)));
        const { value, grads } = tf.variableGrads(() => nll(b.o, b.a), policy.variables);
        opt.applyGradients(grads);
        sum += value.dataSync()[0];
        batches++;
        tf.dispose([value, b.o, b.a, ...Object.values(grads)]);
        if (s + config.batchSize < trainIdx.length && opts.shouldStop?.()) {
          batchStart = s + config.batchSize;
          epochLossSum = sum;
          epochBatches = batches;
          save(epoch, false);
          interrupted = true;
          break;
        }
        yield;
      }
      if (interrupted) break;
      batchStart = 0;
      epochLossSum = 0;
      epochBatches = 0;
      const trainLoss = sum / Math.max(1, batches);
      const validationLoss = val ? tf.tidy(() => nll(val.o, val.a).dataSync()[0]) : trainLoss;
      const entry = { epoch, trainLoss, validationLoss, gradientSteps: (epoch + 1) * Math.ceil(trainIdx.length / config.batchSize) };
      history.push(entry);
      opts.onEpoch?.(entry);
      // the divergence guard: NaN weights would otherwise end as "no better epoch" and pass for a result
      assertFiniteLosses(epoch, { 'losses/bc_train': trainLoss, 'losses/bc_validation': validationLoss }, 'bc', 'epoch');
      if (validationLoss < best - 1e-6) {
        best = validationLoss;
        bestEpoch = epoch;
        since = 0;
        bestWeights = policy.weightTensors();
      } else if (++since >= config.patience) stopped = true;
      save(epoch + 1, stopped || epoch + 1 >= config.maxEpochs);
      if (!stopped && epoch + 1 < config.maxEpochs && opts.shouldStop?.()) {
        interrupted = true;
        break;
      }
    }
    if (bestWeights && !interrupted) policy.setWeights(bestWeights);
  } catch (e) {
    policy.dispose();
    throw e;
  } finally {
    opt.dispose();
    if (val) tf.dispose([val.o, val.a]);
  }
  return { policy, history, bestEpoch, bestValidationLoss: best, expertPairs: n, finished: !interrupted };
}
