import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { unroll, type UnrollOptions } from './unroll.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

// s' = A s + B a with a linear policy a = W s + noise_t and cost c = ‖s‖² + 0.5‖a − 1‖²
const A = [[1.0, 0.1], [-0.2, 0.95]];
const Bm = [[0.3], [0.5]];
const noise = [0.1, -0.2, 0.05, 0.3];
const s0 = [[0.5, -0.3], [1.0, 0.2]];
const T = 4, gamma = 0.9;

function stepJS(s: number[], a: number): number[] {
  return [A[0][0] * s[0] + A[0][1] * s[1] + Bm[0][0] * a, A[1][0] * s[0] + A[1][1] * s[1] + Bm[1][0] * a];
}

function objectiveJS(W: number[]): number {
  let J = 0;
  for (const start of s0) {
    let s = start;
    for (let t = 0; t < T; t++) {
      const a = W[0] * s[0] + W[1] * s[1] + noise[t];
      J += Math.pow(gamma, t) * (s[0] ** 2 + s[1] ** 2 + 0.5 * (a - 1) ** 2);
      s = stepJS(s, a);
    }
  }
  return J / s0.length;
}

function options(W: tf.Variable, extra: Partial<UnrollOptions> = {}): UnrollOptions {
  const At = tf.tensor2d(A), Bt = tf.tensor2d(Bm);
  return {
    horizon: T,
    gamma,
    startStates: tf.tensor2d(s0),
    policyAction: (s, t) => {
      const a = tf.add(tf.matMul(s, W.reshape([2, 1])), noise[t]) as tf.Tensor2D;
      return { action: a, envAction: a };
    },
    cost: (s, a) => tf.add(tf.sum(tf.square(s), 1), tf.mul(0.5, tf.sum(tf.square(tf.sub(a, 1)), 1))) as tf.Tensor1D,
    model: (s, a) => ({ next: tf.add(tf.matMul(s, At, false, true), tf.matMul(a, Bt, false, true)) as tf.Tensor2D, h: null }),
    envStep: (acts) => {
      const out = new Float32Array(s0.length * 2);
      const cur = (extra as { _states?: number[][] })._states!;
      cur.forEach((s, i) => {
        const n = stepJS(s, acts[i]);
        out.set(n, 2 * i);
        cur[i] = n;
      });
      return { nextStates: out, dones: new Uint8Array(s0.length) };
    },
    ...extra,
  };
}

function gradOf(W: tf.Variable, extra: Partial<UnrollOptions> = {}): number[] {
  const states = s0.map((s) => [...s]);
  const { grads } = tf.variableGrads(() => unroll(options(W, { ...extra, _states: states } as Partial<UnrollOptions>)).objective, [W]);
  return Array.from(grads[W.name].dataSync());
}

describe('unroll', () => {
  it('with an exact model and the real env, the gradient equals finite differences', () => {
    const w = [0.2, -0.4];
    const W = tf.variable(tf.tensor1d(w));
    const g = gradOf(W);
    const eps = 1e-3;
    for (let i = 0; i < 2; i++) {
      const wp = [...w], wm = [...w];
      wp[i] += eps;
      wm[i] -= eps;
      const fd = (objectiveJS(wp) - objectiveJS(wm)) / (2 * eps);
      expect(Math.abs(g[i] - fd)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
    // and J's value is the real one
    const states = s0.map((s) => [...s]);
    const J = unroll(options(W, { _states: states } as Partial<UnrollOptions>)).objective.dataSync()[0];
    expect(J).toBeCloseTo(objectiveJS(w), 3);
  });

  it('the ∇_s path through the model is really used: cutting it changes the gradient', () => {
    const W = tf.variable(tf.tensor1d([0.2, -0.4]));
    const full = gradOf(W);
    const cut = gradOf(W, { cutModelGradient: true });
    expect(Math.abs(full[0] - cut[0]) + Math.abs(full[1] - cut[1])).toBeGreaterThan(1e-2);
  });

  it('imagination mode follows the model; done rows stop contributing', () => {
    const W = tf.variable(tf.tensor1d([0.2, -0.4]));
    const im = unroll({ ...options(W), envStep: undefined }).objective.dataSync()[0];
    expect(im).toBeCloseTo(objectiveJS([0.2, -0.4]), 3); // the model is exact here
    const states = s0.map((s) => [...s]);
    const ended = unroll(options(W, { _states: states, envStep: () => ({ nextStates: new Float32Array(4), dones: Uint8Array.from([1, 1]) }) } as Partial<UnrollOptions>));
    // only t = 0 counts once every row is done
    expect(ended.stepCosts.slice(1).every((c) => c === 0)).toBe(true);
  });
});
