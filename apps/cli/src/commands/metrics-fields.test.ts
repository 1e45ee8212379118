import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, MetricsWriter, readMetricsJsonl } from '@mgail/core-autodiff-graph';
import { cartPoleLinearExpert } from '@mgail/baselines-gail-bc';
import { readCurves } from '../plot.js';
import { cli, recordDemos, useTempDir } from '../test-helpers.js';

const tmp = useTempDir('mgail-cli-metrics-');
let demos: string;
beforeAll(async () => {
  await initBackend({ quiet: true });
  demos = recordDemos(tmp.join('demos.npz'), 'CartPole-v1', cartPoleLinearExpert, 2);
});

type Row = { step: number; wall_time: number } & Record<string, number>;

/** Every training row (the final summary row at step −1 aside) has global_step and time/elapsed_s; both never decrease. */
function expectOneLanguage(run: string, algo: string): Row[] {
  const rows = readMetricsJsonl(path.join(run, 'metrics.jsonl')).filter((r) => r.step >= 0);
  expect(rows.length, algo).toBeGreaterThan(0);
  for (const r of rows) {
    expect(typeof r.global_step, `${algo} row ${r.step}: global_step`).toBe('number');
    expect(typeof r['time/elapsed_s'], `${algo} row ${r.step}: time/elapsed_s`).toBe('number');
  }
  for (let i = 1; i < rows.length; i++) {
    expect(rows[i].global_step, algo).toBeGreaterThanOrEqual(rows[i - 1].global_step);
    expect(rows[i]['time/elapsed_s'], algo).toBeGreaterThanOrEqual(rows[i - 1]['time/elapsed_s']);
  }
  const evals = rows.filter((r) => typeof r['eval/return_mean'] === 'number');
  expect(evals.length, `${algo}: eval/return_mean`).toBeGreaterThan(0);
  for (const r of evals) expect(typeof r['eval/return_std'], `${algo}: eval/return_std`).toBe('number');
  // the names every learner had for itself are gone
  for (const old of ['charts/eval_return', 'charts/eval_return_std', 'charts/env_steps', 'time/wall_clock']) expect(rows.some((r) => old in r), `${algo}: ${old}`).toBe(false);
  return rows;
}

describe('one metric language', () => {
  it('bc, gail and mgail log global_step (env steps), time/elapsed_s and eval/return_mean|std; mgail plot puts them on one env-step or time axis', async () => {
    const train = async (algo: string, config: object) => {
      const out = tmp.join(algo);
      const r = await cli('train', '--algo', algo, '--env', 'CartPole-v1', '--demos', demos, '--seed', '1', '--out', out, '--eval-episodes', '1', '--config', tmp.write(`${algo}.json`, JSON.stringify(config)));
      expect(r.code, r.err).toBe(0);
      return out;
    };
    const bc = await train('bc', { maxEpochs: 4, patience: 100, hidden: [8], batchSize: 16 });
    const gail = await train('gail', { totalSteps: 64 * 6, numEnvs: 2, numSteps: 32, hidden: [8], valueHidden: [8], discHidden: [8], evalEvery: 2, evalEpisodes: 1, discBatchSize: 32 });
    const mgail = await train('mgail', {
      iterations: 20, prepIterations: 5, initialRandomSteps: 50, modelPretrainSteps: 2, evalEvery: 10, evalEpisodes: 1,
      policyHidden: [8], modelHidden: [8], discHidden: [8], unrollBatch: 2, horizon: 3, unrollsPerUpdate: 1, imaginedUnrolls: 0, policyUpdatesPerIteration: 1, idleCollectSteps: -1,
    });

    // BC steps no env: its rows sit at global_step 0 and count gradient steps; its one evaluation is the final one
    const bcRows = expectOneLanguage(bc, 'bc');
    expect(bcRows.every((r) => r.global_step === 0)).toBe(true);
    const steps = bcRows.filter((r) => 'losses/bc_train' in r).map((r) => r['train/gradient_steps']);
    expect(steps).toHaveLength(4);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBe(steps[0] * (i + 1));
    expect(bcRows.at(-1)).toMatchObject({ step: 4, 'train/gradient_steps': steps[3] });
    expect(bcRows.at(-1)!['eval/return_mean']).toBe(JSON.parse(fs.readFileSync(path.join(bc, 'summary.json'), 'utf8')).eval.mean);
    // GAIL and MGAIL: global_step is the env steps taken, ending at the summary's count
    for (const [run, algo] of [[gail, 'gail'], [mgail, 'mgail']]) {
      const rows = expectOneLanguage(run, algo);
      const summary = JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8'));
      expect(Math.max(...rows.map((r) => r.global_step)), algo).toBe(summary.envSteps);
      const last = summary.evalHistory.at(-1);
      expect(rows.some((r) => r.global_step === last.envSteps && r['eval/return_mean'] === last.mean), algo).toBe(true);
    }
    // MGAIL's row step is its iteration; the plot's x is its env steps, not the iteration
    const mgRows = readMetricsJsonl(path.join(mgail, 'metrics.jsonl')).filter((r) => r.step >= 0 && 'eval/return_mean' in r);
    const { curves, xLabel } = readCurves([bc, gail, mgail], 'eval/return_mean', 'global_step');
    expect(xLabel).toBe('global step (env steps)');
    expect(curves[0].points.map((p) => p[0])).toEqual([0]);
    expect(curves[2].points.map((p) => p[0])).toEqual(mgRows.map((r) => r.global_step));
    expect(curves[2].points.map((p) => p[0])).not.toEqual(mgRows.map((r) => r.step));
    const time = readCurves([bc, gail, mgail], 'eval/return_mean', 'time');
    expect(time.xLabel).toBe('elapsed time (s)');
    expect(time.curves[2].points.map((p) => p[0])).toEqual(mgRows.map((r) => r['time/elapsed_s']));
    const out = tmp.join('three.svg');
    const r = await cli('plot', bc, gail, mgail, '--metric', 'eval/return_mean', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toContain('>global step (env steps)</text>');

    // a run written before global_step existed (MGAIL's step was its iteration) cannot share the axis
    const old = tmp.join('old-mgail');
    const w = new MetricsWriter(old);
    w.log(10, { 'charts/eval_return': 9, 'disc/expert_accuracy': 0.5 });
    fs.writeFileSync(path.join(old, 'config.json'), JSON.stringify({ algo: 'mgail' }));
    const refused = await cli('plot', mgail, old, '--metric', 'disc/expert_accuracy', '--out', tmp.join('mixed.svg'));
    expect(refused.code).toBe(1);
    expect(refused.err.split('\n')).toHaveLength(1);
    expect(refused.err).toMatch(/--x global_step: .*mgail is in env steps \(global_step\), .*old-mgail in MGAIL iterations \(step\): they cannot share an axis/);
  });

  it('ppo, trpo and sac (train-expert) log global_step, time/elapsed_s and their final evaluation as eval/return_mean|std', async () => {
    const expert = async (algo: string, env: string, steps: number, config: string) => {
      const out = tmp.join(`expert-${algo}`);
      const r = await cli('train-expert', '--env', env, '--algo', algo, '--seed', '0', '--steps', String(steps), '--eval-episodes', '1', '--out', out, '--config', tmp.write(`${algo}.yaml`, config));
      expect(r.code, r.err).toBe(0);
      const rows = expectOneLanguage(out, algo);
      const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
      const last = rows.at(-1)!;
      expect(last.global_step).toBe(summary.globalStep);
      expect(last['eval/return_mean']).toBe(summary.evaluation.mean);
      expect(rows.every((x) => x.global_step === x.step), algo).toBe(true);
    };
    await expert('ppo', 'CartPole-v1', 128, 'numEnvs: 2\nnumSteps: 32\nhidden: [8]\nvalueHidden: [8]\nupdateEpochs: 1\nnumMinibatches: 1\n');
    await expert('trpo', 'CartPole-v1', 128, 'numEnvs: 2\nnumSteps: 32\nhidden: [8]\nvalueHidden: [8]\n');
    await expert('sac', 'Pendulum-v1', 400, 'learningStarts: 100\nbatchSize: 16\nhidden: [8]\nqHidden: [8]\nbufferSize: 1000\nstepsPerIteration: 200\n');
  });
});
