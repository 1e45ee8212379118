import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { makePolicy } from '@mgail/policies';
import { LiveEnvs, type LiveTransition } from './shard.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('LiveEnvs.roll: collection with deterministic episodes (collectDeterministicProb)', () => {
  /** Rolls 4 Acrobot envs for 60 steps with a fixed random policy; returns every recorded (s, a). */
  function roll(deterministicProb: number | undefined) {
    const env0 = make('Acrobot-v1');
    const policy = makePolicy(env0.observationSpace as never, env0.actionSpace, { hidden: [8] }, new Rng(3));
    const rng = new Rng(9);
    const seen: LiveTransition[] = [];
    const live = new LiveEnvs([0, 1, 2, 3].map(() => make('Acrobot-v1')), {
      obsDim: 6, actDim: 3, discrete: true, restarts: null, rng: () => rng, warmState: () => null,
      record: (t) => seen.push(t), ...(deterministicProb === undefined ? {} : { deterministicProb }),
    });
    [0, 1, 2, 3].forEach((i) => live.reset(i, 20 + i));
    live.roll(policy, 60);
    const argmax = (t: LiveTransition) => (policy.act(t.s, { deterministic: true }).actions as Int32Array)[0];
    const taken = (t: LiveTransition) => t.a.indexOf(1);
    const result = { seen, deterministicShare: seen.filter((t) => taken(t) === argmax(t)).length / seen.length };
    policy.dispose();
    return result;
  }

  it('0 (or absent) leaves the random stream and the actions as they were; 1 plays the argmax on every step', () => {
    const before = tf.memory().numTensors;
    const absent = roll(undefined), off = roll(0), on = roll(1);
    expect(off.seen.map((t) => [...t.s, ...t.a])).toEqual(absent.seen.map((t) => [...t.s, ...t.a]));
    expect(on.deterministicShare).toBe(1);
    // a random 3-action policy samples its argmax far from always
    expect(off.deterministicShare).toBeLessThan(0.8);
    expect(tf.memory().numTensors).toBe(before);
  });
});
