import { Rng } from '@mgail/envs-classic';
import { ParallelVectorEnv } from './parallel.js';
import { make, MUJOCO_ENV_IDS } from './registry.js';
import { makeVec } from './vector.js';

/** Options of {@link benchEnvSteps}. */
export interface MujocoBenchOptions {
  /** Env ids (default: every registered v5 env). */
  ids?: readonly string[];
  /** Transitions per measurement (default 5,000). */
  steps?: number;
  /** Sub-envs of the vector and parallel measurements (default 8). */
  numEnvs?: number;
  /** Seed of the random actions and of reset. */
  seed?: number;
  /** Also time the worker-thread ParallelVectorEnv (default true). */
  parallel?: boolean;
}

/** Steps per second of one env id; the same shape as @mgail/envs-classic's `benchEnvSteps`, plus parallel. */
export interface MujocoBenchResult {
  id: string;
  singleStepsPerSec: number;
  vectorStepsPerSec: number;
  /** ParallelVectorEnv over worker threads (undefined when not measured). */
  parallelStepsPerSec?: number;
  numEnvs: number;
  steps: number;
}

/**
 * Env steps per second with uniformly random actions, episodes resetting as training would see
 * them (unlike the package's `bench` script, which disables termination to compare against a raw
 * mj_step loop). Used by the bench app's `perf` suite.
 */
export async function benchEnvSteps(options: MujocoBenchOptions = {}): Promise<MujocoBenchResult[]> {
  const ids = options.ids ?? MUJOCO_ENV_IDS;
  const steps = options.steps ?? 5000;
  const numEnvs = options.numEnvs ?? 8;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(steps) || steps <= 0) throw new Error(`benchEnvSteps: steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new Error(`benchEnvSteps: numEnvs must be a positive integer, got ${numEnvs}`);
  const out: MujocoBenchResult[] = [];
  for (const id of ids) {
    const env = await make(id);
    const nu = env.nu;
    const low = env.actionSpace.low, high = env.actionSpace.high;
    const rng = new Rng(seed);
    // one pool of actions shared by every mode, drawn before timing
    const pool = new Float64Array(Math.max(steps, 1024) * nu);
    for (let i = 0; i < pool.length; i++) pool[i] = rng.uniform(low[i % nu], high[i % nu]);
    const action = (t: number) => pool.subarray((t * nu) % (pool.length - nu + 1), ((t * nu) % (pool.length - nu + 1)) + nu);

    const single = (n: number): number => {
      env.reset({ seed });
      const t0 = performance.now();
      for (let t = 0; t < n; t++) {
        const r = env.step(action(t));
        if (r.terminated || r.truncated) env.reset();
      }
      return n / ((performance.now() - t0) / 1000);
    };
    single(Math.min(steps, 500)); // warm-up (JIT)
    const singleStepsPerSec = single(steps);
    env.close();

    const vecSteps = Math.max(1, Math.ceil(steps / numEnvs));
    const flat = new Float64Array(numEnvs * nu);
    const fill = (t: number) => {
      for (let i = 0; i < numEnvs; i++) flat.set(action(t * numEnvs + i), i * nu);
    };
    const vec = await makeVec(id, numEnvs);
    vec.reset({ seed });
    for (let t = 0; t < Math.min(vecSteps, 50); t++) { fill(t); vec.step(flat); }
    let t0 = performance.now();
    for (let t = 0; t < vecSteps; t++) { fill(t); vec.step(flat); }
    const vectorStepsPerSec = (vecSteps * numEnvs) / ((performance.now() - t0) / 1000);
    vec.close();

    let parallelStepsPerSec: number | undefined;
    if (options.parallel ?? true) {
      const par = await ParallelVectorEnv.create(id, numEnvs);
      try {
        await par.reset({ seed });
        for (let t = 0; t < Math.min(vecSteps, 50); t++) { fill(t); await par.step(flat); }
        t0 = performance.now();
        for (let t = 0; t < vecSteps; t++) { fill(t); await par.step(flat); }
        parallelStepsPerSec = (vecSteps * numEnvs) / ((performance.now() - t0) / 1000);
      } finally {
        await par.close();
      }
    }
    out.push({ id, singleStepsPerSec, vectorStepsPerSec, parallelStepsPerSec, numEnvs, steps });
  }
  return out;
}
