import {
  Adam,
  Rng,
  assertFiniteLosses,
  assertFiniteTensors,
  readTensorFile,
  encodeTensors,
  firstNonFiniteTensor,
  moduleToTensors,
  writeFileAtomic,
  type AdamState,
  type ConfigRules,
  type RunningMeanStdJSON,
  type TensorRecord,
} from '@mgail/core-autodiff-graph';
import { makePolicy, type Policy } from '@mgail/policies';
import { resolveConfig, type ConfigOverrides } from './config.js';
import { RolloutCollector, type CollectorState, type Rollout } from './rollout-buffer.js';
import { ValueFunction } from './value.js';
import type { VectorEnvLike } from './vec.js';

/** What every on-policy learner (PPO, TRPO) is configured by. */
export interface OnPolicyConfig {
  /** Parallel envs in the vector env. */
  numEnvs: number;
  /** Steps per env per rollout; one iteration learns from numEnvs × numSteps transitions. */
  numSteps: number;
  /** Discount γ. */
  gamma: number;
  /** GAE λ (bias/variance trade-off of the advantages). */
  gaeLambda: number;
  /** Divide rewards by a running std of the discounted return (Gymnasium's NormalizeReward). */
  normalizeRewards: boolean;
  /** Standardize observations with running statistics kept inside the policy (and its checkpoint). */
  normalizeObservations: boolean;
  /** Policy hidden layer widths. */
  hidden: number[];
  /** Value function hidden layer widths. */
  valueHidden: number[];
  /** Hidden activation of both networks. */
  activation: 'tanh' | 'relu';
  /** Initial log-std of a Gaussian policy (ignored for discrete actions). */
  logStdInit: number;
}

/** What every on-policy config field accepts (out-of-range values are errors naming the field). */
export const ON_POLICY_RULES: ConfigRules<OnPolicyConfig> = {
  numEnvs: { kind: 'int', min: 1 },
  numSteps: { kind: 'int', min: 1 },
  gamma: { kind: 'number', min: 0, max: 1, minExclusive: true },
  gaeLambda: { kind: 'number', min: 0, max: 1 },
  activation: { kind: 'choice', choices: ['tanh', 'relu'] },
};

/**
 * The on-policy defaults PPO and TRPO share (8 envs, γ 0.99, 64×64 tanh networks, observation
 * normalization), with `tuned` laid over them; fresh arrays each call, so no two configs alias.
 */
export function onPolicyDefaults(tuned: Partial<OnPolicyConfig> = {}): OnPolicyConfig {
  return {
    numEnvs: 8,
    numSteps: 128,
    gamma: 0.99,
    gaeLambda: 0.95,
    normalizeRewards: false,
    normalizeObservations: true,
    hidden: [64, 64],
    valueHidden: [64, 64],
    activation: 'tanh',
    logStdInit: 0,
    ...tuned,
  };
}

/**
 * The config function of an on-policy algorithm: its defaults, then `configs/<algo>/<env-id>.json`,
 * then `overrides` (an object, or layers such as a config file then flags), checked against
 * ON_POLICY_RULES and the algorithm's own `rules`.
 */
export function onPolicyConfigResolver<C extends OnPolicyConfig>(
  algo: string,
  defaults: C,
  rules: ConfigRules<C>,
): (envId?: string, overrides?: ConfigOverrides<C>, source?: string) => C {
  const all = { ...ON_POLICY_RULES, ...rules } as ConfigRules<C>;
  return (envId, overrides = {}, source = 'overrides') => resolveConfig(algo, defaults, envId, overrides, source, all);
}

/** How long an on-policy run is and how it is seeded. */
export interface LearnerOptions {
  seed: number;
  totalSteps: number;
}

/** What one on-policy iteration (rollout, then update) measured. */
export interface IterationStats {
  iteration: number;
  globalStep: number;
  /** Undiscounted returns / lengths of the episodes that finished during this rollout. */
  episodeReturns: number[];
  episodeLengths: number[];
  policyLoss: number;
  valueLoss: number;
  /** Mean policy entropy over the batch. */
  entropy: number;
  /** KL(π_old ‖ π_new) of the update, averaged over the batch. */
  kl: number;
  /** Environment steps per second of the whole iteration (collection and update). */
  sps: number;
  /** Algorithm-specific metrics, already namespaced (`charts/clipfrac`, `charts/line_search_steps`). */
  extra: Record<string, number>;
}

/** The update's own numbers, before the learner adds timing and episode statistics. */
export interface UpdateStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  kl: number;
  extra: Record<string, number>;
}

/** The `format` an RL training checkpoint's metadata names. */
export const RL_CHECKPOINT_FORMAT = 'mgail-rl-checkpoint';

/** The JSON part of an RL checkpoint (`readCheckpointMeta`). */
export interface RLCheckpointMeta {
  format: typeof RL_CHECKPOINT_FORMAT;
  algo: string;
  envId?: string;
  config: OnPolicyConfig & Record<string, unknown>;
  seed: number;
  totalSteps: number;
  iteration: number;
  globalStep: number;
  normalizer: RunningMeanStdJSON;
  collector: CollectorState;
  /** The learner's own state (optimizer step counts, ...). */
  algoState: Record<string, unknown>;
  /** Whatever the caller keeps with the run (recent returns, wall time so far). */
  extra: Record<string, unknown>;
}

/** A 32-bit seed for iteration `k` of a run with `seed`, so a resumed run draws the same streams. */
export function iterationSeed(seed: number, k: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f);
  return (h ^ (h >>> 13)) >>> 1;
}

/** Reads the metadata of an RL checkpoint without building anything. */
export function readCheckpointMeta(file: string): RLCheckpointMeta {
  const { metadata, tensors } = readTensorFile(file);
  const meta = metadata as unknown as RLCheckpointMeta;
  // every resume (PPO, TRPO, SAC, GAIL's generator) reads this first: a NaN would resume into a run that diverges at once
  const bad = firstNonFiniteTensor(tensors);
  if (bad !== undefined) throw new Error(`${file} is corrupt: ${bad} holds NaN or Inf; resume from another copy or start over`);
  if (meta?.format !== RL_CHECKPOINT_FORMAT) throw new Error(`${file} is not an RL training checkpoint (format ${JSON.stringify(meta?.format)})`);
  if (!meta.collector || !meta.algoState || !meta.config) throw new Error(`${file} was written by an older trainer without collector/optimizer state; it cannot be resumed, start a new run`);
  return meta;
}

/**
 * The loop PPO and TRPO share: a policy and a critic over one normalizer, a rollout collector,
 * an iteration counter and checkpoints. Randomness is derived per iteration from (seed,
 * iteration), so a run resumed from a checkpoint is itself reproducible.
 */
export abstract class OnPolicyLearner<C extends OnPolicyConfig> {
  abstract readonly algo: string;
  readonly policy: Policy;
  readonly value: ValueFunction;
  readonly collector: RolloutCollector;
  /** The learner's Adam (what it covers is the concrete learner's choice); its state is the checkpoint's algo state. */
  readonly optimizer: Adam;
  iteration = 0;
  globalStep = 0;

  constructor(
    readonly venv: VectorEnvLike,
    readonly config: C,
    readonly opts: LearnerOptions,
  ) {
    if (venv.numEnvs !== config.numEnvs) throw new Error(`the vector env has ${venv.numEnvs} envs, the config asks for numEnvs = ${config.numEnvs}`);
    const rng = new Rng(opts.seed);
    this.policy = makePolicy(
      venv.singleObservationSpace,
      venv.singleActionSpace,
      { hidden: config.hidden, activation: config.activation, logStdInit: config.logStdInit, normalizeObservations: config.normalizeObservations },
      rng.spawn(),
    );
    this.value = new ValueFunction(this.policy.obsDim, { hidden: config.valueHidden, activation: config.activation }, rng.spawn(), (o) => this.policy.normalize(o));
    // Called before the subclass's own fields exist: it may use only the policy, critic and config.
    this.optimizer = this.createOptimizer();
    this.collector = new RolloutCollector(venv, this.policy, this.value, config);
    this.collector.reset(opts.seed);
  }

  get batchSize(): number {
    return this.config.numEnvs * this.config.numSteps;
  }

  /** Iterations needed for `totalSteps` (the last may overshoot by less than a batch). */
  get numIterations(): number {
    return Math.ceil(this.opts.totalSteps / this.batchSize);
  }

  /** One rollout and one update. */
  async iterate(): Promise<IterationStats> {
    const t0 = Date.now();
    const rng = new Rng(iterationSeed(this.opts.seed, this.iteration));
    const ro = await this.collector.collect(rng);
    const u = this.update(ro, rng);
    // The divergence guard: a NaN/Inf loss stops the run before the weights it produced can be
    // checkpointed (the counters stay put, so the last checkpoint remains the last good state).
    assertFiniteLosses(this.globalStep + this.batchSize, { 'losses/policy': u.policyLoss, 'losses/value': u.valueLoss, 'losses/entropy': u.entropy, 'charts/kl': u.kl }, this.algo);
    // Statistics move only between iterations, so collection and update saw one normalization.
    if (this.config.normalizeObservations) this.policy.normalizer.update(ro.observations);
    this.iteration++;
    this.globalStep += this.batchSize;
    return {
      iteration: this.iteration,
      globalStep: this.globalStep,
      episodeReturns: ro.episodeReturns,
      episodeLengths: ro.episodeLengths,
      ...u,
      sps: (this.batchSize / Math.max(1, Date.now() - t0)) * 1000,
    };
  }

  protected abstract update(ro: Rollout, rng: Rng): UpdateStats;
  protected abstract createOptimizer(): Adam;

  /** Optimizer tensors and JSON state of the concrete learner. */
  protected saveAlgoState(): { tensors: TensorRecord; meta: Record<string, unknown> } {
    const s = this.optimizer.getState();
    return { tensors: s.tensors, meta: { adam: s.meta } };
  }

  protected loadAlgoState(tensors: TensorRecord, meta: Record<string, unknown>): void {
    this.optimizer.setState({ tensors, meta: meta.adam as AdamState['meta'] });
  }

  /** Everything a resumed run needs, in one atomically written file. */
  save(file: string, extra: Record<string, unknown> = {}, envId?: string, more: TensorRecord = {}): void {
    const algo = this.saveAlgoState();
    // a caller's own tensors (GAIL's discriminator) travel in the same file, under their own prefixes
    const tensors: TensorRecord = { ...more };
    for (const [k, v] of Object.entries(this.policy.weightTensors())) tensors[`policy:${k}`] = v;
    for (const [k, v] of Object.entries(moduleToTensors(this.value.net))) tensors[`value:${k}`] = v;
    for (const [k, v] of Object.entries(algo.tensors)) tensors[`algo:${k}`] = v;
    // never replace a good checkpoint with diverged weights
    assertFiniteTensors(this.globalStep, tensors, this.algo);
    const meta: RLCheckpointMeta = {
      format: RL_CHECKPOINT_FORMAT,
      algo: this.algo,
      envId,
      config: this.config as C & Record<string, unknown>,
      seed: this.opts.seed,
      totalSteps: this.opts.totalSteps,
      iteration: this.iteration,
      globalStep: this.globalStep,
      normalizer: this.policy.normalizer.toJSON(),
      collector: this.collector.state(),
      algoState: algo.meta,
      extra,
    };
    writeFileAtomic(file, encodeTensors(tensors, meta as unknown as Record<string, unknown>));
  }

  /**
   * Restores a checkpoint written by `save` by a learner with the same config. The envs restart
   * from a reset seeded by (seed, iteration): episodes in progress at the checkpoint are dropped.
   */
  load(file: string): RLCheckpointMeta {
    const { tensors } = readTensorFile(file);
    const meta = readCheckpointMeta(file);
    if (meta.algo !== this.algo) throw new Error(`${file} is a ${meta.algo} checkpoint, this learner is ${this.algo}`);
    const pick = (prefix: string): TensorRecord =>
      Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    this.policy.setWeights(pick('policy:'));
    this.value.net.setWeights(pick('value:'));
    this.loadAlgoState(pick('algo:'), meta.algoState);
    this.policy.normalizer.load(meta.normalizer);
    this.collector.loadState(meta.collector);
    this.iteration = meta.iteration;
    this.globalStep = meta.globalStep;
    this.collector.reset(iterationSeed(this.opts.seed, this.iteration));
    return meta;
  }

  dispose(): void {
    this.disposeExceptPolicy();
    this.policy.dispose();
  }

  /** Frees the critic and optimizer state, leaving the trained policy to the caller. */
  disposeExceptPolicy(): void {
    this.optimizer.dispose();
    this.value.dispose();
  }
}
