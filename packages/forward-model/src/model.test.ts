import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf } from '@mgail/core-autodiff-graph';
import { DEFAULT_FORWARD_MODEL_CONFIG, ForwardModel, type TransitionWindows } from './model.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

// s' = A s + B a, a stable linear system
const A = [[0.9, 0.1], [-0.1, 0.9]];
const Bm = [[0.5], [0.2]];
function linearWindows(rng: Rng, batch: number, length: number): TransitionWindows {
  const states = new Float32Array(batch * length * 2), actions = new Float32Array(batch * length), nextStates = new Float32Array(batch * length * 2);
  for (let b = 0; b < batch; b++) {
    let s = [rng.normal(), rng.normal()];
    for (let t = 0; t < length; t++) {
      const a = rng.uniform(-1, 1);
      const n = [A[0][0] * s[0] + A[0][1] * s[1] + Bm[0][0] * a, A[1][0] * s[0] + A[1][1] * s[1] + Bm[1][0] * a];
      const k = b * length + t;
      states.set(s, 2 * k);
      actions[k] = a;
      nextStates.set(n, 2 * k);
      s = n;
    }
  }
  return { batch, length, states, actions, nextStates };
}

describe('ForwardModel', () => {
  for (const kind of ['basic', 'advanced'] as const) {
    it(`${kind}: learns a linear system, without leaking tensors`, () => {
      const rng = new Rng(0);
      const m = new ForwardModel(2, 1, { ...DEFAULT_FORWARD_MODEL_CONFIG, kind, hidden: [32, 32], encoderDim: 32, lr: 3e-3 }, rng.spawn());
      const data = linearWindows(rng, 256, kind === 'basic' ? 1 : 4);
      m.updateStatistics(data.states, data.nextStates);
      const first = m.train(linearWindows(rng, 32, data.length));
      const before = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 300; i++) last = m.train(linearWindows(rng, 32, data.length));
      expect(tf.memory().numTensors).toBe(before);
      expect(last).toBeLessThan(first * 0.2);
      const err = m.multiStepError(linearWindows(new Rng(9), 16, 5));
      expect(err).toHaveLength(5);
      expect(err[0]).toBeLessThan(0.05);
      m.dispose();
    });
  }

  it('advanced: the GRU state carried across steps changes predictions (really recurrent)', () => {
    const m = new ForwardModel(2, 1, { ...DEFAULT_FORWARD_MODEL_CONFIG, kind: 'advanced', encoderDim: 8 }, new Rng(1));
    const s = tf.tensor2d([[0.3, -0.2]]), a = tf.tensor2d([[0.5]]);
    const p0 = m.predict(s, a, null);
    const p1 = m.predict(s, a, p0.h);
    const diff = tf.sum(tf.abs(tf.sub(p0.next, p1.next))).dataSync()[0];
    expect(diff).toBeGreaterThan(1e-6);
  });

  it('is differentiable with respect to state and action', () => {
    for (const kind of ['basic', 'advanced'] as const) {
      const m = new ForwardModel(2, 1, { ...DEFAULT_FORWARD_MODEL_CONFIG, kind, hidden: [8], encoderDim: 8 }, new Rng(2));
      const [gs, ga] = tf.grads((s: tf.Tensor, a: tf.Tensor) => tf.sum(m.predict(s as tf.Tensor2D, a as tf.Tensor2D, null).next))([tf.tensor2d([[0.1, 0.2]]), tf.tensor2d([[0.3]])]);
      expect(tf.norm(gs).dataSync()[0]).toBeGreaterThan(0);
      expect(tf.norm(ga).dataSync()[0]).toBeGreaterThan(0);
    }
  });
});
