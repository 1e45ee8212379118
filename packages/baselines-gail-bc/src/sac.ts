import {
  Adam,
  MLP,
  Rng,
  assertFiniteLosses,
  assertFiniteTensors,
  readTensorFile,
  encodeTensors,
  moduleToTensors,
  tf,
  writeFileAtomic,
  type AdamState,
  type ConfigRules,
  type TensorRecord,
} from '@mgail/core-autodiff-graph';
import type { Box } from '@mgail/envs-classic';
import { GaussianPolicy } from '@mgail/policies';
import { resolveConfig, type ConfigOverrides } from './config.js';
import { iterationSeed, RL_CHECKPOINT_FORMAT, readCheckpointMeta, type IterationStats, type RLCheckpointMeta } from './learner.js';
import type { VectorEnvLike, VectorStepLike } from './vec.js';

/**
 * Soft Actor-Critic (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications"), the
 * choices of CleanRL's `sac_continuous_action.py`: twin Q networks with Polyak-averaged targets,
 * a tanh-squashed Gaussian actor with a state-dependent log-std, automatic entropy tuning
 * towards −|A|, one env, uniform random actions before `learningStarts`.
 */
export interface SACConfig {
  /** Replay buffer capacity in transitions (the oldest are overwritten). */
  bufferSize: number;
  /** Discount γ. */
  gamma: number;
  /** Polyak coefficient τ of the target networks: θ' ← τθ + (1 − τ)θ'. */
  tau: number;
  /** Transitions per gradient step. */
  batchSize: number;
  /** Env steps of uniform random actions before the first update. */
  learningStarts: number;
  /** Adam learning rate of the actor. */
  policyLr: number;
  /** Adam learning rate of the twin critics (and of α). */
  qLr: number;
  /** Critic gradient steps per env step (the update-to-data ratio; CleanRL: 1). */
  updatesPerStep: number;
  /** The actor (and α) are updated every N critic steps, N times (delayed, as TD3 and CleanRL). */
  policyFrequency: number;
  /** Target networks are moved towards the critics every N critic steps. */
  targetNetworkFrequency: number;
  /** Tune α so the policy's entropy tracks −|A| (eq. 18); false keeps `alpha` fixed. */
  autotune: boolean;
  /** Entropy coefficient α (the start value when `autotune`; CleanRL starts log α at 0). */
  alpha: number;
  /** Actor hidden widths (ReLU). */
  hidden: number[];
  /** Critic hidden widths (ReLU), each of Q1 and Q2. */
  qHidden: number[];
  /** Standardize the actor's observations with running statistics (CleanRL: off). */
  normalizeObservations: boolean;
  /**
   * Env steps per iteration: progress, metrics and checkpoints happen between iterations, and an
   * iteration ends only at an episode's end, so a resumed run restarts the env exactly as the
   * uninterrupted one does.
   */
  stepsPerIteration: number;
}

/** CleanRL's `sac_continuous_action.py` defaults. */
export const DEFAULT_SAC_CONFIG: SACConfig = {
  bufferSize: 1_000_000,
  gamma: 0.99,
  tau: 0.005,
  batchSize: 256,
  learningStarts: 5000,
  policyLr: 3e-4,
  qLr: 1e-3,
  updatesPerStep: 1,
  policyFrequency: 2,
  targetNetworkFrequency: 1,
  autotune: true,
  alpha: 1,
  hidden: [256, 256],
  qHidden: [256, 256],
  normalizeObservations: false,
  stepsPerIteration: 1000,
};

const SAC_RULES: ConfigRules<SACConfig> = {
  bufferSize: { kind: 'int', min: 1 },
  gamma: { kind: 'number', min: 0, max: 1, minExclusive: true },
  tau: { kind: 'number', min: 0, max: 1, minExclusive: true },
  batchSize: { kind: 'int', min: 1 },
  learningStarts: { kind: 'int', min: 1 },
  policyLr: { kind: 'number', min: 0, minExclusive: true },
  qLr: { kind: 'number', min: 0, minExclusive: true },
  updatesPerStep: { kind: 'int', min: 1 },
  policyFrequency: { kind: 'int', min: 1 },
  targetNetworkFrequency: { kind: 'int', min: 1 },
  alpha: { kind: 'number', min: 0, minExclusive: true },
  stepsPerIteration: { kind: 'int', min: 1 },
};

/** SAC's defaults, then `configs/sac/<env-id>.json`, then `overrides`. */
export function sacConfig(envId?: string, overrides: ConfigOverrides<SACConfig> = {}, source = 'overrides'): SACConfig {
  return resolveConfig('sac', DEFAULT_SAC_CONFIG, envId, overrides, source, SAC_RULES);
}

/** A ring buffer of (s, a, r, s', terminated) transitions; its whole content goes into checkpoints. */
export class SACReplayBuffer {
  readonly obs: Float32Array;
  readonly next: Float32Array;
  readonly act: Float32Array;
  readonly rew: Float32Array;
  readonly term: Float32Array;
  /** Next slot to write. */
  pos = 0;
  /** Transitions held (≤ capacity). */
  size = 0;

  constructor(readonly capacity: number, readonly obsDim: number, readonly actDim: number) {
    this.obs = new Float32Array(capacity * obsDim);
    this.next = new Float32Array(capacity * obsDim);
    this.act = new Float32Array(capacity * actDim);
    this.rew = new Float32Array(capacity);
    this.term = new Float32Array(capacity);
  }

  add(s: ArrayLike<number>, a: ArrayLike<number>, r: number, s2: ArrayLike<number>, terminated: boolean): void {
    const i = this.pos;
    this.obs.set(s, i * this.obsDim);
    this.next.set(s2, i * this.obsDim);
    this.act.set(a, i * this.actDim);
    this.rew[i] = r;
    this.term[i] = terminated ? 1 : 0;
    this.pos = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** A uniform batch (with replacement) as tensors [n, ·]. */
  sample(rng: Rng, n: number): { obs: tf.Tensor2D; act: tf.Tensor2D; rew: tf.Tensor1D; next: tf.Tensor2D; term: tf.Tensor1D } {
    const o = new Float32Array(n * this.obsDim), o2 = new Float32Array(n * this.obsDim), a = new Float32Array(n * this.actDim);
    const r = new Float32Array(n), d = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const j = rng.int(this.size);
      o.set(this.obs.subarray(j * this.obsDim, (j + 1) * this.obsDim), k * this.obsDim);
      o2.set(this.next.subarray(j * this.obsDim, (j + 1) * this.obsDim), k * this.obsDim);
      a.set(this.act.subarray(j * this.actDim, (j + 1) * this.actDim), k * this.actDim);
      r[k] = this.rew[j];
      d[k] = this.term[j];
    }
    return {
      obs: tf.tensor2d(o, [n, this.obsDim]), act: tf.tensor2d(a, [n, this.actDim]), rew: tf.tensor1d(r),
      next: tf.tensor2d(o2, [n, this.obsDim]), term: tf.tensor1d(d),
    };
  }

  /** The filled part, for a checkpoint. */
  toTensors(): TensorRecord {
    const n = this.size;
    return {
      obs: { data: this.obs.slice(0, n * this.obsDim), shape: [n, this.obsDim] },
      next: { data: this.next.slice(0, n * this.obsDim), shape: [n, this.obsDim] },
      act: { data: this.act.slice(0, n * this.actDim), shape: [n, this.actDim] },
      rew: { data: this.rew.slice(0, n), shape: [n] },
      term: { data: this.term.slice(0, n), shape: [n] },
    };
  }

  load(t: TensorRecord, pos: number): void {
    const n = t.rew.shape[0];
    if (n > this.capacity) throw new Error(`SAC checkpoint: the replay buffer holds ${n} transitions, bufferSize is ${this.capacity}`);
    this.obs.set(t.obs.data as Float32Array);
    this.next.set(t.next.data as Float32Array);
    this.act.set(t.act.data as Float32Array);
    this.rew.set(t.rew.data as Float32Array);
    this.term.set(t.term.data as Float32Array);
    this.size = n;
    this.pos = pos;
  }
}

/** Moves each target variable τ of the way to its source (Polyak averaging). */
function polyak(target: MLP, source: MLP, tau: number): void {
  const src = source.namedVariables;
  for (const [name, v] of target.namedVariables) {
    const s = src.get(name.replace(/^sac\/q(\d)_target\//, 'sac/q$1/'))!;
    // inside the tidy: the new value's handle is released once the variable holds its data
    tf.tidy(() => v.assign(tf.add(tf.mul(s, tau), tf.mul(v, 1 - tau))));
  }
}

/**
 * The SAC learner: `iterate()` takes at least `stepsPerIteration` env steps (ending at an
 * episode's end) and the updates between them; `save`/`load` hold the networks, the targets,
 * the three optimizers, log α and the replay buffer, so a resumed run continues to the same
 * weights as one never stopped.
 */
export class SAC {
  readonly algo = 'sac';
  readonly policy: GaussianPolicy;
  readonly q1: MLP;
  readonly q2: MLP;
  readonly q1Target: MLP;
  readonly q2Target: MLP;
  readonly logAlpha: tf.Variable;
  readonly buffer: SACReplayBuffer;
  readonly actorOptimizer: Adam;
  readonly qOptimizer: Adam;
  readonly alphaOptimizer: Adam;
  readonly targetEntropy: number;
  iteration = 0;
  globalStep = 0;
  /** Critic gradient steps so far (the policy and target schedules count these). */
  gradientSteps = 0;
  private readonly obsDim: number;
  private readonly actDim: number;
  private readonly low: Float32Array;
  private readonly high: Float32Array;
  private readonly episodeReturn: number[];
  private readonly episodeLength: number[];

  constructor(
    readonly venv: VectorEnvLike,
    readonly config: SACConfig,
    readonly opts: { seed: number; totalSteps: number },
  ) {
    if (venv.singleActionSpace.kind !== 'box') throw new Error('SAC: continuous (Box) action spaces only; use PPO or TRPO for discrete actions');
    const as = venv.singleActionSpace as Box;
    this.obsDim = venv.singleObservationSpace.size;
    this.actDim = as.size;
    this.low = as.low;
    this.high = as.high;
    const rng = new Rng(opts.seed);
    this.policy = new GaussianPolicy(venv.singleObservationSpace, as, {
      hidden: config.hidden, activation: 'relu', squash: 'tanh', stateDependentStd: true, normalizeObservations: config.normalizeObservations,
    }, rng.spawn());
    const q = (name: string, r: Rng) => new MLP({ inDim: this.obsDim + this.actDim, hidden: config.qHidden, outDim: 1, activation: 'relu', rng: r, name });
    this.q1 = q('sac/q1', rng.spawn());
    this.q2 = q('sac/q2', rng.spawn());
    this.q1Target = q('sac/q1_target', rng.spawn());
    this.q2Target = q('sac/q2_target', rng.spawn());
    this.q1Target.setWeights(Object.fromEntries(Object.entries(moduleToTensors(this.q1)).map(([k, v]) => [k.replace('sac/q1/', 'sac/q1_target/'), v])));
    this.q2Target.setWeights(Object.fromEntries(Object.entries(moduleToTensors(this.q2)).map(([k, v]) => [k.replace('sac/q2/', 'sac/q2_target/'), v])));
    // unnamed: the engine's variable names are global, and two learners may live at once
    this.logAlpha = tf.variable(tf.scalar(Math.log(config.alpha)), true);
    this.targetEntropy = -this.actDim;
    this.buffer = new SACReplayBuffer(config.bufferSize, this.obsDim, this.actDim);
    this.actorOptimizer = new Adam(this.policy.namedVariables, { lr: config.policyLr });
    this.qOptimizer = new Adam(new Map([...this.q1.namedVariables, ...this.q2.namedVariables]), { lr: config.qLr });
    this.alphaOptimizer = new Adam(new Map([['sac/log_alpha', this.logAlpha]]), { lr: config.qLr });
    this.episodeReturn = new Array(venv.numEnvs).fill(0);
    this.episodeLength = new Array(venv.numEnvs).fill(0);
  }

  get alpha(): number {
    return Math.exp(this.logAlpha.dataSync()[0]);
  }

  private q(net: MLP, obs: tf.Tensor2D, act: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.squeeze(net.apply(tf.concat([obs, act], 1) as tf.Tensor2D), [1]) as tf.Tensor1D);
  }

  private noise(rng: Rng, n: number): tf.Tensor2D {
    const e = new Float32Array(n * this.actDim);
    rng.fillNormal(e);
    return tf.tensor2d(e, [n, this.actDim]);
  }

  /**
   * One critic step (and, on schedule, actor, α and target steps) on a batch from the buffer;
   * returns the losses. The loop calls it `updatesPerStep` times per env step; `bench perf` times it.
   */
  update(rng: Rng): { qLoss: number; actorLoss: number | null; alphaLoss: number | null; q1: number; entropy: number | null } {
    const c = this.config;
    const b = this.buffer.sample(rng, c.batchSize);
    const alpha = this.alpha;
    try {
      // ---- critics: y = r + γ(1 − d)(min Q'(s', a') − α log π(a'|s')), a' ~ π(·|s') (eq. 3, 5)
      const y = tf.tidy(() => {
        const eps = this.noise(rng, c.batchSize);
        const { actions, logProb } = this.policy.rsampleWithLogProb(b.next, eps);
        const minQ = tf.minimum(this.q(this.q1Target, b.next, actions), this.q(this.q2Target, b.next, actions));
        return tf.add(b.rew, tf.mul(tf.mul(tf.sub(1, b.term), c.gamma), tf.sub(minQ, tf.mul(logProb, alpha))));
      });
      let q1Mean = 0;
      const qs = tf.variableGrads(() => {
        const q1 = this.q(this.q1, b.obs, b.act);
        const q2 = this.q(this.q2, b.obs, b.act);
        q1Mean = tf.tidy(() => tf.mean(q1).dataSync()[0]);
        return tf.add(tf.losses.meanSquaredError(y, q1), tf.losses.meanSquaredError(y, q2)) as tf.Scalar;
      }, [...this.q1.variables, ...this.q2.variables]);
      y.dispose();
      this.qOptimizer.applyGradients(qs.grads);
      const qLoss = qs.value.dataSync()[0];
      tf.dispose([qs.value, ...Object.values(qs.grads)]);
      this.gradientSteps++;

      let actorLoss: number | null = null, alphaLoss: number | null = null, entropy: number | null = null;
      if (this.gradientSteps % c.policyFrequency === 0) {
        for (let k = 0; k < c.policyFrequency; k++) {
          const a = this.alpha;
          let logpMean = 0;
          // ---- actor: E[α log π(ã|s) − min Q(s, ã)], ã reparameterized (eq. 7)
          const pg = tf.variableGrads(() => {
            const eps = this.noise(rng, c.batchSize);
            const { actions, logProb } = this.policy.rsampleWithLogProb(b.obs, eps);
            logpMean = tf.tidy(() => tf.mean(logProb).dataSync()[0]);
            const minQ = tf.minimum(this.q(this.q1, b.obs, actions), this.q(this.q2, b.obs, actions));
            return tf.mean(tf.sub(tf.mul(logProb, a), minQ)) as tf.Scalar;
          }, this.policy.variables);
          this.actorOptimizer.applyGradients(pg.grads);
          actorLoss = pg.value.dataSync()[0];
          entropy = -logpMean;
          tf.dispose([pg.value, ...Object.values(pg.grads)]);
          if (c.autotune) {
            // ---- temperature: E[−α (log π(a|s) + H̄)], with log π held fixed (eq. 18)
            const al = tf.variableGrads(() => tf.mul(tf.neg(tf.exp(this.logAlpha)), logpMean + this.targetEntropy) as tf.Scalar, [this.logAlpha]);
            this.alphaOptimizer.applyGradients(al.grads);
            alphaLoss = al.value.dataSync()[0];
            tf.dispose([al.value, ...Object.values(al.grads)]);
          }
        }
      }
      if (this.gradientSteps % c.targetNetworkFrequency === 0) {
        polyak(this.q1Target, this.q1, c.tau);
        polyak(this.q2Target, this.q2, c.tau);
      }
      return { qLoss, actorLoss, alphaLoss, q1: q1Mean, entropy };
    } finally {
      tf.dispose([b.obs, b.act, b.rew, b.next, b.term]);
    }
  }

  /** Stores one vector step's transitions; an episode's end keeps its final observation as s'. */
  private record(obs: Float32Array, actions: Float32Array, r: VectorStepLike): void {
    for (let e = 0; e < this.venv.numEnvs; e++) {
      const s2 = r.terminated[e] || r.truncated[e] ? r.finalObservations[e]! : r.observations.subarray(e * this.obsDim, (e + 1) * this.obsDim);
      // a truncated episode still bootstraps from s': only termination cuts the return
      this.buffer.add(obs.subarray(e * this.obsDim, (e + 1) * this.obsDim), actions.subarray(e * this.actDim, (e + 1) * this.actDim), r.rewards[e], s2, Boolean(r.terminated[e]));
    }
  }

  /** Env steps until at least `stepsPerIteration` are taken and an episode has just ended (or the run is done), with the updates between them. */
  async iterate(): Promise<IterationStats> {
    const c = this.config;
    const t0 = Date.now();
    const rng = new Rng(iterationSeed(this.opts.seed, this.iteration));
    // every iteration starts from a reset seeded by (seed, iteration): a resumed run starts its iteration the same way
    let obs = Float32Array.from(this.venv.reset({ seed: iterationSeed(this.opts.seed, this.iteration) }).observations);
    this.episodeReturn.fill(0);
    this.episodeLength.fill(0);
    const episodeReturns: number[] = [], episodeLengths: number[] = [];
    const sums = { q: 0, qn: 0, actor: 0, an: 0, alpha: 0, aln: 0, q1: 0, ent: 0 };
    let steps = 0;
    const n = this.venv.numEnvs;
    for (;;) {
      let actions: Float32Array;
      if (this.globalStep < c.learningStarts) {
        actions = new Float32Array(n * this.actDim);
        for (let i = 0; i < actions.length; i++) actions[i] = rng.uniform(this.low[i % this.actDim], this.high[i % this.actDim]);
      } else actions = this.policy.act(obs, { rng }).actions;
      const r = await this.venv.step(actions);
      this.record(obs, actions, r);
      let ended = false;
      for (let e = 0; e < n; e++) {
        this.episodeReturn[e] += r.rewards[e];
        this.episodeLength[e]++;
        if (r.terminated[e] || r.truncated[e]) {
          episodeReturns.push(this.episodeReturn[e]);
          episodeLengths.push(this.episodeLength[e]);
          this.episodeReturn[e] = 0;
          this.episodeLength[e] = 0;
          ended = true;
        }
      }
      obs = Float32Array.from(r.observations);
      this.globalStep += n;
      steps += n;
      if (this.globalStep >= c.learningStarts) {
        for (let k = 0; k < c.updatesPerStep * n; k++) {
          const u = this.update(rng);
          sums.q += u.qLoss; sums.q1 += u.q1; sums.qn++;
          if (u.actorLoss !== null) { sums.actor += u.actorLoss; sums.ent += u.entropy!; sums.an++; }
          if (u.alphaLoss !== null) { sums.alpha += u.alphaLoss; sums.aln++; }
        }
      }
      if (this.globalStep >= this.opts.totalSteps || (steps >= c.stepsPerIteration && ended && n === 1)) break;
      if (n > 1 && steps >= c.stepsPerIteration) break;
    }
    const k = (x: number, m: number) => (m ? x / m : NaN);
    const stats = {
      'losses/qf_loss': k(sums.q, sums.qn), 'losses/actor_loss': k(sums.actor, sums.an), 'losses/alpha_loss': k(sums.alpha, sums.aln),
    };
    // the divergence guard, over the losses this iteration computed (none before learning starts)
    const counts: Record<string, number> = { 'losses/qf_loss': sums.qn, 'losses/actor_loss': sums.an, 'losses/alpha_loss': sums.aln };
    assertFiniteLosses(this.globalStep, Object.fromEntries(Object.entries(stats).filter(([key]) => counts[key] > 0)), this.algo);
    this.iteration++;
    return {
      iteration: this.iteration, globalStep: this.globalStep, episodeReturns, episodeLengths,
      policyLoss: stats['losses/actor_loss'], valueLoss: stats['losses/qf_loss'], entropy: k(sums.ent, sums.an), kl: NaN,
      sps: (steps / Math.max(1, Date.now() - t0)) * 1000,
      extra: { 'losses/qf1_values': k(sums.q1, sums.qn), 'losses/alpha': this.alpha, 'losses/alpha_loss': stats['losses/alpha_loss'], 'charts/gradient_steps': this.gradientSteps, 'charts/buffer_size': this.buffer.size },
    };
  }

  /** Networks, targets, optimizers, log α and the replay buffer, in one atomically written file. */
  save(file: string, extra: Record<string, unknown> = {}, envId?: string, opts: { withBuffer?: boolean } = {}): void {
    const withBuffer = opts.withBuffer ?? true;
    const tensors: TensorRecord = {};
    const put = (prefix: string, rec: TensorRecord) => {
      for (const [k, v] of Object.entries(rec)) tensors[`${prefix}:${k}`] = v;
    };
    put('policy', this.policy.weightTensors());
    for (const [name, net] of [['q1', this.q1], ['q2', this.q2], ['q1_target', this.q1Target], ['q2_target', this.q2Target]] as const) put(name, moduleToTensors(net));
    tensors['log_alpha'] = { data: Float32Array.from(this.logAlpha.dataSync()), shape: [] };
    const adam: Record<string, AdamState['meta']> = {};
    for (const [name, o] of [['actor', this.actorOptimizer], ['q', this.qOptimizer], ['alpha', this.alphaOptimizer]] as const) {
      const s = o.getState();
      put(`adam_${name}`, s.tensors);
      adam[name] = s.meta;
    }
    assertFiniteTensors(this.globalStep, tensors, this.algo);
    if (withBuffer) put('buffer', this.buffer.toTensors());
    const meta: RLCheckpointMeta = {
      format: RL_CHECKPOINT_FORMAT, algo: this.algo, envId, config: this.config as unknown as RLCheckpointMeta['config'], seed: this.opts.seed,
      totalSteps: this.opts.totalSteps, iteration: this.iteration, globalStep: this.globalStep, normalizer: this.policy.normalizer.toJSON(),
      collector: {} as RLCheckpointMeta['collector'],
      algoState: { adam, gradientSteps: this.gradientSteps, buffer: withBuffer ? { pos: this.buffer.pos, size: this.buffer.size } : null },
      extra,
    };
    writeFileAtomic(file, encodeTensors(tensors, meta as unknown as Record<string, unknown>));
  }

  /**
   * Restores `save`'s file. A light checkpoint (no buffer) refills the buffer with the current
   * policy for `learningStarts` steps before updating again; `refilled` says it did.
   */
  async load(file: string): Promise<RLCheckpointMeta & { refilled: number }> {
    const { tensors } = readTensorFile(file);
    const meta = readCheckpointMeta(file);
    if (meta.algo !== this.algo) throw new Error(`${file} is a ${meta.algo} checkpoint, this learner is ${this.algo}`);
    const pick = (prefix: string): TensorRecord =>
      Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(`${prefix}:`)).map(([k, v]) => [k.slice(prefix.length + 1), v]));
    this.policy.setWeights(pick('policy'));
    this.q1.setWeights(pick('q1'));
    this.q2.setWeights(pick('q2'));
    this.q1Target.setWeights(pick('q1_target'));
    this.q2Target.setWeights(pick('q2_target'));
    tf.tidy(() => this.logAlpha.assign(tf.scalar((tensors['log_alpha'].data as Float32Array)[0])));
    const st = meta.algoState as { adam: Record<string, AdamState['meta']>; gradientSteps: number; buffer: { pos: number; size: number } | null };
    for (const [name, o] of [['actor', this.actorOptimizer], ['q', this.qOptimizer], ['alpha', this.alphaOptimizer]] as const) o.setState({ tensors: pick(`adam_${name}`), meta: st.adam[name] });
    this.policy.normalizer.load(meta.normalizer);
    this.iteration = meta.iteration;
    this.globalStep = meta.globalStep;
    this.gradientSteps = st.gradientSteps;
    let refilled = 0;
    if (st.buffer) this.buffer.load(pick('buffer'), st.buffer.pos);
    else refilled = await this.refill(this.config.learningStarts);
    return { ...meta, refilled };
  }

  /** Fills the buffer with `steps` transitions of the current (stochastic) policy, without updating or counting them as training steps. */
  private async refill(steps: number): Promise<number> {
    const rng = new Rng(iterationSeed(this.opts.seed ^ 0x5ac, this.iteration));
    let obs = Float32Array.from(this.venv.reset({ seed: iterationSeed(this.opts.seed ^ 0x5ac, this.iteration) }).observations);
    const n = this.venv.numEnvs;
    let done = 0;
    while (done < steps) {
      const actions = this.policy.act(obs, { rng }).actions as Float32Array;
      const r = await this.venv.step(actions);
      this.record(obs, actions, r);
      obs = Float32Array.from(r.observations);
      done += n;
    }
    return done;
  }

  dispose(): void {
    this.disposeExceptPolicy();
    this.policy.dispose();
  }

  /** Frees the critics, targets, α and the optimizers, leaving the trained policy to the caller. */
  disposeExceptPolicy(): void {
    for (const o of [this.actorOptimizer, this.qOptimizer, this.alphaOptimizer]) o.dispose();
    for (const m of [this.q1, this.q2, this.q1Target, this.q2Target]) m.dispose();
    this.logAlpha.dispose();
  }
}
