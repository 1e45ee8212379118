/**
 * One queued cell on a thread of its own: training is synchronous for long stretches, and on the
 * worker's main thread it would starve BullMQ's lock renewal, so other workers would take the
 * cell as stalled while it still runs.
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@mgail/core-autodiff-graph';
import { processIo } from '../io.js';
import { cellNotRunReason, protocolDemos, runCell } from '../suites/table1.js';
import type { CellJobData } from './queue.js';

export interface CellThreadInput {
  data: CellJobData;
  experts: string;
  runDir: string;
}

const { data, experts, runDir } = workerData as CellThreadInput;
await initBackend({ quiet: true });
const all = protocolDemos(experts, data.cell.env, data.options.protocol, path.join(experts, data.demos.file));
const why = cellNotRunReason(all, data.cell.trajectories);
if (why !== null || typeof all === 'string') throw new Error(why ?? 'no demonstrations');
const cell = await runCell(data.cell, all, data.options, processIo, runDir, data.reportCommit);
parentPort!.postMessage({ cell });
