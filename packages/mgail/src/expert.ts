import type { Rng } from '@mgail/core-autodiff-graph';
import { pairs } from '@mgail/discriminator';
import type { Demonstrations } from '@mgail/policies';

/** The expert's (s, a) pairs as the discriminator and the policy step draw them. */
export class ExpertPairs {
  /** Rows of obsDim + actDim (one-hot actions for discrete envs). */
  readonly pairs: Float32Array;
  readonly size: number;

  constructor(readonly demos: Demonstrations, readonly obsDim: number, readonly actDim: number, readonly discrete: boolean) {
    this.pairs = pairs(demos.observations, demos.actions, obsDim, actDim, discrete);
    this.size = demos.rewards.length;
  }

  /** n pairs drawn uniformly (with replacement), as rows of `pairs`. */
  sample(rng: Rng, n: number): Float32Array {
    const d = this.obsDim + this.actDim;
    const out = new Float32Array(n * d);
    for (let k = 0; k < n; k++) {
      const j = rng.int(this.size);
      out.set(this.pairs.subarray(j * d, (j + 1) * d), k * d);
    }
    return out;
  }

  /** n observations and their raw actions (indices for discrete envs), drawn uniformly. */
  sampleRaw(rng: Rng, n: number): { obs: Float32Array; actions: Float32Array | Int32Array } {
    const { obsDim, actDim, discrete, demos } = this;
    const obs = new Float32Array(n * obsDim);
    const actions = discrete ? new Int32Array(n) : new Float32Array(n * actDim);
    for (let k = 0; k < n; k++) {
      const j = rng.int(this.size);
      for (let d = 0; d < obsDim; d++) obs[k * obsDim + d] = demos.observations[j * obsDim + d];
      if (discrete) actions[k] = demos.actions[j];
      else for (let d = 0; d < actDim; d++) actions[k * actDim + d] = demos.actions[j * actDim + d];
    }
    return { obs, actions };
  }
}
