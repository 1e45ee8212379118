import path from 'node:path';
import type { Command } from 'commander';
import { openOutputFile, writeFileAtomic } from '@mgail/core-autodiff-graph';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { curvesSvg, readCurves, type PlotX } from '../plot.js';

interface PlotOpts {
  out: string;
  metric: string;
  x: string;
  force?: boolean;
}

export function registerPlot(program: Command, io: Io): void {
  program
    .command('plot')
    .description('write SVG learning curves comparing runs (one line per run directory, labelled by its name)')
    .argument('<runs...>', 'run directories holding metrics.jsonl (or metrics.jsonl files)')
    .option('--out <file>', 'SVG file to write', 'learning-curves.svg')
    .option('--metric <name>', 'metric to plot (see a run\'s metrics.jsonl)', 'charts/episodic_return')
    .option('--x <axis>', 'x axis: global_step (env steps) | time (time/elapsed_s, seconds since the run started); runs whose x values differ in kind are refused', 'global_step')
    .option('--force', 'overwrite --out if it exists')
    .action((runs: string[], opts: PlotOpts) => {
      if (opts.x !== 'global_step' && opts.x !== 'time') throw new UserError(`--x must be global_step or time, got "${opts.x}"`);
      if (path.extname(opts.out).toLowerCase() !== '.svg') throw new UserError(`--out ${opts.out}: the plot is an SVG`, 'name it FILE.svg');
      let out;
      try {
        out = openOutputFile(opts.out, { force: opts.force, verb: 'plot' });
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      try {
        const { curves, xLabel } = readCurves(runs, opts.metric, opts.x as PlotX);
        writeFileAtomic(opts.out, curvesSvg(curves, { metric: opts.metric, xLabel }));
        io.out(`wrote ${opts.out}: ${opts.metric} against ${opts.x} for ${curves.map((c) => `${c.label} (${c.points.length} points)`).join(', ')}`);
      } finally {
        out.release();
      }
    });
}
