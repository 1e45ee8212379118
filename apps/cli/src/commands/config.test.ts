import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@mgail/core-autodiff-graph';
import { cartPoleLinearExpert } from '@mgail/baselines-gail-bc';
import { cli, recordDemos, useTempDir } from '../test-helpers.js';

const tmp = useTempDir('mgail-cli-config-');
let demos: string;
beforeAll(async () => {
  await initBackend({ quiet: true });
  demos = recordDemos(tmp.join('demos.npz'), 'CartPole-v1', cartPoleLinearExpert, 2);
});

describe('--config FILE', () => {
  it('merges a YAML file over the defaults and the per-env file, and saves the resolved config', async () => {
    const cfg = tmp.write('bc.yaml', '# BC for a quick check\nmaxEpochs: 3\nhidden: [16, 16]\nlr: 2.0e-3\n');
    const out = tmp.join('bc-yaml');
    const t = await cli('train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', demos, '--out', out, '--config', cfg, '--eval-episodes', '1');
    expect(t.code, t.err).toBe(0);
    const saved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(saved.configFile).toBe(cfg);
    // the file's fields, the checked-in configs/bc/CartPole-v1.json's, then the defaults'
    const perEnv = JSON.parse(fs.readFileSync(path.resolve('../../packages/baselines-gail-bc/configs/bc/CartPole-v1.json'), 'utf8'));
    expect(saved.config).toMatchObject({ maxEpochs: 3, hidden: [16, 16], lr: 2e-3 });
    for (const [k, v] of Object.entries(perEnv)) if (!k.startsWith('$') && !['maxEpochs', 'hidden', 'lr'].includes(k)) expect(saved.config[k]).toEqual(v);
    expect(saved.config.validationFraction).toBe(0.2);
    // at most 3 epochs ran, as the file asked
    const rows = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.filter((r) => 'losses/bc_train' in r).length).toBeLessThanOrEqual(3);
  });

  it('a flag wins over the file (train-expert --num-envs over numEnvs), and the file is in the recorded command', async () => {
    const cfg = tmp.write('ppo.yml', 'numEnvs: 4\nnumSteps: 16\nhidden: [8]\nvalueHidden: [8]\nupdateEpochs: 1\n');
    const out = tmp.join('ppo-yml');
    const t = await cli('train-expert', '--env', 'CartPole-v1', '--algo', 'ppo', '--steps', '64', '--config', cfg, '--num-envs', '2', '--out', out, '--eval-episodes', '1');
    expect(t.code, t.err).toBe(0);
    const saved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(saved.config).toMatchObject({ numEnvs: 2, numSteps: 16, hidden: [8], updateEpochs: 1 });
    expect(saved.command).toContain('--num-envs 2 --config ');
  });

  it('names the bad field and the file for every algorithm, before creating a run directory', async () => {
    const trainArgs = (algo: string, cfg: string, out: string) => ['train', '--algo', algo, '--env', 'CartPole-v1', '--demos', demos, '--config', cfg, '--out', out];
    const expertArgs = (algo: string, cfg: string, out: string) => ['train-expert', '--algo', algo, '--env', 'CartPole-v1', '--config', cfg, '--out', out];
    const cases: [string, (a: string, c: string, o: string) => string[], string, RegExp][] = [
      ['bc', trainArgs, 'maxEpoch: 3', /bad-bc\.yaml: unknown bc config field "maxEpoch" \(did you mean "maxEpochs"\?\)$/],
      ['bc', trainArgs, 'validationFraction: 1.5', /bad-bc\.yaml: bc config field "validationFraction" must be a number in \[0, 1\), got 1\.5$/],
      ['gail', trainArgs, 'totalSteps: many', /bad-gail\.yaml: gail config field "totalSteps" must be a number, got "many"$/],
      ['gail', trainArgs, 'generatorOverrides: { maxKll: 0.1 }', /gail generatorOverrides: unknown trpo config field "maxKll" \(did you mean "maxKl"\?\)$/],
      ['mgail', trainArgs, 'horizon: 0', /bad-mgail\.yaml: mgail config field "horizon" must be a positive integer, got 0$/],
      ['mgail', trainArgs, 'policyLr: -0.1', /bad-mgail\.yaml: mgail config field "policyLr" must be a number > 0, got -0\.1$/],
      ['ppo', expertArgs, 'clipCoef: -1', /bad-ppo\.yaml: ppo config field "clipCoef" must be a number > 0, got -1$/],
      ['ppo', expertArgs, 'normAdv: "yes"', /bad-ppo\.yaml: ppo config field "normAdv" must be true or false, got "yes"$/],
      ['trpo', expertArgs, 'backtrackCoef: 1', /bad-trpo\.yaml: trpo config field "backtrackCoef" must be a number in \(0, 1\), got 1$/],
      ['trpo', expertArgs, 'activation: gelu', /bad-trpo\.yaml: trpo config field "activation" must be one of tanh, relu, got "gelu"$/],
    ];
    for (const [algo, args, yaml, re] of cases) {
      const cfg = tmp.write(`bad-${algo}.yaml`, yaml + '\n');
      const out = tmp.join(`never-${algo}`);
      const r = await cli(...args(algo, cfg, out));
      expect(r.code, yaml).toBe(1);
      expect(r.err.split('\n'), yaml).toHaveLength(1);
      expect(r.err, yaml).toMatch(/^mgail: error: /);
      expect(r.err, yaml).toMatch(re);
      expect(fs.existsSync(out), yaml).toBe(false);
    }
  });

  it('gives one-line errors for unreadable config files', async () => {
    const args = (cfg: string) => ['train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', demos, '--config', cfg, '--out', tmp.join('never')];
    const cases: [string, RegExp][] = [
      [tmp.write('broken.yaml', 'maxEpochs: [3\nlr: 0.1\n'), /--config .*broken\.yaml: not valid YAML: .*line \d+/],
      [tmp.write('broken.json', '{"maxEpochs": '), /--config .*broken\.json: not valid JSON: /],
      [tmp.write('list.yaml', '- maxEpochs\n- 3\n'), /--config .*list\.yaml: must hold a mapping of config fields \(name: value\), got a list/],
      [tmp.write('cfg.toml', 'maxEpochs = 3'), /--config .*cfg\.toml: unknown config format "\.toml" \(use a \.yaml, \.yml, \.json file\)/],
      [tmp.join('missing.yaml'), /--config .*missing\.yaml: file not found/],
      [(fs.mkdirSync(tmp.join('dir.yaml')), tmp.join('dir.yaml')), /--config cannot read .*dir\.yaml: it is a folder; pass a file path/],
      // JSON would print YAML's .nan as null
      [tmp.write('nan.yaml', 'lr: .nan\n'), /nan\.yaml: bc config field "lr" must be a number > 0, got NaN/],
    ];
    for (const [cfg, re] of cases) {
      const r = await cli(...args(cfg));
      expect(r.code).toBe(1);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(re);
    }
  });
});
