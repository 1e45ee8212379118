import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, COUNT_LIMITS, countLimitOf, readJsonConfig, resolveConfigLayers, type ConfigRules } from './config.js';

interface Cfg {
  lr: number;
  numEnvs: number;
  gamma: number;
  hidden: number[];
  activation: 'tanh' | 'relu';
  normAdv: boolean;
  extra: Record<string, unknown>;
}
const DEFAULTS: Cfg = { lr: 3e-4, numEnvs: 8, gamma: 0.99, hidden: [64, 64], activation: 'tanh', normAdv: true, extra: {} };
const RULES: ConfigRules<Cfg> = {
  lr: { kind: 'number', min: 0, minExclusive: true },
  numEnvs: { kind: 'int', min: 1 },
  gamma: { kind: 'number', min: 0, max: 1, minExclusive: true },
  activation: { kind: 'choice', choices: ['tanh', 'relu'] },
};
const resolve = (...layers: [string, Record<string, unknown>][]) =>
  resolveConfigLayers('ppo', DEFAULTS, layers.map(([source, values]) => ({ source, values })), RULES);

describe('resolveConfigLayers', () => {
  it('merges defaults < layers in order, skipping comments and undefined values', () => {
    const c = resolve(['env.json', { $comment: 'zoo', numEnvs: 4, lr: 1e-3 }], ['my.yaml', { lr: 5e-4, hidden: [32] }], ['flags', { numEnvs: 2, gamma: undefined }]);
    expect(c).toEqual({ ...DEFAULTS, numEnvs: 2, lr: 5e-4, hidden: [32] });
    expect(DEFAULTS.numEnvs).toBe(8);
  });

  it('names the field, the layer and what is accepted', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ numEnv: 3 }, 'my.yaml: unknown ppo config field "numEnv" (did you mean "numEnvs"?)'],
      [{ zzzzzzzz: 3 }, 'my.yaml: unknown ppo config field "zzzzzzzz" (known: lr, numEnvs, gamma, hidden, activation, normAdv, extra)'],
      [{ lr: '3e-4' }, 'my.yaml: ppo config field "lr" must be a number, got "3e-4"'],
      [{ numEnvs: '2' }, 'my.yaml: ppo config field "numEnvs" must be a number, got "2"'],
      [{ lr: null }, 'my.yaml: ppo config field "lr" must be a number, got null'],
      [{ lr: -1 }, 'my.yaml: ppo config field "lr" must be a number > 0, got -1'],
      [{ gamma: 1.5 }, 'my.yaml: ppo config field "gamma" must be a number in (0, 1], got 1.5'],
      [{ numEnvs: 0 }, 'my.yaml: ppo config field "numEnvs" must be a positive integer, got 0'],
      [{ numEnvs: 2.5 }, 'my.yaml: ppo config field "numEnvs" must be a positive integer, got 2.5'],
      [{ hidden: [64, -1] }, 'my.yaml: ppo config field "hidden" must be a list of at most 64 positive integers up to 65,536, got [64,-1]'],
      [{ activation: 'gelu' }, 'my.yaml: ppo config field "activation" must be one of tanh, relu, got "gelu"'],
      [{ normAdv: 'yes' }, 'my.yaml: ppo config field "normAdv" must be true or false, got "yes"'],
      [{ extra: [1] }, 'my.yaml: ppo config field "extra" must be an object, got [1]'],
    ];
    for (const [values, msg] of cases) {
      let err: unknown;
      try {
        resolve(['env.json', {}], ['my.yaml', values]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe(msg);
    }
    expect(() => resolve(['flags', [1] as never])).toThrow('flags: a ppo config must be an object of fields, got [1]');
  });

  it('reads JSON files with errors that name them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-config-'));
    const ok = path.join(dir, 'ok.json');
    fs.writeFileSync(ok, '{"lr": 0.1}');
    expect(readJsonConfig(ok)).toEqual({ lr: 0.1 });
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"lr": ');
    expect(() => readJsonConfig(bad)).toThrow(new RegExp(`^${bad}: not a readable JSON file`));
    fs.writeFileSync(bad, '[1, 2]');
    expect(() => readJsonConfig(bad)).toThrow(/must hold an object of fields, got \[1,2\]/);
  });

  it('bounds every count by the limit the command-line flag of its kind has, naming field, file and limit', () => {
    expect(() => resolve(['my.yaml', { numEnvs: 5000 }])).toThrow(new ConfigError('my.yaml: ppo config field "numEnvs" is 5000, over the limit of 1,024; set at most 1024'));
    expect(() => resolve(['my.yaml', { numEnvs: 1024 }])).not.toThrow();
    expect(() => resolve(['my.json', { hidden: [64, 1e9] }])).toThrow(/my.json: ppo config field "hidden" must be a list of at most 64 positive integers up to 65,536, got \[64,1000000000\]/);
    expect(() => resolve(['my.json', { hidden: Array(65).fill(8) }])).toThrow(/must be a list of at most 64/);
    expect([countLimitOf('numEnvs'), countLimitOf('evalEpisodes'), countLimitOf('totalSteps'), countLimitOf('discBatchSize'), countLimitOf('bufferSize'), countLimitOf('numSteps'), countLimitOf('modelEncoderDim'), countLimitOf('iterations')])
      .toEqual(['envs', 'episodes', 'steps', 'rows', 'rows', 'rows', 'width', 'count']);
    expect(COUNT_LIMITS.envs).toBe(1024);
  });
});
