import { tf, flattenTensors, unflattenLike } from '@mgail/core-autodiff-graph';
import { CategoricalPolicy, GaussianPolicy, type Policy } from './policy.js';

/**
 * Products with the Fisher information matrix of a policy at its current parameters θ₀,
 *   F v = (1/B) Σ_s J_sᵀ M_s J_s v,
 * which equals the Hessian of the mean KL(π_θ₀ ‖ π_θ) at θ = θ₀ (TRPO, Appendix C.1). J_s is the
 * Jacobian of the distribution parameters at state s (logits, or the Gaussian mean) and M_s the
 * Fisher of the distribution in those parameters: diag(p) − ppᵀ for a categorical, diag(1/σ²)
 * for a Gaussian mean; the state-independent log σ adds 2·I and no cross terms.
 *
 * Why not grad-of-(grad·v) of the KL: tfjs records the ops of a `customGrad` kernel's backward
 * pass on the outer tape, but not the link from its saved inputs to their producers. Fused
 * matMul (every Dense layer) and logSoftmax are such kernels, so double backprop silently drops
 * Hessian terms (it is entirely wrong for categorical policies). Here J v comes from the
 * "double VJP" trick, J v = ∂/∂u [ (Jᵀu)·v ], which only differentiates the backward pass with
 * respect to the cotangent u, where every path is linear and recorded; Jᵀ(M J v) is one more
 * ordinary backward pass.
 */
export class FisherVectorProduct {
  readonly batch: number;
  readonly numParams: number;
  private readonly obs: tf.Tensor2D;
  private readonly vars: tf.Variable[];
  private readonly netVars: tf.Variable[];
  private readonly logStd: tf.Variable | null;
  /** p(a|s) at θ₀ (categorical) or 1/σ² at θ₀ (Gaussian), fixed while θ₀ is. */
  private readonly weight: tf.Tensor;
  private readonly zeros: tf.Tensor2D;

  /** Uses `obs` at the policy's current parameters; create a new one after the parameters change. */
  constructor(readonly policy: Policy, obs: tf.Tensor2D) {
    this.obs = tf.keep(tf.clone(obs));
    this.batch = obs.shape[0];
    this.vars = policy.variables;
    this.numParams = this.vars.reduce((n, v) => n + v.size, 0);
    if (policy instanceof CategoricalPolicy) {
      this.logStd = null;
      this.weight = tf.tidy(() => tf.softmax(policy.logits(this.obs)));
    } else if (policy instanceof GaussianPolicy) {
      this.logStd = policy.logStd;
      this.weight = tf.tidy(() => tf.exp(tf.mul(policy.logStd, -2)));
    } else {
      throw new Error(`FisherVectorProduct: unsupported policy kind ${(policy as Policy).kind}`);
    }
    this.netVars = this.vars.filter((v) => v !== this.logStd);
    this.zeros = tf.tidy(() => tf.zerosLike(this.outputs()));
  }

  /** Distribution parameters that depend on the network: logits or the Gaussian mean, [B, k]. */
  private outputs(): tf.Tensor2D {
    const p = this.policy;
    return p instanceof CategoricalPolicy ? p.logits(this.obs) : (p as GaussianPolicy).mean(this.obs);
  }

  /** (F + damping·I) v for a flat vector in the order of `policy.variables`. */
  apply(v: ArrayLike<number>, damping = 0): Float64Array {
    if (v.length !== this.numParams) throw new Error(`FisherVectorProduct: vector has ${v.length} entries, the policy has ${this.numParams} parameters`);
    const out = tf.tidy(() => {
      const vFlat = tf.tensor1d(Float32Array.from(v));
      const parts = unflattenLike(vFlat, this.vars);
      const part = (x: tf.Variable) => parts[this.vars.indexOf(x)];
      // J v: the derivative of (Jᵀu)·v with respect to u (linear in u, so evaluated at u = 0)
      const jv = tf.grad((u: tf.Tensor) => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(this.outputs(), u)) as tf.Scalar, this.netVars);
        return tf.addN(this.netVars.map((x) => tf.sum(tf.mul(grads[x.name], part(x))))) as tf.Scalar;
      })(this.zeros);
      let mjv: tf.Tensor;
      if (this.logStd) mjv = tf.mul(jv, this.weight);
      else {
        const p = this.weight;
        mjv = tf.sub(tf.mul(p, jv), tf.mul(p, tf.sum(tf.mul(p, jv), 1, true)));
      }
      const { grads } = tf.variableGrads(() => tf.div(tf.sum(tf.mul(this.outputs(), mjv)), this.batch) as tf.Scalar, this.netVars);
      const fv = this.vars.map((x) => (x === this.logStd ? tf.mul(part(x), 2) : grads[x.name]));
      return tf.add(flattenTensors(fv), tf.mul(vFlat, damping));
    });
    const data = Float64Array.from(out.dataSync());
    out.dispose();
    return data;
  }

  dispose(): void {
    tf.dispose([this.obs, this.weight, this.zeros]);
  }
}
