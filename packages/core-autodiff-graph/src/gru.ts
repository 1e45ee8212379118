import { tf } from './backend.js';
import { uniformInit, type Rng } from './random.js';
import { checkDims } from './dense.js';
import { StoreModule } from './variables.js';
import { fusedDense, fusedGRUGates, fusedLayersActive } from './fused.js';

/** The seed of a `GRUCell`'s initialization and its variable scope. */
export interface GRUCellOptions {
  rng: Rng;
  name: string;
}

/**
 * A GRU cell with PyTorch's equations (torch.nn.GRUCell):
 *
 *   r  = σ(x W_ir + b_ir + h W_hr + b_hr)
 *   z  = σ(x W_iz + b_iz + h W_hz + b_hz)
 *   n  = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn))
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * The three gates of each input are one fused matmul: `kernel_ih` is [inDim, 3H] and
 * `kernel_hh` is [H, 3H], columns ordered (r, z, n) like PyTorch's weight_ih / weight_hh
 * transposed. Initialization is PyTorch's: every weight and bias ~ U(−1/√H, 1/√H).
 * On wasm the gate arithmetic after the two matmuls is one kernel forward and one backward
 * (`MgailGRUGates` in fused.ts) instead of about fifteen small ops.
 */
export class GRUCell extends StoreModule {
  readonly kernelIH: tf.Variable<tf.Rank.R2>;
  readonly biasIH: tf.Variable<tf.Rank.R1>;
  readonly kernelHH: tf.Variable<tf.Rank.R2>;
  readonly biasHH: tf.Variable<tf.Rank.R1>;

  constructor(
    readonly inDim: number,
    readonly hiddenDim: number,
    opts: GRUCellOptions,
  ) {
    super(opts.name, 'GRUCell');
    checkDims(`GRUCell ${opts.name}`, [inDim, hiddenDim], `in=${inDim}, hidden=${hiddenDim}`);
    const init = uniformInit(1 / Math.sqrt(hiddenDim));
    const add = (local: string, shape: number[]) => this.store.add(local, { data: init(opts.rng, shape), shape });
    const h3 = 3 * hiddenDim;
    this.kernelIH = add('kernel_ih', [inDim, h3]) as tf.Variable<tf.Rank.R2>;
    this.biasIH = add('bias_ih', [h3]) as tf.Variable<tf.Rank.R1>;
    this.kernelHH = add('kernel_hh', [hiddenDim, h3]) as tf.Variable<tf.Rank.R2>;
    this.biasHH = add('bias_hh', [h3]) as tf.Variable<tf.Rank.R1>;
  }

  /** One step: x [batch, inDim], h [batch, hiddenDim] → h' [batch, hiddenDim]. */
  apply(x: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inDim) {
      throw new Error(`GRUCell ${this.name}: x has shape [${x.shape.join(', ')}], expected [batch, ${this.inDim}]`);
    }
    if (h.rank !== 2 || h.shape[1] !== this.hiddenDim || h.shape[0] !== x.shape[0]) {
      throw new Error(
        `GRUCell ${this.name}: h has shape [${h.shape.join(', ')}], expected [${x.shape[0]}, ${this.hiddenDim}]`,
      );
    }
    if (x.dtype === 'float32' && h.dtype === 'float32' && fusedLayersActive()) {
      return tf.tidy(() =>
        fusedGRUGates(fusedDense(x, this.kernelIH, this.biasIH, 'linear'), fusedDense(h, this.kernelHH, this.biasHH, 'linear'), h),
      );
    }
    return tf.tidy(() => {
      const gi = tf.fused.matMul({ a: x, b: this.kernelIH, bias: this.biasIH });
      const gh = tf.fused.matMul({ a: h, b: this.kernelHH, bias: this.biasHH });
      const [iR, iZ, iN] = tf.split(gi, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const [hR, hZ, hN] = tf.split(gh, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const r = tf.sigmoid(tf.add(iR, hR));
      const z = tf.sigmoid(tf.add(iZ, hZ));
      const n = tf.tanh(tf.add(iN, tf.mul(r, hN)));
      // h' = n + z ⊙ (h − n), the same as (1 − z) ⊙ n + z ⊙ h with one op fewer.
      return tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
    });
  }

  /** A zero hidden state for a batch. */
  initialState(batch: number): tf.Tensor2D {
    return tf.zeros([batch, this.hiddenDim]);
  }
}
