import { describe, expect, it } from 'vitest';
import { computeGAE } from './gae.js';

describe('GAE', () => {
  it('matches a hand computation with an episode end in the middle', () => {
    // one env, 3 steps, episode ends after step 1
    const r = Float32Array.from([1, 2, 3]);
    const v = Float32Array.from([0.5, 0.4, 0.3]);
    const d = Uint8Array.from([0, 1, 0]);
    const g = 0.9, l = 0.8;
    const { advantages, returns } = computeGAE(r, v, d, Float32Array.from([0.2]), 3, 1, g, l);
    const d2 = 3 + g * 0.2 - 0.3;
    const d1 = 2 - 0.4; // terminal: no bootstrap
    const d0 = 1 + g * 0.4 - 0.5;
    const a1 = d1, a0 = d0 + g * l * a1;
    expect(advantages[2]).toBeCloseTo(d2, 6);
    expect(advantages[1]).toBeCloseTo(a1, 6);
    expect(advantages[0]).toBeCloseTo(a0, 6);
    expect(returns[0]).toBeCloseTo(a0 + 0.5, 6);
  });

  it('keeps envs independent in a time-major batch', () => {
    const { advantages } = computeGAE(Float32Array.from([1, 0, 1, 0]), new Float32Array(4), new Uint8Array(4), new Float32Array(2), 2, 2, 1, 1);
    expect(Array.from(advantages)).toEqual([2, 0, 1, 0]);
  });
});
