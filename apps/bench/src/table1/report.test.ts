import { describe, expect, it } from 'vitest';
import { lineChartSvg, niceTicks } from '@mgail/core-autodiff-graph';
import { cellKey, rowCharts, table1Markdown, type CellResult, type Table1Data } from './report.js';

const cell = (algo: string, seed: number, returns: number[]): CellResult => ({
  env: 'CartPole-v1', algo, trajectories: 1, seed, eval: { episodes: returns.length, mean: 0, std: 0, returns },
  envSteps: algo === 'bc' ? 0 : 2048, wallClockSeconds: 3, history: algo === 'bc' ? [] : [{ envSteps: 0, wallClockSeconds: 0, mean: 20 }, { envSteps: 2048, wallClockSeconds: 3, mean: 400 }], finishedAt: 'x',
});
const data: Table1Data = {
  rows: [{ env: 'CartPole-v1', trajectories: [1, 4] }],
  algos: ['bc', 'gail'],
  cells: [cell('bc', 0, [500, 300]), cell('gail', 0, [400, 400])],
  refs: { 'CartPole-v1': { expert: { mean: 500, std: 0 }, random: { mean: 22, std: 10 } } },
};

describe('table1 writers', () => {
  it('lays out the markdown like Table 1, marking missing cells "not run", with published figures', () => {
    const md = table1Markdown(data);
    expect(md).toContain('| CartPole-v1 | 1 | 500.0 ± 0.00 | 22.00 ± 10.00 | 400.0 ± 100.0 | 400.0 ± 0.00 | not run | 2.0k / – | 3 / 3 / – |');
    expect(md).toMatch(/\| CartPole-v1 \| 4 \| .* \| not run \| not run \| not run \|/);
    expect(md).toContain('Ho & Ermon (2016)');
    expect(md).toContain('200-step limit');
    expect(cellKey(data.cells[0])).toBe('CartPole-v1__bc__1traj__seed0');
  });

  it('writes well-formed SVG with escaped text, lines and markers', () => {
    const { steps, wallClock } = rowCharts(data, 'CartPole-v1', 1);
    for (const s of [steps, wallClock]) {
      expect(s.startsWith('<svg')).toBe(true);
      expect(s.trim().endsWith('</svg>')).toBe(true);
      expect(s).toContain('<polyline');
      expect(s).toContain('<circle');
    }
    expect(lineChartSvg({ title: 'a<b & c', xLabel: 'x', yLabel: 'y', series: [] })).toContain('a&lt;b &amp; c');
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
  });
});
