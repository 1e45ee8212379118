import { assignFromTensors, ConfigError, openCheckpointFile, readTensorFile, DivergenceError, moduleToTensors, Rng, assertFiniteLosses, layerSetting, type ConfigLayer, type TensorRecord } from '@mgail/core-autodiff-graph';
import { make, makeVec, type Env, type Space } from '@mgail/envs-classic';
import { Discriminator, pairs, type CostKind, type DiscriminatorStats } from '@mgail/discriminator';
import { evaluatePolicy, validateDemos, type Demonstrations, type Policy } from '@mgail/policies';
import { bcConfig, trainBC } from './bc.js';
import { envConfigLayers, resolveConfig, toLayers, type ConfigOverrides } from './config.js';
import type { IterationStats, OnPolicyConfig, OnPolicyLearner } from './learner.js';
import { PPO, ppoConfig, type PPOConfig } from './ppo.js';
import { TRPO, trpoConfig, type TRPOConfig } from './trpo.js';
import type { VectorEnvLike, VectorStepLike } from './vec.js';

/**
 * Generative adversarial imitation learning (Ho & Ermon 2016, Algorithm 1). The discriminator
 * here is D(s,a) = P(expert | s,a) (the paper's D is P(agent); the two conventions differ by
 * D ↔ 1 − D). The generator is an on-policy RL learner on the surrogate reward r(s,a) = −c(s,a).
 */
export interface GAILConfig {
  /** Total environment steps of the generator (the budget; the last round may overshoot by less than a batch). */
  totalSteps: number;
  /** The generator's RL algorithm: TRPO as in the paper, or PPO. */
  generator: 'trpo' | 'ppo';
  /**
   * The per-pair cost c(s,a) read from D; the generator's reward is −c.
   *   'log-one-minus-d': c = log(1 − D), reward −log(1 − D) ≥ 0 (the paper's objective, eq. 17,
   *                      minimize E_π[log(1 − D)] in this file's convention). Positive rewards
   *                      favour long episodes (a survival bias that helps CartPole, hurts MountainCar).
   *   'neg-log-d':       c = −log D, reward log D ≤ 0 (the non-saturating form; favours ending early).
   *   'neg-logit':       c = −ℓ, reward ℓ = log D − log(1 − D) (AIRL-style, sign-neutral).
   */
  rewardKind: CostKind;
  /** Parallel envs of the generator's vector env. */
  numEnvs: number;
  /** Steps per env per round: a round learns from numEnvs × numSteps transitions. */
  numSteps: number;
  /** Discount γ of the generator. */
  gamma: number;
  /** GAE λ of the generator (the paper: 0.97). */
  gaeLambda: number;
  /** Policy hidden widths (the paper: 100, 100 tanh). */
  hidden: number[];
  /** Value function hidden widths. */
  valueHidden: number[];
  /** Hidden activation of policy and value function. */
  activation: 'tanh' | 'relu';
  /** Entropy bonus coefficient of the generator (the paper's causal entropy weight λ; 0 there). */
  entCoef: number;
  /** Standardize the surrogate rewards by a running std of the discounted return. */
  normalizeRewards: boolean;
  /** Further generator fields (`trpoConfig` / `ppoConfig` names: maxKl, lr, updateEpochs, ...). */
  generatorOverrides: Record<string, unknown>;
  /** Discriminator hidden widths (the paper: 100, 100 tanh). */
  discHidden: number[];
  /** Discriminator hidden activation. */
  discActivation: 'tanh' | 'relu';
  /** Discriminator Adam learning rate. */
  discLr: number;
  /** Adam steps of D per round, each on `discBatchSize` expert and `discBatchSize` agent pairs. */
  discUpdatesPerRound: number;
  /** Pairs of each kind per D step (capped by what the round collected). */
  discBatchSize: number;
  /** Rounds at the start with only D updates, so the first rewards already mean something (0 = off). */
  discWarmupRounds: number;
  /** L2 weight decay of D. */
  discWeightDecay: number;
  /** Dropout rate on D's hidden layers while it trains. */
  discDropout: number;
  /** Weight of the expert term of D's cross-entropy (the agent term has weight 1). */
  discExpertWeight: number;
  /** Label smoothing ε of D's targets. */
  discLabelSmoothing: number;
  /** Gradient penalty on D at the expert pairs (0 = off). */
  discGradientPenalty: number;
  /** Start the generator's policy from behavioural cloning on the same demonstrations. */
  bcWarmStart: boolean;
  /** Upper bound on BC epochs for the warm start. */
  bcEpochs: number;
  /** Deterministic evaluation every N rounds, for plots only: it never selects a policy (0 = off). */
  evalEvery: number;
  /** Episodes per logged evaluation. */
  evalEpisodes: number;
}

/** GAIL's code defaults: a TRPO generator on 8 envs × 256 steps, reward −log(1 − D), 200 000 env steps; `configs/gail/<env>.json` overrides them per env. */
export const DEFAULT_GAIL_CONFIG: GAILConfig = {
  totalSteps: 200_000,
  generator: 'trpo',
  rewardKind: 'log-one-minus-d',
  numEnvs: 8,
  numSteps: 256,
  gamma: 0.99,
  gaeLambda: 0.97,
  hidden: [64, 64],
  valueHidden: [64, 64],
  activation: 'tanh',
  entCoef: 0,
  normalizeRewards: false,
  generatorOverrides: {},
  discHidden: [100, 100],
  discActivation: 'tanh',
  discLr: 3e-4,
  discUpdatesPerRound: 5,
  discBatchSize: 256,
  discWarmupRounds: 0,
  discWeightDecay: 0,
  discDropout: 0,
  discExpertWeight: 1,
  discLabelSmoothing: 0,
  discGradientPenalty: 0,
  bcWarmStart: false,
  bcEpochs: 50,
  evalEvery: 5,
  evalEpisodes: 5,
};

const GAIL_RULES = {
  generator: { kind: 'choice', choices: ['trpo', 'ppo'] },
  rewardKind: { kind: 'choice', choices: ['log-one-minus-d', 'neg-log-d', 'neg-logit'] },
  activation: { kind: 'choice', choices: ['tanh', 'relu'] },
  discActivation: { kind: 'choice', choices: ['tanh', 'relu'] },
  totalSteps: { kind: 'int', min: 1 },
  numEnvs: { kind: 'int', min: 1 },
  numSteps: { kind: 'int', min: 1 },
  discBatchSize: { kind: 'int', min: 1 },
  evalEpisodes: { kind: 'int', min: 1 },
  discUpdatesPerRound: { kind: 'int', min: 0 },
  discWarmupRounds: { kind: 'int', min: 0 },
  bcEpochs: { kind: 'int', min: 0 },
  evalEvery: { kind: 'int', min: 0 },
  gamma: { kind: 'number', min: 0, max: 1, minExclusive: true },
  gaeLambda: { kind: 'number', min: 0, max: 1 },
  entCoef: { kind: 'number', min: 0 },
  discLr: { kind: 'number', min: 0, minExclusive: true },
  discWeightDecay: { kind: 'number', min: 0 },
  discDropout: { kind: 'number', min: 0, max: 1, maxExclusive: true },
  discExpertWeight: { kind: 'number', min: 0, minExclusive: true },
  discLabelSmoothing: { kind: 'number', min: 0, max: 0.5, maxExclusive: true },
  discGradientPenalty: { kind: 'number', min: 0 },
} as const;

/**
 * The published GAIL's config: defaults, then `configs/gail/<env-id>.json`, then `overrides`
 * (an object, or layers); the generator fields are checked too. A BC warm start is refused, naming
 * where it was set: GAIL from a BC policy is another algorithm, `gailBCConfig`.
 */
export function gailConfig(envId?: string, overrides: ConfigOverrides<GAILConfig> = {}, source = 'overrides'): GAILConfig {
  const layers = [...envConfigLayers('gail', envId), ...toLayers(overrides, source)];
  const set = layerSetting(layers, 'bcWarmStart', (v) => v === true);
  if (set) throw new ConfigError(`${set.source}: gail config field "bcWarmStart" is true, a BC warm start the published GAIL does not have; use the gail+bc algorithm (--algo gail+bc)`);
  // the layers already hold the per-env file: no envId, so it is read once
  const c = resolveConfig('gail', DEFAULT_GAIL_CONFIG, undefined, layers, source, GAIL_RULES);
  generatorConfig(c); // unknown generatorOverrides fail here, before any training
  return c;
}

/**
 * `gail+bc`: GAIL whose generator starts from a BC policy (`bcWarmStart`). Defaults, then
 * `configs/gail/<env-id>.json`, `configs/gail+bc/<env-id>.json` when there is one, then
 * `overrides`.
 */
export function gailBCConfig(envId?: string, overrides: ConfigOverrides<GAILConfig> = {}, source = 'overrides'): GAILConfig {
  const layers: ConfigLayer[] = [
    ...envConfigLayers('gail', envId), ...envConfigLayers('gail+bc', envId), { source: 'gail+bc', values: { bcWarmStart: true } }, ...toLayers(overrides, source),
  ];
  const c = resolveConfig('gail', DEFAULT_GAIL_CONFIG, undefined, layers, source, GAIL_RULES);
  if (!c.bcWarmStart) throw new ConfigError(`${layerSetting(layers, 'bcWarmStart', (v) => v === false)?.source ?? source}: a gail+bc config has bcWarmStart true; without it use --algo gail`);
  generatorConfig(c);
  return c;
}

/** The generator's full config: its own defaults and per-env file, then GAIL's shared fields, then generatorOverrides. */
export function generatorConfig(c: GAILConfig): TRPOConfig | PPOConfig {
  const shared: Partial<OnPolicyConfig> & { entCoef: number } = {
    numEnvs: c.numEnvs, numSteps: c.numSteps, gamma: c.gamma, gaeLambda: c.gaeLambda, hidden: c.hidden, valueHidden: c.valueHidden,
    activation: c.activation, normalizeRewards: c.normalizeRewards, entCoef: c.entCoef,
  };
  const o = { ...shared, ...c.generatorOverrides };
  // Not the RL experts' per-env files: those tune for env rewards; GAIL's own per-env file tunes its generator.
  const source = 'gail generatorOverrides';
  return c.generator === 'trpo' ? trpoConfig(undefined, o as Partial<TRPOConfig>, source) : ppoConfig(undefined, o as Partial<PPOConfig>, source);
}

/** What one GAIL round (generator rollout and update, then discriminator steps) measured. */
export interface GAILHistoryEntry {
  round: number;
  envSteps: number;
  wallClockSeconds: number;
  /** Mean env return of the training episodes that ended this round (stochastic policy; logging only). */
  trainEpisodeReturn?: number;
  /** Mean surrogate reward −c(s,a) over the round's transitions. */
  surrogateReward: number;
  disc?: DiscriminatorStats;
  policyLoss?: number;
  kl?: number;
  entropy?: number;
}

/** A logged deterministic evaluation of the GAIL policy (for plots; never used to select it). */
export interface GAILEvalEntry {
  round: number;
  envSteps: number;
  wallClockSeconds: number;
  mean: number;
  std: number;
}

/** What `trainGAIL` trains on, how it builds its envs, and its callbacks. */
export interface GAILOptions {
  envId: string;
  demos: Demonstrations;
  config: GAILConfig;
  seed: number;
  /** Builds the generator's vector env in same-step auto-reset mode (default: envs-classic `makeVec`). */
  makeVecEnv?: (numEnvs: number) => VectorEnvLike | Promise<VectorEnvLike>;
  /** Builds the env of the logged evaluations (needed when evalEvery > 0 and the env is not classic). */
  makeEvalEnv?: () => Env | Promise<Env>;
  /** Called after every round. */
  onRound?: (h: GAILHistoryEntry) => void;
  /** Called after every logged evaluation. */
  onEval?: (e: GAILEvalEntry) => void;
  /** Polled after each round: true stops early (the result says finished: false). */
  shouldStop?: () => boolean;
  /**
   * Write the training state (generator, critic, discriminator, optimizers, generators' random
   * state, history) to `file` every `every` rounds, when stopped and at the end; with `resume`,
   * continue from it (refused when it does not exist). An existing file is replaced only with
   * `force`; the file's folder is locked while training. The envs restart on resume: episodes in
   * progress are dropped.
   */
  checkpoint?: { file: string; every: number; resume?: boolean; force?: boolean };
}

/** The GAIL part of a GAIL training checkpoint (the learner's checkpoint `extra.gail`). */
export interface GAILCheckpointState {
  format: typeof GAIL_CHECKPOINT_FORMAT;
  seed: number;
  pairs: number;
  config: GAILConfig;
  round: number;
  rng: ReturnType<Rng['getState']>;
  evalRng: ReturnType<Rng['getState']>;
  /** The discriminator's own stream (dropout masks, input noise); absent in checkpoints written before it was saved. */
  discRng?: ReturnType<Rng['getState']>;
  discAdam: unknown;
  history: GAILHistoryEntry[];
  evalHistory: GAILEvalEntry[];
  /** The last metrics step (env steps) this state includes: rows past it were logged by a killed sitting. */
  metricsStep: number;
}

export const GAIL_CHECKPOINT_FORMAT = 'mgail-gail-training-checkpoint';

/** The final GAIL policy, the steps and rounds it took, and its logged history. */
export interface GAILResult {
  /** The final policy (never selected by env reward, which imitation learning does not have). */
  policy: Policy;
  envSteps: number;
  rounds: number;
  finished: boolean;
  wallClockSeconds: number;
  history: GAILHistoryEntry[];
  /** Deterministic evaluations logged for plots, never used for selection. */
  evalHistory: GAILEvalEntry[];
  /** Expert (state, action) pairs the discriminator trained on: every pair of the demonstrations given. */
  expertPairs: number;
}

/**
 * A vector env whose rewards are the discriminator's −c(s,a) for the pair (s_t, a_t) the agent
 * acted on; it also keeps this round's pairs for D's next update. The env's own returns still
 * reach the learner's episode statistics (`infos.episodes`), which are logged and never learned from.
 */
class DiscriminatorRewardEnv implements VectorEnvLike {
  private obs: Float32Array = new Float32Array(0);
  private readonly roundObs: number[] = [];
  private readonly roundAct: number[] = [];
  rewardSum = 0;
  rewardCount = 0;
  readonly discrete: boolean;
  /** Discrete: number of actions (D reads one-hots); Box: action size. */
  readonly dActDim: number;

  constructor(
    readonly inner: VectorEnvLike,
    readonly disc: () => Discriminator,
    readonly kind: CostKind,
  ) {
    const as = inner.singleActionSpace;
    this.discrete = as.kind === 'discrete';
    this.dActDim = actionWidth(as);
  }

  get numEnvs(): number {
    return this.inner.numEnvs;
  }
  get singleObservationSpace() {
    return this.inner.singleObservationSpace;
  }
  get singleActionSpace() {
    return this.inner.singleActionSpace;
  }

  reset(opts?: { seed?: number }): { observations: Float32Array | Float64Array } {
    const r = this.inner.reset(opts);
    this.obs = Float32Array.from(r.observations);
    return r;
  }

  async step(actions: ArrayLike<number>): Promise<VectorStepLike> {
    const r = await this.inner.step(actions);
    const n = this.inner.numEnvs;
    const od = this.obs.length / n;
    const a = new Float32Array(n * this.dActDim);
    for (let e = 0; e < n; e++) {
      if (this.discrete) a[e * this.dActDim + actions[e]] = 1;
      else for (let j = 0; j < this.dActDim; j++) a[e * this.dActDim + j] = actions[e * this.dActDim + j];
    }
    const rewards = this.disc().reward(this.obs, a, this.kind);
    for (let i = 0; i < n * od; i++) this.roundObs.push(this.obs[i]);
    for (let e = 0; e < n; e++) {
      if (this.discrete) this.roundAct.push(actions[e]);
      else for (let j = 0; j < this.dActDim; j++) this.roundAct.push(actions[e * this.dActDim + j]);
      this.rewardSum += rewards[e];
    }
    this.rewardCount += n;
    // Same-step auto-reset: the returned observations are already the next episodes' first ones.
    this.obs = Float32Array.from(r.observations);
    return { ...r, rewards };
  }

  /** The round's agent pairs [s, a] (a one-hot for discrete), then forgets them. */
  takeRound(): Float32Array {
    const out = pairs(this.roundObs, this.roundAct, this.obs.length / this.inner.numEnvs, this.dActDim, this.discrete);
    this.roundObs.length = 0;
    this.roundAct.length = 0;
    this.rewardSum = 0;
    this.rewardCount = 0;
    return out;
  }

  close(): void | Promise<void> {
    return this.inner.close();
  }
}

function actionWidth(s: Space): number {
  if (s.kind === 'discrete') return (s as Space & { n: number }).n;
  return (s as Space & { size: number }).size;
}

/** `k` random rows of a flat row-major matrix of width `w`. */
function sampleRows(x: Float32Array, w: number, k: number, rng: Rng): Float32Array {
  const n = x.length / w;
  const out = new Float32Array(k * w);
  for (let i = 0; i < k; i++) {
    const r = rng.int(n);
    out.set(x.subarray(r * w, (r + 1) * w), i * w);
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * GAIL, Algorithm 1 of Ho & Ermon (2016), with the generator step of OpenAI baselines' trpo_mpi
 * GAIL. Each round
 *   1. rolls out π_θ in the envs, rewarded by the current D: r = −c(s,a) (see `rewardKind`);
 *   2. takes one generator step (TRPO by default, eq. 18) on those rewards;
 *   3. updates D by `discUpdatesPerRound` Adam steps on expert pairs vs the round's pairs (eq. 17);
 * and logs a deterministic evaluation now and then (never used to choose a policy).
 */
export async function trainGAIL(o: GAILOptions): Promise<GAILResult> {
  const ck = o.checkpoint;
  const held = ck ? openCheckpointFile(ck.file, { resume: ck.resume, force: ck.force, verb: 'trainGAIL' }) : null;
  try {
    return await trainGAILHeld(o);
  } finally {
    held?.release();
  }
}

async function trainGAILHeld(o: GAILOptions): Promise<GAILResult> {
  const started = Date.now();
  const c = o.config;
  const rng = new Rng(o.seed);
  const gen = generatorConfig(c);
  const inner = await (o.makeVecEnv ? o.makeVecEnv(c.numEnvs) : (makeVec(o.envId, c.numEnvs, { autoresetMode: 'same-step' }) as unknown as VectorEnvLike));
  const as = inner.singleActionSpace;
  const os = inner.singleObservationSpace;
  if (o.demos.obsDim !== os.size) throw new Error(`${o.envId}: the demonstrations have ${o.demos.obsDim} observation values, the env ${os.size}; were they recorded on another env?`);
  validateDemos(o.demos, 'demonstrations', { observationSpace: os, actionSpace: as });
  const discrete = as.kind === 'discrete';
  const dActDim = actionWidth(as);
  const expertPairs = pairs(o.demos.observations, o.demos.actions, o.demos.obsDim, dActDim, discrete);
  const inDim = o.demos.obsDim + dActDim;

  let disc: Discriminator | null = null;
  let learner: OnPolicyLearner<OnPolicyConfig> | null = null;
  let evalEnv: Env | null = null;
  try {
    // kept so a checkpoint saves where its dropout masks are: a resumed run draws the same ones
    const discRng = rng.spawn();
    disc = new Discriminator({
      obsDim: o.demos.obsDim, actDim: dActDim, expertInputs: expertPairs, rng: discRng,
      hidden: c.discHidden, activation: c.discActivation, lr: c.discLr, weightDecay: c.discWeightDecay, dropout: c.discDropout,
      expertWeight: c.discExpertWeight, labelSmoothing: c.discLabelSmoothing, gradientPenalty: c.discGradientPenalty,
    });
    const D = disc;
    const venv = new DiscriminatorRewardEnv(inner, () => D, c.rewardKind);
    const lseed = rng.spawn().nextUint32() >>> 1;
    learner = c.generator === 'trpo'
      ? (new TRPO(venv, gen as TRPOConfig, { seed: lseed, totalSteps: c.totalSteps }) as unknown as OnPolicyLearner<OnPolicyConfig>)
      : (new PPO(venv, gen as PPOConfig, { seed: lseed, totalSteps: c.totalSteps }) as unknown as OnPolicyLearner<OnPolicyConfig>);
    const L = learner;

    const ck = o.checkpoint;
    let resumed: GAILCheckpointState | null = null;
    if (ck?.resume) {
      const meta = L.load(ck.file);
      const g = (meta.extra as { gail?: GAILCheckpointState }).gail;
      if (g?.format !== GAIL_CHECKPOINT_FORMAT) throw new Error(`${ck.file} is not a GAIL training checkpoint`);
      if (g.seed !== o.seed) throw new Error(`${ck.file} is a run with seed ${g.seed}, not ${o.seed}`);
      if (g.pairs !== o.demos.rewards.length) throw new Error(`${ck.file} was trained on ${g.pairs} expert pairs, these demonstrations have ${o.demos.rewards.length}; resume with the same demonstrations`);
      if (JSON.stringify(g.config) !== JSON.stringify(c)) throw new Error(`${ck.file} is a run with another GAIL config; resume it with the same config`);
      const { tensors } = readTensorFile(ck.file);
      const pick = (prefix: string): TensorRecord =>
        Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
      assignFromTensors(disc.net, pick('disc:'), { source: ck.file });
      disc.optimizer.setState({ tensors: pick('opt/disc:'), meta: g.discAdam as never });
      if (g.discRng) discRng.setState(g.discRng);
      resumed = g;
    }

    if (c.bcWarmStart && !resumed) {
      const bc = trainBC(o.demos, { observationSpace: os, actionSpace: as }, bcConfig(o.envId, { hidden: c.hidden, activation: c.activation, maxEpochs: c.bcEpochs }), { seed: rng.spawn().nextUint32() >>> 1 });
      try {
        L.policy.copyFrom(bc.policy);
      } finally {
        bc.policy.dispose();
      }
    }

    const discStep = (agent: Float32Array): DiscriminatorStats | undefined => {
      let s: DiscriminatorStats | undefined;
      const nA = agent.length / inDim, nE = expertPairs.length / inDim;
      const k = Math.min(c.discBatchSize, nA, Math.max(nE, 1));
      for (let u = 0; u < c.discUpdatesPerRound; u++) s = D.train(sampleRows(expertPairs, inDim, k, rng), sampleRows(agent, inDim, k, rng));
      return s;
    };

    const history: GAILHistoryEntry[] = resumed ? resumed.history : [];
    const evalHistory: GAILEvalEntry[] = resumed ? resumed.evalHistory : [];
    const evalRng = rng.spawn();
    if (resumed) {
      evalRng.setState(resumed.evalRng);
      // restored only now: the spawn above draws from `rng`, and a resumed run must not draw twice
      rng.setState(resumed.rng);
    }
    const evaluate = async (round: number) => {
      evalEnv ??= o.makeEvalEnv ? await o.makeEvalEnv() : make(o.envId);
      const ev = evaluatePolicy(evalEnv, L.policy, { episodes: c.evalEpisodes, seed: evalRng.nextUint32() >>> 1, deterministic: true });
      const e = { round, envSteps: L.globalStep, wallClockSeconds: (Date.now() - started) / 1000, mean: ev.mean, std: ev.std };
      evalHistory.push(e);
      o.onEval?.(e);
    };
    if (c.evalEvery > 0 && !resumed) await evaluate(0);

    let round = resumed ? resumed.round : 0;
    const saveCheckpoint = () => {
      if (!ck) return;
      const dopt = D.optimizer.getState();
      const more: TensorRecord = {};
      for (const [k, v] of Object.entries(moduleToTensors(D.net))) more[`disc:${k}`] = v;
      for (const [k, v] of Object.entries(dopt.tensors)) more[`opt/disc:${k}`] = v;
      const gail: GAILCheckpointState = {
        format: GAIL_CHECKPOINT_FORMAT, seed: o.seed, pairs: o.demos.rewards.length, config: c, round,
        rng: rng.getState(), evalRng: evalRng.getState(), discRng: discRng.getState(), discAdam: dopt.meta, history, evalHistory, metricsStep: L.globalStep,
      };
      L.save(ck.file, { gail }, o.envId, more);
    };
    while (L.globalStep < c.totalSteps) {
      let s: IterationStats | null = null;
      let agent: Float32Array;
      let surrogate: number;
      if (round < c.discWarmupRounds) {
        // Warm-up: roll the current policy out without a policy step, so D sees the agent first.
        const warmRng = new Rng(rng.nextUint32() >>> 1);
        const ro = await L.collector.collect(warmRng);
        L.globalStep += L.batchSize;
        surrogate = venv.rewardSum / Math.max(1, venv.rewardCount);
        agent = venv.takeRound();
        s = { iteration: round, globalStep: L.globalStep, episodeReturns: ro.episodeReturns, episodeLengths: ro.episodeLengths, policyLoss: NaN, valueLoss: NaN, entropy: NaN, kl: NaN, sps: 0, extra: {} };
      } else {
        s = await L.iterate();
        surrogate = venv.rewardSum / Math.max(1, venv.rewardCount);
        agent = venv.takeRound();
      }
      const dstats = discStep(agent);
      assertFiniteLosses(L.globalStep, { 'losses/discriminator': dstats?.loss }, 'gail');
      round++;
      const h: GAILHistoryEntry = {
        round, envSteps: L.globalStep, wallClockSeconds: (Date.now() - started) / 1000, surrogateReward: surrogate, disc: dstats,
        ...(s.episodeReturns.length ? { trainEpisodeReturn: mean(s.episodeReturns) } : {}),
        ...(Number.isFinite(s.policyLoss) ? { policyLoss: s.policyLoss, kl: s.kl, entropy: s.entropy } : {}),
      };
      history.push(h);
      o.onRound?.(h);
      const last = L.globalStep >= c.totalSteps;
      if (c.evalEvery > 0 && (round % c.evalEvery === 0 || last)) await evaluate(round);
      await new Promise((r) => setImmediate(r));
      const stop = !last && Boolean(o.shouldStop?.());
      if (ck && (last || stop || round % Math.max(1, ck.every) === 0)) saveCheckpoint();
      if (stop) break;
    }
    return {
      policy: L.policy, envSteps: L.globalStep, rounds: round, finished: L.globalStep >= c.totalSteps,
      wallClockSeconds: (Date.now() - started) / 1000, history, evalHistory, expertPairs: o.demos.rewards.length,
    };
  } catch (e) {
    learner?.policy.dispose();
    // the generator's own guard speaks of trpo/ppo; say whose generator it was
    if (e instanceof DivergenceError && !e.message.startsWith('gail')) throw new DivergenceError(`gail ${e.message}`, e.field, e.step);
    throw e;
  } finally {
    learner?.disposeExceptPolicy();
    disc?.dispose();
    (evalEnv as Env | null)?.close();
    await inner.close();
  }
}
