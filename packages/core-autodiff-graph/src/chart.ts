/**
 * Line charts as standalone SVG documents: the learning curves of `mgail plot` and of the bench's
 * Table 1 report. Plain strings, no DOM or canvas; pair with `writeFileAtomic` to save one.
 */

/** One line of a chart. */
export interface ChartSeries {
  label: string;
  /** [x, y] pairs in drawing order; pairs with a non-finite value are skipped. */
  points: readonly (readonly [number, number])[];
  /** Any SVG colour; by default the series' index picks one of a colour-blind-safe palette. */
  color?: string;
  dashed?: boolean;
}

/** A dashed horizontal line across the plot at `y` (an expert's or a random policy's return). */
export interface ChartRefLine {
  label: string;
  y: number;
  color?: string;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  /** Written upright beside the y axis; none when absent. */
  yLabel?: string;
  series: readonly ChartSeries[];
  /** Reference lines; they count in the y range and get legend entries. */
  hlines?: readonly ChartRefLine[];
  /** Legend beside the plot (short labels) or under it, one entry a row (long labels; default). */
  legend?: 'below' | 'right';
  /** Pixels (default 760 × 460); the height grows when a long legend needs the room. */
  width?: number;
  height?: number;
}

/** Okabe-Ito colours, reused in order for series without a colour. */
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const REF_COLOR = '#555555';

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/**
 * About `n` round tick values (1, 2, 2.5 or 5 × 10^k apart) from one at or below `lo` to one at or
 * above `hi`. An empty range is widened around its value; non-finite bounds give ticks over [0, 1].
 */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (!(hi > lo)) {
    const d = Math.abs(lo) || 1;
    [lo, hi] = [lo - d / 2, hi + d / 2];
  }
  const raw = (hi - lo) / Math.max(1, n);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step + 1e-9), last = Math.ceil(hi / step - 1e-9);
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** Short tick labels: 2500, 25k, 1.2M. */
function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}

/**
 * A line chart as a standalone SVG document: title, axes with round ticks and a grid, one
 * `<polyline class="curve" data-label=…>` per series (in order, even when it has no finite point;
 * a series of one point also gets a marker), dashed reference lines and a legend (one entry per
 * distinct label, colour and dash). The x axis starts at 0 or the smallest x, whichever is lower,
 * and ends at the largest x; the y axis covers the points and the reference lines.
 */
export function lineChartSvg(spec: LineChartSpec): string {
  const series = spec.series.map((s, i) => ({
    label: s.label,
    color: s.color ?? COLORS[i % COLORS.length],
    dashed: Boolean(s.dashed),
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const hlines = (spec.hlines ?? []).filter((h) => Number.isFinite(h.y)).map((h) => ({ ...h, color: h.color ?? REF_COLOR }));
  const legend: { label: string; color: string; dashed: boolean }[] = [];
  for (const l of [...hlines.map((h) => ({ label: h.label, color: h.color, dashed: true })), ...series]) {
    if (!legend.some((e) => e.label === l.label && e.color === l.color && e.dashed === l.dashed)) legend.push({ label: l.label, color: l.color, dashed: l.dashed });
  }

  const right = spec.legend === 'right';
  const legendH = right ? 0 : 18 * legend.length + 10;
  const m = { l: 70, r: right ? 160 : 20, t: 36, b: 50 + legendH };
  const W = spec.width ?? 760;
  const H = Math.max(spec.height ?? 460, m.t + m.b + 200, right ? m.t + 18 * legend.length + 20 : 0);
  const pw = W - m.l - m.r, ph = H - m.t - m.b;

  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...series.flatMap((s) => s.points.map((p) => p[1])), ...hlines.map((h) => h.y)];
  const xMax = xs.length ? Math.max(...xs) : 1;
  // steps and seconds count from 0, and the axis ends at the last point: a run's last batch
  // overshoots its budget a little, and a whole extra tick interval would waste the width
  const xAll = niceTicks(Math.min(0, ...xs), xMax);
  const inside = xAll.filter((v) => v <= xMax + Math.abs(xMax) * 1e-9);
  const xt = inside.length >= 2 ? inside : xAll;
  const yt = niceTicks(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
  const [x0, x1] = [xt[0], Math.max(xMax, xt[xt.length - 1])];
  const [y0, y1] = [yt[0], yt[yt.length - 1]];
  const f = (v: number) => v.toFixed(2);
  const sx = (v: number) => f(m.l + ((v - x0) / (x1 - x0 || 1)) * pw);
  const yPx = (v: number) => m.t + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const sy = (v: number) => f(yPx(v));
  const dash = (on: boolean, pattern = '6 4') => (on ? ` stroke-dasharray="${pattern}"` : '');

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text class="title" x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(spec.title)}</text>`);
  out.push('<g class="grid" stroke="#e5e5e5">');
  for (const v of xt) out.push(`<line x1="${sx(v)}" y1="${m.t}" x2="${sx(v)}" y2="${m.t + ph}"/>`);
  for (const v of yt) out.push(`<line x1="${m.l}" y1="${sy(v)}" x2="${m.l + pw}" y2="${sy(v)}"/>`);
  out.push('</g>');
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push('<g class="xticks" text-anchor="middle">');
  for (const v of xt) out.push(`<text x="${sx(v)}" y="${m.t + ph + 16}">${tickLabel(v)}</text>`);
  out.push('</g><g class="yticks" text-anchor="end">');
  for (const v of yt) out.push(`<text x="${m.l - 6}" y="${f(yPx(v) + 4)}">${tickLabel(v)}</text>`);
  out.push('</g>');
  out.push(`<text class="xlabel" x="${m.l + pw / 2}" y="${m.t + ph + 36}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  if (spec.yLabel !== undefined) {
    out.push(`<text class="ylabel" transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  }
  for (const h of hlines) {
    out.push(`<line class="hline" data-label="${escapeXml(h.label)}" x1="${m.l}" y1="${sy(h.y)}" x2="${m.l + pw}" y2="${sy(h.y)}" stroke="${escapeXml(h.color)}"${dash(true)}/>`);
  }
  for (const s of series) {
    const color = escapeXml(s.color);
    const pts = s.points.map(([x, y]) => `${sx(x)},${sy(y)}`).join(' ');
    out.push(`<polyline class="curve" data-label="${escapeXml(s.label)}" fill="none" stroke="${color}" stroke-width="1.8"${dash(s.dashed, '4 3')} points="${pts}"/>`);
    if (s.points.length === 1) out.push(`<circle class="marker" cx="${sx(s.points[0][0])}" cy="${sy(s.points[0][1])}" r="4" fill="${color}"/>`);
  }
  legend.forEach((l, i) => {
    const [lx, ly] = right ? [m.l + pw + 12, m.t + 14 + 18 * i] : [m.l, m.t + ph + 50 + 18 * i];
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${escapeXml(l.color)}" stroke-width="2.5"${dash(l.dashed)}/>`);
    out.push(`<text class="legend" x="${lx + 30}" y="${ly}">${escapeXml(l.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
