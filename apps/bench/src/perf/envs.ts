import { benchEnvSteps, CLASSIC_IDS } from '@mgail/envs-classic';
import { median } from './timing.js';

export interface EnvStepsResult {
  env: string;
  /** 'single' (one env in a loop) or 'vector' (SyncVectorEnv, numEnvs sub-envs). */
  mode: 'single' | 'vector';
  numEnvs: number;
  stepsPerSecMedian: number;
  stepsPerSecMax: number;
  reps: number;
  steps: number;
}

/** Classic envs: `benchEnvSteps` of @mgail/envs-classic, repeated `reps` times per env. */
export function benchClassicEnvs(opts: { ids?: string[]; steps: number; reps: number; numEnvs?: number }): EnvStepsResult[] {
  const ids = opts.ids ?? CLASSIC_IDS;
  const out: EnvStepsResult[] = [];
  for (const id of ids) {
    const runs = Array.from({ length: opts.reps }, () => benchEnvSteps({ ids: [id], steps: opts.steps, numEnvs: opts.numEnvs })[0]);
    const numEnvs = runs[0].numEnvs;
    for (const mode of ['single', 'vector'] as const) {
      const sps = runs.map((r) => (mode === 'single' ? r.singleStepsPerSec : r.vectorStepsPerSec));
      out.push({
        env: id,
        mode,
        numEnvs: mode === 'single' ? 1 : numEnvs,
        stepsPerSecMedian: median(sps),
        stepsPerSecMax: Math.max(...sps),
        reps: opts.reps,
        steps: opts.steps,
      });
    }
  }
  return out;
}

type BenchFn = (o: { ids?: string[]; steps?: number; numEnvs?: number }) => unknown;

/**
 * MuJoCo envs: used only when @mgail/envs-mujoco-wasm exports a `benchEnvSteps` (or
 * `benchMujocoSteps`) with the classic package's result shape; otherwise the reason to skip.
 */
export async function findMujocoBench(): Promise<{ fn: BenchFn; ids: string[] } | { skip: string }> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('@mgail/envs-mujoco-wasm')) as Record<string, unknown>;
  } catch (e) {
    return { skip: `@mgail/envs-mujoco-wasm did not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  const fn = (mod.benchEnvSteps ?? mod.benchMujocoSteps) as BenchFn | undefined;
  if (typeof fn !== 'function') {
    return { skip: '@mgail/envs-mujoco-wasm exports no benchEnvSteps yet (its bench is the package script `bench`)' };
  }
  const ids = Array.isArray(mod.MUJOCO_ENV_IDS) ? (mod.MUJOCO_ENV_IDS as string[]) : [];
  return { fn, ids };
}
