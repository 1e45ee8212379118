import path from 'node:path';
import { listEnvs as classicEnvs, make as makeClassic, MODULE_URL as CLASSIC_MODULE_URL } from '@mgail/envs-classic';
import { mgailConfig, trainMGAIL, type MGAILTiming } from '@mgail/mgail';
import { readDemos, selectEpisodes } from '@mgail/policies';
import { REPO_ROOT } from '../io.js';
import { median, round } from './timing.js';


export interface IterResult {
  env: string;
  workers: number;
  unrollBatch: number;
  unrollsPerUpdate: number;
  horizon: number;
  /** Per-iteration wall time (every iteration a full one: no prep), after `warmup` iterations. */
  median_ms: number;
  min_ms: number;
  reps: number;
  warmup: number;
  /** Means per iteration over the timed iterations, by phase (MGAILTiming.perIteration). */
  phases: MGAILTiming['perIteration'];
}

/**
 * The library's real MGAIL iteration (collection, forward-model, discriminator and policy
 * updates) on `envId` from its shipped demonstrations, with the env's checked-in config except:
 * no prep (every iteration updates the policy), no evaluation, no checkpoints, and
 * `policyWorkers` = `workers` (0: one thread; 1: the policy update's unrolls shared with a worker).
 * A config with one unroll of B side-by-side envs per update runs, with workers, as one unroll of
 * B / (workers + 1) envs per thread: the same start states and env steps per update.
 */
export async function benchMgailIteration(o: { envId: string; workers: number; reps: number; warmup: number; experts?: string; overrides?: Record<string, unknown> }): Promise<IterResult> {
  // an id the classic registry does not know is a MuJoCo env
  const mj = classicEnvs().includes(o.envId) ? null : await import('@mgail/envs-mujoco-wasm');
  const envModule = mj ? mj.MODULE_URL : CLASSIC_MODULE_URL;
  const demosFile = path.join(o.experts ?? path.join(REPO_ROOT, 'experts'), o.envId, 'demos.npz');
  const demos = selectEpisodes(readDemos(demosFile, { envId: o.envId }), 4);
  const base = mgailConfig(o.envId, o.overrides ?? {});
  // Same start states per update on more threads: B side-by-side envs in one unroll become
  // (workers + 1) unrolls of B / (workers + 1) envs each, one per thread.
  const split = o.workers > 0 && base.unrollsPerUpdate === 1 && base.unrollBatch % (o.workers + 1) === 0;
  const config = mgailConfig(o.envId, {
    ...o.overrides, iterations: o.warmup + o.reps, prepIterations: 0, evalEvery: 0, checkpointEvery: 0, policyWorkers: o.workers,
    ...(split ? { unrollBatch: base.unrollBatch / (o.workers + 1), unrollsPerUpdate: o.workers + 1 } : {}),
  });
  // logEvery 1: every row holds that iteration's phase times (time/*_ms)
  const rows: Record<string, number>[] = [];
  const res = await trainMGAIL({
    envId: o.envId,
    makeEnv: () => (mj ? mj.make(o.envId) : makeClassic(o.envId)),
    workerEnv: { module: envModule, args: [o.envId] },
    demos, config, seed: 0, logEvery: 1,
    onLog: (it, m) => {
      if (it > o.warmup) rows.push(m);
    },
  });
  res.policy.dispose();
  const perIter = rows.map((m) => m['time/iteration_ms']);
  const mean = (k: string) => round(rows.reduce((a, m) => a + (m[k] ?? 0), 0) / Math.max(1, rows.length), 3);
  const phases: MGAILTiming['perIteration'] = {
    totalMs: mean('time/iteration_ms'), collectMs: mean('time/collect_ms'), modelMs: mean('time/model_ms'), discMs: mean('time/disc_ms'),
    policyMs: mean('time/policy_ms'), policyEnvStepMs: mean('time/policy_env_step_ms'), envStepMs: mean('time/env_step_ms'), evalMs: mean('time/eval_ms'),
    checkpointMs: mean('time/checkpoint_ms'), workerBusyMs: mean('time/worker_busy_ms'), workerEnvStepMs: mean('time/worker_env_step_ms'),
    workerWaitMs: mean('time/worker_wait_ms'),
  };
  const n = rows.length;
  return {
    env: o.envId, workers: o.workers, unrollBatch: config.unrollBatch, unrollsPerUpdate: config.unrollsPerUpdate, horizon: config.horizon,
    median_ms: round(median(perIter), 3), min_ms: round(Math.min(...perIter), 3), reps: n, warmup: o.warmup, phases,
  };
}
