import { PUBLISHED_SOURCE, publishedFor, type PublishedStat } from './published.js';

/** The algorithms Table 1 compares, in column order. */
export const TABLE1_ALGOS = ['bc', 'gail', 'mgail'] as const;
export type Table1Algo = (typeof TABLE1_ALGOS)[number];

const ALGO_LABEL: Record<string, string> = { bc: 'BC', gail: 'GAIL', mgail: 'MGAIL' };
const ALGO_COLOR: Record<string, string> = { bc: '#1f77b4', gail: '#ff7f0e', mgail: '#2ca02c' };

/** One point of a run's logged deterministic evaluation (plots only, never selection). */
export interface EvalPoint {
  envSteps: number;
  wallClockSeconds: number;
  mean: number;
}

/** A finished (env, algo, trajectories, seed) cell, as saved to `cells/<key>.json`. */
export interface CellResult {
  env: string;
  algo: string;
  trajectories: number;
  seed: number;
  /** Final deterministic evaluation. */
  eval: { episodes: number; mean: number; std: number; returns: number[] };
  /** Env steps the training took (0 for BC). */
  envSteps: number;
  wallClockSeconds: number;
  history: EvalPoint[];
  config?: unknown;
  finishedAt: string;
}

export interface Stat {
  mean: number;
  std: number;
}

export interface EnvRefs {
  /** The demonstrations' return (the expert that recorded them). */
  expert?: Stat;
  /** A uniformly random policy. */
  random?: Stat;
}

export interface Table1Data {
  /** Rows: each env with its trajectory counts. */
  rows: { env: string; trajectories: number[] }[];
  /** Algorithms asked for in this run (others are "not run"). */
  algos: string[];
  cells: CellResult[];
  refs: Record<string, EnvRefs>;
  /** Optional notes printed under the table (budgets, machine). */
  notes?: string[];
}

export function cellKey(c: Pick<CellResult, 'env' | 'algo' | 'trajectories' | 'seed'>): string {
  return `${c.env}__${c.algo}__${c.trajectories}traj__seed${c.seed}`;
}

/** Mean and population std of every evaluation episode of the cells (seeds pooled). */
export function pooled(cells: CellResult[]): (Stat & { seeds: number; episodes: number }) | null {
  const xs = cells.flatMap((c) => c.eval.returns);
  if (!xs.length) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, std, seeds: cells.length, episodes: xs.length };
}

/** Human figures: 3 significant digits past the point for small values, whole numbers for large. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 100 ? x.toFixed(1) : x.toFixed(2);
}

export function fmtStat(s: Stat | PublishedStat | null | undefined): string {
  if (!s) return 'not run';
  return s.std === undefined ? fmt(s.mean) : `${fmt(s.mean)} ± ${fmt(s.std)}`;
}

function fmtSteps(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The markdown report: our Table 1, then the published figures for the same rows when there are any. */
export function table1Markdown(d: Table1Data): string {
  const out: string[] = [];
  const cols = TABLE1_ALGOS.map((a) => ALGO_LABEL[a]);
  out.push('# Table 1: imitation from N expert trajectories', '');
  out.push('Deterministic evaluation of the final policy (never selected by env reward); mean ± std over every evaluation episode of every seed.', '');
  out.push(`| Task | Trajectories | Expert | Random | ${cols.join(' | ')} | Env steps (GAIL / MGAIL) | Wall-clock s (BC / GAIL / MGAIL) |`);
  out.push(`|---|---:|---:|---:|${cols.map(() => '---:').join('|')}|---:|---:|`);
  let maxSeeds = 0;
  for (const row of d.rows) {
    const refs = d.refs[row.env] ?? {};
    for (const n of row.trajectories) {
      const at = (algo: string) => d.cells.filter((c) => c.env === row.env && c.algo === algo && c.trajectories === n);
      const perAlgo = TABLE1_ALGOS.map((a) => {
        const cs = at(a);
        const p = pooled(cs);
        if (p) maxSeeds = Math.max(maxSeeds, p.seeds);
        return { cs, p };
      });
      const steps = (['gail', 'mgail'] as const).map((a) => {
        const cs = at(a);
        return cs.length ? fmtSteps(Math.round(mean(cs.map((c) => c.envSteps)))) : '–';
      });
      const secs = TABLE1_ALGOS.map((a) => {
        const cs = at(a);
        return cs.length ? mean(cs.map((c) => c.wallClockSeconds)).toFixed(0) : '–';
      });
      out.push(
        `| ${row.env} | ${n} | ${fmtStat(refs.expert)} | ${fmtStat(refs.random)} | ${perAlgo.map((x) => fmtStat(x.p)).join(' | ')} | ${steps.join(' / ')} | ${secs.join(' / ')} |`,
      );
    }
  }
  out.push('');
  if (maxSeeds > 1) out.push(`Up to ${maxSeeds} seeds per cell.`, '');
  out.push('"not run": the cell was not asked for in this run, had no demonstrations, or has not finished yet.');
  for (const n of d.notes ?? []) out.push('', n);

  const pubRows = d.rows.map((r) => ({ r, p: publishedFor(r.env) })).filter((x) => x.p);
  if (pubRows.length) {
    out.push('', '## Published figures', '', `From ${PUBLISHED_SOURCE}. Their envs are gym 2016 versions, so compare trends rather than digits.`, '');
    out.push('| Task (theirs → ours) | Trajectories | Expert | BC | GAIL |', '|---|---:|---:|---:|---:|');
    for (const { p } of pubRows) {
      p!.trajectories.forEach((n, i) => {
        out.push(`| ${p!.task} → ${p!.envId} | ${n} | ${fmtStat(p!.expert)} | ${p!.bc[i] ? fmtStat(p!.bc[i]) : '–'} | ${p!.gail[i] ? fmtStat(p!.gail[i]) : '–'} |`);
      });
    }
    out.push('', 'Version differences:', ...pubRows.map(({ p }) => `- ${p!.task}: ${p!.versionNote}`));
  }
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------ SVG

export interface Series {
  label: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines (expert, random). */
  hlines?: { label: string; y: number; color: string }[];
  width?: number;
  height?: number;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const tickLabel = (v: number) => (Math.abs(v) >= 1e6 ? `${v / 1e6}M` : Math.abs(v) >= 1e3 ? `${v / 1e3}k` : String(v));

/** A line chart as a standalone SVG document; single-point series are drawn as markers. */
export function lineChartSvg(spec: ChartSpec): string {
  const W = spec.width ?? 640, H = spec.height ?? 400;
  const m = { l: 70, r: 160, t: 36, b: 50 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...spec.series.flatMap((s) => s.points.map((p) => p[1])), ...(spec.hlines ?? []).map((h) => h.y)].filter(Number.isFinite);
  const xTicks = niceTicks(Math.min(0, ...xs), xs.length ? Math.max(...xs) : 1);
  const yTicks = niceTicks(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
  const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number) => m.t + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
  const n = (v: number) => v.toFixed(1);
  const el: string[] = [];
  el.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  el.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  el.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(spec.title)}</text>`);
  for (const t of xTicks) {
    el.push(`<line x1="${n(sx(t))}" y1="${m.t}" x2="${n(sx(t))}" y2="${m.t + ph}" stroke="#eee"/>`);
    el.push(`<text x="${n(sx(t))}" y="${m.t + ph + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of yTicks) {
    el.push(`<line x1="${m.l}" y1="${n(sy(t))}" x2="${m.l + pw}" y2="${n(sy(t))}" stroke="#eee"/>`);
    el.push(`<text x="${m.l - 6}" y="${n(sy(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  el.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  el.push(`<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  el.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  const legend: { label: string; color: string; dashed: boolean }[] = [];
  for (const h of spec.hlines ?? []) {
    el.push(`<line x1="${m.l}" y1="${n(sy(h.y))}" x2="${m.l + pw}" y2="${n(sy(h.y))}" stroke="${h.color}" stroke-dasharray="6 4"/>`);
    legend.push({ label: h.label, color: h.color, dashed: true });
  }
  const seen = new Set<string>();
  for (const s of spec.series) {
    const pts = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (pts.length === 1) el.push(`<circle cx="${n(sx(pts[0][0]))}" cy="${n(sy(pts[0][1]))}" r="4" fill="${s.color}"/>`);
    else if (pts.length > 1) {
      el.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''} points="${pts.map((p) => `${n(sx(p[0]))},${n(sy(p[1]))}`).join(' ')}"/>`);
    }
    if (!seen.has(s.label)) {
      seen.add(s.label);
      legend.push({ label: s.label, color: s.color, dashed: Boolean(s.dashed) });
    }
  }
  legend.forEach((l, i) => {
    const y = m.t + 10 + i * 18;
    el.push(`<line x1="${m.l + pw + 12}" y1="${y}" x2="${m.l + pw + 36}" y2="${y}" stroke="${l.color}" stroke-width="2"${l.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    el.push(`<text x="${m.l + pw + 42}" y="${y + 4}">${escapeXml(l.label)}</text>`);
  });
  el.push('</svg>');
  return el.join('\n') + '\n';
}

/**
 * The two learning-curve charts of one (env, trajectories) row: return vs env steps and vs
 * wall-clock, one line per algorithm and seed (BC, which takes no env steps, is a marker).
 */
export function rowCharts(d: Table1Data, env: string, trajectories: number): { steps: string; wallClock: string } {
  const cells = d.cells.filter((c) => c.env === env && c.trajectories === trajectories).sort((a, b) => a.algo.localeCompare(b.algo) || a.seed - b.seed);
  const refs = d.refs[env] ?? {};
  const hlines = [
    ...(refs.expert ? [{ label: 'Expert', y: refs.expert.mean, color: '#555' }] : []),
    ...(refs.random ? [{ label: 'Random', y: refs.random.mean, color: '#bbb' }] : []),
  ];
  const series = (x: (p: EvalPoint) => number): Series[] =>
    cells.map((c) => ({
      label: ALGO_LABEL[c.algo] ?? c.algo,
      color: ALGO_COLOR[c.algo] ?? '#000',
      points: (c.history.length ? c.history : [{ envSteps: c.envSteps, wallClockSeconds: c.wallClockSeconds, mean: c.eval.mean }]).map((p) => [x(p), p.mean] as [number, number]),
    }));
  const title = `${env}, ${trajectories} trajectories`;
  return {
    steps: lineChartSvg({ title, xLabel: 'environment steps', yLabel: 'return (deterministic)', series: series((p) => p.envSteps), hlines }),
    wallClock: lineChartSvg({ title, xLabel: 'wall-clock seconds', yLabel: 'return (deterministic)', series: series((p) => p.wallClockSeconds), hlines }),
  };
}
