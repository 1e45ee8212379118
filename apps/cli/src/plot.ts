import fs from 'node:fs';
import path from 'node:path';
import { lineChartSvg, readMetricsJsonl } from '@mgail/core-autodiff-graph';
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

/** Learners whose metrics rows before `global_step` was logged had env steps as their `step`. */
const ENV_STEP_ALGOS = new Set(['gail', 'gail+bc', 'ppo', 'trpo', 'sac']);

/**
 * What a run's x values are, and which field holds them. Every learner now logs `global_step`
 * (env steps; BC's rows sit at 0) and `time/elapsed_s`; runs written before these fields existed
 * have only `step` (env steps for GAIL and the experts, MGAIL's iteration, BC's epoch: read from
 * the run's config.json) and `wall_time`.
 */
function xAxisOf(run: string, rows: readonly Record<string, number>[], x: PlotX): { field: string; unit: string } {
  const has = (k: string) => rows.some((r) => typeof r[k] === 'number');
  if (x === 'time') return has('time/elapsed_s') ? { field: 'time/elapsed_s', unit: 'seconds since the run started' } : { field: 'wall_time', unit: 'seconds since its first row' };
  if (has('global_step')) return { field: 'global_step', unit: 'env steps' };
  const dir = fs.existsSync(run) && fs.statSync(run).isFile() ? path.dirname(run) : run;
  let algo: unknown;
  try {
    algo = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).algo;
  } catch {
    algo = undefined;
  }
  if (typeof algo === 'string' && ENV_STEP_ALGOS.has(algo)) return { field: 'step', unit: 'env steps' };
  if (algo === 'mgail' || algo === 'mgail+bc') return { field: 'step', unit: 'MGAIL iterations' };
  if (algo === 'bc') return { field: 'step', unit: 'BC epochs' };
  return { field: 'step', unit: 'steps of unknown unit' };
}

/**
 * Reads each run's `metric` against env steps or elapsed seconds. Rows at negative steps (the
 * final evaluation's summary row) and rows without the metric are skipped; a run with none of it
 * is an error listing the metrics it does have. Runs whose x values are not the same quantity
 * (an old MGAIL run's iterations beside env steps, elapsed seconds beside wall time since the
 * first row) are refused: one axis would misplace them.
 */
export function readCurves(runs: readonly string[], metric: string, x: PlotX): { curves: Curve[]; xLabel: string } {
  const labels = runLabels(runs);
  const axes: { field: string; unit: string }[] = [];
  const curves = runs.map((run, i) => {
    let all;
    try {
      all = readMetricsJsonl(metricsFile(run));
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError((e as Error).message);
    }
    const rows = all.filter((r) => r.step >= 0);
    const axis = xAxisOf(run, rows, x);
    axes.push(axis);
    const t0 = rows.length ? rows[0].wall_time : 0;
    const points = rows
      .filter((r) => typeof r[metric] === 'number' && Number.isFinite(r[metric]) && typeof r[axis.field] === 'number')
      .map((r): [number, number] => [axis.field === 'wall_time' ? r.wall_time - t0 : r[axis.field], r[metric]]);
    if (!points.length) {
      const names = [...new Set(all.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'step' && k !== 'wall_time').sort();
      throw new UserError(`${run} has no "${metric}" values`, names.length ? `its metrics: ${names.join(', ')}` : 'its metrics.jsonl is empty');
    }
    return { label: labels[i], points };
  });
  const other = axes.findIndex((a) => a.unit !== axes[0].unit);
  if (other >= 0) {
    throw new UserError(
      `--x ${x}: ${runs[0]} is in ${axes[0].unit} (${axes[0].field}), ${runs[other]} in ${axes[other].unit} (${axes[other].field}): they cannot share an axis`,
      x === 'time' ? 'plot runs that all log time/elapsed_s' : 'runs written before global_step was logged count MGAIL iterations or BC epochs; plot them apart',
    );
  }
  const unit = axes[0]?.unit ?? '';
  const xLabel = x === 'time' ? (axes[0]?.field === 'wall_time' ? 'wall time since the first row (s)' : 'elapsed time (s)') : unit === 'env steps' ? 'global step (env steps)' : `${unit} (step)`;
  return { curves, xLabel };
}

/** The curves as a standalone SVG: the metric as title, one line per run, the legend under the plot. */
export function curvesSvg(curves: readonly Curve[], opts: { metric: string; xLabel: string; width?: number; height?: number }): string {
  return lineChartSvg({
    title: opts.metric,
    xLabel: opts.xLabel,
    series: curves,
    legend: 'below',
    width: opts.width,
    height: opts.height,
  });
}
