import { Adam, FrozenMeanStd, MLP, logSigmoid, randomNormalTensor, randomUniformTensor, tf, type Rng } from '@mgail/core-autodiff-graph';

/** How the policy's cost is read from the discriminator's logit ℓ, with D = σ(ℓ) = P(expert). */
export type CostKind =
  /** −log D(s,a) = softplus(−ℓ): the MGAIL default, large where the agent looks unlike the expert. */
  | 'neg-log-d'
  /** log(1 − D(s,a)) = −softplus(ℓ): GAIL's original generator objective. */
  | 'log-one-minus-d'
  /** −ℓ: the logit itself (AIRL-style, unbounded both ways). */
  | 'neg-logit';

/** Every `CostKind`, in the order the CLI and configs list them. */
export const COST_KINDS: readonly CostKind[] = ['neg-log-d', 'log-one-minus-d', 'neg-logit'];

/** The discriminator's hyperparameters; defaults in `DEFAULT_DISCRIMINATOR_CONFIG`. */
export interface DiscriminatorConfig {
  /** Hidden widths (the authors' code: 200, 100). */
  hidden: number[];
  activation: 'relu' | 'tanh';
  /** Adam learning rate. */
  lr: number;
  /** L2 weight decay (the authors' code: 1e-7, with dropout). */
  weightDecay: number;
  /**
   * Dropout rate on the hidden layers while training (the authors' code keeps 0.75, i.e.
   * rate 0.25). The policy's cost is read without dropout.
   */
  dropout: number;
  /** Weight of the expert term of the cross-entropy; the agent term has weight 1 (authors: 0.8). */
  expertWeight: number;
  /** Targets become 1 − ε (expert) and ε (agent): keeps D from saturating on few trajectories. */
  labelSmoothing: number;
  /** Coefficient of a gradient penalty E‖∇ₓℓ‖² on expert inputs (0 = off). */
  gradientPenalty: number;
  /** Floor on the std of the expert statistics that standardize D's inputs (raw units). */
  stdFloor: number;
  /** Global gradient-norm clip (0 = off). */
  maxGradNorm: number;
  /**
   * Std of Gaussian noise added to D's standardized inputs while it trains ("instance noise",
   * 0 = off): blurs a thin expert manifold so D cannot memorize a single trajectory.
   */
  inputNoise: number;
}

/** The MGAIL authors' code where it sets a value (widths, weight decay, dropout, expert weight); the extras (label smoothing, gradient penalty, input noise, clipping) are off. */
export const DEFAULT_DISCRIMINATOR_CONFIG: DiscriminatorConfig = {
  hidden: [200, 100],
  activation: 'relu',
  lr: 1e-3,
  weightDecay: 1e-7,
  dropout: 0.25,
  expertWeight: 0.8,
  labelSmoothing: 0,
  gradientPenalty: 0,
  stdFloor: 1e-3,
  maxGradNorm: 0,
  inputNoise: 0,
};

/** Sizes, expert statistics and seed of a `Discriminator`, plus any config field to override. */
export interface DiscriminatorOptions extends Partial<DiscriminatorConfig> {
  obsDim: number;
  /** Action size (Box), or the number of actions (Discrete: D reads one-hot actions). */
  actDim: number;
  /**
   * Expert [s, a] rows (flat, see `pairs`) whose mean and std standardize D's inputs; fixed
   * afterwards, so D's input scale never follows the agent.
   */
  expertInputs: Float32Array;
  rng: Rng;
  /** Variable scope (default `discriminator`). */
  name?: string;
}

/** What one training step of D measured, on the batches it trained on. */
export interface DiscriminatorStats {
  /** The full loss (weighted cross-entropy plus the gradient penalty). */
  loss: number;
  /** Cross-entropy of the expert pairs. */
  expertLoss: number;
  /** Cross-entropy of the agent pairs. */
  agentLoss: number;
  /** Share of expert pairs with D > 0.5. */
  expertAccuracy: number;
  /** Share of agent pairs with D < 0.5. */
  agentAccuracy: number;
  /** Mean D on expert pairs. */
  expertD: number;
  /** Mean D on agent pairs. */
  agentD: number;
}

/**
 * D(s, a): the probability that a state-action pair came from the expert. Inputs [s, a] (a
 * one-hot for discrete actions) are standardized with the expert's statistics.
 */
export class Discriminator {
  readonly obsDim: number;
  readonly actDim: number;
  readonly inDim: number;
  readonly config: DiscriminatorConfig;
  readonly net: MLP;
  readonly normalizer: FrozenMeanStd;
  readonly optimizer: Adam;
  private readonly rng: Rng;

  constructor(o: DiscriminatorOptions) {
    const c: DiscriminatorConfig = { ...DEFAULT_DISCRIMINATOR_CONFIG };
    for (const k of Object.keys(DEFAULT_DISCRIMINATOR_CONFIG) as (keyof DiscriminatorConfig)[]) {
      if (o[k] !== undefined) (c as unknown as Record<string, unknown>)[k] = o[k];
    }
    this.config = c;
    this.obsDim = o.obsDim;
    this.actDim = o.actDim;
    this.inDim = o.obsDim + o.actDim;
    if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`Discriminator: dropout must be in [0, 1), got ${c.dropout}`);
    if (!(c.inputNoise >= 0)) throw new Error(`Discriminator: inputNoise must be ≥ 0, got ${c.inputNoise}`);
    if (!(c.labelSmoothing >= 0 && c.labelSmoothing < 0.5)) throw new Error(`Discriminator: labelSmoothing must be in [0, 0.5), got ${c.labelSmoothing}`);
    if (!o.expertInputs || o.expertInputs.length === 0 || o.expertInputs.length % this.inDim !== 0) {
      throw new Error(`Discriminator: expertInputs must hold rows of ${this.inDim} values ([s, a], obsDim ${o.obsDim} + actDim ${o.actDim}), got ${o.expertInputs?.length ?? 0} values; build them with pairs()`);
    }
    this.rng = o.rng;
    this.normalizer = FrozenMeanStd.fromData(o.expertInputs, this.inDim, { stdFloor: c.stdFloor });
    this.net = new MLP({ inDim: this.inDim, hidden: c.hidden, outDim: 1, activation: c.activation, rng: o.rng, name: o.name ?? 'discriminator' });
    this.optimizer = new Adam(this.net, { lr: c.lr, weightDecay: c.weightDecay || undefined, maxGradNorm: c.maxGradNorm || undefined });
  }

  get variables(): tf.Variable[] {
    return this.net.variables;
  }

  /** ℓ of standardized rows, with inverted dropout on the hidden layers when `dropout` > 0 and Gaussian noise of std `noise` on the standardized inputs. */
  private forward(x: tf.Tensor2D, dropout: number, noise = 0): tf.Tensor1D {
    let h = this.normalizer.normalize(x);
    if (noise > 0) h = tf.add(h, tf.mul(randomNormalTensor(this.rng, h.shape), noise)) as tf.Tensor2D;
    const L = this.net.layers;
    for (let i = 0; i < L.length; i++) {
      h = L[i].apply(h);
      if (dropout > 0 && i < L.length - 1) {
        const keep = tf.cast(tf.greaterEqual(randomUniformTensor(this.rng, h.shape), dropout), 'float32');
        h = tf.mul(h, tf.div(keep, 1 - dropout)) as tf.Tensor2D;
      }
    }
    return tf.squeeze(h, [1]) as tf.Tensor1D;
  }

  /** ℓ(s, a), [B]; differentiable with respect to s and a (the policy's path in MGAIL). */
  logits(s: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => this.forward(tf.concat([s, a], 1) as tf.Tensor2D, 0));
  }

  /** D(s, a) = σ(ℓ), the probability that the pair is the expert's. */
  prob(s: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.sigmoid(this.logits(s, a)) as tf.Tensor1D);
  }

  /** The policy's per-pair cost (to minimize); see `CostKind`. */
  cost(s: tf.Tensor2D, a: tf.Tensor2D, kind: CostKind = 'neg-log-d'): tf.Tensor1D {
    return tf.tidy(() => {
      const l = this.logits(s, a);
      if (kind === 'neg-log-d') return tf.neg(logSigmoid(l)) as tf.Tensor1D;
      if (kind === 'log-one-minus-d') return logSigmoid(tf.neg(l)) as tf.Tensor1D;
      if (kind === 'neg-logit') return tf.neg(l) as tf.Tensor1D;
      throw new Error(`Discriminator: unknown cost kind "${kind as string}", expected one of ${COST_KINDS.join(', ')}`);
    });
  }

  /** GAIL's reward for flat batches of pairs: the negated cost, as numbers. */
  reward(s: Float32Array, a: Float32Array, kind: CostKind = 'neg-log-d'): Float32Array {
    return tf.tidy(() => {
      const n = s.length / this.obsDim;
      return tf.neg(this.cost(tf.tensor2d(s, [n, this.obsDim]), tf.tensor2d(a, [n, this.actDim]), kind)).dataSync() as Float32Array;
    });
  }

  /**
   * One Adam step of binary cross-entropy on a batch of expert pairs and one of agent pairs
   * (flat [s, a] rows, as `pairs` builds them): maximize w·log D(expert) + log(1 − D(agent)).
   */
  train(expert: Float32Array, agent: Float32Array): DiscriminatorStats {
    const c = this.config;
    const ne = expert.length / this.inDim, na = agent.length / this.inDim;
    if (!Number.isInteger(ne) || !Number.isInteger(na) || ne === 0 || na === 0) {
      throw new Error(`Discriminator.train: expert (${expert.length}) and agent (${agent.length}) must hold whole, non-empty rows of ${this.inDim} values`);
    }
    const xe = tf.tensor2d(expert, [ne, this.inDim]);
    const xa = tf.tensor2d(agent, [na, this.inDim]);
    const kept: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const e = this.forward(xe, c.dropout, c.inputNoise), a = this.forward(xa, c.dropout, c.inputNoise);
      // BCE(ℓ, y) = −y·log σ(ℓ) − (1 − y)·log σ(−ℓ); log σ = −softplus(−x) (tf.logSigmoid's gradient throws)
      const bce = (l: tf.Tensor, y: number) => tf.mean(tf.neg(tf.add(tf.mul(y, logSigmoid(l)), tf.mul(1 - y, logSigmoid(tf.neg(l))))));
      const lossE = bce(e, 1 - c.labelSmoothing), lossA = bce(a, c.labelSmoothing);
      kept.push(tf.keep(e.clone()), tf.keep(a.clone()), tf.keep(lossE.clone()), tf.keep(lossA.clone()));
      let loss = tf.add(tf.mul(c.expertWeight, lossE), lossA);
      if (c.gradientPenalty > 0) {
        const g = tf.grad((x: tf.Tensor) => tf.sum(this.forward(x as tf.Tensor2D, 0)))(xe);
        loss = tf.add(loss, tf.mul(c.gradientPenalty, tf.mean(tf.sum(tf.square(g), 1))));
      }
      return loss as tf.Scalar;
    }, this.net.variables);
    this.optimizer.applyGradients(grads);
    const [le, la, lossE, lossA] = kept;
    const stats = tf.tidy(() => {
      const dE = tf.sigmoid(le), dA = tf.sigmoid(la);
      return {
        loss: value.dataSync()[0],
        expertLoss: lossE.dataSync()[0],
        agentLoss: lossA.dataSync()[0],
        expertAccuracy: tf.mean(tf.cast(tf.greater(dE, 0.5), 'float32')).dataSync()[0],
        agentAccuracy: tf.mean(tf.cast(tf.less(dA, 0.5), 'float32')).dataSync()[0],
        expertD: tf.mean(dE).dataSync()[0],
        agentD: tf.mean(dA).dataSync()[0],
      };
    });
    tf.dispose([value, xe, xa, ...kept, ...Object.values(grads)]);
    return stats;
  }

  /** Accuracy and mean D on held-out pairs, without training. */
  evaluate(expert: Float32Array, agent: Float32Array): Pick<DiscriminatorStats, 'expertAccuracy' | 'agentAccuracy' | 'expertD' | 'agentD'> {
    return tf.tidy(() => {
      const dE = tf.sigmoid(this.forward(tf.tensor2d(expert, [expert.length / this.inDim, this.inDim]), 0));
      const dA = tf.sigmoid(this.forward(tf.tensor2d(agent, [agent.length / this.inDim, this.inDim]), 0));
      return {
        expertAccuracy: tf.mean(tf.cast(tf.greater(dE, 0.5), 'float32')).dataSync()[0],
        agentAccuracy: tf.mean(tf.cast(tf.less(dA, 0.5), 'float32')).dataSync()[0],
        expertD: tf.mean(dE).dataSync()[0],
        agentD: tf.mean(dA).dataSync()[0],
      };
    });
  }

  dispose(): void {
    this.optimizer.dispose();
    this.net.dispose();
  }
}

/** Rows [s, a] for D: discrete actions become one-hot vectors of length `actDim`. */
export function pairs(obs: ArrayLike<number>, actions: ArrayLike<number>, obsDim: number, actDim: number, discrete: boolean): Float32Array {
  const n = obs.length / obsDim;
  if (!Number.isInteger(n)) throw new Error(`pairs: ${obs.length} observation values are not whole rows of ${obsDim}`);
  const expectedActs = discrete ? n : n * actDim;
  if (actions.length !== expectedActs) throw new Error(`pairs: got ${actions.length} action values for ${n} observations, expected ${expectedActs}`);
  const out = new Float32Array(n * (obsDim + actDim));
  for (let i = 0; i < n; i++) {
    const row = i * (obsDim + actDim);
    for (let j = 0; j < obsDim; j++) out[row + j] = obs[i * obsDim + j];
    if (discrete) {
      const a = actions[i];
      if (!Number.isInteger(a) || a < 0 || a >= actDim) throw new Error(`pairs: discrete action ${a} at row ${i} is outside 0..${actDim - 1}`);
      out[row + obsDim + a] = 1;
    } else for (let j = 0; j < actDim; j++) out[row + obsDim + j] = actions[i * actDim + j];
  }
  return out;
}
