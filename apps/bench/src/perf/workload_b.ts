import {
  tf,
  Rng,
  MLP,
  Dense,
  GRUCell,
  Adam,
  trainStep,
  logSigmoid,
  createVariable,
  randomNormalTensor,
} from '@mgail/core-autodiff-graph';
import { timeSteps, type Timing } from './timing.js';

export interface WorkloadBShape {
  obs: number;
  act: number;
  hidden: number;
  horizon: number;
  batch: number;
  gamma: number;
}

export const WORKLOAD_B: WorkloadBShape = { obs: 11, act: 3, hidden: 100, horizon: 50, batch: 32, gamma: 0.99 };

/**
 * Workload B: the MGAIL policy objective unrolled for T steps (shapes of the PyTorch reference's
 * benchB), built from the library's layers:
 *   a_t = tanh(μ(s_t) + exp(log σ) ⊙ ε_t)                      (Gaussian policy, reparameterized)
 *   J   = Σ_t γ^t mean log D(s_t, a_t)                        (log D = −softplus(−logit))
 *   h_{t+1} = GRU(relu(E_s s_t), h_t);  s_{t+1} = s_t + dec(h_{t+1} ⊙ relu(E_a a_t))
 * and one Adam step on −J with gradients w.r.t. the policy only.
 */
export function benchWorkloadB(shape: WorkloadBShape, warmup: number, reps: number, seed = 0): Timing {
  const { obs, act, hidden: H, horizon: T, batch: B, gamma } = shape;
  const rng = new Rng(seed);
  const id = `benchB_${B}_${T}`;
  const policy = new MLP({ inDim: obs, hidden: [H, H], outDim: act, activation: 'relu', rng, name: `${id}/pi` });
  const logStd = tf.tidy(() => createVariable(`${id}/pi/logstd`, tf.fill([act], -0.5)));
  const encS = new Dense(obs, H, { activation: 'relu', rng, name: `${id}/fm/encS` });
  const encA = new Dense(act, H, { activation: 'relu', rng, name: `${id}/fm/encA` });
  const gru = new GRUCell(H, H, { rng, name: `${id}/fm/gru` });
  const d1 = new Dense(H, H, { activation: 'relu', rng, name: `${id}/fm/d1` });
  const d2 = new Dense(H, obs, { rng, name: `${id}/fm/d2` });
  const disc = new MLP({ inDim: obs + act, hidden: [H, H], outDim: 1, activation: 'relu', rng, name: `${id}/d` });
  const policyVars = [...policy.variables, logStd];
  const opt = new Adam(policyVars, { lr: 1e-4 });
  const s0 = randomNormalTensor(rng, [B, obs]) as tf.Tensor2D;
  const h0 = tf.zeros([B, H]) as tf.Tensor2D;
  // Noise is drawn once, like the reference; slicing it per step would time the slicing.
  const noise = tf.tidy(() => tf.unstack(randomNormalTensor(rng, [T, B, act])) as tf.Tensor2D[]);

  const negJ = (): tf.Scalar => {
    let s = s0;
    let h = h0;
    const terms: tf.Scalar[] = [];
    const std = tf.exp(logStd);
    for (let t = 0; t < T; t++) {
      const a = tf.tanh(tf.add(policy.apply(s), tf.mul(std, noise[t]))) as tf.Tensor2D;
      const logD = logSigmoid(disc.apply(tf.concat([s, a], 1)));
      terms.push(tf.mul(tf.mean(logD), gamma ** t));
      const hNext = gru.apply(encS.apply(s), h);
      const y = tf.mul(hNext, encA.apply(a)) as tf.Tensor2D;
      s = tf.add(s, d2.apply(d1.apply(y))) as tf.Tensor2D;
      h = hNext;
    }
    return tf.neg(tf.addN(terms));
  };
  const step = () => trainStep(policyVars, negJ, opt);
  try {
    step();
    const before = tf.memory().numTensors;
    const timing = timeSteps(step, warmup, reps);
    const after = tf.memory().numTensors;
    if (after !== before) throw new Error(`workload B leaked ${after - before} tensors over ${warmup + reps} steps`);
    return timing;
  } finally {
    for (const m of [policy, encS, encA, gru, d1, d2, disc, opt]) m.dispose();
    tf.dispose([logStd, s0, h0, ...noise]);
  }
}
