import { Adam, assignFlat, conjugateGradient, dot, flattenTensors, flattenVariables, tf, type Rng } from '@mgail/core-autodiff-graph';
import { FisherVectorProduct, PolicyKlAnchor } from '@mgail/policies';
import { OnPolicyLearner, onPolicyConfigResolver, onPolicyDefaults, type LearnerOptions, type OnPolicyConfig, type UpdateStats } from './learner.js';
import { explainedVariance } from './ppo.js';
import type { Rollout } from './rollout-buffer.js';
import type { VectorEnvLike } from './vec.js';

/** Trust region policy optimization (Schulman et al. 2015), as OpenAI baselines' trpo_mpi / Spinning Up. */
export interface TRPOConfig extends OnPolicyConfig {
  /** Trust region radius δ: the mean KL(π_old ‖ π_new) a step may reach (eq. 12). */
  maxKl: number;
  /** Damping added to the Fisher (F + damping·I) so CG stays well conditioned. */
  damping: number;
  /** Conjugate gradient iterations for F x = g. */
  cgIterations: number;
  /** Backtracking steps before the update is abandoned (parameters restored). */
  backtrackIterations: number;
  /** Step shrink factor per backtracking step. */
  backtrackCoef: number;
  /** Use every k-th state for the Fisher products (baselines uses 5); 1 = all. */
  fisherSubsample: number;
  /** Entropy bonus added to the surrogate (0 in the paper). */
  entCoef: number;
  /** Standardize advantages over the batch. */
  normAdv: boolean;
  /** Adam learning rate of the value function. */
  valueLr: number;
  /** Passes over the batch when fitting the value function. */
  valueEpochs: number;
  /** Minibatches per value epoch. */
  valueMinibatches: number;
}

/** TRPO's code defaults (8 envs × 256 steps, max KL 0.01, 10 conjugate-gradient iterations, damping 0.1); `configs/trpo/<env>.json` overrides them per env. */
export const DEFAULT_TRPO_CONFIG: TRPOConfig = {
  ...onPolicyDefaults({ numSteps: 256, gaeLambda: 0.97 }),
  maxKl: 0.01,
  damping: 0.1,
  cgIterations: 10,
  backtrackIterations: 10,
  backtrackCoef: 0.8,
  fisherSubsample: 1,
  entCoef: 0,
  normAdv: true,
  valueLr: 1e-3,
  valueEpochs: 5,
  valueMinibatches: 16,
};

/** TRPO's defaults, then `configs/trpo/<env-id>.json`, then `overrides` (an object, or layers such as a config file then flags). */
export const trpoConfig = onPolicyConfigResolver<TRPOConfig>('trpo', DEFAULT_TRPO_CONFIG, {
  maxKl: { kind: 'number', min: 0, minExclusive: true },
  damping: { kind: 'number', min: 0 },
  cgIterations: { kind: 'int', min: 1 },
  backtrackIterations: { kind: 'int', min: 1 },
  backtrackCoef: { kind: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  fisherSubsample: { kind: 'int', min: 1 },
  entCoef: { kind: 'number', min: 0 },
  valueLr: { kind: 'number', min: 0, minExclusive: true },
  valueEpochs: { kind: 'int', min: 0 },
  valueMinibatches: { kind: 'int', min: 1 },
});

/**
 * TRPO: a natural gradient step of the surrogate, scaled to the KL trust region, found by
 * conjugate gradient on Fisher-vector products and checked by a backtracking line search; the
 * critic is fitted by Adam minibatches on the λ-returns.
 */
export class TRPO extends OnPolicyLearner<TRPOConfig> {
  readonly algo = 'trpo';

  constructor(venv: VectorEnvLike, config: TRPOConfig, opts: LearnerOptions) {
    super(venv, config, opts);
    if (!(config.maxKl > 0)) throw new Error(`TRPO: maxKl must be > 0, got ${config.maxKl}`);
    if (!(config.backtrackCoef > 0 && config.backtrackCoef < 1)) throw new Error(`TRPO: backtrackCoef must be in (0, 1), got ${config.backtrackCoef}`);
  }

  /** The critic's Adam (the policy moves by the natural gradient step, not by Adam). */
  get valueOptimizer(): Adam {
    return this.optimizer;
  }

  protected createOptimizer(): Adam {
    return new Adam(this.value.net, { lr: this.config.valueLr });
  }

  protected update(ro: Rollout, rng: Rng): UpdateStats {
    const B = ro.numSteps * ro.numEnvs;
    const adv = Float32Array.from(ro.advantages);
    if (this.config.normAdv) standardize(adv);
    const t = {
      obs: tf.tensor2d(ro.observations, [B, ro.obsDim]),
      act: ro.discrete ? tf.tensor1d(ro.actions as Int32Array, 'int32') : tf.tensor2d(ro.actions as Float32Array, [B, ro.actDim]),
      logp: tf.tensor1d(ro.logProbs),
      adv: tf.tensor1d(adv),
    };
    try {
      const pol = this.policyStep(t.obs, t.act, t.logp, t.adv);
      const valueLoss = this.fitValue(ro, rng);
      return { ...pol, valueLoss, extra: { ...pol.extra, ...explainedVariance(ro) } };
    } finally {
      tf.dispose(Object.values(t));
    }
  }

  private policyStep(obs: tf.Tensor2D, act: tf.Tensor, logpOld: tf.Tensor1D, adv: tf.Tensor1D): Omit<UpdateStats, 'valueLoss'> {
    const c = this.config;
    const policy = this.policy;
    const vars = policy.variables;
    // The old distribution, fixed for the KL of the line search.
    const anchor = new PolicyKlAnchor(policy, obs);
    // Surrogate L(θ) = E[π_θ(a|s)/π_old(a|s) · Â] (eq. 14), plus an optional entropy bonus.
    const surrogate = (): tf.Scalar =>
      tf.tidy(() => {
        const ratio = tf.exp(tf.sub(policy.logProb(obs, act), logpOld));
        const s = tf.mean(tf.mul(ratio, adv));
        return (c.entCoef ? tf.add(s, tf.mul(c.entCoef, tf.mean(policy.entropy(obs)))) : s) as tf.Scalar;
      });
    const fisherObs = c.fisherSubsample > 1 ? subsampleRows(obs, c.fisherSubsample) : obs;
    const fvp = new FisherVectorProduct(policy, fisherObs);
    const theta0 = flattenVariables(vars);
    try {
      const gT = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(surrogate, vars);
        return [flattenTensors(vars.map((v) => grads[v.name] ?? tf.zerosLike(v))), value, tf.mean(policy.entropy(obs))];
      });
      const g = Float64Array.from(gT[0].dataSync());
      const [surr0, entropy] = [gT[1].dataSync()[0], gT[2].dataSync()[0]];
      tf.dispose(gT);
      // Natural gradient direction x ≈ F⁻¹ g, then the step that reaches the trust region's edge:
      // β = sqrt(2δ / xᵀFx) (Appendix C).
      const cg = conjugateGradient((v) => fvp.apply(v, c.damping), g, { iterations: c.cgIterations });
      const xFx = dot(cg.x, fvp.apply(cg.x, c.damping));
      const extra: Record<string, number> = { 'charts/cg_residual': cg.residual, 'charts/grad_norm': Math.sqrt(dot(g, g)) };
      if (!(xFx > 0) || !Number.isFinite(xFx)) {
        return { policyLoss: -surr0, entropy, kl: 0, extra: { ...extra, 'charts/line_search_steps': -1, 'charts/step_fraction': 0 } };
      }
      const beta = Math.sqrt((2 * c.maxKl) / xFx);
      const fullStep = cg.x.map((xi) => beta * xi);
      const expected = dot(g, fullStep);
      const th0 = theta0.dataSync() as Float32Array;
      const candidate = new Float32Array(th0.length);
      // Backtracking line search: the largest β·coefʲ step inside the trust region that improves L.
      let frac = 1;
      for (let j = 0; j < c.backtrackIterations; j++, frac *= c.backtrackCoef) {
        for (let i = 0; i < th0.length; i++) candidate[i] = th0[i] + frac * fullStep[i];
        assignFlat(vars, candidate);
        const evals = tf.tidy(() => [surrogate(), anchor.meanKl()]);
        const [surr, kl] = evals.map((e) => e.dataSync()[0]);
        tf.dispose(evals);
        if (Number.isFinite(surr) && Number.isFinite(kl) && kl <= c.maxKl && surr - surr0 > 0) {
          return {
            policyLoss: -surr, entropy, kl,
            extra: { ...extra, 'charts/line_search_steps': j, 'charts/step_fraction': frac, 'charts/improvement': surr - surr0, 'charts/expected_improvement': expected * frac },
          };
        }
      }
      assignFlat(vars, theta0);
      return { policyLoss: -surr0, entropy, kl: 0, extra: { ...extra, 'charts/line_search_steps': c.backtrackIterations, 'charts/step_fraction': 0, 'charts/improvement': 0, 'charts/expected_improvement': expected } };
    } finally {
      fvp.dispose();
      if (fisherObs !== obs) fisherObs.dispose();
      anchor.dispose();
      theta0.dispose();
    }
  }

  /** Adam minibatch epochs on ½(V(s) − R̂)²; returns the mean loss. */
  private fitValue(ro: Rollout, rng: Rng): number {
    const c = this.config;
    const B = ro.numSteps * ro.numEnvs;
    const obs = tf.tensor2d(ro.observations, [B, ro.obsDim]);
    const ret = tf.tensor1d(ro.returns);
    const mbSize = Math.max(1, Math.floor(B / c.valueMinibatches));
    const idx = rng.permutation(B);
    let sum = 0, n = 0;
    try {
      for (let e = 0; e < c.valueEpochs; e++) {
        rng.shuffle(idx);
        for (let s = 0; s + mbSize <= B; s += mbSize) {
          const mb = tf.tensor1d(idx.subarray(s, s + mbSize), 'int32');
          const { value, grads } = tf.variableGrads(
            () => tf.tidy(() => tf.mul(0.5, tf.mean(tf.square(tf.sub(this.value.apply(tf.gather(obs, mb) as tf.Tensor2D), tf.gather(ret, mb))))) as tf.Scalar),
            this.value.variables,
          );
          this.valueOptimizer.applyGradients(grads);
          sum += value.dataSync()[0];
          n++;
          tf.dispose([mb, value, ...Object.values(grads)]);
        }
      }
    } finally {
      tf.dispose([obs, ret]);
    }
    return sum / Math.max(1, n);
  }
}

function standardize(x: Float32Array): void {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  s = Math.sqrt(s / x.length) + 1e-8;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - m) / s;
}

function subsampleRows(x: tf.Tensor2D, k: number): tf.Tensor2D {
  return tf.tidy(() => {
    const rows = Int32Array.from({ length: Math.ceil(x.shape[0] / k) }, (_, i) => i * k);
    return tf.gather(x, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
  });
}
