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

/** The networks of workload B, built from the library's layers with the reference's shapes. */
export interface WorkloadBNets {
  policy: MLP;
  logStd: tf.Variable;
  encS: Dense;
  encA: Dense;
  gru: GRUCell;
  d1: Dense;
  d2: Dense;
  disc: MLP;
  policyVars: tf.Variable[];
  s0: tf.Tensor2D;
  h0: tf.Tensor2D;
  noise: tf.Tensor2D[];
  /** a = tanh(μ(s) + exp(log σ) ⊙ ε) */
  act(s: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D;
  /** log D(s, a), [B, 1] */
  logD(s: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor2D;
  /** h' = GRU(relu(E_s s), h); s' = s + dec(h' ⊙ relu(E_a a)) */
  model(s: tf.Tensor2D, a: tf.Tensor2D, h: tf.Tensor2D): { next: tf.Tensor2D; h: tf.Tensor2D };
  dispose(): void;
}

export function buildWorkloadB(shape: WorkloadBShape, seed: number, id: string): WorkloadBNets {
  const { obs, act, hidden: H, horizon: T, batch: B } = shape;
  const rng = new Rng(seed);
  const policy = new MLP({ inDim: obs, hidden: [H, H], outDim: act, activation: 'relu', rng, name: `${id}/pi` });
  const logStd = tf.tidy(() => createVariable(`${id}/pi/logstd`, tf.fill([act], -0.5)));
  const encS = new Dense(obs, H, { activation: 'relu', rng, name: `${id}/fm/encS` });
  const encA = new Dense(act, H, { activation: 'relu', rng, name: `${id}/fm/encA` });
  const gru = new GRUCell(H, H, { rng, name: `${id}/fm/gru` });
  const d1 = new Dense(H, H, { activation: 'relu', rng, name: `${id}/fm/d1` });
  const d2 = new Dense(H, obs, { rng, name: `${id}/fm/d2` });
  const disc = new MLP({ inDim: obs + act, hidden: [H, H], outDim: 1, activation: 'relu', rng, name: `${id}/d` });
  const s0 = randomNormalTensor(rng, [B, obs]) as tf.Tensor2D;
  const h0 = tf.zeros([B, H]) as tf.Tensor2D;
  // Noise is drawn once, like the reference; slicing it per step would time the slicing.
  const noise = tf.tidy(() => tf.unstack(randomNormalTensor(rng, [T, B, act])) as tf.Tensor2D[]);
  return {
    policy, logStd, encS, encA, gru, d1, d2, disc, s0, h0, noise,
    policyVars: [...policy.variables, logStd],
    act: (s, eps) => tf.tidy(() => tf.tanh(tf.add(policy.apply(s), tf.mul(tf.exp(logStd), eps))) as tf.Tensor2D),
    logD: (s, a) => logSigmoid(disc.apply(tf.concat([s, a], 1))),
    model: (s, a, h) =>
      tf.tidy(() => {
        const hNext = gru.apply(encS.apply(s), h);
        const y = tf.mul(hNext, encA.apply(a)) as tf.Tensor2D;
        return { next: tf.add(s, d2.apply(d1.apply(y))) as tf.Tensor2D, h: hNext };
      }),
    dispose: () => {
      for (const m of [policy, encS, encA, gru, d1, d2, disc]) m.dispose();
      tf.dispose([logStd, s0, h0, ...noise]);
    },
  };
}

/** Times `step` after one untimed call, and checks it leaks no tensors. */
export function timeTrainingStep(name: string, step: () => unknown, warmup: number, reps: number): Timing {
  step();
  const before = tf.memory().numTensors;
  const timing = timeSteps(step, warmup, reps);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`workload ${name} leaked ${after - before} tensors over ${warmup + reps} steps`);
  return timing;
}

/**
 * Workload B: the MGAIL policy objective unrolled for T steps (shapes of the PyTorch reference's
 * benchB), built from the library's layers:
 *   a_t = tanh(μ(s_t) + exp(log σ) ⊙ ε_t)                      (Gaussian policy, reparameterized)
 *   J   = Σ_t γ^t mean log D(s_t, a_t)                        (log D = −softplus(−logit))
 *   h_{t+1} = GRU(relu(E_s s_t), h_t);  s_{t+1} = s_t + dec(h_{t+1} ⊙ relu(E_a a_t))
 * and one Adam step on −J with gradients w.r.t. the policy only.
 */
export function benchWorkloadB(shape: WorkloadBShape, warmup: number, reps: number, seed = 0): Timing {
  const n = buildWorkloadB(shape, seed, `benchB_${shape.batch}_${shape.horizon}`);
  const opt = new Adam(n.policyVars, { lr: 1e-4 });
  const negJ = (): tf.Scalar => {
    let s = n.s0;
    let h = n.h0;
    const terms: tf.Scalar[] = [];
    for (let t = 0; t < shape.horizon; t++) {
      const a = n.act(s, n.noise[t]);
      terms.push(tf.mul(tf.mean(n.logD(s, a)), shape.gamma ** t));
      ({ next: s, h } = n.model(s, a, h));
    }
    return tf.neg(tf.addN(terms));
  };
  try {
    return timeTrainingStep('B', () => trainStep(n.policyVars, negJ, opt), warmup, reps);
  } finally {
    opt.dispose();
    n.dispose();
  }
}
