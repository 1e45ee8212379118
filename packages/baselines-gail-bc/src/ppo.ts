import { Adam, tf, type Rng } from '@mgail/core-autodiff-graph';
import { OnPolicyLearner, onPolicyConfigResolver, onPolicyDefaults, type OnPolicyConfig, type UpdateStats } from './learner.js';
import type { Rollout } from './rollout-buffer.js';

/** Proximal policy optimization (Schulman et al. 2017), as CleanRL's ppo.py / ppo_continuous_action.py. */
export interface PPOConfig extends OnPolicyConfig {
  /** Adam learning rate (annealed linearly to 0 over the run when annealLr). */
  lr: number;
  /** Anneal the learning rate linearly to 0 over the run. */
  annealLr: boolean;
  /** Minibatches per epoch (the minibatch is the batch divided by this). */
  numMinibatches: number;
  /** Passes over each batch. */
  updateEpochs: number;
  /** Surrogate clipping ε (eq. 7). */
  clipCoef: number;
  /** Clip the value loss around the old values too (CleanRL's clip_vloss). */
  clipVloss: boolean;
  /** Entropy bonus coefficient c₂ (eq. 9). */
  entCoef: number;
  /** Value loss coefficient c₁ (eq. 9). */
  vfCoef: number;
  /** Global gradient-norm clip over policy and value parameters. */
  maxGradNorm: number;
  /** Stop the epochs early once the approximate KL exceeds this (0 = never). */
  targetKl: number;
  /** Standardize advantages per minibatch. */
  normAdv: boolean;
}

/** PPO's code defaults (8 envs × 128 steps, lr 3e-4 annealed to 0, 4 minibatches × 10 epochs, clip 0.2); `configs/ppo/<env>.json` overrides them per env. */
export const DEFAULT_PPO_CONFIG: PPOConfig = {
  ...onPolicyDefaults(),
  lr: 3e-4,
  annealLr: true,
  numMinibatches: 4,
  updateEpochs: 10,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: 0,
  normAdv: true,
};

/** PPO's defaults, then `configs/ppo/<env-id>.json`, then `overrides` (an object, or layers such as a config file then flags). */
export const ppoConfig = onPolicyConfigResolver<PPOConfig>('ppo', DEFAULT_PPO_CONFIG, {
  lr: { kind: 'number', min: 0, minExclusive: true },
  numMinibatches: { kind: 'int', min: 1 },
  updateEpochs: { kind: 'int', min: 1 },
  clipCoef: { kind: 'number', min: 0, minExclusive: true },
  entCoef: { kind: 'number', min: 0 },
  vfCoef: { kind: 'number', min: 0 },
  maxGradNorm: { kind: 'number', min: 0 },
  targetKl: { kind: 'number', min: 0 },
});

/** PPO-clip with a shared Adam over policy and critic, minibatch epochs and early stopping on KL. */
export class PPO extends OnPolicyLearner<PPOConfig> {
  readonly algo = 'ppo';

  protected createOptimizer(): Adam {
    return new Adam(new Map([...this.policy.namedVariables, ...this.value.net.namedVariables]), { lr: this.config.lr, eps: 1e-5, maxGradNorm: this.config.maxGradNorm });
  }

  protected update(ro: Rollout, rng: Rng): UpdateStats {
    const c = this.config;
    const B = ro.numSteps * ro.numEnvs;
    const frac = 1 - this.iteration / this.numIterations;
    this.optimizer.lr = c.annealLr ? Math.max(frac, 0) * c.lr : c.lr;
    const mbSize = Math.max(1, Math.floor(B / c.numMinibatches));
    const all = {
      obs: tf.tensor2d(ro.observations, [B, ro.obsDim]),
      act: ro.discrete ? tf.tensor1d(ro.actions as Int32Array, 'int32') : tf.tensor2d(ro.actions as Float32Array, [B, ro.actDim]),
      logp: tf.tensor1d(ro.logProbs),
      adv: tf.tensor1d(ro.advantages),
      ret: tf.tensor1d(ro.returns),
      val: tf.tensor1d(ro.values),
    };
    const sums = { pg: 0, v: 0, ent: 0, kl: 0, clip: 0, n: 0 };
    const idx = rng.permutation(B);
    const vars = [...this.policy.variables, ...this.value.variables];
    let epochs = 0;
    try {
      for (let epoch = 0; epoch < c.updateEpochs; epoch++) {
        rng.shuffle(idx);
        let epochKl = 0, mbs = 0;
        for (let s = 0; s + mbSize <= B; s += mbSize) {
          const [pg, vl, ent, kl, cf] = this.minibatchStep(all, idx.subarray(s, s + mbSize), vars);
          sums.pg += pg; sums.v += vl; sums.ent += ent; sums.kl += kl; sums.clip += cf; sums.n++;
          epochKl += kl; mbs++;
        }
        epochs++;
        if (c.targetKl > 0 && epochKl / Math.max(1, mbs) > c.targetKl) break;
      }
    } finally {
      tf.dispose(Object.values(all));
    }
    const k = Math.max(1, sums.n);
    return {
      policyLoss: sums.pg / k, valueLoss: sums.v / k, entropy: sums.ent / k, kl: sums.kl / k,
      extra: { 'charts/clipfrac': sums.clip / k, 'charts/learning_rate': this.optimizer.lr, 'charts/update_epochs': epochs, ...explainedVariance(ro) },
    };
  }

  /** One Adam step on minibatch `rows`; returns [policy loss, value loss, entropy, approx KL, clip fraction]. */
  private minibatchStep(all: Record<'obs' | 'act' | 'logp' | 'adv' | 'ret' | 'val', tf.Tensor>, rows: Int32Array, vars: tf.Variable[]): number[] {
    const c = this.config;
    const mb = tf.tensor1d(rows, 'int32');
    const kept: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const o = tf.gather(all.obs, mb) as tf.Tensor2D;
      let adv = tf.gather(all.adv, mb);
      if (c.normAdv) {
        const m = tf.moments(adv);
        adv = tf.div(tf.sub(adv, m.mean), tf.add(tf.sqrt(m.variance), 1e-8));
      }
      const logRatio = tf.sub(this.policy.logProb(o, tf.gather(all.act, mb)), tf.gather(all.logp, mb));
      const ratio = tf.exp(logRatio);
      // L^CLIP (eq. 7), as a loss to minimize
      const pg = tf.mean(tf.maximum(tf.mul(tf.neg(adv), ratio), tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - c.clipCoef, 1 + c.clipCoef))));
      const v = this.value.apply(o);
      const ret = tf.gather(all.ret, mb);
      let vLoss: tf.Tensor;
      if (c.clipVloss) {
        const old = tf.gather(all.val, mb);
        const vClipped = tf.add(old, tf.clipByValue(tf.sub(v, old), -c.clipCoef, c.clipCoef));
        vLoss = tf.mul(0.5, tf.mean(tf.maximum(tf.square(tf.sub(v, ret)), tf.square(tf.sub(vClipped, ret)))));
      } else vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(v, ret))));
      const ent = tf.mean(this.policy.entropy(o));
      // k3 estimator of KL(old ‖ new) (Schulman, "Approximating KL divergence")
      const kl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
      const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clipCoef), 'float32'));
      kept.push(...([pg, vLoss, ent, kl, clipFrac].map((x) => tf.keep(x)) as tf.Scalar[]));
      // eq. 9: L^CLIP − c₂ S + c₁ L^VF
      return tf.add(tf.sub(pg, tf.mul(c.entCoef, ent)), tf.mul(c.vfCoef, vLoss)) as tf.Scalar;
    }, vars);
    this.optimizer.applyGradients(grads);
    const out = kept.map((p) => p.dataSync()[0]);
    tf.dispose([value, mb, ...kept, ...Object.values(grads)]);
    return out;
  }
}

/** 1 − Var[returns − values] / Var[returns]: how much of the return the critic explains. */
export function explainedVariance(ro: Pick<Rollout, 'returns' | 'values'>): Record<string, number> {
  const n = ro.returns.length;
  let mr = 0, md = 0;
  for (let i = 0; i < n; i++) {
    mr += ro.returns[i];
    md += ro.returns[i] - ro.values[i];
  }
  mr /= n; md /= n;
  let vr = 0, vd = 0;
  for (let i = 0; i < n; i++) {
    vr += (ro.returns[i] - mr) ** 2;
    vd += (ro.returns[i] - ro.values[i] - md) ** 2;
  }
  return vr > 0 ? { 'losses/explained_variance': 1 - vd / vr } : {};
}
