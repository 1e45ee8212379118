import { tf } from './backend.js';
import type { Optimizer } from './adam.js';
import { toNamedVariables, type VariablesLike } from './variables.js';

/**
 * One optimization step: gradients of `lossFn` w.r.t. `vars`, an optimizer update, and the
 * loss as a number. Every tensor the step creates is disposed (the loss closure's intermediates
 * by tf.variableGrads' scope, the gradients and loss here).
 */
export function trainStep(vars: VariablesLike, lossFn: () => tf.Tensor, optimizer: Optimizer): number {
  const list = [...toNamedVariables(vars).values()];
  // any rank-0 tensor will do (tf.losses.* are typed Tensor<Rank>, so callers need no cast)
  const scalarLoss = (): tf.Scalar => {
    const l = lossFn();
    if (l.rank !== 0) throw new Error(`trainStep: the loss must be a scalar, got a tensor of shape [${l.shape.join(', ')}]`);
    return l as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(scalarLoss, list);
  try {
    optimizer.applyGradients(grads);
    return value.dataSync()[0];
  } finally {
    value.dispose();
    tf.dispose(grads);
  }
}
