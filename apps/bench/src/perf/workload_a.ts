import { tf, Rng, MLP, Adam, trainStep, randomNormalTensor } from '@mgail/core-autodiff-graph';
import { timeSteps, type Timing } from './timing.js';

/**
 * Workload A: MLP 20 → 100 → 100 → 1 (ReLU), MSE, backward, Adam, as a user of the library
 * writes it (MLP + Adam + trainStep). Mirrors benchA of the PyTorch reference.
 */
export function benchWorkloadA(batch: number, warmup: number, reps: number, seed = 0): Timing {
  const rng = new Rng(seed);
  const net = new MLP({ inDim: 20, hidden: [100, 100], outDim: 1, activation: 'relu', rng, name: `benchA_${batch}` });
  const opt = new Adam(net, { lr: 1e-3 });
  const x = randomNormalTensor(rng, [batch, 20]) as tf.Tensor2D;
  const y = randomNormalTensor(rng, [batch, 1]) as tf.Tensor2D;
  // F.mse_loss: mean of squared differences.
  const loss = () => tf.mean(tf.squaredDifference(net.apply(x), y)) as tf.Scalar;
  const step = () => trainStep(net, loss, opt);
  try {
    step();
    const before = tf.memory().numTensors;
    const timing = timeSteps(step, warmup, reps);
    const after = tf.memory().numTensors;
    if (after !== before) throw new Error(`workload A leaked ${after - before} tensors over ${warmup + reps} steps`);
    return timing;
  } finally {
    net.dispose();
    opt.dispose();
    x.dispose();
    y.dispose();
  }
}
