import fs from 'node:fs';
import {
  Adam,
  MLP,
  Rng,
  RunningMeanStd,
  decodeTensors,
  encodeTensors,
  moduleToTensors,
  tf,
  writeFileAtomic,
  type AdamState,
  type RunningMeanStdJSON,
  type TensorRecord,
} from '@mgail/core-autodiff-graph';
import { makePolicy, type Policy } from '@mgail/policies';
import { resolveConfig } from './config.js';
import { computeGAE } from './gae.js';
import type { VectorEnvLike } from './vec.js';

/** Proximal policy optimization (Schulman et al. 2017), as CleanRL's ppo.py / ppo_continuous_action.py. */
export interface PPOConfig {
  /** Parallel envs in the vector env. */
  numEnvs: number;
  /** Steps per env per rollout; the batch is numEnvs × numSteps. */
  numSteps: number;
  /** Adam learning rate (annealed linearly to 0 when annealLr). */
  lr: number;
  annealLr: boolean;
  /** Discount γ. */
  gamma: number;
  /** GAE λ. */
  gaeLambda: number;
  /** Minibatches per epoch. */
  numMinibatches: number;
  /** Passes over each batch. */
  updateEpochs: number;
  /** Surrogate clipping ε. */
  clipCoef: number;
  /** Clip the value loss around the old values too. */
  clipVloss: boolean;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** Stop the epochs early when the approximate KL exceeds this (0 = never). */
  targetKl: number;
  /** Standardize advantages per minibatch. */
  normAdv: boolean;
  /** Scale rewards by a running std of the discounted return (CleanRL's NormalizeReward). */
  normalizeRewards: boolean;
  /** Policy hidden widths. */
  hidden: number[];
  /** Value function hidden widths. */
  valueHidden: number[];
  activation: 'tanh' | 'relu';
  /** Initial log-std of a Gaussian policy. */
  logStdInit: number;
}

export const DEFAULT_PPO_CONFIG: PPOConfig = {
  numEnvs: 8,
  numSteps: 128,
  lr: 3e-4,
  annealLr: true,
  gamma: 0.99,
  gaeLambda: 0.95,
  numMinibatches: 4,
  updateEpochs: 10,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: 0,
  normAdv: true,
  normalizeRewards: false,
  hidden: [64, 64],
  valueHidden: [64, 64],
  activation: 'tanh',
  logStdInit: 0,
};

export function ppoConfig(envId?: string, overrides: Partial<PPOConfig> = {}): PPOConfig {
  return resolveConfig('ppo', DEFAULT_PPO_CONFIG, envId, overrides);
}

export interface IterationStats {
  iteration: number;
  globalStep: number;
  /** Episodes that finished during this rollout. */
  episodeReturns: number[];
  episodeLengths: number[];
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFrac: number;
  lr: number;
  sps: number;
}

const CKPT_FORMAT = 'mgail-rl-checkpoint';

/**
 * The PPO learner over a vector env in same-step auto-reset mode. `iterate()` collects one
 * rollout and updates; `save`/`load` checkpoint everything a resumed run needs.
 */
export class PPO {
  readonly policy: Policy;
  readonly value: MLP;
  readonly optimizer: Adam;
  iteration = 0;
  globalStep = 0;
  private rng: Rng;
  private obs: Float32Array;
  private readonly returnRms = new RunningMeanStd(1);
  private discountedReturn: Float64Array;
  private readonly obsDim: number;
  private readonly discrete: boolean;
  private readonly actDim: number;

  constructor(
    readonly venv: VectorEnvLike,
    readonly config: PPOConfig,
    readonly opts: { seed: number; totalSteps: number },
  ) {
    this.rng = new Rng(opts.seed);
    this.obsDim = venv.singleObservationSpace.size;
    this.discrete = venv.singleActionSpace.kind === 'discrete';
    this.policy = makePolicy(venv.singleObservationSpace, venv.singleActionSpace, { hidden: config.hidden, activation: config.activation, logStdInit: config.logStdInit }, this.rng.spawn());
    this.actDim = this.discrete ? 1 : this.policy.actDim;
    this.value = new MLP({ inDim: this.obsDim, hidden: config.valueHidden, outDim: 1, activation: config.activation, rng: this.rng.spawn(), name: 'value', init: 'orthogonal', hiddenGain: Math.SQRT2, outputInitScale: 1 });
    this.optimizer = new Adam(new Map([...this.policy.namedVariables, ...this.value.namedVariables]), { lr: config.lr, eps: 1e-5, maxGradNorm: config.maxGradNorm });
    this.obs = Float32Array.from(venv.reset({ seed: opts.seed }).observations);
    this.discountedReturn = new Float64Array(venv.numEnvs);
    this.policy.normalizer.update(this.obs);
  }

  get batchSize(): number {
    return this.config.numEnvs * this.config.numSteps;
  }

  get numIterations(): number {
    return Math.ceil(this.opts.totalSteps / this.batchSize);
  }

  private values(obs: Float32Array): Float32Array {
    return tf.tidy(() => {
      const o = tf.tensor2d(obs, [obs.length / this.obsDim, this.obsDim]);
      return this.value.apply(this.policy.normalize(o)).dataSync() as Float32Array;
    });
  }

  /** One rollout of numSteps × numEnvs transitions, then updateEpochs of minibatch updates. */
  async iterate(): Promise<IterationStats> {
    const c = this.config;
    const n = this.venv.numEnvs;
    const T = c.numSteps;
    const t0 = Date.now();
    const frac = 1 - this.iteration / this.numIterations;
    this.optimizer.lr = c.annealLr ? Math.max(frac, 0) * c.lr : c.lr;

    // ---- collect
    const B = T * n;
    const bObs = new Float32Array(B * this.obsDim);
    const bAct = this.discrete ? new Int32Array(B) : new Float32Array(B * this.actDim);
    const bLogp = new Float32Array(B);
    const bRew = new Float32Array(B);
    const bDone = new Uint8Array(B);
    const bVal = new Float32Array(B);
    const episodeReturns: number[] = [], episodeLengths: number[] = [];
    for (let t = 0; t < T; t++) {
      bObs.set(this.obs, t * n * this.obsDim);
      const { actions, logProbs } = this.policy.act(this.obs, { rng: this.rng });
      bVal.set(this.values(this.obs), t * n);
      bAct.set(actions, t * n * this.actDim);
      bLogp.set(logProbs, t * n);
      const r = await this.venv.step(actions);
      for (let e = 0; e < n; e++) {
        let rew = r.rewards[e];
        if (c.normalizeRewards) {
          this.discountedReturn[e] = this.discountedReturn[e] * c.gamma + rew;
        }
        const done = r.terminated[e] || r.truncated[e];
        bDone[t * n + e] = done ? 1 : 0;
        bRew[t * n + e] = rew;
        if (done) this.discountedReturn[e] = 0;
      }
      if (c.normalizeRewards) {
        this.returnRms.update(Float32Array.from(this.discountedReturn));
        const s = Math.sqrt(this.returnRms.variance()[0] + 1e-8);
        for (let e = 0; e < n; e++) bRew[t * n + e] /= s;
      }
      // A time-limit cut is not a terminal state: bootstrap from the final observation's value.
      const cut: number[] = [];
      for (let e = 0; e < n; e++) if (r.truncated[e] && !r.terminated[e] && r.finalObservations[e]) cut.push(e);
      if (cut.length) {
        const fo = new Float32Array(cut.length * this.obsDim);
        cut.forEach((e, k) => fo.set(r.finalObservations[e]!, k * this.obsDim));
        const v = this.values(fo);
        cut.forEach((e, k) => (bRew[t * n + e] += c.gamma * v[k]));
      }
      for (const ep of r.infos.episodes) {
        episodeReturns.push(ep.return);
        episodeLengths.push(ep.length);
      }
      this.obs = Float32Array.from(r.observations);
      this.globalStep += n;
    }
    const { advantages, returns } = computeGAE(bRew, bVal, bDone, this.values(this.obs), T, n, c.gamma, c.gaeLambda);

    // ---- update
    const mbSize = Math.max(1, Math.floor(B / c.numMinibatches));
    const all = tf.tidy(() => ({
      obs: tf.tensor2d(bObs, [B, this.obsDim]),
      act: this.discrete ? tf.tensor1d(bAct as Int32Array, 'int32') : tf.tensor2d(bAct as Float32Array, [B, this.actDim]),
      logp: tf.tensor1d(bLogp),
      adv: tf.tensor1d(advantages),
      ret: tf.tensor1d(returns),
      val: tf.tensor1d(bVal),
    }));
    const stats = { pg: 0, v: 0, ent: 0, kl: 0, clip: 0, count: 0 };
    const idx = this.rng.permutation(B);
    const vars = [...this.policy.variables, ...this.value.variables];
    try {
      for (let epoch = 0; epoch < c.updateEpochs; epoch++) {
        this.rng.shuffle(idx);
        let epochKl = 0, mbs = 0;
        for (let s = 0; s + mbSize <= B; s += mbSize) {
          const mb = tf.tensor1d(idx.subarray(s, s + mbSize), 'int32');
          const parts: tf.Scalar[] = [];
          const { value, grads } = tf.variableGrads(() => {
            const o = tf.gather(all.obs, mb) as tf.Tensor2D;
            const a = tf.gather(all.act, mb);
            let adv = tf.gather(all.adv, mb);
            if (c.normAdv) {
              const m = tf.moments(adv);
              adv = tf.div(tf.sub(adv, m.mean), tf.add(tf.sqrt(m.variance), 1e-8));
            }
            const logRatio = tf.sub(this.policy.logProb(o, a), tf.gather(all.logp, mb));
            const ratio = tf.exp(logRatio);
            const pg = tf.mean(tf.maximum(tf.mul(tf.neg(adv), ratio), tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - c.clipCoef, 1 + c.clipCoef))));
            const v = tf.squeeze(this.value.apply(this.policy.normalize(o)), [1]);
            const ret = tf.gather(all.ret, mb);
            let vLoss: tf.Tensor;
            if (c.clipVloss) {
              const old = tf.gather(all.val, mb);
              const vClipped = tf.add(old, tf.clipByValue(tf.sub(v, old), -c.clipCoef, c.clipCoef));
              vLoss = tf.mul(0.5, tf.mean(tf.maximum(tf.square(tf.sub(v, ret)), tf.square(tf.sub(vClipped, ret)))));
            } else vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(v, ret))));
            const ent = tf.mean(this.policy.entropy(o));
            const kl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
            const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clipCoef), 'float32'));
            parts.push(...([pg, vLoss, ent, kl, clipFrac].map((x) => tf.keep(x)) as tf.Scalar[]));
            return tf.add(tf.sub(pg, tf.mul(c.entCoef, ent)), tf.mul(c.vfCoef, vLoss)) as tf.Scalar;
          }, vars);
          this.optimizer.applyGradients(grads);
          const [pg, vl, ent, kl, cf] = parts.map((p) => p.dataSync()[0]);
          tf.dispose([value, mb, ...parts, ...Object.values(grads)]);
          stats.pg += pg; stats.v += vl; stats.ent += ent; stats.kl += kl; stats.clip += cf; stats.count++;
          epochKl += kl; mbs++;
        }
        if (c.targetKl > 0 && epochKl / Math.max(1, mbs) > c.targetKl) break;
      }
    } finally {
      tf.dispose(Object.values(all));
    }
    // Statistics change only between iterations, so collection and update saw the same normalization.
    this.policy.normalizer.update(bObs);
    this.iteration++;
    const k = Math.max(1, stats.count);
    return {
      iteration: this.iteration, globalStep: this.globalStep, episodeReturns, episodeLengths,
      policyLoss: stats.pg / k, valueLoss: stats.v / k, entropy: stats.ent / k, approxKl: stats.kl / k, clipFrac: stats.clip / k,
      lr: this.optimizer.lr, sps: (B / (Date.now() - t0)) * 1000,
    };
  }

  /** Everything a resumed run needs, in one atomically written file. */
  save(file: string): void {
    const adam = this.optimizer.getState();
    const tensors: TensorRecord = {};
    for (const [k, v] of Object.entries(this.policy.weightTensors())) tensors[`policy:${k}`] = v;
    for (const [k, v] of Object.entries(moduleToTensors(this.value))) tensors[`value:${k}`] = v;
    for (const [k, v] of Object.entries(adam.tensors)) tensors[`adam:${k}`] = v;
    const meta = {
      format: CKPT_FORMAT, algo: 'ppo', config: this.config, seed: this.opts.seed, totalSteps: this.opts.totalSteps,
      iteration: this.iteration, globalStep: this.globalStep,
      normalizer: this.policy.normalizer.toJSON(), returnRms: this.returnRms.toJSON(), adam: adam.meta,
    };
    writeFileAtomic(file, encodeTensors(tensors, meta));
  }

  /** Restores a checkpoint written by `save` (same config and env); the env restarts from a fresh reset. */
  load(file: string): void {
    const { tensors, metadata } = decodeTensors(fs.readFileSync(file), file);
    const meta = metadata as { format: string; iteration: number; globalStep: number; normalizer: RunningMeanStdJSON; returnRms: RunningMeanStdJSON; adam: AdamState['meta'] };
    if (meta.format !== CKPT_FORMAT) throw new Error(`${file} is not an RL checkpoint`);
    const pick = (prefix: string) => Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    this.policy.setWeights(pick('policy:'));
    this.value.setWeights(pick('value:'));
    this.optimizer.setState({ tensors: pick('adam:'), meta: meta.adam });
    this.policy.normalizer.load(meta.normalizer);
    this.returnRms.load(meta.returnRms);
    this.iteration = meta.iteration;
    this.globalStep = meta.globalStep;
    // A resumed run continues with a generator and env stream derived from where it stopped.
    this.rng = new Rng(this.opts.seed + 7919 * this.iteration);
    this.obs = Float32Array.from(this.venv.reset({ seed: this.opts.seed + 7919 * this.iteration }).observations);
    this.discountedReturn.fill(0);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.value.dispose();
    this.policy.dispose();
  }
}
