import {
  tf,
  MLP,
  RunningMeanStd,
  VariableStore,
  getWeights,
  assignFromTensors,
  stopGradient,
  type Rng,
  moduleToTensors,
  numParameters,
  type TensorData,
  type TensorRecord,
} from '@mgail/core-autodiff-graph';
import { Box, describeSpace, type Space, type BoxJSON, type SpaceJSON } from '@mgail/envs-classic';

/** `gaussian` for Box action spaces, `categorical` for Discrete ones. */
export type PolicyKind = 'gaussian' | 'categorical';

/** The policy network's settings; defaults in `DEFAULT_POLICY_CONFIG`. */
export interface PolicyConfig {
  /** Hidden layer widths of the policy network. */
  hidden: number[];
  /** Hidden activation. */
  activation: 'tanh' | 'relu';
  /** Initial log standard deviation of a Gaussian policy (state-independent, learned). */
  logStdInit: number;
  /** `tanh` squashes Gaussian samples into the action bounds; `none` leaves them (the env clips). */
  squash: 'none' | 'tanh';
  /**
   * Gaussian policies: the network also outputs the log-std, per state, bounded to [−5, 2] by a
   * tanh (SAC's actor, as CleanRL and SB3); false keeps one learned log-std for all states (PPO,
   * TRPO, MGAIL).
   */
  stateDependentStd: boolean;
  /** Standardize observations with running statistics carried inside the policy. */
  normalizeObservations: boolean;
  /** Normalized observations are clipped to [-clip, clip] (SB3's VecNormalize default 10). */
  observationClip: number;
}

/** Two tanh layers of 64, log-std 0, no squashing, observations standardized and clipped to ±10. */
export const DEFAULT_POLICY_CONFIG: PolicyConfig = {
  hidden: [64, 64],
  activation: 'tanh',
  logStdInit: 0,
  squash: 'none',
  stateDependentStd: false,
  normalizeObservations: true,
  observationClip: 10,
};

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Anything `act` accepts: a flat row-major batch of observations. */
export type ObservationBatch = Float32Array | Float64Array | ArrayLike<number>;

/**
 * A stochastic policy π(a|s) over an env's spaces: an MLP on normalized observations.
 * Observation statistics live inside the policy (and its checkpoint), so a loaded policy acts
 * exactly as the saved one did. All tensor methods take raw observations [B, obsDim].
 */
export abstract class Policy {
  abstract readonly kind: PolicyKind;
  readonly obsDim: number;
  /** Action dimension (Box) or number of actions (Discrete). */
  readonly actDim: number;
  readonly config: PolicyConfig;
  readonly normalizer: RunningMeanStd;
  protected readonly net: MLP;
  protected readonly store: VariableStore;

  constructor(
    readonly observationSpace: Box,
    readonly actionSpace: Space,
    config: Partial<PolicyConfig>,
    rng: Rng,
    outDim: number,
    outputInitScale: number,
    netOutDim = outDim,
  ) {
    this.config = { ...DEFAULT_POLICY_CONFIG, ...config };
    this.obsDim = observationSpace.size;
    this.actDim = outDim;
    this.normalizer = new RunningMeanStd(this.obsDim);
    this.store = new VariableStore('policy');
    this.net = new MLP({
      inDim: this.obsDim,
      hidden: this.config.hidden,
      outDim: netOutDim,
      activation: this.config.activation,
      rng,
      name: 'policy/net',
      init: 'orthogonal',
      hiddenGain: Math.SQRT2,
      outputInitScale,
    });
    this.store.adopt(this.net);
  }

  /** Trainable variables (the normalizer is not trained by gradients). */
  get variables(): tf.Variable[] {
    return this.store.variables;
  }

  /** Trainable variables by logical name (`policy/net/l1/kernel`, `policy/log_std`). */
  get namedVariables(): ReadonlyMap<string, tf.Variable> {
    return this.store.namedVariables;
  }

  /** Normalized (and clipped) observations; differentiable with respect to `obs`. */
  normalize(obs: tf.Tensor2D): tf.Tensor2D {
    if (obs.rank !== 2 || obs.shape[1] !== this.obsDim) {
      throw new Error(`policy: observations have shape [${obs.shape.join(', ')}], expected [batch, ${this.obsDim}] (${describeSpace(this.observationSpace)})`);
    }
    if (!this.config.normalizeObservations) return obs;
    return this.normalizer.normalize(obs, this.config.observationClip);
  }

  abstract logProb(obs: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D;
  abstract entropy(obs: tf.Tensor2D): tf.Tensor1D;
  /** Samples (or, deterministic, picks the mode of) actions for a batch of observations. */
  abstract act(obs: ObservationBatch, opts?: { deterministic?: boolean; rng?: Rng }): { actions: Float32Array | Int32Array; logProbs: Float32Array };

  protected obsTensor(obs: ObservationBatch): tf.Tensor2D {
    if (obs.length % this.obsDim !== 0 || obs.length === 0) {
      throw new Error(`policy: got ${obs.length} observation values, expected a multiple of ${this.obsDim}`);
    }
    // a NaN would pass the normalizer's clip and come out as a plausible-looking action
    for (let i = 0; i < obs.length; i++) {
      if (!Number.isFinite(obs[i])) throw new Error(`policy.act: observation ${Math.floor(i / this.obsDim)} holds ${obs[i]} at index ${i % this.obsDim}; pass finite observations (did the env diverge?)`);
    }
    return tf.tensor2d(Float32Array.from(obs as ArrayLike<number>), [obs.length / this.obsDim, this.obsDim]);
  }

  getWeights(): Record<string, Float32Array> {
    return getWeights(this.store);
  }

  /** Weights with their shapes, as a checkpoint stores them. */
  weightTensors(): TensorRecord {
    return moduleToTensors(this.store);
  }

  setWeights(weights: Record<string, Float32Array | TensorData>): void {
    assignFromTensors(this.store, weights, { source: 'policy' });
  }

  /** Copies weights and normalizer statistics from another policy of the same shape. */
  copyFrom(other: Policy): void {
    this.setWeights(other.getWeights());
    this.normalizer.load(other.normalizer.toJSON());
  }

  /** A JSON description (no weights): what `JSON.stringify(policy)` prints and logs record. */
  toJSON(): PolicyDescription {
    return {
      kind: this.kind,
      obsDim: this.obsDim,
      actDim: this.actDim,
      observationSpace: this.observationSpace.toJSON(),
      actionSpace: this.actionSpace.toJSON(),
      config: { ...this.config, hidden: [...this.config.hidden] },
      numParameters: numParameters(this.variables),
    };
  }

  dispose(): void {
    this.store.dispose();
  }
}

/** `Policy.toJSON()`: the policy's shape and config, without weights. */
export interface PolicyDescription {
  kind: PolicyKind;
  obsDim: number;
  actDim: number;
  observationSpace: BoxJSON;
  actionSpace: SpaceJSON;
  config: PolicyConfig;
  numParameters: number;
}

/**
 * Diagonal Gaussian policy with a state-independent learned log-std, optionally squashed by
 * tanh into the action bounds. `rsample` is the reparameterized sample MGAIL differentiates.
 */
export class GaussianPolicy extends Policy {
  readonly kind = 'gaussian' as const;
  /** The state-independent log-std (absent with `stateDependentStd`: the network outputs it). */
  readonly logStd: tf.Variable;
  private readonly low: Float32Array;
  private readonly high: Float32Array;

  constructor(observationSpace: Box, actionSpace: Box, config: Partial<PolicyConfig>, rng: Rng) {
    const sd = config.stateDependentStd ?? DEFAULT_POLICY_CONFIG.stateDependentStd;
    super(observationSpace, actionSpace, config, rng, actionSpace.size, 0.01, sd ? 2 * actionSpace.size : actionSpace.size);
    this.logStd = sd
      ? (undefined as unknown as tf.Variable)
      : this.store.add('log_std', { data: new Float32Array(actionSpace.size).fill(this.config.logStdInit), shape: [actionSpace.size] });
    this.low = actionSpace.low;
    this.high = actionSpace.high;
    if (this.config.squash === 'tanh') {
      for (let i = 0; i < this.low.length; i++) {
        if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) {
          throw new Error(`GaussianPolicy: squash 'tanh' needs finite action bounds, got ${describeSpace(actionSpace)} with an infinite bound`);
        }
      }
    }
  }

  /** Mean of the (pre-squash) Gaussian. */
  mean(obs: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const out = this.net.apply(this.normalize(obs));
      return this.config.stateDependentStd ? (tf.slice(out, [0, 0], [-1, this.actDim]) as tf.Tensor2D) : out;
    });
  }

  /** Mean and log-std of the (pre-squash) Gaussian; the log-std is [batch, act] or, state-independent, [act]. */
  distribution(obs: tf.Tensor2D): { mean: tf.Tensor2D; logStd: tf.Tensor } {
    if (!this.config.stateDependentStd) return { mean: this.mean(obs), logStd: this.logStd };
    return tf.tidy(() => {
      const out = this.net.apply(this.normalize(obs));
      const raw = tf.slice(out, [0, this.actDim], [-1, this.actDim]);
      // CleanRL's bound: log σ = −5 + ½(2 − (−5))(tanh x + 1)
      const logStd = tf.add(-5, tf.mul(3.5, tf.add(tf.tanh(raw), 1)));
      return { mean: tf.slice(out, [0, 0], [-1, this.actDim]) as tf.Tensor2D, logStd };
    }) as unknown as { mean: tf.Tensor2D; logStd: tf.Tensor };
  }

  private squash(u: tf.Tensor2D): tf.Tensor2D {
    if (this.config.squash !== 'tanh') return u;
    const lo = tf.tensor1d(this.low), hi = tf.tensor1d(this.high);
    return tf.add(lo, tf.mul(tf.mul(tf.add(tf.tanh(u), 1), 0.5), tf.sub(hi, lo))) as tf.Tensor2D;
  }

  private unsquash(a: tf.Tensor2D): tf.Tensor2D {
    if (this.config.squash !== 'tanh') return a;
    const lo = tf.tensor1d(this.low), hi = tf.tensor1d(this.high);
    const y = tf.clipByValue(tf.sub(tf.mul(tf.div(tf.sub(a, lo), tf.sub(hi, lo)), 2), 1), -1 + 1e-6, 1 - 1e-6);
    return tf.atanh(y) as tf.Tensor2D;
  }

  /** Reparameterized sample a = squash(μ(s) + σ(s) ⊙ ε); differentiable w.r.t. the policy and `obs`. */
  rsample(obs: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const d = this.distribution(obs);
      return this.squash(tf.add(d.mean, tf.mul(tf.exp(d.logStd), eps)) as tf.Tensor2D);
    });
  }

  /**
   * A reparameterized sample and its log π(a|s) in one pass (SAC's actor and entropy terms):
   * differentiable w.r.t. the policy, with the tanh change of variables when squashed.
   */
  rsampleWithLogProb(obs: tf.Tensor2D, eps: tf.Tensor2D): { actions: tf.Tensor2D; logProb: tf.Tensor1D } {
    const r = tf.tidy(() => {
      const d = this.distribution(obs);
      const u = tf.add(d.mean, tf.mul(tf.exp(d.logStd), eps)) as tf.Tensor2D;
      let lp = tf.neg(tf.sum(tf.add(tf.add(tf.mul(tf.square(eps), 0.5), d.logStd), HALF_LOG_2PI), 1)) as tf.Tensor1D;
      if (this.config.squash === 'tanh') lp = tf.sub(lp, this.squashLogDet(u)) as tf.Tensor1D;
      return [this.squash(u), lp] as [tf.Tensor2D, tf.Tensor1D];
    });
    return { actions: r[0], logProb: r[1] };
  }

  /** log |d a / d u| of the squash: Σ log((1 − tanh²u)(high − low)/2). */
  private squashLogDet(u: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const halfRange = tf.tensor1d(this.high.map((h, i) => (h - this.low[i]) / 2));
      return tf.sum(tf.add(tf.log(tf.add(tf.sub(1, tf.square(tf.tanh(u))), 1e-6)), tf.log(halfRange)), 1) as tf.Tensor1D;
    });
  }

  /** The deterministic action: squash(μ(s)). */
  modeAction(obs: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.squash(this.mean(obs)));
  }

  private gaussianLogProb(u: tf.Tensor2D, mean: tf.Tensor2D, logStd: tf.Tensor): tf.Tensor1D {
    const z = tf.div(tf.sub(u, mean), tf.exp(logStd));
    return tf.neg(tf.sum(tf.add(tf.add(tf.mul(tf.square(z), 0.5), logStd), HALF_LOG_2PI), 1)) as tf.Tensor1D;
  }

  /** log π(a|s), with the tanh change of variables when squashed. */
  logProb(obs: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const a = actions as tf.Tensor2D;
      if (a.rank !== 2 || a.shape[1] !== this.actDim) throw new Error(`GaussianPolicy.logProb: actions have shape [${a.shape.join(', ')}], expected [batch, ${this.actDim}]`);
      const u = this.unsquash(a);
      const d = this.distribution(obs);
      let lp = this.gaussianLogProb(u, d.mean, d.logStd);
      // d a / d u = (1 - tanh²u)(high - low)/2
      if (this.config.squash === 'tanh') lp = tf.sub(lp, this.squashLogDet(u)) as tf.Tensor1D;
      return lp;
    });
  }

  /** Entropy of the pre-squash Gaussian (the usual PPO/TRPO bonus). */
  entropy(obs: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      if (this.config.stateDependentStd) return tf.sum(tf.add(this.distribution(obs).logStd, 0.5 + HALF_LOG_2PI), 1) as tf.Tensor1D;
      const e = tf.sum(tf.add(this.logStd, 0.5 + HALF_LOG_2PI));
      return tf.mul(tf.ones([obs.shape[0]]), e) as tf.Tensor1D;
    });
  }

  /** KL(old ‖ new) per state, for TRPO's constraint and PPO's diagnostics. */
  kl(obs: tf.Tensor2D, oldMean: tf.Tensor2D, oldLogStd: tf.Tensor): tf.Tensor1D {
    if (this.config.stateDependentStd) throw new Error('GaussianPolicy.kl: defined for the state-independent log-std (PPO, TRPO); this policy has stateDependentStd');
    return tf.tidy(() => {
      const mean = this.mean(obs);
      const varNew = tf.exp(tf.mul(this.logStd, 2));
      const varOld = tf.exp(tf.mul(oldLogStd, 2));
      const t = tf.sub(tf.add(tf.sub(this.logStd, oldLogStd), tf.div(tf.add(varOld, tf.square(tf.sub(oldMean, mean))), tf.mul(varNew, 2))), 0.5);
      return tf.sum(t, 1) as tf.Tensor1D;
    });
  }

  act(obs: ObservationBatch, opts: { deterministic?: boolean; rng?: Rng } = {}): { actions: Float32Array; logProbs: Float32Array } {
    return tf.tidy(() => {
      const o = this.obsTensor(obs);
      let a: tf.Tensor2D;
      if (opts.deterministic) a = this.modeAction(o);
      else {
        if (!opts.rng) throw new Error('GaussianPolicy.act: a stochastic action needs an rng (or pass deterministic: true)');
        const eps = new Float32Array(o.shape[0] * this.actDim);
        opts.rng.fillNormal(eps);
        a = this.rsample(o, tf.tensor2d(eps, [o.shape[0], this.actDim]));
      }
      const lp = this.logProb(o, a);
      return { actions: a.dataSync() as Float32Array, logProbs: lp.dataSync() as Float32Array };
    });
  }
}

/**
 * Categorical policy over Discrete(n). Besides log-probs and entropy it gives Gumbel-softmax
 * samples (MGAIL paper, "Categorical Action Distributions"): soft, with a temperature, or
 * straight-through hard (one-hot forward, soft gradient backward).
 */
export class CategoricalPolicy extends Policy {
  readonly kind = 'categorical' as const;

  constructor(observationSpace: Box, actionSpace: Space & { kind: 'discrete'; n: number }, config: Partial<PolicyConfig>, rng: Rng) {
    super(observationSpace, actionSpace, config, rng, actionSpace.n, 0.01);
  }

  logits(obs: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.net.apply(this.normalize(obs)));
  }

  logProb(obs: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const a = actions.rank === 2 ? tf.squeeze(actions, [1]) : actions;
      const oneHot = tf.oneHot(tf.cast(a, 'int32') as tf.Tensor1D, this.actDim);
      return tf.sum(tf.mul(oneHot, tf.logSoftmax(this.logits(obs))), 1) as tf.Tensor1D;
    });
  }

  entropy(obs: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(this.logits(obs));
      return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D;
    });
  }

  /** KL(old ‖ new) per state. */
  kl(obs: tf.Tensor2D, oldLogits: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const oldLogp = tf.logSoftmax(oldLogits);
      const newLogp = tf.logSoftmax(this.logits(obs));
      return tf.sum(tf.mul(tf.exp(oldLogp), tf.sub(oldLogp, newLogp)), 1) as tf.Tensor1D;
    });
  }

  /**
   * Gumbel-softmax sample y = softmax((logits + g)/τ) with g = −log(−log U) given by the caller
   * (so the same noise can be replayed); `hard` returns one_hot(argmax y) in the forward pass
   * with the gradient of the soft sample (straight-through).
   */
  gumbelSoftmax(obs: tf.Tensor2D, gumbelNoise: tf.Tensor2D, opts: { temperature?: number; hard?: boolean } = {}): tf.Tensor2D {
    const tau = opts.temperature ?? 1;
    if (!(tau > 0)) throw new Error(`gumbelSoftmax: temperature must be > 0, got ${tau}`);
    return tf.tidy(() => {
      const soft = tf.softmax(tf.div(tf.add(this.logits(obs), gumbelNoise), tau)) as tf.Tensor2D;
      if (!opts.hard) return soft;
      const hard = tf.cast(tf.oneHot(tf.argMax(soft, 1) as tf.Tensor1D, this.actDim), 'float32');
      return tf.add(tf.sub(hard, stopGradient(soft)), soft) as tf.Tensor2D;
    });
  }

  act(obs: ObservationBatch, opts: { deterministic?: boolean; rng?: Rng } = {}): { actions: Int32Array; logProbs: Float32Array } {
    return tf.tidy(() => {
      const o = this.obsTensor(obs);
      const logits = this.logits(o);
      let a: tf.Tensor1D;
      if (opts.deterministic) a = tf.argMax(logits, 1) as tf.Tensor1D;
      else {
        if (!opts.rng) throw new Error('CategoricalPolicy.act: a stochastic action needs an rng (or pass deterministic: true)');
        // Gumbel-max: argmax(logits + g) is an exact sample of the categorical.
        const g = gumbelNoise(opts.rng, o.shape[0] * this.actDim);
        a = tf.argMax(tf.add(logits, tf.tensor2d(g, [o.shape[0], this.actDim])), 1) as tf.Tensor1D;
      }
      const lp = tf.sum(tf.mul(tf.oneHot(a, this.actDim), tf.logSoftmax(logits)), 1);
      return { actions: Int32Array.from(a.dataSync()), logProbs: lp.dataSync() as Float32Array };
    });
  }
}

/** n samples of standard Gumbel noise −log(−log U) from a seeded generator. */
export function gumbelNoise(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.random();
    while (u <= 0) u = rng.random();
    out[i] = -Math.log(-Math.log(u));
  }
  return out;
}

/** A Gaussian policy for Box actions, a categorical one for Discrete actions. */
/** What is wrong with the given option values (each must be of its default's kind), or undefined. */
export function policyConfigProblem(c: Partial<PolicyConfig>): string | undefined {
  const show = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(v));
  if (c.hidden !== undefined && (!Array.isArray(c.hidden) || !c.hidden.every((w) => Number.isInteger(w) && w >= 1 && w <= 1 << 16))) return `hidden must be a list of positive layer widths, got ${show(c.hidden)}`;
  if (c.activation !== undefined && c.activation !== 'tanh' && c.activation !== 'relu') return `activation must be "tanh" or "relu", got ${show(c.activation)}`;
  if (c.squash !== undefined && c.squash !== 'none' && c.squash !== 'tanh') return `squash must be "none" or "tanh", got ${show(c.squash)}`;
  if (c.logStdInit !== undefined && (typeof c.logStdInit !== 'number' || !Number.isFinite(c.logStdInit))) return `logStdInit must be a finite number, got ${show(c.logStdInit)}`;
  if (c.observationClip !== undefined && (typeof c.observationClip !== 'number' || !(c.observationClip > 0))) return `observationClip must be a number > 0, got ${show(c.observationClip)}`;
  for (const k of ['stateDependentStd', 'normalizeObservations'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'boolean') return `${k} must be true or false, got ${show(c[k])}`;
  }
  return undefined;
}

export function makePolicy(observationSpace: Box, actionSpace: Space, config: Partial<PolicyConfig>, rng: Rng): Policy {
  // a misspelt option (`hiden`) would otherwise build the default network without a word
  const unknown = Object.keys(config ?? {}).filter((k) => !(k in DEFAULT_POLICY_CONFIG));
  if (unknown.length) throw new Error(`makePolicy: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; known: ${Object.keys(DEFAULT_POLICY_CONFIG).join(', ')}`);
  const bad = policyConfigProblem(config ?? {});
  if (bad) throw new Error(`makePolicy: ${bad}`);
  if (observationSpace.kind !== 'box') throw new Error(`makePolicy: observation space must be a Box, got ${describeSpace(observationSpace as Space)}`);
  if (actionSpace.kind === 'discrete') return new CategoricalPolicy(observationSpace, actionSpace, config, rng);
  return new GaussianPolicy(observationSpace, actionSpace, config, rng);
}
