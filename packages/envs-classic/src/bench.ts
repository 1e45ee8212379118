import { make } from './registry.js';
import { makeVec } from './vector.js';
import type { Action } from './types.js';

/** Which envs `benchEnvSteps` times, for how many steps, with how many sub-envs, from which seed. */
export interface BenchOptions {
  /** Env ids to time (default: every classic env). */
  ids?: string[];
  /** Env transitions per measurement (default 100 000). */
  steps?: number;
  /** Sub-envs of the vectorized measurement (default 8). */
  numEnvs?: number;
  /** Seeds the envs and the random actions (default 0). */
  seed?: number;
}

/** Steps per second of one env, single and vectorized. */
export interface BenchResult {
  id: string;
  /** Env steps per second of one env stepped in a loop, resetting when an episode ends. */
  singleStepsPerSec: number;
  /** Env steps per second (sub-env transitions, not vector steps) of a `SyncVectorEnv`. */
  vectorStepsPerSec: number;
  numEnvs: number;
  steps: number;
}

/** The ids of the five classic-control envs, in the order the benchmark reports them. */
export const CLASSIC_IDS = ['CartPole-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'Acrobot-v1'];

/**
 * Times random-action rollouts of each env, alone and in a `SyncVectorEnv` ('next-step' autoreset),
 * after a short warm-up so V8 has compiled the step functions. Actions are sampled from the
 * seeded action space inside the timed loop, as an agent's would be produced.
 */
export function benchEnvSteps(options: BenchOptions = {}): BenchResult[] {
  const ids = options.ids ?? CLASSIC_IDS;
  const steps = options.steps ?? 100_000;
  const numEnvs = options.numEnvs ?? 8;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(steps) || steps <= 0) throw new Error(`benchEnvSteps: steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new Error(`benchEnvSteps: numEnvs must be a positive integer, got ${numEnvs}`);
  const results: BenchResult[] = [];
  for (const id of ids) {
    timeSingle(id, Math.min(steps, 5000), seed); // warm-up
    const singleStepsPerSec = timeSingle(id, steps, seed);
    timeVector(id, Math.min(steps, 5000), numEnvs, seed);
    const vectorStepsPerSec = timeVector(id, steps, numEnvs, seed);
    results.push({ id, singleStepsPerSec, vectorStepsPerSec, numEnvs, steps });
  }
  return results;
}

function timeSingle(id: string, steps: number, seed: number): number {
  const env = make(id);
  env.actionSpace.seed(seed);
  env.reset({ seed });
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const r = env.step(env.actionSpace.sample() as Action);
    if (r.terminated || r.truncated) env.reset();
  }
  const sec = (performance.now() - t0) / 1000;
  env.close();
  return steps / sec;
}

function timeVector(id: string, steps: number, numEnvs: number, seed: number): number {
  const vec = makeVec(id, numEnvs);
  const space = vec.singleActionSpace;
  space.seed(seed);
  const d = vec.actDim;
  const actions = space.kind === 'discrete' ? new Int32Array(numEnvs) : new Float32Array(numEnvs * d);
  vec.reset({ seed });
  const vecSteps = Math.ceil(steps / numEnvs);
  const t0 = performance.now();
  for (let t = 0; t < vecSteps; t++) {
    if (space.kind === 'discrete') for (let i = 0; i < numEnvs; i++) actions[i] = space.sample();
    else for (let i = 0; i < numEnvs; i++) actions.set(space.sample(), i * d);
    vec.step(actions);
  }
  const sec = (performance.now() - t0) / 1000;
  vec.close();
  return (vecSteps * numEnvs) / sec;
}

/** A Markdown table of the results. */
export function formatBench(results: BenchResult[]): string {
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const lines = [
    `| env | single env (steps/s) | SyncVectorEnv x${results[0]?.numEnvs ?? '?'} (env steps/s) |`,
    '| --- | ---: | ---: |',
    ...results.map((r) => `| ${r.id} | ${fmt(r.singleStepsPerSec)} | ${fmt(r.vectorStepsPerSec)} |`),
  ];
  return lines.join('\n');
}
