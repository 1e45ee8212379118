import { tf } from './backend.js';
import { stopGradient } from './math.js';

/**
 * The unrolled differentiable graph of MGAIL (Baram et al. 2017, Section 4 and Algorithm 1).
 *
 * From real states s₀, for t < T:
 *   a_t     = the policy's reparameterized (Gaussian) or Gumbel-softmax (discrete) sample,
 *   c_t     = cost(s_t, a_t)                      (−log D(s_t, a_t) by default),
 *   s_{t+1} = f(s_t, a_t) + stopGradient(s_env − f(s_t, a_t)),
 * where s_env is the real environment's next state for a_t: the value is real and the gradient
 * flows through the learned model f (the paper's J_s recursion, eq. 9–10). Without an env step
 * ("imagination") s_{t+1} = f(s_t, a_t). The objective J = mean_b Σ_t γ^t alive_t c_t is a scalar
 * to differentiate with respect to the policy's variables only (the caller passes them to
 * tf.variableGrads), so ∇_a D and ∇_s D·∂f/∂… are both used: the paper's J_θ (eq. 11).
 *
 * This module only knows function interfaces, so core stays independent of the policy,
 * discriminator and model packages.
 */
export interface UnrollOptions {
  /** Steps T. */
  horizon: number;
  /** Discount γ. */
  gamma: number;
  /** Real start states [B, obsDim]. */
  startStates: tf.Tensor2D;
  /**
   * The policy's differentiable action for D and the model, and what the env receives
   * (e.g. one-hot straight-through sample and its argmax).
   */
  policyAction(s: tf.Tensor2D, t: number): { action: tf.Tensor2D; envAction: tf.Tensor };
  /** Per-row cost c(s, a) [B]. */
  cost(s: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor1D;
  /** One step of the forward model. */
  model(s: tf.Tensor2D, a: tf.Tensor2D, h: tf.Tensor2D | null): { next: tf.Tensor2D; h: tf.Tensor2D | null };
  /** Recurrent model state at t = 0 (null for a feed-forward model). */
  initialModelState?: tf.Tensor2D | null;
  /**
   * Steps the real envs with the env actions' values; returns the next states (row-major
   * [B·obsDim]) and which rows ended their episode on this step. Omit for imagination only.
   */
  envStep?: (envActions: Float32Array | Int32Array, t: number) => { nextStates: Float32Array; dones: Uint8Array };
  /** Ablation: block the gradient through the model, leaving only the ∂c/∂a path. */
  cutModelGradient?: boolean;
}

export interface UnrollResult {
  /** J, the discounted cost averaged over rows. */
  objective: tf.Scalar;
  /** Mean undiscounted cost per step over alive rows (numbers, for logging). */
  stepCosts: number[];
}

/** Builds J; call it inside `tf.variableGrads(() => unroll(o).objective, policyVars)`. */
export function unroll(o: UnrollOptions): UnrollResult {
  const B = o.startStates.shape[0];
  const obsDim = o.startStates.shape[1];
  let s: tf.Tensor2D = o.startStates;
  let h = o.initialModelState ?? null;
  let alive = tf.ones([B]) as tf.Tensor1D;
  let J: tf.Tensor = tf.scalar(0);
  const stepCosts: number[] = [];
  for (let t = 0; t < o.horizon; t++) {
    const { action, envAction } = o.policyAction(s, t);
    const c = o.cost(s, action);
    const aliveCount = alive.sum().dataSync()[0];
    stepCosts.push(aliveCount > 0 ? tf.tidy(() => tf.sum(tf.mul(c, alive)).dataSync()[0] / aliveCount) : 0);
    J = tf.add(J, tf.mul(Math.pow(o.gamma, t), tf.mean(tf.mul(c, alive))));
    if (t === o.horizon - 1) break;
    const pred = o.model(o.cutModelGradient ? stopGradient(s) : s, o.cutModelGradient ? stopGradient(action) : action, h);
    h = pred.h;
    const f = o.cutModelGradient ? stopGradient(pred.next) : pred.next;
    if (o.envStep) {
      const ea = envAction.dtype === 'int32' ? Int32Array.from(envAction.dataSync()) : Float32Array.from(envAction.dataSync());
      const { nextStates, dones } = o.envStep(ea, t);
      if (nextStates.length !== B * obsDim) throw new Error(`unroll: envStep returned ${nextStates.length} values, expected ${B}×${obsDim}`);
      const sEnv = tf.tensor2d(nextStates, [B, obsDim]);
      // value of the real env, gradient of the model (eq. 10's ∂f/∂s, ∂f/∂a terms)
      s = tf.add(f, stopGradient(tf.sub(sEnv, f))) as tf.Tensor2D;
      alive = tf.mul(alive, tf.sub(1, tf.tensor1d(Float32Array.from(dones)))) as tf.Tensor1D;
    } else {
      s = f;
    }
  }
  return { objective: J as tf.Scalar, stepCosts };
}
