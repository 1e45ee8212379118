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

/**
 * Reads each run's `metric` against env steps or wall time. Rows at negative steps (the final
 * evaluation's summary row) and rows without the metric are skipped; a run with none of it is an
 * error listing the metrics it does have.
 */
export function readCurves(runs: readonly string[], metric: string, x: PlotX): Curve[] {
  const labels = runLabels(runs);
  return runs.map((run, i) => {
    let all;
    try {
      all = readMetricsJsonl(metricsFile(run));
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError((e as Error).message);
    }
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

/** The curves as a standalone SVG: the metric as title, one line per run, the legend under the plot. */
export function curvesSvg(curves: readonly Curve[], opts: { metric: string; x: PlotX; width?: number; height?: number }): string {
  return lineChartSvg({
    title: opts.metric,
    xLabel: opts.x === 'time' ? 'wall time (s)' : 'global step',
    series: curves,
    legend: 'below',
    width: opts.width,
    height: opts.height,
  });
}
