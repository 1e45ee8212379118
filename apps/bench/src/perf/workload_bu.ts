import { tf, Adam, trainStep, unroll } from '@mgail/core-autodiff-graph';
import { buildWorkloadB, timeTrainingStep, type WorkloadBShape } from './workload_b.js';
import type { Timing } from './timing.js';

/**
 * Workload B': workload B's networks through the library's own MGAIL graph, `unroll` of
 * core-autodiff-graph (imagination only: no env in the loop), cost c = −log D, minimizing
 * J = mean_b Σ_t γ^t c_t with Adam on the policy. Differs from B by what `unroll` adds per step
 * (alive mask, a per-step cost read back for logging) and by skipping the unused last model step.
 */
export function benchWorkloadBUnroll(shape: WorkloadBShape, warmup: number, reps: number, seed = 0): Timing {
  const n = buildWorkloadB(shape, seed, `benchBu_${shape.batch}_${shape.horizon}`);
  const opt = new Adam(n.policyVars, { lr: 1e-4 });
  const B = shape.batch;
  const objective = () =>
    unroll({
      horizon: shape.horizon,
      gamma: shape.gamma,
      startStates: n.s0,
      noise: (t) => n.noise[t],
      sampleAction: (s, eps) => n.act(s, eps),
      cost: (s, a) => tf.neg(tf.reshape(n.logD(s, a), [B])) as tf.Tensor1D,
      model: (s, a, h) => n.model(s, a, h ?? n.h0),
      initialModelState: n.h0,
    }).objective;
  try {
    return timeTrainingStep("B'", () => trainStep(n.policyVars, objective, opt), warmup, reps);
  } finally {
    opt.dispose();
    n.dispose();
  }
}
