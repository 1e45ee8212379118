import { MLP, tf, type Rng } from '@mgail/core-autodiff-graph';

/**
 * The critic V(s): an MLP on the same normalized observations the policy sees (it borrows the
 * policy's normalizer, so the two never disagree about the input scale).
 */
export class ValueFunction {
  readonly net: MLP;

  constructor(
    readonly obsDim: number,
    config: { hidden: number[]; activation: 'tanh' | 'relu' },
    rng: Rng,
    private readonly normalize: (obs: tf.Tensor2D) => tf.Tensor2D,
  ) {
    // CleanRL's layer_init: orthogonal(√2) hidden layers, orthogonal(1) output.
    this.net = new MLP({ inDim: obsDim, hidden: config.hidden, outDim: 1, activation: config.activation, rng, name: 'value', init: 'orthogonal', hiddenGain: Math.SQRT2, outputInitScale: 1 });
  }

  get variables(): tf.Variable[] {
    return this.net.variables;
  }

  /** V(s) for raw observations [B, obsDim]; differentiable. */
  apply(obs: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.squeeze(this.net.apply(this.normalize(obs)), [1]) as tf.Tensor1D);
  }

  /** V(s) for a flat row-major batch, as plain numbers. */
  predict(obs: Float32Array): Float32Array {
    if (obs.length === 0) return new Float32Array(0);
    return tf.tidy(() => this.apply(tf.tensor2d(obs, [obs.length / this.obsDim, this.obsDim])).dataSync() as Float32Array);
  }

  dispose(): void {
    this.net.dispose();
  }
}
