import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, saveTensors } from '@mgail/core-autodiff-graph';
import { MGAIL_CHECKPOINT_FORMAT, mgailConfig } from '@mgail/mgail';
import { readDemos, selectEpisodes } from '@mgail/policies';
import { cli, useTempDir } from '../test-helpers.js';

const example = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples/custom-env');
const moduleFile = path.join(example, 'point-mass.mjs');
const demos = path.join(example, 'demos.npz');

const tmp = useTempDir('mgail-cli-envmod-');
beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('--env-module', () => {
  it('registers the example env for envs, rollout, train (bc, mgail), eval and collect', async () => {
    const mod = ['--env-module', moduleFile];
    const l = await cli('envs', '--json', ...mod);
    expect(l.code).toBe(0);
    const ids = JSON.parse(l.out);
    expect(ids.classic).toContain('PointMass-v0');
    expect(ids.user).toEqual(['PointMass-v0']);

    // the option works before the verb too, and loading the module again is a no-op
    const r = await cli(...mod, 'rollout', '--env', 'PointMass-v0', '--episodes', '2', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).returns).toHaveLength(2);

    const bcCfg = tmp.join('bc.json');
    fs.writeFileSync(bcCfg, JSON.stringify({ maxEpochs: 5 }));
    const bcOut = tmp.join('bc');
    const bc = await cli('train', ...mod, '--algo', 'bc', '--env', 'PointMass-v0', '--demos', demos, '--trajectories', '10', '--config', bcCfg, '--out', bcOut, '--eval-episodes', '1');
    expect(bc.err).not.toMatch(/error/);
    expect(bc.code).toBe(0);
    expect(fs.existsSync(path.join(bcOut, 'policy.ckpt'))).toBe(true);

    const mgCfg = tmp.join('mgail.json');
    fs.writeFileSync(mgCfg, JSON.stringify({
      iterations: 4, prepIterations: 2, initialRandomSteps: 60, modelPretrainSteps: 1, evalEvery: 4, evalEpisodes: 1,
      policyHidden: [8], modelHidden: [8], discHidden: [8], modelEncoderDim: 8, unrollBatch: 2, horizon: 3,
    }));
    const mgOut = tmp.join('mgail');
    const mg = await cli('train', ...mod, '--algo', 'mgail', '--env', 'PointMass-v0', '--demos', demos, '--trajectories', '4', '--config', mgCfg, '--out', mgOut, '--eval-episodes', '1');
    expect(mg.err).not.toMatch(/error/);
    expect(mg.code).toBe(0);
    expect(mg.out).toMatch(/mgail on PointMass-v0/);
    expect(fs.existsSync(path.join(mgOut, 'policy.ckpt'))).toBe(true);

    const e = await cli('eval', ...mod, '--env', 'PointMass-v0', '--policy', bcOut, '--episodes', '2', '--json');
    expect(e.code).toBe(0);
    expect(JSON.parse(e.out).episodes).toBe(2);
    const file = tmp.join('collected.npz');
    const c = await cli('collect', ...mod, '--env', 'PointMass-v0', '--policy', bcOut, '--episodes', '2', '--out', file);
    expect(c.code).toBe(0);
    expect(readDemos(file).episodeStarts).toHaveLength(2);
  });

  it('refuses policyWorkers for its envs, whether configured or kept in a resumed checkpoint', async () => {
    const mod = ['--env-module', moduleFile];
    const cfg = tmp.join('workers.json');
    fs.writeFileSync(cfg, JSON.stringify({ policyWorkers: 1 }));
    const fresh = await cli('train', ...mod, '--algo', 'mgail', '--env', 'PointMass-v0', '--demos', demos, '--trajectories', '4', '--config', cfg, '--out', tmp.join('workers-fresh'));
    expect(fresh.code).toBe(1);
    expect(fresh.err.trim().split('\n').at(-1)).toMatch(/^mgail: error: .*policyWorkers 1: worker threads cannot make PointMass-v0, an env from --env-module \(set policyWorkers to 0/);

    // a resumed run keeps its checkpoint's config (here policyWorkers 1), whatever the flags say
    const out = tmp.join('workers-resume');
    const config = { ...mgailConfig('PointMass-v0'), policyWorkers: 1 };
    const expertTransitions = selectEpisodes(readDemos(demos), 4).rewards.length;
    await saveTensors(path.join(out, 'checkpoint.ckpt'), {}, { format: MGAIL_CHECKPOINT_FORMAT, formatVersion: 1, envId: 'PointMass-v0', seed: 0, iteration: 3, expertTransitions, config });
    const resumed = await cli('train', ...mod, '--algo', 'mgail', '--env', 'PointMass-v0', '--demos', demos, '--trajectories', '4', '--out', out, '--resume');
    expect(resumed.code).toBe(1);
    expect(resumed.err.trim().split('\n').at(-1)).toMatch(/^mgail: error: .*checkpoint\.ckpt is a run with policyWorkers 1: worker threads cannot make PointMass-v0, an env from --env-module \(a resumed run keeps its config/);
  });

  it('gives one-line errors naming the module and the problem', async () => {
    const broken = tmp.join('broken.mjs');
    // the observation has 3 values; the space says 4
    fs.writeFileSync(broken, `export default function ({ register, Box, Discrete, checkAction }) {
  class Broken {
    spec = { id: 'Broken-v0', maxEpisodeSteps: 10 };
    observationSpace = new Box(-1, 1, [4]);
    actionSpace = new Discrete(2);
    t = 0;
    reset() { this.t = 0; return { observation: new Float32Array(3), info: {} }; }
    step(a) { checkAction('Broken-v0', this.actionSpace, a); this.t++; return { observation: new Float32Array(3), reward: 0, terminated: false, truncated: this.t >= 10, info: {} }; }
    close() {}
  }
  register('Broken-v0', () => new Broken(), { maxEpisodeSteps: 10 });
}
`);
    const empty = tmp.join('empty.mjs');
    fs.writeFileSync(empty, 'export const nothing = 1;\n');
    const throws = tmp.join('throws.mjs');
    fs.writeFileSync(throws, 'throw new Error("cannot load\\nsecond line");\n');
    const cases: [string[], RegExp][] = [
      [['rollout', '--env-module', broken, '--env', 'Broken-v0'], /--env-module .*broken\.mjs: Broken-v0 fails the env checks: reset\(\{ seed: 0 \}\) returned an observation of length 3; the observation space has 4 dimensions/],
      [['train', '--env-module', broken, '--algo', 'bc', '--env', 'Broken-v0', '--demos', demos], /broken\.mjs: Broken-v0 fails the env checks/],
      [['envs', '--env-module', empty], /--env-module .*empty\.mjs registered no env \(export default function/],
      [['envs', '--env-module', throws], /--env-module .*throws\.mjs: importing it failed: cannot load$/m],
      [['envs', '--env-module', tmp.join('missing.mjs')], /missing\.mjs: file not found/],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toMatch(re);
      expect(r.err.split('\n')).toHaveLength(1);
    }
  });
});
