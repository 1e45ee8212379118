import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBench } from '../cli.js';
import type { CellResult } from '../table1/report.js';
import { firstReach, mgailBelow, mgailBelowGail, planCells, sampleEfficiency } from './table1.js';

const EXPERTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../experts');

const cell = (algo: string, seed: number, history: [number, number, number][], returns = [100]): CellResult => ({
  env: 'CartPole-v1', algo, trajectories: 1, seed, eval: { episodes: returns.length, mean: returns[0], std: 0, returns },
  envSteps: history.at(-1)?.[0] ?? 0, wallClockSeconds: history.at(-1)?.[1] ?? 1,
  history: history.map(([envSteps, wallClockSeconds, mean]) => ({ envSteps, wallClockSeconds, mean })), finishedAt: 'x',
});

describe('table1 plan and sample efficiency', () => {
  it('plans env × algo × trajectories × seed, with each env\'s Table 1 counts by default', () => {
    const jobs = planCells({ envs: ["CartPole-v1", "Hopper-v5"], algos: ["bc"], seeds: [0, 1] });
    expect(jobs.filter((j) => j.env === 'CartPole-v1').map((j) => j.trajectories)).toEqual([1, 1, 4, 4, 7, 7, 10, 10]);
    expect([...new Set(jobs.filter((j) => j.env === 'Hopper-v5').map((j) => j.trajectories))]).toEqual([4, 11, 18, 25]);
    expect(planCells({ envs: ["Acrobot-v1"], algos: ["gail", "mgail"], trajectories: [4], seeds: [0] })).toHaveLength(2);
  });

  it('finds the first logged evaluation past 90% of the way from random to expert', () => {
    const g = cell('gail', 0, [[0, 0, 20], [1000, 5, 300], [2000, 10, 460], [3000, 15, 500]]);
    const m = cell('mgail', 0, [[0, 0, 20], [500, 8, 480]]);
    const m2 = cell('mgail', 1, [[0, 0, 20], [500, 8, 100]]);
    expect(firstReach(g, 452)).toEqual({ envSteps: 2000, wallClockSeconds: 10 });
    expect(firstReach(m2, 452)).toBeNull();
    const [row] = sampleEfficiency([g, m, m2], { 'CartPole-v1': { expert: { mean: 500, std: 0 }, random: { mean: 20, std: 1 } } });
    expect(row.threshold).toBeCloseTo(452);
    expect(row.algos.gail).toEqual({ seeds: 1, reached: 1, medianEnvSteps: 2000, medianWallClockSeconds: 10 });
    expect(row.algos.mgail).toEqual({ seeds: 2, reached: 1, medianEnvSteps: 500, medianWallClockSeconds: 8 });
    expect(mgailBelowGail([cell('gail', 0, [], [400]), cell('mgail', 0, [], [300])])).toEqual([{ env: 'CartPole-v1', trajectories: 1, gail: 400, mgail: 300 }]);
    expect(mgailBelow([cell('bc', 0, [], [400]), cell('mgail', 0, [], [300]), cell('gail', 0, [], [200])], 'bc')).toEqual([{ env: 'CartPole-v1', trajectories: 1, baseline: 400, mgail: 300 }]);
    expect(mgailBelow([cell('bc', 0, [], [400]), cell('mgail', 0, [], [300]), cell('gail', 0, [], [200])], 'gail')).toEqual([]);
  });
});

describe('bench table1 end to end', () => {
  it('trains BC, GAIL and MGAIL cells on CartPole in the ho-ermon protocol (subsampled stochastic demonstrations, one env-step budget), writes the report, and resumes without retraining', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'table1-'));
    const cfg = path.join(out, 'tiny.json');
    fs.writeFileSync(cfg, JSON.stringify({
      bc: { maxEpochs: 5 },
      gail: { totalSteps: 1024, numEnvs: 4, numSteps: 128, evalEvery: 1, evalEpisodes: 1 },
      mgail: { iterations: 30, prepIterations: 10, initialRandomSteps: 200, modelPretrainSteps: 20, evalEvery: 10, evalEpisodes: 1, checkpointEvery: 0, horizon: 10, unrollBatch: 2 },
    }));
    const args = ['table1', '--envs', 'CartPole-v1', '--trajectories', '1', '--seeds', '0', '--budget-steps', '3000', '--eval-episodes', '3', '--config', cfg, '--experts', EXPERTS, '--out', out];
    const err: string[] = [];
    const io = { out: () => {}, err: (l: string) => err.push(l) };
    expect(await runBench(args, io)).toBe(0);

    const keys = ['bc', 'gail', 'mgail'].map((a) => `CartPole-v1__${a}__1traj__seed0`);
    const cells = keys.map((k) => JSON.parse(fs.readFileSync(path.join(out, 'cells', `${k}.json`), 'utf8')) as CellResult & { evalSeconds: number });
    for (const c of cells) {
      expect(c.eval.episodes).toBe(3);
      expect(c.eval.returns).toHaveLength(3);
      expect(c.eval.mean).toBeGreaterThan(0);
    }
    const [bc, gail, mgail] = cells;
    for (const c of cells as unknown as Record<string, unknown>[]) {
      // CartPole's data_subsamp_freq 10 over the stochastic expert's first trajectory (500 steps)
      expect(c).toMatchObject({ protocol: 'ho-ermon', subsample: 10, subsampleOffsetSeed: 0, keptPairs: 50, actionSelection: 'stochastic', trajectories: 1, seed: 0 });
    }
    expect((gail.config as { totalSteps: number; bcWarmStart: boolean })).toMatchObject({ totalSteps: 3000, bcWarmStart: false });
    expect(mgail.config).toMatchObject({ bcPretrainSteps: 0, bcWeight: 0 });
    expect((mgail as unknown as { envStepBudget: number }).envStepBudget).toBe(3000);
    expect(bc.envSteps).toBe(0);
    expect(gail.envSteps).toBeGreaterThanOrEqual(1024);
    expect(gail.history.length).toBeGreaterThanOrEqual(2); // round 0 and every round after
    expect(gail.history.at(-1)!.envSteps).toBe(gail.envSteps);
    expect(mgail.history.map((h) => h.envSteps)).toHaveLength(3); // iterations 10, 20, 30
    expect(mgail.envSteps).toBeGreaterThan(200);
    expect(mgail.history.every((h, i, a) => i === 0 || (h.envSteps >= a[i - 1].envSteps && h.wallClockSeconds >= a[i - 1].wallClockSeconds))).toBe(true);
    expect(fs.existsSync(path.join(out, 'runs', keys[2], 'checkpoint.ckpt'))).toBe(false);

    const md = fs.readFileSync(path.join(out, 'table1.md'), 'utf8');
    expect(md).toMatch(/\| CartPole-v1 \| 1 \| 500\.0 ± 0\.00 \| \d+\.\d+ ± \d+\.\d+ \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \|/);
    expect(md).toMatch(/\| CartPole-v1 \| 4 \| .* \| not run \| not run \| not run \|/);
    expect(md).toMatch(/\| Hopper-v5 \| 4 \| .* \| not run \| not run \| not run \|/);
    expect(md).toContain('## Sample efficiency');
    expect(md).toContain('Ho & Ermon (2016)');
    expect(md).toContain('--trajectories 1 --seeds 0');
    expect(md).toContain('Protocol ho-ermon');
    expect(md).toContain('GAIL and MGAIL 3,000 env steps each');
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.cells).toEqual([...keys].sort());
    expect(results.runs[0].machine.nproc).toBeGreaterThan(0);
    expect(results.refs['CartPole-v1'].random.mean).toBeGreaterThan(5);
    for (const f of ['CartPole-v1__1traj__steps.svg', 'CartPole-v1__1traj__wallclock.svg']) {
      expect(fs.readFileSync(path.join(out, 'svg', f), 'utf8')).toMatch(/^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    }

    // a second invocation finds every cell done and leaves it, and every report file, untouched
    const stamps = keys.map((k) => fs.readFileSync(path.join(out, 'cells', `${k}.json`), 'utf8'));
    const reportFiles = ['table1.md', 'results.json', 'refs.json', 'runs.json', 'svg/CartPole-v1__1traj__steps.svg'].map((f) => path.join(out, f));
    const mtimes = reportFiles.map((f) => fs.statSync(f).mtimeMs);
    err.length = 0;
    const started = Date.now();
    expect(await runBench(args, io)).toBe(0);
    expect(err.filter((l) => l.includes('done earlier, skipped'))).toHaveLength(3);
    expect(err.some((l) => l.includes(': training'))).toBe(false);
    expect(keys.map((k) => fs.readFileSync(path.join(out, 'cells', `${k}.json`), 'utf8'))).toEqual(stamps);
    expect(reportFiles.map((f) => fs.statSync(f).mtimeMs)).toEqual(mtimes);
    expect(err.at(-1)).toContain('(unchanged;');
    expect(Date.now() - started).toBeLessThan(15_000);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
