import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, layerSetting, readJsonConfig, resolveConfigLayers, type ConfigLayer, type ConfigRules } from '@mgail/core-autodiff-graph';
import type { CostKind } from '@mgail/discriminator';
import type { ForwardModelKind } from '@mgail/forward-model';

/**
 * Every knob of MGAIL. Defaults follow the authors' released setup where it gives one (horizon
 * 10, γ 0.99, batch 70, learning rates model 1e-4 / discriminator 1e-3 / policy 1e-4, D (200,
 * 100) with dropout 0.25 and weight decay 1e-7, expert weight 0.8, policy (100, 50), 7
 * accumulated unrolls per policy step, prep time 1000 iterations, 50k agent transitions).
 * Per-env overrides live in `configs/<env-id>.json`; see README for what was measured.
 */
export interface MGAILConfig {
  // ---------------------------------------------------------------- schedule
  /** Training iterations. Each has a model update, then a discriminator and/or a policy update. */
  iterations: number;
  /** Prep iterations at the start with model and discriminator updates only (authors: prep_time 1000). */
  prepIterations: number;
  /** Env steps with uniformly random actions that pre-fill the agent buffer before anything trains. */
  initialRandomSteps: number;
  /** Model updates on the pre-filled buffer before the first iteration. */
  modelPretrainSteps: number;
  /**
   * After prep: 0 updates D and the policy in every iteration; N alternates blocks of N
   * D-only and N policy-only iterations (authors: discr_policy_itrvl 100).
   */
  discPolicyInterval: number;
  /** Every N iterations, `collectSteps` extra steps of the stochastic policy on each live env (0 = off; the unrolls' real steps are always recorded). */
  collectEvery: number;
  /** Steps per live env of each periodic collection. */
  collectSteps: number;
  /** Deterministic evaluation every N iterations, for logging only: it never selects a policy (0 = off). */
  evalEvery: number;
  /** Episodes of each logged evaluation. */
  evalEpisodes: number;
  /** Resumable checkpoint every N iterations when there is a run dir (0 = only at the end). */
  checkpointEvery: number;

  // ---------------------------------------------------------------- policy
  /** Hidden widths of π (authors: 100, 50). */
  policyHidden: number[];
  /** Hidden activation of π. */
  policyActivation: 'relu' | 'tanh';
  /** Adam learning rate of π (authors: 1e-4). */
  policyLr: number;
  /** The policy learning rate decays linearly from policyLr to policyLr × this over the post-prep iterations (1 = constant). */
  policyLrFinalFraction: number;
  /**
   * The returned policy is the uniform average of π's weights over the last fraction of the
   * post-prep iterations (0 = off: the last iterate). Averaging iterates smooths the adversarial
   * game's oscillation without looking at any reward; logged evaluations use the current iterate.
   */
  policyAverageFraction: number;
  /** Global gradient-norm clip of the policy gradient (0 = off; Adam only). */
  policyMaxGradNorm: number;
  /**
   * How the accumulated gradient of J moves π. `adam` (the authors'): an Adam step of policyLr.
   * `natural`: TRPO's step without its line search, x = F⁻¹g by conjugate gradient on Fisher-vector
   * products, scaled so that ½xᵀ(F + naturalDamping·I)x = policyMaxKl. The Fisher undoes the softmax's saturation
   * (a categorical's Fisher shrinks with π(a), its inverse scales the step back up) while the
   * KL bound keeps each step small in what π does, not in its weights.
   */
  policyOptimizer: 'adam' | 'natural';
  /** `natural`: δ, the KL of each step (on the Fisher states), decayed like policyLr by policyLrFinalFraction. */
  policyMaxKl: number;
  /** `natural`: agent states (from the buffer) and as many expert states on which F is taken. */
  naturalFisherStates: number;
  /** `natural`: conjugate-gradient iterations (TRPO: 10). */
  naturalCgIterations: number;
  /** `natural`: damping added to F (TRPO: 0.1). */
  naturalDamping: number;
  /**
   * Behavioural-cloning warm start: Adam steps (lr `bcLr`, batches of `bcBatchSize` expert pairs)
   * of maximum likelihood on the demonstrations before the first iteration (0 = off: the paper
   * starts from a random π). The same warm start GAIL's `bcWarmStart` gives its generator.
   */
  bcPretrainSteps: number;
  /** Adam learning rate of the BC warm start. */
  bcLr: number;
  /** Expert pairs per BC step (warm start and `bcWeight` term). */
  bcBatchSize: number;
  /**
   * Weight λ of an auxiliary BC term added to every policy update, λ · E_expert[−log π(a_E | s_E)]
   * averaged over a batch (0 = off: the paper's objective alone). It anchors π to the
   * demonstrations while the adversarial game oscillates.
   */
  bcWeight: number;
  /**
   * The BC warm start and term (`bcPretrainSteps`, `bcWeight`) apply only to demonstrations of
   * at least this many trajectories; with fewer both are off (`effectiveMGAILConfig`). BC anchors
   * π well where the demonstrations cover the start states and pins it to a poor extrapolation
   * where they do not (MountainCar-v0 with 1 trajectory: README).
   */
  bcMinTrajectories: number;
  /**
   * Gaussian policies: `learned` trains a state-independent log-std (initialized at logStdInit);
   * `expert` fixes σ = (expert action std) / noiseIntensity in raw action units (the authors').
   */
  actionNoise: 'learned' | 'expert';
  /** Initial log-std of a Gaussian policy with learned noise. */
  logStdInit: number;
  /** σ = expert action std / noiseIntensity with `actionNoise: expert` (authors: 6). */
  noiseIntensity: number;
  /** Gumbel-softmax temperature τ for discrete actions (authors: 1). */
  temperature: number;
  /** Straight-through Gumbel-softmax: one-hot actions forward, the soft sample's gradient backward. */
  hardGumbel: boolean;
  /**
   * Scale of the reparameterization noise in the unrolls (Gumbel noise of a categorical, ε of a
   * Gaussian): 1 = the paper's sampled actions; 0 = the deterministic action (argmax with the
   * straight-through softmax gradient, or the mean), the policy that is evaluated and shipped.
   * Collection still samples from π.
   */
  unrollNoiseScale: number;
  /** Weight of an entropy bonus (discrete policies): each unrolled step's cost gets −coef·H(π(·|s_t)). */
  entropyCoef: number;

  // ---------------------------------------------------------------- policy objective (the unroll)
  /** Unroll length T (authors: n_steps_train 10). */
  horizon: number;
  /** Discount γ of the unrolled cost. */
  gamma: number;
  /** Live envs unrolled side by side; each unroll averages over this many start states. */
  unrollBatch: number;
  /** Unrolls whose gradients are averaged into one policy step, each from the live envs' current real states (authors: 7; 0 = imagined unrolls only). */
  unrollsPerUpdate: number;
  /**
   * More unrolls per policy step that start from `imaginedBatch` states of the agent buffer and
   * run in the forward model alone (s_{t+1} = f(s_t, a_t)): policy gradient that costs no env
   * steps. Their gradients are averaged with the real unrolls' (0 = off, the paper's updates).
   */
  imaginedUnrolls: number;
  /** Start states per imagined unroll, drawn uniformly from the agent buffer. */
  imaginedBatch: number;
  /** Policy steps per iteration, each with its own unrolls: with imagined unrolls, the replay ratio (logged as `charts/replay_ratio`, policy steps per env step). */
  policyUpdatesPerIteration: number;
  /**
   * Steps per live env of π's collection in an iteration whose policy update steps no env (prep,
   * D-only blocks, imagination, or `unrollsPerUpdate` 0), so fresh agent data keeps flowing;
   * −1 = `horizon` steps.
   */
  idleCollectSteps: number;
  /**
   * Probability that a live env's episode is played, during collection, by π's deterministic
   * action (argmax / mean) instead of a sample (0 = off: the paper collects with the stochastic
   * π). The policy that is evaluated and shipped is the deterministic one; its episodes can leave
   * the sampled policy's states (a categorical's argmax can loop where its samples do not), and
   * only states in the agent buffer are judged by D, learned by f and start imagined unrolls.
   */
  collectDeterministicProb: number;
  /** How the per-step cost is read from D (D = P(expert)). */
  costKind: CostKind;
  /** Ablation: s_{t+1} = f(s_t, a_t), no correction to the real next state. */
  imagination: boolean;
  /** Ablation: block the gradient through the forward model (only ∂D/∂a). */
  cutModelGradient: boolean;

  // ---------------------------------------------------------------- forward model
  /** `basic` MLP or the paper's recurrent `advanced` model. */
  forwardModel: ForwardModelKind;
  /** Basic model hidden widths. */
  modelHidden: number[];
  /** Advanced model: encoder, GRU and decoder width (authors: fm_size 100). */
  modelEncoderDim: number;
  /** Advanced model: n, the states the GRU reads (training windows; rollouts warm up on the last n − 1 real states). */
  modelHistory: number;
  /** Adam learning rate of the model (authors: 1e-4). */
  modelLr: number;
  /** Windows per model update. */
  modelBatchSize: number;
  /** Model updates per iteration. */
  modelUpdatesPerIteration: number;

  // ---------------------------------------------------------------- discriminator
  /** Hidden widths of D (authors: 200, 100). */
  discHidden: number[];
  /** Adam learning rate of D (authors: 1e-3). */
  discLr: number;
  /** Expert pairs and agent pairs per D update, each (authors: 70). */
  discBatchSize: number;
  /** D updates per iteration in which D trains. */
  discUpdatesPerIteration: number;
  /** L2 weight decay of D (authors: 1e-7). */
  discWeightDecay: number;
  /** Dropout rate on D's hidden layers while it trains (authors: keep 0.75). */
  discDropout: number;
  /** Weight of the expert cross-entropy term; agent term 1 (authors: cost_sensitive_weight 0.8). */
  discExpertWeight: number;
  /** Label smoothing ε of D's targets (0 = off). */
  discLabelSmoothing: number;
  /** Gradient-penalty coefficient on expert inputs (0 = off). */
  discGradientPenalty: number;
  /**
   * Std of Gaussian noise on D's standardized inputs while it trains (instance noise, 0 = off).
   * Few deterministic trajectories are thin curves in state space that D can tell apart from any
   * other start's curve; noise blurs them so D has to judge the action and the coarse state.
   */
  discInputNoise: number;
  /** Floor on the expert std that standardizes D's inputs, raw units. */
  discStdFloor: number;

  // ---------------------------------------------------------------- data
  /** Agent transitions kept (authors: 50k). */
  bufferSize: number;
  /** Probability that a live env restarts from a random expert state (MuJoCo demos with qpos/qvel). */
  expertRestartProb: number;

  // ---------------------------------------------------------------- speed
  /**
   * Worker threads that share the policy update (0 = none): each has its own `unrollBatch` live
   * envs and copies of π, f and D, and takes its share of the `unrollsPerUpdate` unrolls while the
   * trainer's thread does the rest; the gradients are summed. Uses the second core; the result
   * depends on this number (more live envs), not on timing.
   */
  policyWorkers: number;
}

export const DEFAULT_MGAIL_CONFIG: MGAILConfig = {
  iterations: 20_000,
  prepIterations: 1000,
  initialRandomSteps: 2000,
  modelPretrainSteps: 500,
  discPolicyInterval: 100,
  collectEvery: 15,
  collectSteps: 10,
  evalEvery: 500,
  evalEpisodes: 5,
  checkpointEvery: 1000,
  policyHidden: [100, 50],
  policyActivation: 'relu',
  policyLr: 1e-4,
  policyLrFinalFraction: 1,
  policyAverageFraction: 0,
  policyMaxGradNorm: 10,
  policyOptimizer: 'adam',
  policyMaxKl: 0.01,
  naturalFisherStates: 128,
  naturalCgIterations: 10,
  naturalDamping: 0.1,
  bcPretrainSteps: 0,
  bcLr: 1e-3,
  bcBatchSize: 64,
  bcWeight: 0,
  bcMinTrajectories: 1,
  actionNoise: 'learned',
  logStdInit: -0.5,
  noiseIntensity: 6,
  temperature: 1,
  hardGumbel: true,
  unrollNoiseScale: 1,
  entropyCoef: 0,
  horizon: 10,
  gamma: 0.99,
  unrollBatch: 1,
  unrollsPerUpdate: 7,
  imaginedUnrolls: 0,
  imaginedBatch: 32,
  policyUpdatesPerIteration: 1,
  idleCollectSteps: -1,
  collectDeterministicProb: 0,
  costKind: 'neg-log-d',
  imagination: false,
  cutModelGradient: false,
  forwardModel: 'basic',
  modelHidden: [128, 128],
  modelEncoderDim: 100,
  modelHistory: 4,
  modelLr: 1e-4,
  modelBatchSize: 70,
  modelUpdatesPerIteration: 1,
  discHidden: [200, 100],
  discLr: 1e-3,
  discBatchSize: 70,
  discUpdatesPerIteration: 1,
  discWeightDecay: 1e-7,
  discDropout: 0.25,
  discExpertWeight: 0.8,
  discLabelSmoothing: 0,
  discGradientPenalty: 0,
  discInputNoise: 0,
  discStdFloor: 1e-3,
  bufferSize: 50_000,
  expertRestartProb: 0,
  policyWorkers: 0,
};

const CHOICES: Partial<Record<keyof MGAILConfig, readonly string[]>> = {
  policyActivation: ['relu', 'tanh'],
  policyOptimizer: ['adam', 'natural'],
  actionNoise: ['learned', 'expert'],
  costKind: ['neg-log-d', 'log-one-minus-d', 'neg-logit'],
  forwardModel: ['basic', 'advanced'],
};

const POSITIVE_INTEGERS: (keyof MGAILConfig)[] = [
  'horizon', 'unrollBatch', 'imaginedBatch', 'policyUpdatesPerIteration', 'modelHistory', 'modelBatchSize', 'discBatchSize', 'bcBatchSize', 'bufferSize', 'evalEpisodes', 'modelEncoderDim',
  'naturalFisherStates', 'naturalCgIterations', 'bcMinTrajectories',
];
const NON_NEGATIVE_INTEGERS: (keyof MGAILConfig)[] = [
  'iterations', 'prepIterations', 'initialRandomSteps', 'modelPretrainSteps', 'discPolicyInterval', 'collectEvery', 'collectSteps', 'evalEvery',
  'checkpointEvery', 'modelUpdatesPerIteration', 'discUpdatesPerIteration', 'policyWorkers', 'bcPretrainSteps', 'unrollsPerUpdate', 'imaginedUnrolls',
];
const POSITIVE_NUMBERS: (keyof MGAILConfig)[] = ['policyLr', 'bcLr', 'modelLr', 'discLr', 'noiseIntensity', 'temperature', 'discExpertWeight', 'discStdFloor', 'policyMaxKl'];
const NON_NEGATIVE_NUMBERS: (keyof MGAILConfig)[] = ['policyMaxGradNorm', 'bcWeight', 'entropyCoef', 'discWeightDecay', 'discGradientPenalty', 'discInputNoise', 'naturalDamping'];

/** What each field accepts (fields not listed are checked against their default's type). */
const RULES: ConfigRules<MGAILConfig> = {
  ...Object.fromEntries(Object.entries(CHOICES).map(([k, choices]) => [k, { kind: 'choice', choices }])),
  ...Object.fromEntries(POSITIVE_INTEGERS.map((k) => [k, { kind: 'int', min: 1 }])),
  ...Object.fromEntries(NON_NEGATIVE_INTEGERS.map((k) => [k, { kind: 'int', min: 0 }])),
  ...Object.fromEntries(POSITIVE_NUMBERS.map((k) => [k, { kind: 'number', min: 0, minExclusive: true }])),
  ...Object.fromEntries(NON_NEGATIVE_NUMBERS.map((k) => [k, { kind: 'number', min: 0 }])),
  gamma: { kind: 'number', min: 0, max: 1, minExclusive: true },
  discDropout: { kind: 'number', min: 0, max: 1, maxExclusive: true },
  policyLrFinalFraction: { kind: 'number', min: 0, max: 1 },
  policyAverageFraction: { kind: 'number', min: 0, max: 1, maxExclusive: true },
  discLabelSmoothing: { kind: 'number', min: 0, max: 0.5, maxExclusive: true },
  expertRestartProb: { kind: 'number', min: 0, max: 1 },
  collectDeterministicProb: { kind: 'number', min: 0, max: 1 },
  unrollNoiseScale: { kind: 'number', min: 0, max: 1 },
  idleCollectSteps: { kind: 'int', min: -1 },
};

/** The directory of the checked-in per-env files (`configs/<env-id>.json`). */
export function configDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'configs');
}

/** Whether a policy step unrolls the real envs (the paper's update) rather than only the model. */
export function policyStepsEnvs(c: Pick<MGAILConfig, 'imagination' | 'unrollsPerUpdate'>): boolean {
  return !c.imagination && c.unrollsPerUpdate > 0;
}

/** Steps per live env of an iteration whose policy update steps no env (`idleCollectSteps`, −1 = `horizon`). */
export function idleCollectStepsOf(c: Pick<MGAILConfig, 'idleCollectSteps' | 'horizon'>): number {
  // older checkpoints' configs have no idleCollectSteps
  return (c.idleCollectSteps ?? -1) < 0 ? c.horizon : c.idleCollectSteps;
}

/** The BC parts `mgail+bc` adds to MGAIL; the published `mgail` has none. */
export const MGAIL_BC_FIELDS = ['bcPretrainSteps', 'bcWeight'] as const;

/** `mgail` (the paper's algorithm) or `mgail+bc` (with a BC warm start or BC term): what a config runs. */
export function mgailAlgoName(config: Pick<MGAILConfig, 'bcPretrainSteps' | 'bcWeight'>): 'mgail' | 'mgail+bc' {
  return config.bcPretrainSteps > 0 || config.bcWeight > 0 ? 'mgail+bc' : 'mgail';
}

function mgailLayers(envId: string | undefined, variant: 'mgail' | 'mgail+bc', overrides: Record<string, unknown> | readonly ConfigLayer[], source: string): ConfigLayer[] {
  const layers: ConfigLayer[] = [];
  const files = envId ? [path.join(configDir(), `${envId}.json`), ...(variant === 'mgail+bc' ? [path.join(configDir(), 'mgail+bc', `${envId}.json`)] : [])] : [];
  for (const file of files) if (fs.existsSync(file)) layers.push({ source: file, values: readJsonConfig(file) });
  layers.push(...(Array.isArray(overrides) ? overrides : [{ source, values: overrides as Record<string, unknown> }]));
  return layers;
}

/** A policy step needs at least one unroll, real or imagined. */
function checkUnrolls(c: MGAILConfig, layers: readonly ConfigLayer[]): MGAILConfig {
  if (c.unrollsPerUpdate + c.imaginedUnrolls > 0) return c;
  // name the last layer that set either to 0: that is the one to change
  const last = [...layers].reverse().find((l) => l.values?.unrollsPerUpdate === 0 || l.values?.imaginedUnrolls === 0);
  throw new ConfigError(`${last?.source ?? 'config'}: unrollsPerUpdate and imaginedUnrolls are both 0, so a policy step has no unroll; set one of them to 1 or more`);
}

/**
 * The published MGAIL's config: defaults, then `configs/<env>.json`, then `overrides` (an object,
 * named `source` in errors, or named layers in order: a config file, then flags); fields starting
 * with `$` are comments. Unknown, mistyped or out-of-range fields are errors that name the field
 * and where it came from, and so is a BC part (`bcPretrainSteps`, `bcWeight`): with one it is
 * another algorithm, `mgailBCConfig`.
 */
export function mgailConfig(envId?: string, overrides: Record<string, unknown> | readonly ConfigLayer[] = {}, source = 'overrides'): MGAILConfig {
  const layers = mgailLayers(envId, 'mgail', overrides, source);
  const c = checkUnrolls(resolveConfigLayers('mgail', DEFAULT_MGAIL_CONFIG, layers, RULES), layers);
  for (const f of MGAIL_BC_FIELDS) {
    const set = layerSetting(layers, f, (v) => typeof v === 'number' && v > 0);
    if (set) throw new ConfigError(`${set.source}: mgail config field "${f}" is ${JSON.stringify(set.value)}, a BC part the published MGAIL does not have; use the mgail+bc algorithm (--algo mgail+bc) or set it to 0`);
  }
  return c;
}

/**
 * `mgail+bc`: MGAIL with a BC warm start and/or a BC term in every policy update, which the
 * paper does not have. Defaults, `configs/<env>.json`, then `configs/mgail+bc/<env>.json` (the
 * BC parts tuned per env), then `overrides`; without any BC part it is plain MGAIL and refused.
 */
export function mgailBCConfig(envId?: string, overrides: Record<string, unknown> | readonly ConfigLayer[] = {}, source = 'overrides'): MGAILConfig {
  const layers = mgailLayers(envId, 'mgail+bc', overrides, source);
  const c = checkUnrolls(resolveConfigLayers('mgail+bc', DEFAULT_MGAIL_CONFIG, layers, RULES), layers);
  if (mgailAlgoName(c) !== 'mgail+bc') {
    throw new ConfigError(`${layers.at(-1)?.source ?? source}: an mgail+bc config needs bcPretrainSteps > 0 or bcWeight > 0${envId ? ` (no configs/mgail+bc/${envId}.json sets them)` : ''}; without a BC part use --algo mgail`);
  }
  return c;
}

/**
 * `config` as `trainMGAIL` runs it on demonstrations of `trajectories` episodes: below
 * `bcMinTrajectories` the BC warm start and term are off. Use it to record what a run did.
 */
export function effectiveMGAILConfig(config: MGAILConfig, trajectories: number): MGAILConfig {
  // older checkpoints' configs have no bcMinTrajectories
  if (trajectories >= (config.bcMinTrajectories ?? 1) || (config.bcPretrainSteps === 0 && config.bcWeight === 0)) return config;
  return { ...config, bcPretrainSteps: 0, bcWeight: 0 };
}
