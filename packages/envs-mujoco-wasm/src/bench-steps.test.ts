import { describe, expect, it } from 'vitest';
import { benchEnvSteps } from './index.js';

describe('benchEnvSteps', () => {
  it('times single, vector and parallel stepping with resets', async () => {
    const [r] = await benchEnvSteps({ ids: ['Hopper-v5'], steps: 300, numEnvs: 2 });
    expect(r.id).toBe('Hopper-v5');
    expect(r.numEnvs).toBe(2);
    for (const sps of [r.singleStepsPerSec, r.vectorStepsPerSec, r.parallelStepsPerSec!]) {
      expect(Number.isFinite(sps)).toBe(true);
      expect(sps).toBeGreaterThan(0);
    }
  }, 60_000);

  it('rejects a bad step count by name', async () => {
    await expect(benchEnvSteps({ ids: ['Hopper-v5'], steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
  });
});
