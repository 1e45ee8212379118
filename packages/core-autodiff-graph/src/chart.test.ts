import { describe, expect, it } from 'vitest';
import { lineChartSvg, niceTicks, type LineChartSpec } from './chart.js';

/** The chart's polylines in order, with their points as numbers. */
const polylines = (svg: string) =>
  [...svg.matchAll(/<polyline class="curve" data-label="([^"]*)"[^>]* points="([^"]*)"/g)].map((m) => ({
    label: m[1],
    points: m[2] ? m[2].split(' ').map((p) => p.split(',').map(Number)) : [],
  }));

/** Well-formed enough for any XML parser: one root, every tag closed, no raw `<` or `&` in text. */
function expectWellFormed(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trim().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  for (const [tag] of svg.matchAll(/<[^>]*>/g)) {
    const m = tag.match(/^<(\/?)([a-z]+)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<>]*")*)\s*(\/?)>$/);
    expect(m, tag).not.toBeNull();
    const [, close, name, , self] = m!;
    if (close) expect(stack.pop(), tag).toBe(name);
    else if (!self) stack.push(name);
  }
  expect(stack).toEqual([]);
  // what is left between tags is text: no stray markup, only known entities
  const text = svg.replace(/<[^>]*>/g, '');
  expect(text).not.toMatch(/[<>]/);
  expect(text).not.toMatch(/&(?!(lt|gt|amp|quot|apos);)/);
}

const spec = (over: Partial<LineChartSpec> = {}): LineChartSpec => ({
  title: 'returns',
  xLabel: 'environment steps',
  series: [
    { label: 'a', points: [[0, 0], [1000, 10], [2000, 20]] },
    { label: 'b', points: [[0, 20], [1500, 5]] },
  ],
  ...over,
});

describe('lineChartSvg', () => {
  it('writes a standalone SVG with one polyline per series, on shared scales inside the plot', () => {
    const svg = lineChartSvg(spec());
    expectWellFormed(svg);
    const lines = polylines(svg);
    expect(lines.map((l) => l.label)).toEqual(['a', 'b']);
    expect(lines.map((l) => l.points.length)).toEqual([3, 2]);
    // x = 0 and y = 20 land at the same pixel in both series; larger y is higher (smaller SVG y)
    expect(lines[1].points[0][0]).toBe(lines[0].points[0][0]);
    expect(lines[1].points[0][1]).toBe(lines[0].points[2][1]);
    expect(lines[0].points[2][1]).toBeLessThan(lines[0].points[0][1]);
    // every point lies within the plot frame
    const [, fx, fy, fw, fh] = svg.match(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/)!.map(Number);
    for (const [x, y] of lines.flatMap((l) => l.points)) {
      expect(x).toBeGreaterThanOrEqual(fx);
      expect(x).toBeLessThanOrEqual(fx + fw);
      expect(y).toBeGreaterThanOrEqual(fy);
      expect(y).toBeLessThanOrEqual(fy + fh);
    }
    // default colours differ; the legend has an entry per series
    expect(new Set([...svg.matchAll(/<polyline[^>]* stroke="([^"]+)"/g)].map((m) => m[1])).size).toBe(2);
    expect([...svg.matchAll(/<text class="legend"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(['a', 'b']);
    expect(svg).toContain('>environment steps</text>');
    expect(svg).not.toContain('class="ylabel"');
  });

  it('skips NaN and infinite points, keeps empty series as empty polylines, and draws a one-point series as a marker', () => {
    const svg = lineChartSvg(spec({
      series: [
        { label: 'gaps', points: [[0, 1], [1, NaN], [2, 3], [Infinity, 4], [3, -Infinity]] },
        { label: 'empty', points: [] },
        { label: 'none finite', points: [[NaN, NaN]] },
        { label: 'one', points: [[2, 2]] },
      ],
    }));
    expectWellFormed(svg);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(polylines(svg).map((l) => [l.label, l.points.length])).toEqual([['gaps', 2], ['empty', 0], ['none finite', 0], ['one', 1]]);
    expect(svg.match(/<circle/g)).toHaveLength(1);

    // nothing finite at all still gives axes, not NaN coordinates
    for (const series of [[], [{ label: 'x', points: [[NaN, 1]] as [number, number][] }]]) {
      const empty = lineChartSvg(spec({ series }));
      expectWellFormed(empty);
      expect(empty).not.toMatch(/NaN|Infinity/);
      expect(empty).toContain('<g class="xticks"');
    }
  });

  it('escapes XML in the title, axis labels, series labels and colours', () => {
    const svg = lineChartSvg(spec({
      title: 'a<b & "c"', xLabel: "x's <unit>", yLabel: 'y & z',
      series: [{ label: '<run & "1">', points: [[0, 1], [1, 2]], color: '"red"' }],
      hlines: [{ label: 'Expert <ref>', y: 3 }],
    }));
    expectWellFormed(svg);
    expect(svg).toContain('>a&lt;b &amp; &quot;c&quot;</text>');
    expect(svg).toContain('>x&apos;s &lt;unit&gt;</text>');
    expect(svg).toContain('>y &amp; z</text>');
    expect(svg).toContain('data-label="&lt;run &amp; &quot;1&quot;&gt;"');
    expect(svg).toContain('stroke="&quot;red&quot;"');
    expect(svg).toContain('>Expert &lt;ref&gt;</text>');
  });

  it('draws reference lines inside the y range, and one legend entry per label, colour and dash', () => {
    const svg = lineChartSvg(spec({
      yLabel: 'return',
      legend: 'right',
      series: [
        { label: 'GAIL', color: '#f00', points: [[0, 10], [100, 20]] },
        { label: 'GAIL', color: '#f00', points: [[0, 12], [100, 18]] },
        { label: 'BC', color: '#00f', points: [[0, 15]] },
      ],
      hlines: [{ label: 'Expert', y: 500, color: '#555' }, { label: 'Random', y: -50 }],
    }));
    expectWellFormed(svg);
    expect(polylines(svg)).toHaveLength(3);
    expect([...svg.matchAll(/<text class="legend"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(['Expert', 'Random', 'GAIL', 'BC']);
    const hy = [...svg.matchAll(/<line class="hline" data-label="([^"]*)"[^>]* y1="([\d.]+)"/g)].map((m) => [m[1], Number(m[2])] as const);
    const [, , fy, , fh] = svg.match(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/)!.map(Number);
    expect(hy.map((h) => h[0])).toEqual(['Expert', 'Random']);
    // both inside the frame, well outside the series' 10..20: the y axis stretched to take them in
    for (const [, y] of hy) expect(y >= fy && y <= fy + fh).toBe(true);
    expect(hy[0][1]).toBeLessThan(hy[1][1]);
    const curveYs = polylines(svg).flatMap((l) => l.points.map((p) => p[1]));
    expect(Math.min(...curveYs)).toBeGreaterThan(hy[0][1]);
    expect(Math.max(...curveYs)).toBeLessThan(hy[1][1]);
    expect(svg).toContain('class="ylabel"');
  });

  it('grows the height for a long legend under the plot', () => {
    const series = Array.from({ length: 40 }, (_, i) => ({ label: `run ${i}`, points: [[0, i], [1, i + 1]] as [number, number][] }));
    const svg = lineChartSvg(spec({ series }));
    const [, h] = svg.match(/height="(\d+)"/)!;
    const legendYs = [...svg.matchAll(/<text class="legend" x="[\d.]+" y="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(legendYs).toHaveLength(40);
    expect(Math.max(...legendYs)).toBeLessThan(Number(h));
    const [, , , , fh] = svg.match(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/)!.map(Number);
    expect(fh).toBeGreaterThanOrEqual(200);
  });
});

describe('niceTicks', () => {
  it('picks round ticks covering the range', () => {
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(-3.2, 7.9)).toEqual([-5, -2.5, 0, 2.5, 5, 7.5, 10]);
    expect(niceTicks(2048, 1e6)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
    expect(niceTicks(0.1, 0.7)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });

  it('widens an empty range and survives non-finite bounds', () => {
    for (const [lo, hi] of [[5, 5], [0, 0], [-3, -3], [NaN, 1], [0, Infinity], [-Infinity, Infinity]]) {
      const t = niceTicks(lo, hi);
      expect(t.length, `${lo}..${hi}`).toBeGreaterThan(1);
      expect(t.every(Number.isFinite)).toBe(true);
      if (Number.isFinite(lo) && Number.isFinite(hi)) expect(t[0] <= lo && t[t.length - 1] >= hi).toBe(true);
    }
  });
});
