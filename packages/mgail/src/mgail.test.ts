import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeTensors, DivergenceError, initBackend, readMetricsJsonl, tf } from '@mgail/core-autodiff-graph';
import { make, type Env } from '@mgail/envs-classic';
import { collectDemos, evaluatePolicy, readDemos, selectEpisodes, type Demonstrations } from '@mgail/policies';
import { ReplayBuffer } from './buffer.js';
import { effectiveMGAILConfig, mgailAlgoName, mgailBCConfig, mgailConfig } from './config.js';
import { readMGAILCheckpointMeta, trainMGAIL } from './mgail.js';

// A copy of experts/CartPole-v1/demos.npz (the shipped PPO expert's 10 trajectories).
const DEMOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'cartpole-expert-demos.npz');

/** A scripted linear expert that scores 500 on every CartPole-v1 episode. */
const linearExpert = (o: ArrayLike<number>) => (o[2] + 0.5 * o[3] + 0.01 * o[0] + 0.1 * o[1] > 0 ? 1 : 0);

/** Small but real: what a CI machine runs in seconds. */
const CI = { iterations: 300, prepIterations: 60, initialRandomSteps: 600, modelPretrainSteps: 100, evalEvery: 0, horizon: 10 };
/** The paper's updates: every policy step unrolls the real envs (the shipped CartPole config imagines its unrolls). */
const REAL_UNROLLS = { unrollBatch: 4, unrollsPerUpdate: 1, imaginedUnrolls: 0, policyUpdatesPerIteration: 1, idleCollectSteps: -1 };

/** A uniformly random policy scores ~22 on CartPole-v1. */
const RANDOM_RETURN = 22;

let scripted: Demonstrations;
beforeAll(async () => {
  await initBackend({ quiet: true });
  scripted = collectDemos(make('CartPole-v1'), linearExpert, { episodes: 4, seed: 3 });
});

describe('MGAIL on CartPole-v1', () => {
  it('learns from a scripted expert\'s demonstrations (made in the test) and clearly beats a random policy', async () => {
    expect(scripted.metadata.meanReturn).toBe(500);
    const res = await trainMGAIL({ envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos: scripted, config: mgailConfig('CartPole-v1', { ...CI, ...REAL_UNROLLS }), seed: 0 });
    const ev = evaluatePolicy(make('CartPole-v1'), res.policy, { episodes: 5, seed: 123 });
    expect(ev.mean).toBeGreaterThan(6 * RANDOM_RETURN);
    // the phase breakdown covers the iterations: every phase took time, and the phases fit in the total
    const t = res.timing;
    expect(t.iterations).toBe(CI.iterations);
    for (const k of ['modelMs', 'discMs', 'policyMs', 'policyEnvStepMs', 'envStepMs'] as const) expect(t[k]).toBeGreaterThan(0);
    expect(t.policyEnvStepMs).toBeLessThan(t.policyMs);
    expect(t.collectMs + t.modelMs + t.discMs + t.policyMs).toBeLessThanOrEqual(t.totalMs);
    expect(t.perIteration.policyMs).toBeCloseTo(t.policyMs / CI.iterations, 6);
    res.policy.dispose();
  });

  it('learns from the shipped expert\'s demonstrations (1 trajectory)', async () => {
    const demos = selectEpisodes(readDemos(DEMOS, { envId: 'CartPole-v1' }), 1);
    const res = await trainMGAIL({ envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos, config: mgailConfig('CartPole-v1', CI), seed: 1 });
    const ev = evaluatePolicy(make('CartPole-v1'), res.policy, { episodes: 5, seed: 124 });
    expect(ev.mean).toBeGreaterThan(6 * RANDOM_RETURN);
    res.policy.dispose();
  }, 300_000); // ~40 s alone; a timed-out run would keep training beside the next test and skew its tensor count

  it('keeps tf.memory().numTensors flat over 200 iterations (every code path: recurrent model, alternating D/policy, collection, entropy, BC term, eval)', async () => {
    const config = mgailBCConfig('CartPole-v1', {
      iterations: 200, prepIterations: 20, initialRandomSteps: 200, modelPretrainSteps: 5, evalEvery: 50, evalEpisodes: 1,
      policyHidden: [16], modelHidden: [16], discHidden: [16], modelEncoderDim: 8, forwardModel: 'advanced', modelHistory: 3,
      unrollBatch: 2, horizon: 4, unrollsPerUpdate: 2, discPolicyInterval: 30, collectEvery: 7, collectSteps: 3, entropyCoef: 0.01,
      discDropout: 0.25, discGradientPenalty: 0.1, discInputNoise: 0.1, bcPretrainSteps: 5, bcWeight: 0.5, bcBatchSize: 8,
    });
    const counts: number[] = [];
    const res = await trainMGAIL({ envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos: selectEpisodes(scripted, 1), config, seed: 1, onLog: () => counts.push(tf.memory().numTensors) });
    expect(counts).toHaveLength(20);
    expect(new Set(counts).size).toBe(1);
    res.policy.dispose();
  });

  it('imagined unrolls: policy steps from agent-buffer states in the model take no env step; only collection does; numTensors flat; replay ratio logged', async () => {
    const config = mgailConfig('CartPole-v1', {
      iterations: 120, prepIterations: 20, initialRandomSteps: 300, modelPretrainSteps: 20, evalEvery: 0, collectEvery: 0,
      policyHidden: [16], modelHidden: [16], discHidden: [16], horizon: 5, unrollBatch: 2,
      unrollsPerUpdate: 0, imaginedUnrolls: 2, imaginedBatch: 8, policyUpdatesPerIteration: 2, idleCollectSteps: 3,
    });
    const counts: number[] = [];
    let last: Record<string, number> = {};
    const res = await trainMGAIL({
      envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos: selectEpisodes(scripted, 1), config, seed: 2,
      onLog: (_, m) => { counts.push(tf.memory().numTensors); last = m; },
    });
    // the random pre-fill, then 3 collection steps on each of the 2 live envs per iteration, nothing else
    expect(res.envSteps).toBe(300 + 120 * 3 * 2);
    expect(last['charts/replay_ratio']).toBeCloseTo(((120 - 20) * 2) / res.envSteps, 9);
    expect(Number.isFinite(last['losses/policy'])).toBe(true);
    expect(new Set(counts).size).toBe(1);
    res.policy.dispose();
    expect(() => mgailConfig('CartPole-v1', { imaginedUnrolls: 0 }, 'my.json')).toThrow(/^my.json: unrollsPerUpdate and imaginedUnrolls are both 0/);
  });

  it('mgail+bc: bcPretrainSteps warm-starts π by behavioural cloning before the first iteration; bcWeight logs the BC term; plain mgail refuses both', async () => {
    expect(() => mgailConfig('CartPole-v1', { bcWeight: 3 }, 'my.yaml')).toThrow(/^my.yaml: mgail config field "bcWeight" is 3, a BC part the published MGAIL does not have; use the mgail\+bc algorithm/);
    expect(() => mgailConfig('CartPole-v1', [{ source: 'a.json', values: { bcPretrainSteps: 10 } }, { source: '--config b.yaml', values: { bcPretrainSteps: 0 } }])).not.toThrow();
    expect(() => mgailBCConfig('CartPole-v1', {}, 'my.yaml')).toThrow(/needs bcPretrainSteps > 0 or bcWeight > 0 \(no configs\/mgail\+bc\/CartPole-v1.json sets them\)/);
    expect(mgailBCConfig('Hopper-v5').bcWeight).toBeGreaterThan(0);
    expect(mgailConfig('Hopper-v5')).toMatchObject({ bcPretrainSteps: 0, bcWeight: 0 });
    expect(mgailAlgoName(mgailConfig('Hopper-v5'))).toBe('mgail');
    expect(mgailAlgoName(mgailBCConfig('Hopper-v5'))).toBe('mgail+bc');
    const small = { iterations: 10, prepIterations: 10, initialRandomSteps: 100, modelPretrainSteps: 1, evalEvery: 0, policyHidden: [32], modelHidden: [8], discHidden: [8], unrollBatch: 2, horizon: 3 };
    const common = { envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos: scripted, seed: 4 };
    // prep only (no policy update): what is evaluated is the warm start alone
    const cold = await trainMGAIL({ ...common, config: mgailConfig('CartPole-v1', small) });
    const warm = await trainMGAIL({ ...common, config: mgailBCConfig('CartPole-v1', { ...small, bcPretrainSteps: 300, bcLr: 3e-3 }) });
    const agreement = (p: typeof cold.policy) => {
      const { actions } = p.act(scripted.observations, { deterministic: true });
      return actions.filter((a, i) => a === scripted.actions[i]).length / actions.length;
    };
    expect(agreement(warm.policy)).toBeGreaterThan(0.9);
    expect(agreement(cold.policy)).toBeLessThan(0.8);
    // bcMinTrajectories above the demonstrations' 4 episodes: no warm start, the cold π exactly; config.json says why
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-bcmin-'));
    const gatedConfig = mgailBCConfig('CartPole-v1', { ...small, bcPretrainSteps: 300, bcLr: 3e-3, bcMinTrajectories: 5 });
    const gated = await trainMGAIL({ ...common, config: gatedConfig, runDir: dir });
    const acts = (p: typeof cold.policy) => Array.from(p.act(scripted.observations, { deterministic: true }).actions);
    expect(acts(gated.policy)).toEqual(acts(cold.policy));
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(record.config.bcPretrainSteps).toBe(0);
    expect(record.bcAnchorOff).toMatch(/4 trajectories < bcMinTrajectories 5/);
    expect(record.algo).toBe('mgail+bc');
    expect(effectiveMGAILConfig(gatedConfig, 5)).toBe(gatedConfig);
    expect(effectiveMGAILConfig(gatedConfig, 4)).toMatchObject({ bcPretrainSteps: 0, bcWeight: 0, bcMinTrajectories: 5 });
    expect(() => mgailConfig('CartPole-v1', { bcMinTrajectories: 0 })).toThrow(/"bcMinTrajectories"/);
    fs.rmSync(dir, { recursive: true, force: true });
    gated.policy.dispose();
    cold.policy.dispose();
    warm.policy.dispose();
    const rows: Record<string, number>[] = [];
    const res = await trainMGAIL({ ...common, config: mgailBCConfig('CartPole-v1', { ...small, iterations: 20, prepIterations: 5, bcWeight: 1 }), onLog: (_, m) => rows.push(m) });
    expect(rows.at(-1)!['losses/bc_nll']).toBeGreaterThan(0);
    expect(rows.at(-1)!['losses/bc_nll']).toBeLessThan(5);
    res.policy.dispose();
    expect(() => mgailConfig('CartPole-v1', { bcWeight: -1 })).toThrow(/"bcWeight"/);
  });

  it('stops on a NaN loss with a one-line error and keeps the last good checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-nan-'));
    const config = mgailConfig('CartPole-v1', {
      iterations: 100, prepIterations: 5, initialRandomSteps: 50, modelPretrainSteps: 2, evalEvery: 0, checkpointEvery: 10,
      ...REAL_UNROLLS, policyHidden: [8], modelHidden: [8], discHidden: [8], unrollBatch: 2, horizon: 3,
    });
    // the env turns its observations to NaN after 400 steps: the model's loss is the first to go
    // (the paper's real unrolls carry them into the losses; π's own collection would refuse them in policy.act)
    let steps = 0;
    const makeEnv = () => {
      const env = make('CartPole-v1');
      const step = env.step.bind(env);
      env.step = (a) => {
        const r = step(a);
        return ++steps > 400 ? { ...r, observation: new Float64Array(4).fill(NaN) } : r;
      };
      return env;
    };
    const err = await trainMGAIL({ envId: 'CartPole-v1', makeEnv, demos: selectEpisodes(scripted, 1), config, seed: 5, runDir: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.message).toMatch(/^mgail diverged: losses\/\w+ is NaN at iteration \d+$/);
    const kept = readMGAILCheckpointMeta(path.join(dir, 'checkpoint.ckpt'));
    expect(kept.iteration % 10).toBe(0);
    expect(kept.iteration).toBeLessThan(err.step);
    expect(kept.iteration).toBeGreaterThan(0);
  });

  it('checkpoints and resumes: two sittings make one run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-resume-'));
    const config = mgailConfig('CartPole-v1', {
      iterations: 40, prepIterations: 10, initialRandomSteps: 100, modelPretrainSteps: 2, evalEvery: 20, evalEpisodes: 1, checkpointEvery: 0,
      policyHidden: [8], modelHidden: [8], discHidden: [8], unrollBatch: 2, horizon: 3,
    });
    const common = { envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos: selectEpisodes(scripted, 1), config, seed: 5, runDir: dir };
    const first = await trainMGAIL({ ...common, maxIterationsThisSitting: 25 });
    expect(first.finished).toBe(false);
    expect(first.iterations).toBe(25);
    first.policy.dispose();
    expect(readMGAILCheckpointMeta(path.join(dir, 'checkpoint.ckpt')).iteration).toBe(25);
    // a second fresh start in the same directory is refused, and so is a resume of an empty one
    await expect(trainMGAIL(common)).rejects.toThrow(/already holds a training checkpoint/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-resume-'));
    await expect(trainMGAIL({ ...common, runDir: empty, resume: true })).rejects.toThrow(/holds no checkpoint.ckpt, so there is nothing to resume/);
    // the checkpoint's config wins: a field the caller set explicitly to another value is refused, not ignored
    await expect(trainMGAIL({ ...common, resume: true, config: { ...config, iterations: 60 }, configLayers: [{ source: 'my.yaml', values: { iterations: 60 } }] }))
      .rejects.toThrow(/my.yaml sets iterations to 60, but .*checkpoint.ckpt is a run with iterations 40; a resumed run keeps its config/);
    const second = await trainMGAIL({ ...common, resume: true });
    expect(second.finished).toBe(true);
    expect(second.iterations).toBe(40);
    expect(second.evalHistory.map((e) => e.iteration)).toEqual([20, 40]);
    const steps = readMetricsJsonl(path.join(dir, 'metrics.jsonl')).map((r) => r.step);
    expect(steps).toEqual([10, 20, 30, 40]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).config.iterations).toBe(40);
    second.policy.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('policyAverageFraction returns the average of the last iterates; the checkpoint keeps the last iterate and the average', async () => {
    const base = {
      iterations: 40, prepIterations: 10, initialRandomSteps: 100, modelPretrainSteps: 2, evalEvery: 0, checkpointEvery: 0,
      ...REAL_UNROLLS, policyHidden: [8], modelHidden: [8], discHidden: [8], unrollBatch: 2, horizon: 3,
    };
    const common = { envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos: selectEpisodes(scripted, 1), seed: 6 };
    const before0 = tf.memory().numTensors;
    const last = await trainMGAIL({ ...common, config: mgailConfig('CartPole-v1', base) });
    const kept = tf.memory().numTensors - before0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-avg-'));
    const before = tf.memory().numTensors;
    const averaged = await trainMGAIL({ ...common, config: mgailConfig('CartPole-v1', { ...base, policyAverageFraction: 0.5 }), runDir: dir });
    // the returned policy is the only thing left, as without averaging: the average's copies are disposed
    expect(tf.memory().numTensors - before).toBe(kept);
    const { tensors, metadata } = decodeTensors(fs.readFileSync(path.join(dir, 'checkpoint.ckpt')));
    expect(metadata.policyAverageCount).toBe(15); // the last half of the 30 post-prep iterations
    const w = averaged.policy.getWeights(), wLast = last.policy.getWeights();
    let differs = false;
    for (const [k, v] of Object.entries(w)) {
      // the training itself is unchanged by averaging: the checkpoint's last iterate is the plain run's final policy
      expect(Array.from(tensors[`policy:${k}`].data)).toEqual(Array.from(wLast[k]));
      expect(Array.from(tensors[`policyAvg:${k}`].data)).toEqual(Array.from(v));
      if (v.some((x, i) => x !== wLast[k][i])) differs = true;
    }
    expect(differs).toBe(true);
    expect(() => mgailConfig('CartPole-v1', { policyAverageFraction: 1 })).toThrow(/policyAverageFraction/);
    last.policy.dispose();
    averaged.policy.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('restarts live envs from expert states through setState(qpos, qvel) when the demonstrations carry them', async () => {
    // CartPole dressed as a MuJoCo env: qpos = (x, θ), qvel = (ẋ, θ̇)
    let restarts = 0;
    const makeEnv = (): Env => {
      const env = make('CartPole-v1') as Env & { setState(s: ArrayLike<number>): Float32Array };
      const inner = env.setState.bind(env);
      return Object.assign(env, {
        setState: (qpos: ArrayLike<number>, qvel?: ArrayLike<number>) => {
          if (!qvel) return inner(qpos);
          restarts++;
          return inner([qpos[0], qvel[0], qpos[1], qvel[1]]);
        },
      });
    };
    const d = selectEpisodes(scripted, 1);
    const n = d.rewards.length;
    const qpos = new Float64Array(2 * n), qvel = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      qpos.set([d.observations[4 * i], d.observations[4 * i + 2]], 2 * i);
      qvel.set([d.observations[4 * i + 1], d.observations[4 * i + 3]], 2 * i);
    }
    const config = mgailConfig('CartPole-v1', {
      iterations: 20, prepIterations: 5, initialRandomSteps: 300, modelPretrainSteps: 1, evalEvery: 0, expertRestartProb: 1,
      policyHidden: [8], modelHidden: [8], discHidden: [8], unrollBatch: 2, horizon: 3,
    });
    const res = await trainMGAIL({ envId: 'CartPole-v1', makeEnv, demos: { ...d, qpos, qvel, nq: 2, nv: 2 }, config, seed: 2 });
    // random actions end CartPole episodes every ~22 steps: every reset became a restart
    expect(restarts).toBeGreaterThan(10);
    res.policy.dispose();
  });

  it('policyOptimizer natural takes steps whose measured KL is the policyMaxKl asked for, decayed by the schedule, with numTensors flat', async () => {
    const config = mgailConfig('CartPole-v1', {
      iterations: 30, prepIterations: 10, initialRandomSteps: 100, modelPretrainSteps: 2, evalEvery: 0,
      ...REAL_UNROLLS, policyHidden: [16], modelHidden: [8], discHidden: [8], unrollBatch: 2, horizon: 4,
      policyOptimizer: 'natural', policyMaxKl: 1e-3, policyLrFinalFraction: 0.5, naturalFisherStates: 32,
    });
    const rows: Record<string, number>[] = [];
    const counts: number[] = [];
    const res = await trainMGAIL({
      envId: 'CartPole-v1', makeEnv: () => make('CartPole-v1'), demos: selectEpisodes(scripted, 1), config, seed: 2, logEvery: 2,
      onLog: (it, m) => { if (it > 10) rows.push(m); counts.push(tf.memory().numTensors); },
    });
    // rows: iterations 12, 14, ..., 30
    expect(rows).toHaveLength(10);
    for (const m of rows) {
      expect(m['charts/policy_lr']).toBeUndefined();
      // β makes ½xᵀ(F + damping·I)x = δ, so the KL reached is δ less what the damping adds (here 0.6–0.8 of it)
      expect(m['losses/policy_kl'] / m['charts/policy_max_kl']).toBeGreaterThan(0.5);
      expect(m['losses/policy_kl'] / m['charts/policy_max_kl']).toBeLessThanOrEqual(1);
    }
    expect(rows[0]['charts/policy_max_kl']).toBeLessThan(1e-3);
    expect(rows[rows.length - 1]['charts/policy_max_kl']).toBeCloseTo(1e-3 * (0.5 + 0.5 / 20), 8);
    expect(new Set(counts.slice(5)).size).toBe(1);
    expect(() => mgailConfig('CartPole-v1', { policyOptimizer: 'sgd' })).toThrow(/policyOptimizer/);
    res.policy.dispose();
  });

  it('rejects unknown or mistyped config fields by name', () => {
    expect(() => mgailConfig('CartPole-v1', { horizonn: 5 })).toThrow(/unknown mgail config field "horizonn"/);
    expect(() => mgailConfig('CartPole-v1', { horizon: '5' })).toThrow(/"horizon" must be a number/);
    expect(() => mgailConfig('CartPole-v1', { horizon: 0 })).toThrow(/"horizon" must be a positive integer/);
    expect(() => mgailConfig('CartPole-v1', { forwardModel: 'lstm' })).toThrow(/"forwardModel" must be one of basic, advanced/);
    expect(() => mgailConfig(undefined, { policyHidden: [0] })).toThrow(/list of at most 64 positive integers up to 65,536/);
  });
});

describe('ReplayBuffer', () => {
  it('gives the recent history of a live env within its episode, and saves/loads', () => {
    const b = new ReplayBuffer(1, 8, 1, 1);
    for (let t = 0; t < 5; t++) b.add(0, [t], [10 + t], [t + 1], t === 1);
    const h = b.recentHistory(0, 10);
    expect(Array.from(h.states)).toEqual([2, 3, 4]); // the episode ended after t = 1
    expect(Array.from(b.recentHistory(0, 2).actions)).toEqual([13, 14]);
    const { tensors, state } = b.save();
    const c = new ReplayBuffer(1, 8, 1, 1);
    c.load(tensors, state);
    expect(Array.from(c.recentHistory(0, 10).states)).toEqual([2, 3, 4]);
    expect(c.length).toBe(5);
  });
});
