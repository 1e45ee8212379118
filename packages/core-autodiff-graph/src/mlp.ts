import { tf } from './backend.js';
import { Dense, checkActivation, type Activation } from './dense.js';
import type { Rng, InitName } from './random.js';
import { StoreModule } from './variables.js';

/** An `MLP`'s sizes, activations, initialization, seed and variable scope. */
export interface MLPOptions {
  inDim: number;
  /** Hidden layer widths; [] makes a single affine layer. */
  hidden: number[];
  outDim: number;
  /** Activation of the hidden layers. */
  activation: Activation;
  /** Activation of the output layer (default 'linear'). */
  outputActivation?: Activation;
  rng: Rng;
  name: string;
  /** Kernel initializer for every layer (default 'glorot_uniform'). */
  init?: InitName;
  /** Gain of the hidden layers' initializer (default 1; sqrt(2) is the usual orthogonal+ReLU/tanh choice). */
  hiddenGain?: number;
  /** Gain of the output layer's initializer (default 1; e.g. 0.01 for a Gaussian policy's mean). */
  outputInitScale?: number;
}

/**
 * A multilayer perceptron of fused Dense layers named `${name}/l1`, `${name}/l2`, ...,
 * `${name}/out`, so its variables are `${name}/l1/kernel`, `${name}/l1/bias`, ...
 */
export class MLP extends StoreModule {
  readonly inDim: number;
  readonly outDim: number;
  readonly layers: Dense[];

  constructor(opts: MLPOptions) {
    super(opts.name, 'MLP');
    const where = `MLP ${opts.name}`;
    checkActivation(opts.activation, where);
    for (const h of opts.hidden) {
      if (!Number.isInteger(h) || h <= 0) throw new Error(`${where}: hidden sizes must be positive integers, got [${opts.hidden.join(', ')}]`);
    }
    this.inDim = opts.inDim;
    this.outDim = opts.outDim;
    const dims = [opts.inDim, ...opts.hidden];
    this.layers = opts.hidden.map(
      (h, i) =>
        new Dense(dims[i], h, {
          activation: opts.activation,
          rng: opts.rng,
          name: this.store.fullName(`l${i + 1}`),
          init: opts.init,
          gain: opts.hiddenGain ?? 1,
        }),
    );
    this.layers.push(
      new Dense(dims[dims.length - 1], opts.outDim, {
        activation: opts.outputActivation ?? 'linear',
        rng: opts.rng,
        name: this.store.fullName('out'),
        init: opts.init,
        gain: opts.outputInitScale ?? 1,
      }),
    );
    for (const l of this.layers) this.store.adopt(l);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) h = l.apply(h);
      return h;
    });
  }
}
