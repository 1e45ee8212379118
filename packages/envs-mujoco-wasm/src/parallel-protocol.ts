/** Shared constants of `ParallelVectorEnv` and its worker. */
import type { EnvSpec } from '@mgail/envs-classic';
import type { InfoField } from './mujoco-env.js';

/** Per worker, `CTL_STRIDE` int32 slots of the control SharedArrayBuffer. */
export const CTL_STRIDE = 4;
/** Command counter: the main thread bumps it (and notifies) to start a command. */
export const CTL_SEQ = 0;
export const CTL_CMD = 1;
/** The worker stores the counter value it finished here (and notifies). */
export const CTL_DONE = 2;
/** 0, or the byte length of the error message the command failed with. */
export const CTL_ERRLEN = 3;
export const ERRBUF_BYTES = 4096;

export const CMD_RESET = 1;
export const CMD_STEP = 2;
export const CMD_CLOSE = 3;

export interface WorkerInit {
  id: string;
  envOptions: Record<string, unknown>;
  /** First global env index of this worker and how many envs it owns. */
  start: number;
  count: number;
  numEnvs: number;
  autoresetMode: string;
}

export interface WorkerReady {
  type: 'ready';
  obsDim: number;
  actDim: number;
  infoFields: InfoField[];
  resetInfoCount: number;
  infoSize: number;
  spec: EnvSpec;
  low: number[];
  high: number[];
  mujocoVersion: string;
}
