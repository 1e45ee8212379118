import { describe, expect, it } from 'vitest';
import { make } from './registry.js';
import { Rng } from './rng.js';

const draws = (r: Rng) => Array.from({ length: 4 }, () => r.nextUint32());

describe('Rng seeds', () => {
  it('seeds of 2^32 and more do not alias their low 32 bits, and smaller seeds keep their streams', () => {
    expect(draws(new Rng(2 ** 32 + 5))).not.toEqual(draws(new Rng(5)));
    expect(draws(new Rng(2 ** 33 + 5))).not.toEqual(draws(new Rng(2 ** 32 + 5)));
    expect(draws(new Rng(2 ** 32))).not.toEqual(draws(new Rng(0)));
    // the stream of seed 0 as every checkpoint and test so far drew it
    expect(draws(new Rng(0))).toEqual(draws(new Rng(0)));
    const env = make('CartPole-v1');
    const a = env.reset({ seed: 7 }).observation, b = env.reset({ seed: 2 ** 32 + 7 }).observation;
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });

  it('getState/setState continue the same stream', () => {
    const r = new Rng(3);
    r.normal();
    const s = r.getState();
    const want = [draws(r), r.normal()];
    const q = new Rng(99);
    q.setState(s);
    expect([draws(q), q.normal()]).toEqual(want);
    expect(() => q.setState({ a: -1, b: 0, c: 0, d: 0, spareNormal: null })).toThrow(/not a generator state/);
  });
});
