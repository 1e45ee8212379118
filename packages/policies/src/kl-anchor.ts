import { tf } from '@mgail/core-autodiff-graph';
import { CategoricalPolicy, GaussianPolicy, type Policy } from './policy.js';

/**
 * π's distribution on a batch of states as it is now (categorical logits, or the Gaussian mean and
 * log-std), kept so that `meanKl()` can say how far later weights moved it: the mean over the
 * states of KL(π_then ‖ π_now). TRPO's line search and MGAIL's natural step measure their steps
 * with it. `obs` is not copied: it must outlive the anchor.
 */
export class PolicyKlAnchor {
  private readonly old: tf.Tensor[];

  constructor(readonly policy: Policy, private readonly obs: tf.Tensor2D) {
    if (policy instanceof CategoricalPolicy) this.old = [tf.tidy(() => policy.logits(obs))];
    else if (policy instanceof GaussianPolicy) this.old = tf.tidy(() => [policy.mean(obs), tf.clone(policy.logStd)]);
    else throw new Error(`PolicyKlAnchor: unsupported policy kind ${(policy as Policy).kind}`);
  }

  /** Mean KL(π at construction ‖ π now) over the anchor's states. */
  meanKl(): tf.Scalar {
    const p = this.policy;
    return tf.tidy(() => tf.mean(p instanceof CategoricalPolicy ? p.kl(this.obs, this.old[0] as tf.Tensor2D) : (p as GaussianPolicy).kl(this.obs, this.old[0] as tf.Tensor2D, this.old[1])));
  }

  dispose(): void {
    tf.dispose(this.old);
  }
}
