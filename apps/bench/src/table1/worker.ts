import os from 'node:os';
import path from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Io } from '../io.js';
import { cellLine } from '../suites/table1.js';
import type { CellResult } from './report.js';
import type { CellThreadInput } from './cell-thread.js';
import { CELL_ATTEMPTS, DEFAULT_QUEUE_NAME, RedisLink, describeSource, redactUrl, refusalReason, sleep, sourceIdentity, type CellJobData } from './queue.js';

export interface WorkerOptions {
  queue: string;
  queueName?: string;
  concurrency: number;
  experts: string;
  /** Where cells keep their run folders; the coordinator's `<out>/runs` when absent. */
  runs?: string;
  /** A job's lock lasts this long unrenewed: a killed worker's cells go to another worker after about that. */
  lockSeconds: number;
}

function runInThread(input: CellThreadInput, threads: Set<Thread>): Promise<CellResult> {
  return new Promise((resolve, reject) => {
    const t = new Thread(new URL('./cell-thread.js', import.meta.url), { workerData: input });
    threads.add(t);
    let cell: CellResult | undefined;
    t.on('message', (m: { cell: CellResult }) => {
      cell = m.cell;
      resolve(cell);
      // tfjs may keep the thread's loop alive; its output is flushed by now
      setTimeout(() => void t.terminate(), 5000).unref();
    });
    t.on('error', (err) => reject(err));
    t.on('exit', (code) => {
      threads.delete(t);
      if (!cell) reject(new Error(`the cell's thread exited with code ${code} before it finished`));
    });
  });
}

/**
 * `bench worker`: takes queued cells from Redis and trains each on a thread, returning the cell's
 * record as the job's result. A cell queued from other code or other demonstrations is refused
 * (failed at once with the reason) rather than mixed into the report.
 */
export async function runWorker(w: WorkerOptions, io: Io): Promise<void> {
  const link = new RedisLink(w.queue, '--queue', 'restart the worker once Redis is back: its running cells go back to the queue');
  const source = sourceIdentity();
  const name = `${os.hostname()}:${process.pid}`;
  const queueName = w.queueName ?? DEFAULT_QUEUE_NAME;
  const threads = new Set<Thread>();
  const processor = async (job: Job<CellJobData, CellResult>): Promise<CellResult> => {
    const refusal = refusalReason(job.data, source, path.join(w.experts, job.data.demos.file));
    if (refusal) {
      io.err(`[worker] ${name} refused ${job.id}: ${refusal}`);
      throw new UnrecoverableError(`refused by worker ${name}: ${refusal}`);
    }
    io.err(`[worker] ${name} started ${job.id} (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? CELL_ATTEMPTS}${job.attemptsStarted > job.attemptsMade + 1 ? ', taken over from a stalled worker' : ''})`);
    return runInThread({ data: job.data, experts: w.experts, runDir: w.runs ? path.join(w.runs, String(job.id)) : job.data.runDir }, threads);
  };
  const lockDuration = w.lockSeconds * 1000;
  const worker = new Worker<CellJobData, CellResult>(queueName, processor, {
    connection: link.connection, concurrency: w.concurrency, name, autorun: false,
    // renewed every lockDuration / 2 by the main thread, which the cells' threads leave free
    lockDuration, stalledInterval: lockDuration / 2, maxStalledCount: 1,
  });
  worker.on('error', link.noteError);
  worker.on('completed', (job, cell) => io.err(`[worker] ${name} done ${job.id}: ${cellLine(cell)}`));
  worker.on('failed', (job, err) => io.err(`[worker] ${name} failed ${job?.id ?? 'a job'} (attempt ${job?.attemptsMade ?? '?'} of ${job?.opts.attempts ?? CELL_ATTEMPTS}): ${err.message.split('\n')[0]}`));
  try {
    await link.race(worker.waitUntilReady());
    link.markReady();
    io.err(`[worker] ${name} at ${describeSource(source)}: queue "${queueName}" on ${redactUrl(w.queue)}, ${w.concurrency} cell${w.concurrency === 1 ? '' : 's'} at a time; waiting for cells (Ctrl-C stops; its running cells go back to the queue within about ${w.lockSeconds} s)`);
    await link.race(worker.run());
  } finally {
    for (const t of threads) void t.terminate();
    // closing a client of a Redis given up on re-raises its connection error, uncaught: leave it to the exit
    if (!link.isDown) await Promise.race([worker.close(true).catch(() => {}), sleep(2000)]);
  }
}
