import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { collectDemos, loadPolicy, selectEpisodes, writeDemos } from '@mgail/policies';
import { cartPoleLinearExpert } from '@mgail/baselines-gail-bc';
import { cli, useTempDir } from '../test-helpers.js';

const tmp = useTempDir('mgail-subsample-');
const K = 10, SEED = 3, N = 3;
let file: string;
let kept: number;

// Every pair a run must not read carries velocities of 1000 (inside CartPole's observation space,
// whose velocities are unbounded): a reader that saw any of them would show it in the pair counts
// and in the observation normalizer's mean.
beforeAll(async () => {
  await initBackend({ quiet: true });
  const d = collectDemos(make('CartPole-v1'), cartPoleLinearExpert, { episodes: 4, seed: 0 });
  const sel = selectEpisodes(d, { trajectories: N, subsample: K, seed: SEED }).metadata.selection!;
  kept = sel.keptPairs;
  const keep = new Set<number>();
  for (let i = 0; i < N; i++) for (let t = sel.offsets[i]; t < d.episodeLengths[i]; t += K) keep.add(d.episodeStarts[i] + t);
  expect(keep.size).toBe(kept);
  for (let r = 0; r < d.rewards.length; r++) if (!keep.has(r)) for (const c of [1, 3]) d.observations[r * d.obsDim + c] = 1000;
  file = tmp.join('poisoned.npz');
  writeDemos(file, d);
});

describe('--subsample: every learner reads only the kept pairs', () => {
  const configs: Record<string, object> = {
    bc: { maxEpochs: 3 },
    gail: { totalSteps: 512, numEnvs: 2, numSteps: 128, evalEvery: 0, hidden: [8], valueHidden: [8], discHidden: [8] },
    mgail: { iterations: 6, prepIterations: 3, initialRandomSteps: 100, modelPretrainSteps: 2, evalEvery: 0, checkpointEvery: 0, horizon: 4, unrollBatch: 2, policyHidden: [8] },
  };
  for (const algo of ['bc', 'gail', 'mgail']) {
    it(`${algo}: config.json records the selection, the learner counts only the kept pairs, and its statistics never see the others`, async () => {
      const out = tmp.join(`${algo}-run`);
      const cfg = tmp.write(`${algo}.json`, JSON.stringify(configs[algo]));
      const t = await cli('train', '--algo', algo, '--env', 'CartPole-v1', '--demos', file, '--trajectories', String(N), '--subsample', String(K), '--seed', String(SEED), '--out', out, '--config', cfg, '--eval-episodes', '1');
      expect(t.err).not.toMatch(/error/i);
      expect(t.code).toBe(0);
      const record = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
      expect(record).toMatchObject({ algo, trajectories: N, subsample: K, subsampleOffsetSeed: SEED, keptPairs: kept, actionSelection: 'deterministic' });
      const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
      expect(algo === 'mgail' ? record.expertTransitions : summary.expertPairs).toBe(kept);
      if (algo !== 'gail') {
        // BC's and MGAIL's observation normalizers are fitted on the expert states (GAIL's on its own rollouts)
        const { policy } = loadPolicy(path.join(out, 'policy.ckpt'));
        expect(Math.max(...Array.from(policy.normalizer.mean(), Math.abs))).toBeLessThan(10);
        policy.dispose();
      }
    });
  }

  it('takes the protocol rate by name and refuses a bad value naming the flag', async () => {
    const bad = await cli('train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', file, '--subsample', '0');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--subsample must be a positive integer \(keep every K-th pair\) or ho-ermon, got "0"/);
    const out = tmp.join('bc-ho-ermon');
    const cfg = tmp.write('bc-ho.json', JSON.stringify({ maxEpochs: 2 }));
    const t = await cli('train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', file, '--trajectories', String(N), '--subsample', 'ho-ermon', '--seed', String(SEED), '--out', out, '--config', cfg, '--eval-episodes', '1');
    expect(t.code).toBe(0);
    // CartPole's data_subsamp_freq is 10: the same selection as above
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'))).toMatchObject({ subsample: 10, keptPairs: kept });
  });

  it('plain gail and mgail refuse BC parts and point to the +bc variants', async () => {
    const cfg = tmp.write('anchored.json', JSON.stringify({ bcWeight: 1 }));
    const m = await cli('train', '--algo', 'mgail', '--env', 'CartPole-v1', '--demos', file, '--config', cfg);
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/anchored.json: mgail config field "bcWeight" is 1, a BC part the published MGAIL does not have; use the mgail\+bc algorithm/);
    const g = await cli('train', '--algo', 'gail', '--env', 'CartPole-v1', '--demos', file, '--config', tmp.write('g.json', JSON.stringify({ bcWarmStart: true })));
    expect(g.code).toBe(1);
    expect(g.err).toMatch(/g.json: gail config field "bcWarmStart" is true/);
  });
});
