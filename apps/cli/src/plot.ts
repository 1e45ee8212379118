import fs from 'node:fs';
import path from 'node:path';
import { readMetricsJsonl } from '@mgail/core-autodiff-graph';
import { UserError } from './errors.js';

/** One run's curve: x (env step or seconds since the run's first row) against a metric. */
export interface Curve {
  label: string;
  points: [number, number][];
}

export type PlotX = 'global_step' | 'time';

/** `metrics.jsonl` of a run directory (or the file itself), with errors that say what is missing. */
function metricsFile(run: string): string {
  if (!fs.existsSync(run)) throw new UserError(`${run}: not found`, 'pass run directories holding metrics.jsonl');
  if (fs.statSync(run).isDirectory()) {
    const f = path.join(run, 'metrics.jsonl');
    if (!fs.existsSync(f)) throw new UserError(`${run} holds no metrics.jsonl`, 'pass run directories written by mgail train or train-expert');
    return f;
  }
  return run;
}

/** Short labels: run directory names, with the parent folder added where two names collide. */
export function runLabels(runs: readonly string[]): string[] {
  const dirOf = (r: string) => (fs.existsSync(r) && fs.statSync(r).isFile() ? path.dirname(path.resolve(r)) : path.resolve(r));
  const base = runs.map((r) => path.basename(dirOf(r)));
  return base.map((b, i) => (base.filter((x) => x === b).length > 1 ? path.join(path.basename(path.dirname(dirOf(runs[i]))), b) : b));
}

/**
 * Reads each run's `metric` against env steps or wall time. Rows at negative steps (the final
 * evaluation's summary row) and rows without the metric are skipped; a run with none of it is an
 * error listing the metrics it does have.
 */
export function readCurves(runs: readonly string[], metric: string, x: PlotX): Curve[] {
  const labels = runLabels(runs);
  return runs.map((run, i) => {
    const all = readMetricsJsonl(metricsFile(run));
    const rows = all.filter((r) => r.step >= 0);
    const t0 = rows.length ? rows[0].wall_time : 0;
    const points = rows
      .filter((r) => typeof r[metric] === 'number' && Number.isFinite(r[metric]))
      .map((r): [number, number] => [x === 'time' ? r.wall_time - t0 : r.step, r[metric]]);
    if (!points.length) {
      const names = [...new Set(all.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'step' && k !== 'wall_time').sort();
      throw new UserError(`${run} has no "${metric}" values`, names.length ? `its metrics: ${names.join(', ')}` : 'its metrics.jsonl is empty');
    }
    return { label: labels[i], points };
  });
}

/** About `n` round tick values from one at or below `lo` to one at or above `hi`. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) || 1;
    [lo, hi] = [lo - d / 2, hi + d / 2];
  }
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  const last = Math.ceil(hi / step - 1e-9) * step;
  for (let v = Math.floor(lo / step + 1e-9) * step; v <= last + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Colour-blind-safe (Okabe-Ito) line colours, reused in order. */
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** A standalone SVG of the curves: axes with round ticks, one polyline per run, a legend. */
export function curvesSvg(curves: readonly Curve[], opts: { metric: string; x: PlotX; width?: number; height?: number }): string {
  const W = opts.width ?? 760, H = opts.height ?? 460;
  const legendH = 18 * curves.length + 10;
  const m = { l: 70, r: 20, t: 36, b: 50 + legendH };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const all = curves.flatMap((c) => c.points);
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  // steps and seconds count from 0: the axis starts there and ends at the last point (a run's
  // last batch overshoots its budget a little; a whole extra tick interval would waste the width)
  const xMax = Math.max(...xs);
  const xAll = niceTicks(Math.min(0, ...xs), xMax);
  const inside = xAll.filter((v) => v <= xMax * (1 + 1e-9));
  const xt = inside.length >= 2 ? inside : xAll; // a single point at step 0 keeps the padded ticks
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [xt[0], Math.max(xMax, xt[xt.length - 1])];
  const [y0, y1] = [yt[0], yt[yt.length - 1]];
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number) => m.t + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const f = (v: number) => v.toFixed(2);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.metric)}</text>`);
  out.push('<g class="grid" stroke="#e5e5e5">');
  for (const v of xt) out.push(`<line x1="${f(sx(v))}" y1="${m.t}" x2="${f(sx(v))}" y2="${m.t + ph}"/>`);
  for (const v of yt) out.push(`<line x1="${m.l}" y1="${f(sy(v))}" x2="${m.l + pw}" y2="${f(sy(v))}"/>`);
  out.push('</g>');
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push('<g class="xticks" text-anchor="middle">');
  for (const v of xt) out.push(`<text x="${f(sx(v))}" y="${m.t + ph + 16}">${fmtTick(v)}</text>`);
  out.push('</g><g class="yticks" text-anchor="end">');
  for (const v of yt) out.push(`<text x="${m.l - 6}" y="${f(sy(v) + 4)}">${fmtTick(v)}</text>`);
  out.push('</g>');
  out.push(`<text x="${m.l + pw / 2}" y="${m.t + ph + 36}" text-anchor="middle">${opts.x === 'time' ? 'wall time (s)' : 'global step'}</text>`);
  curves.forEach((c, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = c.points.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ');
    out.push(`<polyline class="curve" data-label="${esc(c.label)}" fill="none" stroke="${color}" stroke-width="1.8" points="${pts}"/>`);
    const ly = m.t + ph + 50 + 18 * i;
    out.push(`<line x1="${m.l}" y1="${ly - 4}" x2="${m.l + 24}" y2="${ly - 4}" stroke="${color}" stroke-width="2.5"/>`);
    out.push(`<text class="legend" x="${m.l + 30}" y="${ly}">${esc(c.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
