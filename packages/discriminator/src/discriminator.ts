import { Adam, FrozenMeanStd, MLP, logSigmoid, tf, type Rng } from '@mgail/core-autodiff-graph';

/** How the policy's cost is read from the discriminator's logit ℓ, with D = σ(ℓ) = P(expert). */
export type CostKind =
  /** −log D(s,a) = softplus(−ℓ): the MGAIL default, large where the agent looks unlike the expert. */
  | 'neg-log-d'
  /** log(1 − D(s,a)) = −softplus(ℓ): GAIL's original generator objective. */
  | 'log-one-minus-d'
  /** −ℓ: the logit itself (AIRL-style, unbounded both ways). */
  | 'neg-logit';

export interface DiscriminatorConfig {
  /** Hidden widths (the authors' code: 200, 100). */
  hidden: number[];
  activation: 'relu' | 'tanh';
  /** Adam learning rate. */
  lr: number;
  /** L2 weight decay (the authors' code regularized D with weight decay and dropout). */
  weightDecay: number;
  /** Weight of the expert term of the cross-entropy (the agent term has weight 1). */
  expertWeight: number;
  /** Targets become 1 − ε (expert) and ε (agent): keeps D from saturating on few trajectories. */
  labelSmoothing: number;
  /** Coefficient of a gradient penalty ‖∇ℓ‖² on expert inputs (0 = off), a standard D regularizer. */
  gradientPenalty: number;
  /** Floor on the std of the expert statistics that normalize D's inputs (raw units). */
  stdFloor: number;
  /** Global gradient-norm clip (0 = off). */
  maxGradNorm: number;
}

export const DEFAULT_DISCRIMINATOR_CONFIG: DiscriminatorConfig = {
  hidden: [200, 100],
  activation: 'relu',
  lr: 1e-4,
  weightDecay: 0,
  expertWeight: 1,
  labelSmoothing: 0,
  gradientPenalty: 0,
  stdFloor: 1e-3,
  maxGradNorm: 0,
};

export interface DiscriminatorStats {
  loss: number;
  /** Share of expert pairs with D > 0.5. */
  expertAccuracy: number;
  /** Share of agent pairs with D < 0.5. */
  agentAccuracy: number;
  expertD: number;
  agentD: number;
}

/**
 * D(s, a): probability that a state-action pair came from the expert. Inputs [s, a] (a one-hot
 * for discrete actions) are standardized with the expert's statistics, fixed at construction.
 */
export class Discriminator {
  readonly net: MLP;
  readonly normalizer: FrozenMeanStd;
  readonly optimizer: Adam;
  readonly inDim: number;

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    readonly config: DiscriminatorConfig,
    expertInputs: Float32Array,
    rng: Rng,
  ) {
    this.inDim = obsDim + actDim;
    this.normalizer = FrozenMeanStd.fromData(expertInputs, this.inDim, { stdFloor: config.stdFloor });
    this.net = new MLP({ inDim: this.inDim, hidden: config.hidden, outDim: 1, activation: config.activation, rng, name: 'discriminator' });
    this.optimizer = new Adam(this.net, { lr: config.lr, weightDecay: config.weightDecay || undefined, maxGradNorm: config.maxGradNorm || undefined });
  }

  get variables(): tf.Variable[] {
    return this.net.variables;
  }

  /** ℓ(s, a), [B]; differentiable with respect to s and a (the policy's path in MGAIL). */
  logits(s: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.squeeze(this.net.apply(this.normalizer.normalize(tf.concat([s, a], 1) as tf.Tensor2D)), [1]) as tf.Tensor1D);
  }

  /** The policy's per-pair cost (to minimize). */
  cost(s: tf.Tensor2D, a: tf.Tensor2D, kind: CostKind = 'neg-log-d'): tf.Tensor1D {
    return tf.tidy(() => {
      const l = this.logits(s, a);
      if (kind === 'neg-log-d') return tf.softplus(tf.neg(l)) as tf.Tensor1D;
      if (kind === 'log-one-minus-d') return tf.neg(tf.softplus(l)) as tf.Tensor1D;
      return tf.neg(l) as tf.Tensor1D;
    });
  }

  /** GAIL's reward for a batch of pairs: the negated cost, as numbers. */
  reward(s: Float32Array, a: Float32Array, kind: CostKind = 'neg-log-d'): Float32Array {
    return tf.tidy(() => {
      const n = s.length / this.obsDim;
      return tf.neg(this.cost(tf.tensor2d(s, [n, this.obsDim]), tf.tensor2d(a, [n, this.actDim]), kind)).dataSync() as Float32Array;
    });
  }

  /**
   * One step of binary cross-entropy on a batch of expert pairs and one of agent pairs
   * (flat rows of [s, a]): maximize log D(expert) + log(1 − D(agent)).
   */
  train(expert: Float32Array, agent: Float32Array): DiscriminatorStats {
    const c = this.config;
    const ne = expert.length / this.inDim, na = agent.length / this.inDim;
    const xe = tf.tensor2d(expert, [ne, this.inDim]);
    const xa = tf.tensor2d(agent, [na, this.inDim]);
    const logitOf = (x: tf.Tensor2D) => tf.squeeze(this.net.apply(this.normalizer.normalize(x)), [1]);
    let le: tf.Tensor | null = null, la: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const e = logitOf(xe), a = logitOf(xa);
      le = tf.keep(e.clone());
      la = tf.keep(a.clone());
      const yE = 1 - c.labelSmoothing, yA = c.labelSmoothing;
      // BCE(ℓ, y) = −y·log σ(ℓ) − (1 − y)·log σ(−ℓ), with log σ = −softplus(−x)
      const bce = (l: tf.Tensor, y: number) => tf.mean(tf.neg(tf.add(tf.mul(y, logSigmoid(l)), tf.mul(1 - y, logSigmoid(tf.neg(l))))));
      let loss = tf.add(tf.mul(c.expertWeight, bce(e, yE)), bce(a, yA));
      if (c.gradientPenalty > 0) {
        const g = tf.grad((x: tf.Tensor) => tf.sum(logitOf(x as tf.Tensor2D)))(xe);
        loss = tf.add(loss, tf.mul(c.gradientPenalty, tf.mean(tf.sum(tf.square(g), 1))));
      }
      return loss as tf.Scalar;
    }, this.net.variables);
    this.optimizer.applyGradients(grads);
    const stats = tf.tidy(() => {
      const dE = tf.sigmoid(le!), dA = tf.sigmoid(la!);
      return {
        loss: value.dataSync()[0],
        expertAccuracy: tf.mean(tf.cast(tf.greater(dE, 0.5), 'float32')).dataSync()[0],
        agentAccuracy: tf.mean(tf.cast(tf.less(dA, 0.5), 'float32')).dataSync()[0],
        expertD: tf.mean(dE).dataSync()[0],
        agentD: tf.mean(dA).dataSync()[0],
      };
    });
    tf.dispose([value, xe, xa, le!, la!, ...Object.values(grads)]);
    return stats;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.net.dispose();
  }
}

/** Rows [s, a] for D: discrete actions become one-hot vectors of length n. */
export function pairs(obs: ArrayLike<number>, actions: ArrayLike<number>, obsDim: number, actDim: number, discrete: boolean): Float32Array {
  const n = obs.length / obsDim;
  const out = new Float32Array(n * (obsDim + actDim));
  for (let i = 0; i < n; i++) {
    const row = i * (obsDim + actDim);
    for (let j = 0; j < obsDim; j++) out[row + j] = obs[i * obsDim + j];
    if (discrete) out[row + obsDim + actions[i]] = 1;
    else for (let j = 0; j < actDim; j++) out[row + obsDim + j] = actions[i * actDim + j];
  }
  return out;
}
