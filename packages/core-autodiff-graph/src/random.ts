/**
 * Tensors drawn from a seeded `Rng`.
 *
 * Values are generated in JavaScript (float64, then rounded to float32) rather than by tfjs'
 * random ops, so the same seed gives bit-identical weights on every backend.
 */
import { Rng } from '@mgail/envs-classic';
import { tf } from './backend.js';

export { Rng };

/** A tensor shape. */
export type Shape = readonly number[];

/** Number of elements of a shape; a negative or fractional dimension is an error. */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`shape [${shape.join(', ')}] has a bad dimension ${d}`);
    n *= d;
  }
  return n;
}

/** Float32Array of normal samples N(mean, std^2). */
export function randomNormalArray(rng: Rng, size: number, mean = 0, std = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal(mean, std);
  return out;
}

/** Float32Array of uniform samples in [low, high). */
export function randomUniformArray(rng: Rng, size: number, low = 0, high = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(low, high);
  return out;
}

/** A float32 tensor of N(mean, std²) samples drawn from `rng` (the same values on every backend). */
export function randomNormalTensor(rng: Rng, shape: Shape, mean = 0, std = 1): tf.Tensor {
  return tf.tensor(randomNormalArray(rng, shapeSize(shape), mean, std), shape as number[], 'float32');
}

/** A float32 tensor of U(low, high) samples drawn from `rng` (the same values on every backend). */
export function randomUniformTensor(rng: Rng, shape: Shape, low = 0, high = 1): tf.Tensor {
  return tf.tensor(randomUniformArray(rng, shapeSize(shape), low, high), shape as number[], 'float32');
}

/** An initializer returns the initial values (row-major) for a tensor of `shape`. */
export type Initializer = (rng: Rng, shape: Shape) => Float32Array;

/** Fans as Keras computes them: a [in, out] kernel has fanIn=in, fanOut=out. */
function fans(shape: Shape): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Glorot/Xavier uniform: U(-a, a), a = gain * sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(gain = 1): Initializer {
  return (rng, shape) => {
    const [fanIn, fanOut] = fans(shape);
    const a = gain * Math.sqrt(6 / (fanIn + fanOut));
    return randomUniformArray(rng, shapeSize(shape), -a, a);
  };
}

/** U(-a, a) with a fixed bound (PyTorch's GRU/Linear default uses a = 1/sqrt(hidden or fanIn)). */
export function uniformInit(bound: number): Initializer {
  return (rng, shape) => randomUniformArray(rng, shapeSize(shape), -bound, bound);
}

/**
 * Orthogonal initialization (Saxe et al. 2013), as torch.nn.init.orthogonal_: the matrix is
 * viewed as [shape[0], prod(rest)], a Gaussian matrix is QR-decomposed and Q's columns are
 * sign-corrected by diag(R) so the result is uniform over orthogonal matrices.
 */
export function orthogonal(gain = 1): Initializer {
  return (rng, shape) => {
    const size = shapeSize(shape);
    if (shape.length < 2) throw new Error(`orthogonal init needs a shape with at least 2 dims, got [${shape.join(', ')}]`);
    const rows = shape[0];
    const cols = size / rows;
    // QR of a tall matrix: work on [big, small] and transpose at the end when rows < cols.
    const big = Math.max(rows, cols);
    const small = Math.min(rows, cols);
    const a = new Float64Array(big * small);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    // Modified Gram–Schmidt on the columns of `a` ([big, small], row-major), in float64.
    for (let j = 0; j < small; j++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < big; i++) dot += a[i * small + k] * a[i * small + j];
        for (let i = 0; i < big; i++) a[i * small + j] -= dot * a[i * small + k];
      }
      let norm = 0;
      for (let i = 0; i < big; i++) norm += a[i * small + j] ** 2;
      norm = Math.sqrt(norm);
      // r_jj = norm > 0, so the Gram–Schmidt Q already has the sign convention diag(R) > 0.
      const inv = norm > 0 ? 1 / norm : 0;
      for (let i = 0; i < big; i++) a[i * small + j] *= inv;
    }
    const out = new Float32Array(size);
    if (rows >= cols) {
      for (let i = 0; i < size; i++) out[i] = gain * a[i];
    } else {
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * a[c * small + r];
    }
    return out;
  };
}

/** An initializer that fills zeros. */
export function zerosInit(): Initializer {
  return (_rng, shape) => new Float32Array(shapeSize(shape));
}

/** An initializer that fills `value`. */
export function constantInit(value: number): Initializer {
  return (_rng, shape) => new Float32Array(shapeSize(shape)).fill(value);
}

/** Initializers that configs can name. */
export type InitName = 'glorot_uniform' | 'orthogonal' | 'zeros';

/** The named initializer with a gain (ignored for zeros). */
export function initializerFor(name: InitName, gain = 1): Initializer {
  switch (name) {
    case 'glorot_uniform':
      return glorotUniform(gain);
    case 'orthogonal':
      return orthogonal(gain);
    case 'zeros':
      return zerosInit();
    default:
      throw new Error(`unknown initializer '${String(name)}': use glorot_uniform, orthogonal or zeros`);
  }
}
