import { tf } from './backend.js';
import { stopGradient } from './math.js';

/**
 * The unrolled differentiable graph of MGAIL (Baram et al. 2017, Section 4 and Algorithm 1).
 *
 * From real states s₀ (a batch), for t < T:
 *   a_t     = sampleAction(s_t, ξ_t)  the policy's reparameterized sample: μ + σ·ε (Gaussian) or
 *                                     a Gumbel-softmax sample (discrete; the env gets its argmax),
 *   c_t     = cost(s_t, a_t)          −log D(s_t, a_t) by default,
 *   s_{t+1} = f(s_t, a_t) + stopGradient(s_env − f(s_t, a_t)),
 * where s_env is the real environment's next state for a_t: the value is the real one and the
 * gradient flows through the learned model f (the paper's J_s recursion, eq. 9–10). In
 * imagination mode (no `envStep`) s_{t+1} = f(s_t, a_t). A row whose episode ended stops
 * contributing (mask). The objective is
 *   J = mean_b Σ_t γ^t · alive_{b,t} · c_t,
 * a scalar to differentiate with respect to the policy's variables only (the caller passes them
 * to `tf.variableGrads`), so both ∂c/∂a·∂a/∂θ and ∂c/∂s·∂s/∂θ through f (eq. 11) are used.
 *
 * Core knows only these function interfaces, so it stays independent of the policy,
 * discriminator and model packages.
 */
export interface UnrollOptions {
  /** Steps T. */
  horizon: number;
  /** Discount γ. */
  gamma: number;
  /** Real start states s₀, [B, obsDim]. */
  startStates: tf.Tensor2D;
  /**
   * The noise ξ_t of step t (ε ~ N(0, 1) for a Gaussian policy, Gumbel noise −log(−log U) for a
   * discrete one), drawn by the caller from its seeded Rng so an unroll is reproducible.
   */
  noise(t: number): tf.Tensor2D;
  /** a_t from s_t and ξ_t, differentiable with respect to the policy and to s_t. */
  sampleAction(s: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor2D;
  /**
   * What the real env receives for a_t, row-major [B·envActDim] (default: a_t's values; a
   * discrete policy passes the argmax of its one-hot sample as Int32Array).
   */
  envAction?(a: tf.Tensor2D): Float32Array | Int32Array;
  /** Per-row cost c(s, a), [B]. */
  cost(s: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor1D;
  /** One step of the forward model f(s, a, h) → (s', h'). */
  model(s: tf.Tensor2D, a: tf.Tensor2D, h: tf.Tensor2D | null): { next: tf.Tensor2D; h: tf.Tensor2D | null };
  /** Recurrent model state at t = 0 (null for a feed-forward model). */
  initialModelState?: tf.Tensor2D | null;
  /**
   * Steps the real envs with the env actions of step t; returns their next states (row-major
   * [B·obsDim]), optionally with the rows whose episode ended on this step. Omit for
   * imagination only.
   */
  envStep?(envActions: Float32Array | Int32Array, t: number): Float32Array | { nextStates: Float32Array; dones?: Uint8Array };
  /** Ablation: block the gradient through the model, leaving only ∂c/∂a (and ∂c/∂s at s₀). */
  cutModelGradient?: boolean;
  /**
   * Imagination only: the rows whose predicted next state (row-major [B·obsDim]) ends the
   * episode, by the env's own termination rule; they stop contributing as a real `done` does.
   * Without it an imagined episode never ends, and a cost that the end of an episode would stop
   * keeps accruing past it (expert trajectories that end at a goal make D penalize what lies beyond).
   */
  terminal?(nextStates: Float32Array): Uint8Array;
}

/** The objective J to differentiate and per-step numbers for logging. */
export interface UnrollResult {
  /** J, the discounted masked cost averaged over rows. */
  objective: tf.Scalar;
  /** Mean undiscounted cost of the rows still alive at each step (numbers, for logging). */
  stepCosts: number[];
  /** Steps taken in the real env (rows × steps while alive). */
  envSteps: number;
}

/** Builds J; call it inside `tf.variableGrads(() => unroll(o).objective, policyVars)`. */
export function unroll(o: UnrollOptions): UnrollResult {
  const [B, obsDim] = o.startStates.shape;
  if (!Number.isInteger(o.horizon) || o.horizon < 1) throw new Error(`unroll: horizon must be a positive integer, got ${o.horizon}`);
  let s: tf.Tensor2D = o.startStates;
  let h = o.initialModelState ?? null;
  const alive = new Float32Array(B).fill(1);
  let J: tf.Tensor = tf.scalar(0);
  const stepCosts: number[] = [];
  let envSteps = 0;
  for (let t = 0; t < o.horizon; t++) {
    const nAlive = alive.reduce((x, y) => x + y, 0);
    if (nAlive === 0) break;
    const a = o.sampleAction(s, o.noise(t));
    const c = o.cost(s, a);
    const mask = tf.tensor1d(alive);
    stepCosts.push(tf.tidy(() => tf.sum(tf.mul(c, mask)).dataSync()[0] / nAlive));
    J = tf.add(J, tf.mul(Math.pow(o.gamma, t), tf.div(tf.sum(tf.mul(c, mask)), B)));
    if (t === o.horizon - 1) break;
    const cut = o.cutModelGradient === true;
    const pred = o.model(cut ? stopGradient(s) : s, cut ? stopGradient(a) : a, h);
    h = pred.h;
    const f = cut ? stopGradient(pred.next) : pred.next;
    if (!o.envStep) {
      s = f;
      if (o.terminal) {
        const dones = o.terminal(f.dataSync() as Float32Array);
        for (let i = 0; i < B; i++) if (dones[i]) alive[i] = 0;
      }
      continue;
    }
    const values = o.envAction ? o.envAction(a) : (a.dataSync() as Float32Array);
    const r = o.envStep(values, t);
    const nextStates = r instanceof Float32Array ? r : r.nextStates;
    const dones = r instanceof Float32Array ? undefined : r.dones;
    if (nextStates.length !== B * obsDim) throw new Error(`unroll: envStep returned ${nextStates.length} values, expected ${B}×${obsDim}`);
    envSteps += nAlive;
    // the value of the real env, the gradient of the model (eq. 10's ∂f/∂s and ∂f/∂a terms)
    s = tf.add(f, stopGradient(tf.sub(tf.tensor2d(nextStates, [B, obsDim]), f))) as tf.Tensor2D;
    if (dones) for (let i = 0; i < B; i++) if (dones[i]) alive[i] = 0;
  }
  return { objective: J as tf.Scalar, stepCosts, envSteps };
}
