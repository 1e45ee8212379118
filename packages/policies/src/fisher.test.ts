import { beforeAll, describe, expect, it } from 'vitest';
import { flattenTensors, initBackend, Rng, tf } from '@mgail/core-autodiff-graph';
import { Box, Discrete } from '@mgail/envs-classic';
import { CategoricalPolicy, makePolicy, type Policy } from './policy.js';
import { FisherVectorProduct } from './fisher.js';
import { PolicyKlAnchor } from './kl-anchor.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** A tiny policy with weights moved away from the near-zero output init, and a batch of states. */
function setup(kind: 'categorical' | 'gaussian', seed: number) {
  const rng = new Rng(seed);
  const obsSpace = new Box(-5, 5, [3]);
  const actSpace = kind === 'categorical' ? new Discrete(3) : new Box(-1, 1, [2]);
  const policy = makePolicy(obsSpace, actSpace, { hidden: [5], logStdInit: -0.3, normalizeObservations: false }, rng);
  for (const v of policy.variables) {
    const noise = new Float32Array(v.size);
    rng.fillNormal(noise, 0, 0.5);
    tf.tidy(() => v.assign(tf.add(v, tf.tensor(noise, v.shape))));
  }
  const B = 6;
  const obsData = new Float32Array(B * 3);
  rng.fillNormal(obsData);
  const obs = tf.tensor2d(obsData, [B, 3]);
  const n = policy.variables.reduce((s, v) => s + v.size, 0);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return { policy, obs, v, n, B };
}

/** Gradient of the mean KL(π_θ₀ ‖ π_θ) with respect to θ, as a flat vector (first-order only). */
function klGradient(policy: Policy, anchor: PolicyKlAnchor): Float64Array {
  const flat = tf.tidy(() => {
    const vars = policy.variables;
    const { grads } = tf.variableGrads(() => anchor.meanKl(), vars);
    return flattenTensors(vars.map((x) => grads[x.name]));
  });
  const out = Float64Array.from(flat.dataSync());
  flat.dispose();
  return out;
}

function shift(policy: Policy, v: Float64Array, eps: number): void {
  let o = 0;
  for (const x of policy.variables) {
    const d = Float32Array.from(v.subarray(o, o + x.size), (a) => a * eps);
    tf.tidy(() => x.assign(tf.add(x, tf.tensor(d, x.shape))));
    o += x.size;
  }
}

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
};

describe('Fisher-vector product', () => {
  for (const kind of ['categorical', 'gaussian'] as const) {
    it(`${kind}: equals the Hessian of the mean KL (central differences of its gradient)`, () => {
      const { policy, obs, v } = setup(kind, kind === 'categorical' ? 1 : 2);
      const before = tf.memory().numTensors;
      const anchor = new PolicyKlAnchor(policy, obs);
      const fvp = new FisherVectorProduct(policy, obs);
      const fv = fvp.apply(v);
      const fvDamped = fvp.apply(v, 0.1);
      fvp.dispose();
      // H v ≈ (∇KL(θ₀ + εv) − ∇KL(θ₀ − εv)) / 2ε; ∇KL(θ₀) = 0
      const eps = 3e-3;
      shift(policy, v, eps);
      const gp = klGradient(policy, anchor);
      shift(policy, v, -2 * eps);
      const gm = klGradient(policy, anchor);
      shift(policy, v, eps);
      const fd = gp.map((g, i) => (g - gm[i]) / (2 * eps));
      expect(relErr(fv, fd)).toBeLessThan(0.02);
      for (let i = 0; i < v.length; i++) expect(fvDamped[i]).toBeCloseTo(fv[i] + 0.1 * v[i], 4);
      anchor.dispose();
      expect(tf.memory().numTensors).toBe(before);
      obs.dispose();
      policy.dispose();
    });
  }

  it('categorical: equals an explicit Fisher E_s E_a[∇log π ∇log πᵀ] built by enumerating actions', () => {
    const { policy, obs, v, n, B } = setup('categorical', 3);
    const cat = policy as CategoricalPolicy;
    const pT = tf.tidy(() => tf.softmax(cat.logits(obs)));
    const probs = pT.arraySync() as number[][];
    pT.dispose();
    const F = new Float64Array(n * n);
    for (let s = 0; s < B; s++) {
      for (let a = 0; a < 3; a++) {
        const gT = tf.tidy(() => {
          const os = tf.slice(obs, [s, 0], [1, 3]);
          const { grads } = tf.variableGrads(() => tf.sum(cat.logProb(os, tf.tensor1d([a], 'int32'))) as tf.Scalar, cat.variables);
          return flattenTensors(cat.variables.map((x) => grads[x.name]));
        });
        const g = Float64Array.from(gT.dataSync());
        gT.dispose();
        const w = probs[s][a] / B;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) F[i * n + j] += w * g[i] * g[j];
      }
    }
    const explicit = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) explicit[i] += F[i * n + j] * v[j];
    const fvp = new FisherVectorProduct(policy, obs);
    const fv = fvp.apply(v);
    fvp.dispose();
    expect(relErr(fv, explicit)).toBeLessThan(1e-4);
    obs.dispose();
    policy.dispose();
  });

  it('names a vector of the wrong length', () => {
    const { policy, obs, n } = setup('gaussian', 4);
    const fvp = new FisherVectorProduct(policy, obs);
    expect(() => fvp.apply(new Float64Array(n + 1))).toThrow(/has \d+ entries, the policy has \d+ parameters/);
    fvp.dispose();
    obs.dispose();
    policy.dispose();
  });
});
