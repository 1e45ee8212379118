import { tf } from './backend.js';
import type { Optimizer } from './adam.js';
import { toNamedVariables, type VariablesLike } from './variables.js';

/**
 * One optimization step: gradients of `lossFn` w.r.t. `vars`, an optimizer update, and the
 * loss as a number. Every tensor the step creates is disposed (the loss closure's intermediates
 * by tf.variableGrads' scope, the gradients and loss here).
 */
export function trainStep(vars: VariablesLike, lossFn: () => tf.Scalar, optimizer: Optimizer): number {
  const list = [...toNamedVariables(vars).values()];
  const { value, grads } = tf.variableGrads(lossFn, list);
  try {
    optimizer.applyGradients(grads);
    return value.dataSync()[0];
  } finally {
    value.dispose();
    tf.dispose(grads);
  }
}
