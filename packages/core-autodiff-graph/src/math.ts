import { tf } from './backend.js';

/**
 * log σ(x) = −softplus(−x), stable for large |x|.
 * tf.logSigmoid's gradient throws in tfjs 4.22, so use this instead.
 */
export function logSigmoid<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.neg(tf.softplus(tf.neg(x)))) as T;
}

/** Σ_i Σ t_i² over a list of tensors, as a scalar. */
export function sumSquares(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(0);
    return tf.addN(tensors.map((t) => tf.sum(tf.square(t)))) as tf.Scalar;
  });
}

/** sqrt(Σ ‖t_i‖²), the global norm used for gradient clipping. */
export function globalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(sumSquares(tensors)));
}

/** Concatenates the tensors, flattened, into one vector (TRPO's flat parameters/gradients). */
export function flattenTensors(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.zeros([0]) as tf.Tensor1D;
    return tf.concat(tensors.map((t) => tf.reshape(t, [-1]))) as tf.Tensor1D;
  });
}

/** The variables' values as one flat vector, in the given order. */
export function flattenVariables(vars: readonly tf.Variable[]): tf.Tensor1D {
  return flattenTensors(vars);
}

/** Total number of scalars in the variables. */
export function numParameters(vars: readonly tf.Variable[]): number {
  return vars.reduce((n, v) => n + v.size, 0);
}

/** Splits a flat vector back into tensors of the variables' shapes (the inverse of flattenTensors). */
export function unflattenLike(flat: tf.Tensor1D, like: readonly tf.Tensor[]): tf.Tensor[] {
  const total = like.reduce((n, t) => n + t.size, 0);
  if (flat.rank !== 1 || flat.size !== total) {
    throw new Error(`unflattenLike: flat vector has ${flat.size} values, the tensors need ${total}`);
  }
  return tf.tidy(() => {
    const parts = tf.split(flat, like.map((t) => t.size));
    return parts.map((p, i) => tf.reshape(p, like[i].shape));
  });
}

/** Sets the variables from one flat vector (e.g. TRPO's line-search candidate). */
export function assignFlat(vars: readonly tf.Variable[], flat: tf.Tensor1D | Float32Array): void {
  tf.tidy(() => {
    const t = flat instanceof Float32Array ? tf.tensor1d(flat) : flat;
    const parts = unflattenLike(t, vars);
    vars.forEach((v, i) => v.assign(parts[i]));
  });
}

const stopGradientOp = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * The identity in the forward pass with a zero gradient (tfjs has no `stopGradient`):
 * MGAIL's `f + stopGradient(s_env − f)` and straight-through estimators use it.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}
