import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { tf } from '@mgail/core-autodiff-graph';
import type { UnrollWorkerInit, UnrollWorkerReply, UnrollWorkerRequest } from './workers-protocol.js';

/** One worker's answer to a request. */
export type WorkerResult = Required<Pick<UnrollWorkerReply, 'transitions' | 'returns' | 'busyMs' | 'envStepMs' | 'numTensors'>> &
  Pick<UnrollWorkerReply, 'jSum'> & { sum: tf.Tensor[] | null };

/**
 * The trainer's unroll workers: worker threads, each with its own live envs and network copies,
 * doing part of every policy update while the trainer's thread does its own part (the second
 * core). Requests are answered in order; a worker's error rejects with its message.
 */
export class UnrollWorkers {
  private constructor(private readonly workers: Worker[], private readonly pending: ((r: UnrollWorkerReply) => void)[][]) {}

  get size(): number {
    return this.workers.length;
  }

  static async start(inits: UnrollWorkerInit[]): Promise<UnrollWorkers> {
    const script = workerScript();
    const workers: Worker[] = [];
    const pending: ((r: UnrollWorkerReply) => void)[][] = [];
    const ready: Promise<UnrollWorkerReply>[] = [];
    for (const init of inits) {
      const w = new Worker(script, { workerData: init });
      const queue: ((r: UnrollWorkerReply) => void)[] = [];
      ready.push(new Promise((resolve) => queue.push(resolve)));
      w.on('message', (r: UnrollWorkerReply) => queue.shift()?.(r));
      w.on('error', (e) => {
        for (const f of queue.splice(0)) f({ type: 'error', message: e.message });
      });
      workers.push(w);
      pending.push(queue);
    }
    const pool = new UnrollWorkers(workers, pending);
    const replies = await Promise.all(ready);
    const bad = replies.find((r) => r.type === 'error');
    if (bad) {
      await pool.close();
      throw new Error(`MGAIL unroll worker failed to start: ${bad.message}`);
    }
    return pool;
  }

  /** Sends one request per worker (or the same to all) and resolves with every worker's result. */
  request(reqs: UnrollWorkerRequest | ((w: number) => UnrollWorkerRequest)): Promise<WorkerResult[]> {
    return Promise.all(this.workers.map((w, k) => new Promise<WorkerResult>((resolve, reject) => {
      this.pending[k].push((r) => {
        if (r.type === 'error') return reject(new Error(`MGAIL unroll worker ${k}: ${r.message}`));
        resolve({
          sum: r.sum ? r.sum.map((g) => tf.tensor(g.data, g.shape)) : null,
          jSum: r.jSum, transitions: r.transitions!, returns: r.returns!, busyMs: r.busyMs!, envStepMs: r.envStepMs!, numTensors: r.numTensors!,
        });
      });
      w.postMessage(typeof reqs === 'function' ? reqs(k) : reqs);
    })));
  }

  /** Stops every worker (its envs and networks are freed in the worker). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map(async (w) => {
      const exited = new Promise((r) => w.once('exit', r));
      w.postMessage({ type: 'close' } satisfies UnrollWorkerRequest);
      const t = setTimeout(() => void w.terminate(), 2000);
      await exited;
      clearTimeout(t);
    }));
  }
}

/** The compiled worker script; tests run from `src/`, where only the built one exists. */
function workerScript(): URL {
  const here = new URL('./unroll-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(here))) return here;
  const built = new URL('../dist/unroll-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(built))) return built;
  throw new Error(`MGAIL: unroll worker script not found (${fileURLToPath(here)}); build the package first (pnpm --filter @mgail/mgail build)`);
}
