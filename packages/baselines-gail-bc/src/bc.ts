import { Adam, Rng, assertFiniteLosses, tf, type TensorData } from '@mgail/core-autodiff-graph';
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
}

/** The policy with the lowest validation loss, the per-epoch history, and which epoch that was. */
export interface BCResult {
  policy: Policy;
  history: BCHistoryEntry[];
  bestEpoch: number;
  bestValidationLoss: number;
  /** Expert (state, action) pairs cloned from (training and validation split together): every pair of the demonstrations given. */
  expertPairs: number;
}

/**
 * Trains a policy to maximize log π(a_expert | s_expert) on a seeded training split, keeps the
 * weights with the lowest validation loss (early stopping), and returns that policy.
 */
export function trainBC(
  demos: Demonstrations,
  spaces: { observationSpace: Box; actionSpace: Space },
  config: BCConfig,
  opts: { seed: number; onEpoch?: (e: BCHistoryEntry) => void },
): BCResult {
  validateDemos(demos, 'demonstrations', spaces);
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
  const opt = new Adam(policy.variables, { lr: config.lr, weightDecay: config.weightDecay || undefined });
  const history: BCHistoryEntry[] = [];
  let best = Infinity, bestEpoch = -1, since = 0;
  let bestWeights: Record<string, TensorData> | null = null;
  try {
    for (let epoch = 0; epoch < config.maxEpochs; epoch++) {
      rng.shuffle(trainIdx);
      let sum = 0, batches = 0;
      for (let s = 0; s < trainIdx.length; s += config.batchSize) {
        const b = toTensors(take(trainIdx.subarray(s, s + config.batchSize)));
        const { value, grads } = tf.variableGrads(() => nll(b.o, b.a), policy.variables);
        opt.applyGradients(grads);
        sum += value.dataSync()[0];
        batches++;
        tf.dispose([value, b.o, b.a, ...Object.values(grads)]);
      }
      const trainLoss = sum / Math.max(1, batches);
      const validationLoss = val ? tf.tidy(() => nll(val.o, val.a).dataSync()[0]) : trainLoss;
      const entry = { epoch, trainLoss, validationLoss };
      history.push(entry);
      opts.onEpoch?.(entry);
      // the divergence guard: NaN weights would otherwise end as "no better epoch" and pass for a result
      assertFiniteLosses(epoch, { 'losses/bc_train': trainLoss, 'losses/bc_validation': validationLoss }, 'bc', 'epoch');
      if (validationLoss < best - 1e-6) {
        best = validationLoss;
        bestEpoch = epoch;
        since = 0;
        bestWeights = policy.weightTensors();
      } else if (++since >= config.patience) break;
    }
    if (bestWeights) policy.setWeights(bestWeights);
  } catch (e) {
    policy.dispose();
    throw e;
  } finally {
    opt.dispose();
    if (val) tf.dispose([val.o, val.a]);
  }
  return { policy, history, bestEpoch, bestValidationLoss: best, expertPairs: n };
}
