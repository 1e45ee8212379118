import { describe, expect, it } from 'vitest';
import { benchEnvSteps, formatBench } from './index.js';

describe('benchEnvSteps', () => {
  it('reports positive steps/sec, single and vectorized', () => {
    const res = benchEnvSteps({ ids: ['CartPole-v1', 'Pendulum-v1'], steps: 300, numEnvs: 2 });
    expect(res.map((r) => r.id)).toEqual(['CartPole-v1', 'Pendulum-v1']);
    for (const r of res) {
      expect(r.singleStepsPerSec).toBeGreaterThan(0);
      expect(r.vectorStepsPerSec).toBeGreaterThan(0);
    }
    expect(formatBench(res)).toContain('| CartPole-v1 |');
    expect(() => benchEnvSteps({ steps: 0 })).toThrow(/steps must be a positive integer/);
  });
});
