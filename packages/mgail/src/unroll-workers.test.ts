import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, moduleToTensors, Rng, tf } from '@mgail/core-autodiff-graph';
import { Discriminator, pairs } from '@mgail/discriminator';
import { make } from '@mgail/envs-classic';
import { makeForwardModel } from '@mgail/forward-model';
import { collectDemos, evaluatePolicy, makePolicy } from '@mgail/policies';
import { mgailConfig } from './config.js';
import { trainMGAIL } from './mgail.js';
import { concatRows, sumUnrollGradients, type LiveView } from './shard.js';
import { UnrollWorkers } from './unroll-workers.js';
import type { UnrollWorkerInit } from './workers-protocol.js';

// The workers run the built dist/unroll-worker.js: build the package before these tests.
const ENVS_CLASSIC = new URL('../node_modules/@mgail/envs-classic/dist/index.js', import.meta.url).href;
const linearExpert = (o: ArrayLike<number>) => (o[2] + 0.5 * o[3] + 0.01 * o[0] + 0.1 * o[1] > 0 ? 1 : 0);

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('unroll workers', () => {
  it('compute the same summed gradient and transitions as the trainer\'s thread on the same envs, weights and noise', async () => {
    const B = 3, obsDim = 4, actDim = 2, unrolls = 2, seed = 77;
    const env0 = make('CartPole-v1');
    const demos = collectDemos(make('CartPole-v1'), linearExpert, { episodes: 1, seed: 1 });
    const expertPairs = pairs(demos.observations, demos.actions, obsDim, actDim, true);
    const c = mgailConfig('CartPole-v1', { horizon: 6 });
    const rng = new Rng(5);
    const policyCfg = { hidden: [16, 16], activation: 'tanh' as const };
    const policy = makePolicy(env0.observationSpace as never, env0.actionSpace, policyCfg, rng.spawn());
    policy.normalizer.update(demos.observations);
    const modelOptions = { kind: 'advanced' as const, hidden: [32], encoderDim: 16, historyLength: 3 };
    const model = makeForwardModel({ ...modelOptions, obsDim, actDim, rng: rng.spawn() });
    const discOptions = { hidden: [32, 16] };
    const disc = new Discriminator({ ...discOptions, obsDim, actDim, expertInputs: expertPairs, rng: rng.spawn() });
    const vars = [...policy.namedVariables.values()];
    const resetSeeds = [11, 12, 13];

    // here
    const envs = resetSeeds.map(() => make('CartPole-v1'));
    const obs = envs.map((e, i) => Float32Array.from(e.reset({ seed: resetSeeds[i] }).observation));
    const steps: number[][] = [];
    const live: LiveView = {
      size: B, obsDim, actDim, discrete: true, obs: () => obs, warmState: () => null,
      step: (i, a) => {
        const r = envs[i].step(a as number);
        steps.push([i, ...obs[i]]);
        const next = Float32Array.from(r.observation);
        const done = r.terminated || r.truncated;
        obs[i] = done ? Float32Array.from(envs[i].reset().observation) : next;
        return { next, done };
      },
    };
    const { sum, jSum } = sumUnrollGradients({ policy, vars, model, disc }, live, c, new Rng(seed), unrolls);

    // in a worker (the basic-model warm start is null there too: historyLength 1)
    const init: UnrollWorkerInit = {
      index: 0, backend: tf.getBackend(), env: { module: ENVS_CLASSIC, args: ['CartPole-v1'] }, numEnvs: B, obsDim, actDim, discrete: true,
      policy: policyCfg, varNames: [...policy.namedVariables.keys()], model: modelOptions, disc: discOptions, expertPairs, restarts: null,
      unroll: c, historyLength: 1, resetSeeds, restartSeed: 1,
    };
    const pool = await UnrollWorkers.start([init]);
    try {
      const nets = { policy: policy.weightTensors(), normalizer: policy.normalizer.toJSON(), model: moduleToTensors(model.store), modelStatistics: model.statistics(), disc: moduleToTensors(disc.net) };
      const [r] = await pool.request({ type: 'grad', seed, unrolls, nets });
      expect(r.jSum).toBeCloseTo(jSum, 4);
      expect(r.sum!.length).toBe(sum!.length);
      r.sum!.forEach((g, k) => {
        const a = g.dataSync(), b = sum![k].dataSync();
        for (let j = 0; j < a.length; j++) expect(a[j]).toBeCloseTo(b[j], 4);
      });
      // the same transitions, in the same order
      expect(r.transitions.n).toBe(steps.length);
      expect(Array.from(r.transitions.env)).toEqual(steps.map((x) => x[0]));
      expect(Array.from(r.transitions.s.subarray(0, obsDim * 2))).toEqual(Array.from(concatRows(steps.slice(0, 2).map((x) => Float32Array.from(x.slice(1))))));
      expect(r.busyMs).toBeGreaterThan(0);
      // the worker frees what it makes: a second request leaves its tensor count unchanged
      const [r2] = await pool.request({ type: 'grad', seed, unrolls, nets });
      expect(r2.numTensors).toBe(r.numTensors);
      tf.dispose([...r.sum!, ...r2.sum!]);
    } finally {
      await pool.close();
      tf.dispose(sum!);
      policy.dispose();
      model.dispose();
      disc.dispose();
    }
  }, 60_000);

  it('train MGAIL on CartPole-v1 with a worker: reproducible, learning, tensors flat, worker time reported', async () => {
    const demos = collectDemos(make('CartPole-v1'), linearExpert, { episodes: 4, seed: 3 });
    const config = mgailConfig('CartPole-v1', {
      iterations: 240, prepIterations: 60, initialRandomSteps: 600, modelPretrainSteps: 100, evalEvery: 0, horizon: 10, unrollsPerUpdate: 2, policyWorkers: 1,
      // the workers share the real unrolls: the paper's updates, not the shipped config's imagined ones
      unrollBatch: 4, imaginedUnrolls: 0, policyUpdatesPerIteration: 1, idleCollectSteps: -1,
    });
    const run = () => trainMGAIL({
      envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos, config, seed: 4, workerEnv: { module: ENVS_CLASSIC, args: ['CartPole-v1'] },
    });
    const before = tf.memory().numTensors;
    const a = await run();
    const wa = a.policy.weightTensors();
    a.policy.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const b = await run();
    const wb = b.policy.weightTensors();
    for (const k of Object.keys(wa)) expect(Array.from(wb[k].data)).toEqual(Array.from(wa[k].data));
    const ev = evaluatePolicy(make('CartPole-v1'), b.policy, { episodes: 5, seed: 123 });
    expect(ev.mean).toBeGreaterThan(100); // a random policy scores ~22
    expect(b.timing.workerBusyMs).toBeGreaterThan(0);
    expect(b.timing.workerEnvStepMs).toBeGreaterThan(0);
    b.policy.dispose();
  }, 120_000);

  it('refuses policyWorkers without a way to make the worker\'s envs', async () => {
    const demos = collectDemos(make('CartPole-v1'), linearExpert, { episodes: 1, seed: 3 });
    const config = mgailConfig('CartPole-v1', { iterations: 1, policyWorkers: 1, initialRandomSteps: 10 });
    await expect(trainMGAIL({ envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos, config, seed: 0 })).rejects.toThrow(/workerEnv/);
  });
});
