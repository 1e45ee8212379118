import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsWriter, niceTicks } from '@mgail/core-autodiff-graph';
import { cli, useTempDir } from '../test-helpers.js';

const tmp = useTempDir('mgail-cli-plot-');

/** A run directory with `n` rows of episodic return `f(step)` every 1000 env steps (10 s apart), and a final-eval row. */
function fakeRun(name: string, n: number, f: (step: number) => number): string {
  const run = tmp.join(name);
  const m = new MetricsWriter(run);
  for (let i = 1; i <= n; i++) m.log(i * 1000, { global_step: i * 1000, 'time/elapsed_s': 10 * i, 'charts/episodic_return': f(i * 1000), 'losses/policy': 1 / i });
  m.log(-1, { 'eval/final_return_mean': 500 });
  return run;
}

const polylines = (svg: string) =>
  [...svg.matchAll(/<polyline class="curve" data-label="([^"]*)"[^>]* points="([^"]*)"/g)].map((m) => ({
    label: m[1],
    points: m[2].split(' ').map((p) => p.split(',').map(Number) as [number, number]),
  }));

describe('mgail plot', () => {
  it('writes an SVG with one curve per run, labelled by run directory name, scaled to the data', async () => {
    const a = fakeRun('CartPole-v1__ppo__0__20260101-000000', 10, (s) => s / 100);
    const b = fakeRun('CartPole-v1__trpo__0__20260101-000000', 6, (s) => 500 - s / 100);
    const out = tmp.join('curves.svg');
    const r = await cli('plot', a, b, '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`wrote ${out}: charts/episodic_return against global_step for CartPole-v1__ppo__0__20260101-000000 (10 points), CartPole-v1__trpo__0__20260101-000000 (6 points)`);
    const svg = fs.readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const lines = polylines(svg);
    expect(lines.map((l) => l.label)).toEqual([path.basename(a), path.basename(b)]);
    expect(lines.map((l) => l.points.length)).toEqual([10, 6]); // the final-eval row (step -1) is not a point
    // x grows with the step; run a rises (y up = smaller SVG y), run b falls
    for (const l of lines) for (let i = 1; i < l.points.length; i++) expect(l.points[i][0]).toBeGreaterThan(l.points[i - 1][0]);
    expect(lines[0].points[9][1]).toBeLessThan(lines[0].points[0][1]);
    expect(lines[1].points[5][1]).toBeGreaterThan(lines[1].points[0][1]);
    // both runs share one x scale: step 6000 lands at the same x in both
    expect(lines[1].points[5][0]).toBeCloseTo(lines[0].points[5][0], 6);
    expect((svg.match(/class="legend"/g) ?? []).length).toBe(2);
    expect(svg).toContain('>global step (env steps)</text>');

    // no silent overwrite; --force replaces it
    const again = await cli('plot', a, '--out', out);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists; pass --force/);
    const forced = await cli('plot', a, '--out', out, '--force', '--metric', 'losses/policy', '--x', 'time');
    expect(forced.code, forced.err).toBe(0);
    const svg2 = fs.readFileSync(out, 'utf8');
    expect(polylines(svg2)).toHaveLength(1);
    expect(svg2).toContain('>elapsed time (s)</text>');
    expect(svg2).toContain('>losses/policy</text>');
  });

  it('labels colliding run names with their parent folder', async () => {
    const x = tmp.join('seed0', 'run');
    const y = tmp.join('seed1', 'run');
    for (const run of [x, y]) new MetricsWriter(run).log(10, { 'charts/episodic_return': 1 });
    const out = tmp.join('collide.svg');
    expect((await cli('plot', x, y, '--out', out)).code).toBe(0);
    expect(polylines(fs.readFileSync(out, 'utf8')).map((l) => l.label)).toEqual([path.join('seed0', 'run'), path.join('seed1', 'run')]);
  });

  it('gives one-line errors for missing runs, metrics and bad flags', async () => {
    const a = fakeRun('errs', 3, (s) => s);
    const empty = tmp.join('empty');
    fs.mkdirSync(empty);
    const cases: [string[], RegExp][] = [
      [['plot', tmp.join('nope'), '--out', tmp.join('e1.svg')], /nope: not found/],
      [['plot', empty, '--out', tmp.join('e2.svg')], /empty holds no metrics.jsonl/],
      [['plot', a, '--metric', 'charts/nope', '--out', tmp.join('e3.svg')], /errs has no "charts\/nope" values \(its metrics: charts\/episodic_return, eval\/final_return_mean, global_step, losses\/policy, time\/elapsed_s\)/],
      [['plot', a, '--x', 'epoch', '--out', tmp.join('e4.svg')], /--x must be global_step or time, got "epoch"/],
      [['plot', a, '--out', tmp.join('e5.png')], /the plot is an SVG/],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(re);
    }
  });

  it('refuses runs whose x values are not the same quantity; old runs alone keep their own step', async () => {
    const now = fakeRun('CartPole-v1__gail__0__20260101-000000', 3, (s) => s);
    // written before global_step and time/elapsed_s were logged: an MGAIL run's step was its iteration
    const old = tmp.join('CartPole-v1__mgail__0__20250101-000000');
    const m = new MetricsWriter(old);
    for (let i = 1; i <= 3; i++) m.log(10 * i, { 'charts/episodic_return': i });
    fs.writeFileSync(path.join(old, 'config.json'), JSON.stringify({ algo: 'mgail' }));
    for (const x of ['global_step', 'time']) {
      const r = await cli('plot', now, old, '--x', x, '--out', tmp.join(`mix-${x}.svg`));
      expect(r.code).toBe(1);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(x === 'time'
        ? /--x time: .*gail.* is in seconds since the run started \(time\/elapsed_s\), .*mgail.* in seconds since its first row \(wall_time\): they cannot share an axis/
        : /--x global_step: .*gail.* is in env steps \(global_step\), .*mgail.* in MGAIL iterations \(step\): they cannot share an axis/);
    }
    const alone = await cli('plot', old, '--out', tmp.join('old.svg'));
    expect(alone.code, alone.err).toBe(0);
    const svg = fs.readFileSync(tmp.join('old.svg'), 'utf8');
    expect(svg).toContain('>MGAIL iterations (step)</text>');
    expect(polylines(svg)[0].points).toHaveLength(3);
  });

  it('picks round ticks', () => {
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(-3.2, 7.9)).toEqual([-5, -2.5, 0, 2.5, 5, 7.5, 10]);
    expect(niceTicks(2048, 1e6)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
    expect(niceTicks(5, 5).length).toBeGreaterThan(1);
  });
});
