import { lineChartSvg, type ChartSeries } from '@mgail/core-autodiff-graph';
import { PUBLISHED_SOURCE, publishedFor, type PublishedStat } from './published.js';

/** The algorithms Table 1 compares, in column order. */
export const TABLE1_ALGOS = ['bc', 'gail', 'mgail'] as const;
export type Table1Algo = (typeof TABLE1_ALGOS)[number];
/** Variants that add BC to GAIL or MGAIL: columns of their own, shown only when run. */
export const TABLE1_VARIANTS = ['gail+bc', 'mgail+bc'] as const;

const ALGO_LABEL: Record<string, string> = { bc: 'BC', gail: 'GAIL', mgail: 'MGAIL', 'gail+bc': 'GAIL+BC', 'mgail+bc': 'MGAIL+BC' };
const ALGO_COLOR: Record<string, string> = { bc: '#1f77b4', gail: '#ff7f0e', mgail: '#2ca02c', 'gail+bc': '#9467bd', 'mgail+bc': '#8c564b' };

/** The table's columns: the three published algorithms, then any variant with a cell. */
export function reportAlgos(cells: Pick<CellResult, 'algo'>[]): string[] {
  return [...TABLE1_ALGOS, ...TABLE1_VARIANTS.filter((a) => cells.some((c) => c.algo === a))];
}

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
  const algos = reportAlgos(d.cells);
  const cols = algos.map((a) => ALGO_LABEL[a]);
  out.push('# Table 1: imitation from N expert trajectories', '');
  out.push('Deterministic evaluation of the final policy (never selected by env reward); mean ± std over every evaluation episode of every seed.', '');
  const stepAlgos = algos.filter((a) => a !== 'bc');
  out.push(`| Task | Trajectories | Expert | Random | ${cols.join(' | ')} | Env steps (${stepAlgos.map((a) => ALGO_LABEL[a]).join(' / ')}) | Wall-clock s (${cols.join(' / ')}) |`);
  out.push(`|---|---:|---:|---:|${cols.map(() => '---:').join('|')}|---:|---:|`);
  let maxSeeds = 0;
  for (const row of d.rows) {
    const refs = d.refs[row.env] ?? {};
    for (const n of row.trajectories) {
      const at = (algo: string) => d.cells.filter((c) => c.env === row.env && c.algo === algo && c.trajectories === n);
      const perAlgo = algos.map((a) => {
        const cs = at(a);
        const p = pooled(cs);
        if (p) maxSeeds = Math.max(maxSeeds, p.seeds);
        return { cs, p };
      });
      const steps = stepAlgos.map((a) => {
        const cs = at(a);
        return cs.length ? fmtSteps(Math.round(mean(cs.map((c) => c.envSteps)))) : '–';
      });
      const secs = algos.map((a) => {
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
  const series = (x: (p: EvalPoint) => number): ChartSeries[] =>
    cells.map((c) => ({
      label: ALGO_LABEL[c.algo] ?? c.algo,
      color: ALGO_COLOR[c.algo] ?? '#000',
      points: (c.history.length ? c.history : [{ envSteps: c.envSteps, wallClockSeconds: c.wallClockSeconds, mean: c.eval.mean }]).map((p) => [x(p), p.mean] as [number, number]),
    }));
  const chart = { title: `${env}, ${trajectories} trajectories`, yLabel: 'return (deterministic)', hlines, legend: 'right', width: 640, height: 400 } as const;
  return {
    steps: lineChartSvg({ ...chart, xLabel: 'environment steps', series: series((p) => p.envSteps) }),
    wallClock: lineChartSvg({ ...chart, xLabel: 'wall-clock seconds', series: series((p) => p.wallClockSeconds) }),
  };
}
