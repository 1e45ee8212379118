import { describe, expect, it } from 'vitest';
import { computeGAE } from './gae.js';

const base = { numSteps: 3, numEnvs: 1, gamma: 0.9, lambda: 0.8 };

describe('GAE', () => {
  it('matches a hand computation with a terminal state in the middle', () => {
    const { advantages, returns } = computeGAE({
      ...base,
      rewards: [1, 2, 3],
      values: [0.5, 0.4, 0.3],
      terminated: [0, 1, 0],
      truncated: [0, 0, 0],
      finalValues: [0, 0, 0],
      lastValues: [0.2],
    });
    const g = 0.9, l = 0.8;
    const d2 = 3 + g * 0.2 - 0.3;
    const d1 = 2 - 0.4; // terminal: the future is worth nothing
    const d0 = 1 + g * 0.4 - 0.5;
    const a1 = d1, a0 = d0 + g * l * a1;
    expect(advantages[2]).toBeCloseTo(d2, 6);
    expect(advantages[1]).toBeCloseTo(a1, 6);
    expect(advantages[0]).toBeCloseTo(a0, 6);
    expect(returns[0]).toBeCloseTo(a0 + 0.5, 6);
    expect(returns[1]).toBeCloseTo(2, 6);
  });

  it('bootstraps a truncated step from the final observation, not the reset one', () => {
    // step 1 hit the time limit at s_final with V = 7; values[2] = 0.3 belongs to the next episode
    const { advantages } = computeGAE({
      ...base,
      rewards: [1, 2, 3],
      values: [0.5, 0.4, 0.3],
      terminated: [0, 0, 0],
      truncated: [0, 1, 0],
      finalValues: [0, 7, 0],
      lastValues: [0.2],
    });
    const g = 0.9, l = 0.8;
    const d2 = 3 + g * 0.2 - 0.3;
    const d1 = 2 + g * 7 - 0.4;
    const d0 = 1 + g * 0.4 - 0.5;
    expect(advantages[2]).toBeCloseTo(d2, 5);
    expect(advantages[1]).toBeCloseTo(d1, 5); // the trace stops at the cut
    expect(advantages[0]).toBeCloseTo(d0 + g * l * d1, 5);
  });

  it('a step both terminated and truncated counts as terminated', () => {
    const { advantages } = computeGAE({
      ...base, numSteps: 1,
      rewards: [1], values: [0.5], terminated: [1], truncated: [1], finalValues: [100], lastValues: [9],
    });
    expect(advantages[0]).toBeCloseTo(0.5, 6);
  });

  it('keeps envs independent in a time-major batch', () => {
    const { advantages } = computeGAE({
      numSteps: 2, numEnvs: 2, gamma: 1, lambda: 1,
      rewards: [1, 0, 1, 0], values: [0, 0, 0, 0], terminated: [0, 0, 0, 0], truncated: [0, 0, 0, 0], finalValues: [0, 0, 0, 0], lastValues: [0, 0],
    });
    expect(Array.from(advantages)).toEqual([2, 0, 1, 0]);
  });

  it('names a wrongly sized input', () => {
    expect(() => computeGAE({ ...base, rewards: [1, 2], values: [0, 0, 0], terminated: [0, 0, 0], truncated: [0, 0, 0], finalValues: [0, 0, 0], lastValues: [0] })).toThrow(/rewards has 2 entries, expected numSteps × numEnvs = 3/);
  });
});
