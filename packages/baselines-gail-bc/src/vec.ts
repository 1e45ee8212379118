import type { Box, Space } from '@mgail/envs-classic';

/**
 * What the RL loops need from a vector env: envs-classic's SyncVectorEnv and the MuJoCo
 * vector envs both fit (float32 or float64 batches, same-step auto-reset; `step` may answer
 * with a Promise, as the worker-parallel MuJoCo env does).
 */
export interface VectorEnvLike {
  readonly numEnvs: number;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Space;
  /** Sync here; the RL collector also awaits a Promise (the worker-parallel MuJoCo env's reset is async). */
  reset(opts?: { seed?: number }): { observations: Float32Array | Float64Array };
  step(actions: ArrayLike<number>): VectorStepLike | Promise<VectorStepLike>;
  close(): void | Promise<void>;
}

/** One step of a vector env as the learners read it: env-major arrays and the episodes that ended. */
export interface VectorStepLike {
  observations: Float32Array | Float64Array;
  rewards: Float32Array | Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  finalObservations: (Float32Array | Float64Array | null)[];
  infos: { episodes: { index: number; return: number; length: number }[] };
}
