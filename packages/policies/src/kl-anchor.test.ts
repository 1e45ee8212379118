import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf } from '@mgail/core-autodiff-graph';
import { Box, Discrete } from '@mgail/envs-classic';
import { CategoricalPolicy, GaussianPolicy, makePolicy } from './policy.js';
import { PolicyKlAnchor } from './kl-anchor.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('PolicyKlAnchor', () => {
  for (const kind of ['categorical', 'gaussian'] as const) {
    it(`measures how far new weights moved a ${kind} policy, as the policy's own kl does, without leaking tensors`, () => {
      const rng = new Rng(3);
      const policy = makePolicy(new Box(-5, 5, [3]), kind === 'categorical' ? new Discrete(3) : new Box(-1, 1, [2]), { hidden: [8], normalizeObservations: false }, rng);
      const obs = tf.tensor2d(Array.from({ length: 12 }, () => rng.normal()), [4, 3]);
      const before = tf.memory().numTensors;
      const anchor = new PolicyKlAnchor(policy, obs);
      const kl0 = anchor.meanKl();
      expect(kl0.dataSync()[0]).toBeCloseTo(0, 6);
      // the old distribution, taken by hand, for the reference value
      const old = policy instanceof CategoricalPolicy ? [policy.logits(obs)] : [(policy as GaussianPolicy).mean(obs), tf.clone((policy as GaussianPolicy).logStd)];
      for (const v of policy.variables) tf.tidy(() => v.assign(tf.add(v, tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', 5), 0.3))));
      const kl = anchor.meanKl();
      const ref = tf.tidy(() => tf.mean(policy instanceof CategoricalPolicy ? policy.kl(obs, old[0] as tf.Tensor2D) : (policy as GaussianPolicy).kl(obs, old[0] as tf.Tensor2D, old[1])));
      expect(kl.dataSync()[0]).toBeGreaterThan(1e-4);
      expect(kl.dataSync()[0]).toBeCloseTo(ref.dataSync()[0], 6);
      tf.dispose([kl0, kl, ref, ...old]);
      anchor.dispose();
      expect(tf.memory().numTensors).toBe(before);
      obs.dispose();
      policy.dispose();
    });
  }
});
