import { tf } from './backend.js';
import { Rng, initializerFor, zerosInit, type InitName } from './random.js';
import { StoreModule } from './variables.js';
import { fusedDense, fusedLayersActive } from './fused.js';

/** The activations a `Dense` layer and an `MLP` accept. */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'linear';

/** Every `Activation`, for validating configs. */
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'sigmoid', 'elu', 'linear'];

/** A `Dense` layer's activation, initialization, seed and variable names. */
export interface DenseOptions {
  activation?: Activation;
  rng: Rng;
  name: string;
  /** Kernel initializer (default 'glorot_uniform'); the bias starts at zero. */
  init?: InitName;
  /** Multiplies the kernel initializer's scale (e.g. sqrt(2) for orthogonal ReLU layers, 0.01 for a policy head). */
  gain?: number;
  useBias?: boolean;
}

/** Throws `${where}: dims must be positive integers, got ${got}` unless every dim is one. */
export function checkDims(where: string, dims: readonly number[], got: string): void {
  if (dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new Error(`${where}: dims must be positive integers, got ${got}`);
}

/** Returns `a` as an `Activation`, or throws naming `where` and the valid choices. */
export function checkActivation(a: string, where: string): Activation {
  if (!(ACTIVATIONS as readonly string[]).includes(a)) {
    throw new Error(`${where}: unknown activation '${a}', use one of ${ACTIVATIONS.join(', ')}`);
  }
  return a as Activation;
}

/** Applies an activation that was not fused into the matmul. */
export function activate(x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'linear':
      return x;
  }
}

/**
 * y = act(x W + b), with W: [inDim, outDim].
 *
 * The matmul, bias and (for relu/linear) activation run as one fused kernel. tfjs 4.22 only
 * has gradients for fused 'linear' and 'relu', so the others are applied after the fused op.
 * On wasm the layer uses the `MgailDense` kernel of fused.ts (2-D, no reshapes, a one-pass
 * ReLU mask in the backward pass).
 */
export class Dense extends StoreModule {
  readonly activation: Activation;
  readonly kernel: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    opts: DenseOptions,
  ) {
    super(opts.name, 'Dense');
    checkDims(`Dense ${opts.name}`, [inDim, outDim], `${inDim} -> ${outDim}`);
    this.activation = checkActivation(opts.activation ?? 'linear', `Dense ${opts.name}`);
    const init = initializerFor(opts.init ?? 'glorot_uniform', opts.gain ?? 1);
    const shape = [inDim, outDim];
    this.kernel = this.store.add('kernel', { data: init(opts.rng, shape), shape }) as tf.Variable<tf.Rank.R2>;
    this.bias =
      opts.useBias === false
        ? null
        : (this.store.add('bias', { data: zerosInit()(opts.rng, [outDim]), shape: [outDim] }) as tf.Variable<tf.Rank.R1>);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inDim) {
      throw new Error(`Dense ${this.name}: input has shape [${x.shape.join(', ')}], expected [batch, ${this.inDim}]`);
    }
    const fusable = this.activation === 'relu' || this.activation === 'linear';
    if (x.dtype === 'float32' && fusedLayersActive()) {
      if (fusable) return fusedDense(x, this.kernel, this.bias, this.activation as 'relu' | 'linear');
      return tf.tidy(() => activate(fusedDense(x, this.kernel, this.bias, 'linear'), this.activation));
    }
    return tf.tidy((): tf.Tensor2D => {
      const y: tf.Tensor2D = tf.fused.matMul({
        a: x,
        b: this.kernel,
        bias: this.bias ?? undefined,
        activation: fusable ? this.activation : 'linear',
      }) as tf.Tensor2D;
      return fusable ? y : activate(y, this.activation);
    });
  }
}
