import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { unroll, type UnrollOptions } from './unroll.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

// s' = A s + B a, a linear policy a = W s + ξ_t, and cost c = ‖s‖² + 0.5‖a − 1‖²
const A = [[1.0, 0.1], [-0.2, 0.95]];
const Bm = [[0.3], [0.5]];
const noise = [0.1, -0.2, 0.05, 0.3];
const s0 = [[0.5, -0.3], [1.0, 0.2]];
const T = 4, gamma = 0.9;

function stepJS(s: number[], a: number): number[] {
  return [A[0][0] * s[0] + A[0][1] * s[1] + Bm[0][0] * a, A[1][0] * s[0] + A[1][1] * s[1] + Bm[1][0] * a];
}

/** The real objective, in plain JS. */
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

/** Options for policy weights W; `modelScale` 1 is the exact model. A fresh real env per call. */
function options(W: tf.Variable, extra: Partial<UnrollOptions> & { modelScale?: number } = {}): UnrollOptions {
  const scale = extra.modelScale ?? 1;
  const At = tf.mul(scale, tf.tensor2d(A)), Bt = tf.tensor2d(Bm);
  const states = s0.map((s) => [...s]);
  return {
    horizon: T,
    gamma,
    startStates: tf.tensor2d(s0),
    noise: (t) => tf.fill([s0.length, 1], noise[t]) as tf.Tensor2D,
    sampleAction: (s, xi) => tf.add(tf.matMul(s, W.reshape([2, 1])), xi) as tf.Tensor2D,
    cost: (s, a) => tf.add(tf.sum(tf.square(s), 1), tf.mul(0.5, tf.sum(tf.square(tf.sub(a, 1)), 1))) as tf.Tensor1D,
    model: (s, a) => ({ next: tf.add(tf.matMul(s, At, false, true), tf.matMul(a, Bt, false, true)) as tf.Tensor2D, h: null }),
    envStep: (acts) => {
      const out = new Float32Array(s0.length * 2);
      states.forEach((s, i) => {
        states[i] = stepJS(s, acts[i]);
        out.set(states[i], 2 * i);
      });
      return out;
    },
    ...extra,
  };
}

function gradOf(W: tf.Variable, extra: Partial<UnrollOptions> & { modelScale?: number } = {}): number[] {
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(() => unroll(options(W, extra)).objective, [W]);
    return Array.from(grads[W.name].dataSync());
  });
}

function finiteDifferences(w: number[]): number[] {
  const eps = 1e-3;
  return w.map((_, i) => {
    const wp = [...w], wm = [...w];
    wp[i] += eps;
    wm[i] -= eps;
    return (objectiveJS(wp) - objectiveJS(wm)) / (2 * eps);
  });
}

describe('unroll', () => {
  const w = [0.2, -0.4];

  it('with the exact model and the real env, the gradient equals finite differences of the real objective', () => {
    const W = tf.variable(tf.tensor1d(w));
    const g = gradOf(W);
    const fd = finiteDifferences(w);
    for (let i = 0; i < 2; i++) expect(Math.abs(g[i] - fd[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd[i])));
    const r = tf.tidy(() => unroll(options(W)).objective.dataSync()[0]);
    expect(r).toBeCloseTo(objectiveJS(w), 3);
    W.dispose();
  });

  it('with a wrong model the value is still the real one (only the gradient goes through the model)', () => {
    const W = tf.variable(tf.tensor1d(w));
    const r = tf.tidy(() => unroll(options(W, { modelScale: 0.5 })).objective.dataSync()[0]);
    expect(r).toBeCloseTo(objectiveJS(w), 3);
    // ... and the gradient follows the wrong model, so it differs from the exact one
    const exact = gradOf(W), wrong = gradOf(W, { modelScale: 0.5 });
    expect(Math.abs(exact[0] - wrong[0]) + Math.abs(exact[1] - wrong[1])).toBeGreaterThan(1e-2);
    W.dispose();
  });

  it('the ∇_s path through the model is really used: cutting it changes the gradient', () => {
    const W = tf.variable(tf.tensor1d(w));
    const full = gradOf(W);
    const cut = gradOf(W, { cutModelGradient: true });
    expect(Math.abs(full[0] - cut[0]) + Math.abs(full[1] - cut[1])).toBeGreaterThan(1e-2);
    // with the model cut, only ∂c/∂a·∂a/∂W at each (real) state is left: W's gradient is Σ γ^t (a_t − 1)·s_t
    const expected = [0, 0];
    for (const start of s0) {
      let s = start;
      for (let t = 0; t < T; t++) {
        const a = w[0] * s[0] + w[1] * s[1] + noise[t];
        expected[0] += (Math.pow(gamma, t) * (a - 1) * s[0]) / s0.length;
        expected[1] += (Math.pow(gamma, t) * (a - 1) * s[1]) / s0.length;
        s = stepJS(s, a);
      }
    }
    expect(cut[0]).toBeCloseTo(expected[0], 3);
    expect(cut[1]).toBeCloseTo(expected[1], 3);
    W.dispose();
  });

  it('imagination mode follows the model', () => {
    const W = tf.variable(tf.tensor1d(w));
    const im = tf.tidy(() => unroll({ ...options(W), envStep: undefined }).objective.dataSync()[0]);
    expect(im).toBeCloseTo(objectiveJS(w), 3); // the model is exact here
    const wrong = tf.tidy(() => unroll({ ...options(W, { modelScale: 0.5 }), envStep: undefined }).objective.dataSync()[0]);
    expect(Math.abs(wrong - objectiveJS(w))).toBeGreaterThan(1e-2);
    W.dispose();
  });

  it('imagination with a termination rule: a row stops once its predicted state terminates', () => {
    const W = tf.variable(tf.tensor1d(w));
    const before = tf.memory().numTensors;
    const seen: number[][] = [];
    const r = tf.tidy(() => {
      // row 0's first predicted state "terminates"; row 1 never does
      const res = unroll({
        ...options(W), envStep: undefined,
        terminal: (next) => {
          seen.push(Array.from(next));
          return Uint8Array.from([1, 0]);
        },
      });
      return { J: res.objective.dataSync()[0], stepCosts: res.stepCosts };
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen[0]).toHaveLength(4); // [B·obsDim] of the predicted next states
    expect(seen[0][0]).toBeCloseTo(stepJS(s0[0], w[0] * s0[0][0] + w[1] * s0[0][1] + noise[0])[0], 5);
    // J = (c₀(row 0) + Σ_t γ^t c_t(row 1)) / 2
    let J = 0;
    for (let i = 0; i < 2; i++) {
      let s = s0[i];
      for (let t = 0; t < (i === 0 ? 1 : T); t++) {
        const a = w[0] * s[0] + w[1] * s[1] + noise[t];
        J += (Math.pow(gamma, t) * (s[0] ** 2 + s[1] ** 2 + 0.5 * (a - 1) ** 2)) / 2;
        s = stepJS(s, a);
      }
    }
    expect(r.J).toBeCloseTo(J, 3);
    W.dispose();
  });

  it('rows whose episode ended stop contributing; tensors do not leak', () => {
    const W = tf.variable(tf.tensor1d(w));
    const before = tf.memory().numTensors;
    const r = tf.tidy(() => {
      // row 0 ends on the first step, row 1 on the second
      const o = options(W, {});
      const inner = o.envStep!;
      const res = unroll({
        ...o,
        envStep: (acts, t) => ({ nextStates: inner(acts, t) as Float32Array, dones: Uint8Array.from([1, t >= 1 ? 1 : 0]) }),
      });
      return { J: res.objective.dataSync()[0], stepCosts: res.stepCosts, envSteps: res.envSteps };
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.stepCosts).toHaveLength(2); // t = 0 (both rows), t = 1 (row 1 only); then nothing is left
    expect(r.envSteps).toBe(3);
    // J = (c₀(row 0) + c₀(row 1) + γ·c₁(row 1)) / 2
    let J = 0;
    for (let i = 0; i < 2; i++) {
      let s = s0[i];
      for (let t = 0; t <= i; t++) {
        const a = w[0] * s[0] + w[1] * s[1] + noise[t];
        J += (Math.pow(gamma, t) * (s[0] ** 2 + s[1] ** 2 + 0.5 * (a - 1) ** 2)) / 2;
        s = stepJS(s, a);
      }
    }
    expect(r.J).toBeCloseTo(J, 3);
    W.dispose();
  });
});
