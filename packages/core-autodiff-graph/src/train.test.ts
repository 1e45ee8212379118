import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { initBackend, tf } from './backend.js';
import { MLP } from './mlp.js';
import { Rng, randomNormalTensor } from './random.js';
import { trainStep } from './train.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('trainStep', () => {
  it('learns a regression and keeps tf.memory().numTensors flat over 100 steps', () => {
    const rng = new Rng(1);
    const net = new MLP({ inDim: 3, hidden: [16, 16], outDim: 1, activation: 'tanh', rng, name: 'f' });
    const x = randomNormalTensor(rng, [32, 3]) as tf.Tensor2D;
    const y = tf.tidy(() => tf.sum(tf.sin(x), 1, true));
    const opt = new Adam(net, { lr: 1e-2, maxGradNorm: 1 });
    const loss = () => tf.losses.meanSquaredError(y, net.apply(x)) as tf.Scalar;
    const first = trainStep(net, loss, opt);
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 100; i++) last = trainStep(net, loss, opt);
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(0.5 * first);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });
});
