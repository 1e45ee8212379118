import type { TensorRecord } from '@mgail/core-autodiff-graph';
import type { DiscriminatorOptions } from '@mgail/discriminator';
import type { ForwardModelOptions, ForwardModelStatistics } from '@mgail/forward-model';
import type { PolicyConfig } from '@mgail/policies';
import type { ExpertRestarts, UnrollConfig } from './shard.js';

/**
 * How a worker makes its envs: `(await import(module))[exportName](...args)`. `module` must be
 * importable from the worker (an absolute path, a file: URL, or a package the worker resolves).
 */
export interface WorkerEnvSpec {
  module: string;
  /** Named export to call (default `make`). */
  exportName?: string;
  args: unknown[];
}

export interface UnrollWorkerInit {
  index: number;
  backend: string | null;
  env: WorkerEnvSpec;
  numEnvs: number;
  obsDim: number;
  actDim: number;
  discrete: boolean;
  policy: Partial<PolicyConfig>;
  /** Names of the differentiated policy variables, in order. */
  varNames: string[];
  model: Omit<ForwardModelOptions, 'rng' | 'obsDim' | 'actDim'>;
  disc: Omit<DiscriminatorOptions, 'rng' | 'obsDim' | 'actDim' | 'expertInputs'>;
  expertPairs: Float32Array;
  restarts: ExpertRestarts | null;
  unroll: UnrollConfig;
  /** History length of a recurrent model's warm start (1 for the basic model). */
  historyLength: number;
  /** Reset seeds of the worker's envs. */
  resetSeeds: number[];
  /** Stream for the resets' expert-restart draws. */
  restartSeed: number;
  /** `collectDeterministicProb` (absent: 0). */
  deterministicProb?: number;
}

/** Everything the worker's copies need to match the trainer's networks now. */
export interface NetSnapshot {
  policy: TensorRecord;
  normalizer: unknown;
  /** Absent when unchanged since the previous request. */
  model?: TensorRecord;
  modelStatistics?: ForwardModelStatistics;
  disc?: TensorRecord;
}

export type UnrollWorkerRequest =
  | { type: 'grad'; seed: number; unrolls: number; nets: NetSnapshot }
  | { type: 'roll'; seed: number; steps: number; nets: NetSnapshot }
  | { type: 'close' };

/** The worker's transitions since the last reply, packed (env is the worker's own index). */
export interface PackedTransitions {
  n: number;
  env: Int32Array;
  s: Float32Array;
  a: Float32Array;
  s2: Float32Array;
  done: Uint8Array;
}

export interface UnrollWorkerReply {
  type: 'grad' | 'roll' | 'error' | 'ready';
  /** Summed gradients in varNames order ('grad', null when unrolls = 0). */
  sum?: { data: Float32Array; shape: number[] }[] | null;
  jSum?: number;
  transitions?: PackedTransitions;
  /** Env returns of the episodes that ended. */
  returns?: number[];
  /** Wall time the worker spent on the request, and on env steps within it. */
  busyMs?: number;
  envStepMs?: number;
  numTensors?: number;
  message?: string;
}
