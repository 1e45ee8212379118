import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { collectDemos, evaluatePolicy, selectEpisodes } from '@mgail/policies';
import { bcConfig, DEFAULT_BC_CONFIG, trainBC } from './bc.js';
import { configDir } from './config.js';
import { cartPoleLinearExpert } from './testing.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('behavioural cloning', () => {
  it('clones a CartPole expert from 10 trajectories to >= 450, without leaking tensors', () => {
    const env = make('CartPole-v1');
    const demos = collectDemos(env, cartPoleLinearExpert, { episodes: 10, seed: 0 });
    expect(demos.metadata.meanReturn).toBe(500);
    const before = tf.memory().numTensors;
    const cfg = bcConfig('CartPole-v1', { maxEpochs: 15 });
    const { policy, history } = trainBC(demos, env, cfg, { seed: 1 });
    // the policy's own variables are the only tensors left
    expect(tf.memory().numTensors - before).toBe(policy.variables.length);
    expect(history.length).toBeGreaterThan(1);
    expect(history.at(-1)!.trainLoss).toBeLessThan(history[0].trainLoss);
    const ev = evaluatePolicy(make('CartPole-v1'), policy, { episodes: 5, seed: 100 });
    expect(ev.mean).toBeGreaterThanOrEqual(450);
  });

  it('is reproducible for a seed and honors selectEpisodes', () => {
    const env = make('CartPole-v1');
    const demos = selectEpisodes(collectDemos(env, cartPoleLinearExpert, { episodes: 3, seed: 0 }), 1);
    const cfg = bcConfig('CartPole-v1', { maxEpochs: 2 });
    const a = trainBC(demos, env, cfg, { seed: 5 });
    const b = trainBC(demos, env, cfg, { seed: 5 });
    expect(a.history).toEqual(b.history);
  });

  it('resolves every checked-in per-env config file', () => {
    const files = fs.readdirSync(path.join(configDir(), 'bc')).filter((f) => f.endsWith('.json'));
    expect(files).toContain('CartPole-v1.json');
    for (const f of files) {
      const cfg = bcConfig(f.replace(/\.json$/, ''));
      expect(Object.keys(cfg).sort()).toEqual(Object.keys(DEFAULT_BC_CONFIG).sort());
    }
    expect(bcConfig('Hopper-v5').hidden).toEqual([256, 256]);
    expect(bcConfig('NoSuchEnv-v0')).toEqual(DEFAULT_BC_CONFIG);
  });

  it('rejects unknown config fields by name', () => {
    expect(() => bcConfig('CartPole-v1', { learningRate: 1 } as never)).toThrow(/unknown bc config field "learningRate"/);
  });
});
