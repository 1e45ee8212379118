import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeTensors, initBackend, tf } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { collectDemos, validateDemos } from '@mgail/policies';
import { bcConfig, trainBC, trainBCAsync } from './bc.js';
import { gailConfig, trainGAIL } from './gail.js';
import { cartPoleLinearExpert } from './testing.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-resume-'));

describe('BC and GAIL training checkpoints', () => {
  it('BC killed after an epoch resumes to exactly the weights of an uninterrupted run', () => {
    const env = make('CartPole-v1');
    const demos = collectDemos(env, cartPoleLinearExpert, { episodes: 2, seed: 0 });
    const cfg = bcConfig('CartPole-v1', { maxEpochs: 6, patience: 100, hidden: [8] });
    const straight = trainBC(demos, env, cfg, { seed: 4 });
    const file = path.join(tmp(), 'checkpoint.ckpt');
    // a "kill" during epoch 3: the checkpoint holds epochs 0-2
    expect(() => trainBC(demos, env, cfg, { seed: 4, checkpoint: { file }, onEpoch: (e) => {
      if (e.epoch === 3) throw new Error('killed');
    } })).toThrow('killed');
    const before = tf.memory().numTensors;
    const resumed = trainBC(demos, env, cfg, { seed: 4, checkpoint: { file, resume: true } });
    expect(tf.memory().numTensors - before).toBe(resumed.policy.variables.length);
    expect(resumed.history).toEqual(straight.history);
    expect(resumed.bestEpoch).toBe(straight.bestEpoch);
    const w = straight.policy.getWeights(), r = resumed.policy.getWeights();
    for (const k of Object.keys(w)) expect(Array.from(r[k]), k).toEqual(Array.from(w[k]));
    // a finished run's checkpoint resumes to the same result without training again
    const again = trainBC(demos, env, cfg, { seed: 4, checkpoint: { file, resume: true }, onEpoch: () => { throw new Error('trained again'); } });
    expect(again.history).toEqual(straight.history);
    expect(() => trainBC(demos, env, cfg, { seed: 5, checkpoint: { file, resume: true } })).toThrow(/is a run with seed 4, not 5/);
    // the file is never replaced by a fresh start without force, and a resume needs a file
    expect(() => trainBC(demos, env, cfg, { seed: 4, checkpoint: { file } })).toThrow(/already holds a training checkpoint; pass resume to continue it, force to start over/);
    expect(() => trainBC(demos, env, cfg, { seed: 4, checkpoint: { file: file + '.none', resume: true } })).toThrow(/does not exist, so there is nothing to resume/);
    expect(() => trainBC(demos, env, bcConfig('CartPole-v1', { maxEpochs: 7, patience: 100, hidden: [8] }), { seed: 4, checkpoint: { file, resume: true } })).toThrow(/another BC config/);
    for (const p of [straight.policy, resumed.policy, again.policy]) p.dispose();
  });

  it('BC stopped mid-epoch by shouldStop checkpoints there and resumes to exactly the weights of an uninterrupted run', async () => {
    const env = make('CartPole-v1');
    const demos = collectDemos(env, cartPoleLinearExpert, { episodes: 2, seed: 0 });
    // 5 epochs of several minibatches each: a stop at the 10th poll lands inside an epoch
    const cfg = bcConfig('CartPole-v1', { maxEpochs: 5, patience: 100, hidden: [8], batchSize: 128 });
    const straight = trainBC(demos, env, cfg, { seed: 4 });
    expect(straight.finished).toBe(true);
    const file = path.join(tmp(), 'checkpoint.ckpt');
    let batches = 0;
    const stopped = await trainBCAsync(demos, env, cfg, { seed: 4, checkpoint: { file }, shouldStop: () => ++batches >= 10 });
    expect(stopped.finished).toBe(false);
    expect(decodeTensors(fs.readFileSync(file), file).metadata.batchStart).toBeGreaterThan(0);
    expect(stopped.history.length).toBeLessThan(5);
    stopped.policy.dispose();
    const before = tf.memory().numTensors;
    const resumed = await trainBCAsync(demos, env, cfg, { seed: 4, checkpoint: { file, resume: true } });
    expect(resumed.finished).toBe(true);
    expect(tf.memory().numTensors - before).toBe(resumed.policy.variables.length);
    expect(resumed.history).toEqual(straight.history);
    const w = straight.policy.getWeights(), r = resumed.policy.getWeights();
    for (const k of Object.keys(w)) expect(Array.from(r[k]), k).toEqual(Array.from(w[k]));
    for (const p of [straight.policy, resumed.policy]) p.dispose();
  });

  it('GAIL stopped after two rounds resumes from its checkpoint to the same total env steps', async () => {
    const demos = collectDemos(make('CartPole-v1'), cartPoleLinearExpert, { episodes: 1, seed: 0 });
    validateDemos(demos);
    const config = gailConfig('CartPole-v1', { totalSteps: 64 * 6, numEnvs: 2, numSteps: 32, hidden: [8], valueHidden: [8], discHidden: [8], evalEvery: 2, evalEpisodes: 1 });
    const file = path.join(tmp(), 'checkpoint.ckpt');
    let rounds = 0;
    const first = await trainGAIL({ envId: 'CartPole-v1', demos, config, seed: 2, checkpoint: { file, every: 1 }, shouldStop: () => ++rounds >= 2 });
    expect(first.finished).toBe(false);
    expect(first.envSteps).toBe(128);
    first.policy.dispose();
    const before = tf.memory().numTensors;
    const res = await trainGAIL({ envId: 'CartPole-v1', demos, config, seed: 2, checkpoint: { file, every: 1, resume: true } });
    expect(res.finished).toBe(true);
    expect(res.envSteps).toBe(64 * 6);
    expect(res.rounds).toBe(6);
    expect(res.history.map((h) => h.envSteps)).toEqual([64, 128, 192, 256, 320, 384]);
    expect(res.evalHistory.map((e) => e.round)).toEqual([0, 2, 4, 6]);
    expect(tf.memory().numTensors - before).toBe(res.policy.variables.length);
    res.policy.dispose();
    await expect(trainGAIL({ envId: 'CartPole-v1', demos, config, seed: 3, checkpoint: { file, every: 1, resume: true } })).rejects.toThrow(/is a run with seed 2, not 3/);
  });

  it('GAIL resumed keeps its generators where an uninterrupted run has them (the discriminator\'s dropout stream included)', async () => {
    const demos = collectDemos(make('CartPole-v1'), cartPoleLinearExpert, { episodes: 1, seed: 0 });
    // dropout on: every discriminator step draws masks from the discriminator's own stream
    const config = gailConfig('CartPole-v1', { totalSteps: 64 * 6, numEnvs: 2, numSteps: 32, hidden: [8], valueHidden: [8], discHidden: [8], evalEvery: 0, discDropout: 0.25 });
    const stateAt3 = async (stops: number[]) => {
      const file = path.join(tmp(), 'checkpoint.ckpt');
      for (const [i, at] of stops.entries()) {
        let rounds = 0;
        const r = await trainGAIL({ envId: 'CartPole-v1', demos, config, seed: 2, checkpoint: { file, every: 100, resume: i > 0 }, shouldStop: () => ++rounds >= at });
        r.policy.dispose();
      }
      const g = (decodeTensors(fs.readFileSync(file), file).metadata.extra as { gail: { round: number; rng: unknown; discRng: unknown } }).gail;
      return g;
    };
    const straight = await stateAt3([3]);
    const resumed = await stateAt3([1, 2]);
    expect([straight.round, resumed.round]).toEqual([3, 3]);
    expect(resumed.discRng).toEqual(straight.discRng);
    expect(resumed.rng).toEqual(straight.rng);
  });
});
