/**
 * The behavioural-cloning parts of mgail+bc (not in the paper): a BC warm start of π before the
 * first iteration (`bcPretrainSteps`) and the auxiliary term λ · E[−log π(a_E | s_E)] whose
 * gradient joins J's in every policy step (`bcWeight`).
 */
import { Adam, tf, type Rng } from '@mgail/core-autodiff-graph';
import type { Policy } from '@mgail/policies';
import type { MGAILConfig } from './config.js';
import type { ExpertPairs } from './expert.js';

/** ∇ of weight · E[−log π(a_E | s_E)] over a random batch of expert pairs (in `vars` order; the caller disposes) and the mean NLL. */
export function bcGradients(policy: Policy, vars: tf.Variable[], expert: ExpertPairs, rng: Rng, batch: number, weight: number): { grads: tf.Tensor[]; nll: number } {
  const { obs, actions } = expert.sampleRaw(rng, batch);
  const obsT = tf.tensor2d(obs, [batch, expert.obsDim]);
  const actT = expert.discrete ? tf.tensor1d(actions, 'int32') : tf.tensor2d(actions, [batch, expert.actDim]);
  const { value, grads } = tf.variableGrads(() => tf.mul(-weight, tf.mean(policy.logProb(obsT, actT))) as tf.Scalar, vars);
  const nll = value.dataSync()[0] / weight;
  tf.dispose([value, obsT, actT]);
  return { grads: vars.map((v) => grads[v.name]), nll };
}

/** `bcPretrainSteps` Adam steps (lr `bcLr`) of BC on expert batches: the optional warm start. */
export function bcWarmStart(policy: Policy, vars: Map<string, tf.Variable>, expert: ExpertPairs, rng: Rng, c: Pick<MGAILConfig, 'bcPretrainSteps' | 'bcLr' | 'bcBatchSize'>): void {
  if (c.bcPretrainSteps <= 0) return;
  const opt = new Adam(vars, { lr: c.bcLr });
  try {
    for (let k = 0; k < c.bcPretrainSteps; k++) {
      const { grads } = bcGradients(policy, [...vars.values()], expert, rng, c.bcBatchSize, 1);
      opt.applyGradients(grads);
      tf.dispose(grads);
    }
  } finally {
    opt.dispose();
  }
}
