import fs from 'node:fs';
import path from 'node:path';
import { Queue, type Job } from 'bullmq';
import { writeJsonAtomic } from '@mgail/core-autodiff-graph';
import type { Demonstrations } from '@mgail/policies';
import type { Io } from '../io.js';
import { cellKey, type CellResult } from './report.js';
import { cellLine, cellNotRunReason, cellOptions, protocolDemosPath, type CellJob, type FailedCell, type RunRecord, type Table1Options, type Table1Summary } from '../suites/table1.js';
import { CELL_ATTEMPTS, DEFAULT_QUEUE_NAME, RedisLink, cellJobData, describeSource, fileSha256, redactUrl, sleep, sourceIdentity, type CellJobData } from './queue.js';

export interface QueuedRun {
  jobs: CellJob[];
  o: Table1Options;
  io: Io;
  run: RunRecord;
  saveRun(run: RunRecord): void;
  summary: Table1Summary;
  demosFor(env: string): Demonstrations | string;
}

const POLL_MS = 1000;
/** The counts line is repeated this often even when nothing changed, so a long cell still shows the run is alive. */
const HEARTBEAT_MS = 60_000;

function eta(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

function recordFailed(out: string, f: FailedCell): void {
  const file = path.join(out, 'failed.json');
  let all: FailedCell[] = [];
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8')) as FailedCell[];
  } catch {
    all = [];
  }
  writeJsonAtomic(file, [...all.filter((x) => x.key !== f.key), f]);
}

/**
 * The coordinator of `bench table1 --queue`: queues each missing cell as a BullMQ job whose id is
 * its key (adding it again does nothing), then writes each finished cell's record as the local
 * suite would, until every queued cell is done or failed. State lives in Redis, so a restarted
 * coordinator picks up where the queue is.
 */
export async function runQueuedCells(r: QueuedRun): Promise<void> {
  const { o, io, summary } = r;
  const url = o.queue!;
  const source = sourceIdentity();
  if (!source.commit) throw new Error('--queue needs a git checkout: workers check each cell against the coordinator\'s commit');
  const link = new RedisLink(url, '--queue', 'restart the coordinator once Redis is back: it picks up where the queue is');
  const queueName = o.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new Queue<CellJobData, CellResult>(queueName, { connection: link.connection });
  queue.on('error', link.noteError);
  const total = r.jobs.length;
  try {
    await link.race(queue.waitUntilReady());
    link.markReady();
    io.err(`[table1] queue "${queueName}" on ${redactUrl(url)}, at ${describeSource(source)}`);
    const options = cellOptions(o);
    const pending = new Map<string, { head: string; file: string; algo: string }>();
    const enqueue = (key: string, data: CellJobData) => link.race(queue.add('cell', data, { jobId: key, attempts: CELL_ATTEMPTS, removeOnComplete: false, removeOnFail: false }));
    let i = 0;
    for (const job of r.jobs) {
      i++;
      const key = cellKey(job);
      const file = path.join(o.out, 'cells', `${key}.json`);
      const head = `[table1] ${i}/${total} ${key}`;
      if (fs.existsSync(file)) {
        summary.skipped.push(key);
        io.err(`${head}: done earlier, skipped`);
        continue;
      }
      const why = cellNotRunReason(r.demosFor(job.env), job.trajectories);
      if (why !== null) {
        summary.notRun.push({ key, why });
        io.err(`${head}: not run: ${why}`);
        continue;
      }
      const demosFile = protocolDemosPath(o.experts, job.env, o.protocol);
      const data = cellJobData({
        cell: job, options, source, demos: { file: path.relative(o.experts, demosFile), sha256: fileSha256(demosFile) },
        runDir: path.join(o.out, 'runs', key), reportCommit: r.run.commit,
      });
      const existing = (await link.race(queue.getJob(key))) as Job<CellJobData, CellResult> | undefined;
      if (!existing) {
        await enqueue(key, data);
        io.err(`${head}: queued`);
      } else {
        const state = await link.race(existing.getState());
        if (existing.data?.fingerprint !== data.fingerprint) {
          if (state === 'active') {
            throw new Error(`--queue ${redactUrl(url)}: cell ${key} is running on a worker for another run (queued at ${existing.data?.source ? describeSource(existing.data.source) : 'an unknown commit'}, or with other options or demonstrations); wait for it, or use another --queue-name`);
          }
          await link.race(existing.remove());
          await enqueue(key, data);
          io.err(`${head}: queued again (the queue's job was from ${existing.data?.source ? describeSource(existing.data.source) : 'an unknown commit'} or had other options or demonstrations)`);
        } else if (state === 'failed') {
          await link.race(existing.remove());
          await enqueue(key, data);
          io.err(`${head}: failed earlier (${(existing.failedReason ?? '').split('\n')[0]}), queued again`);
        } else {
          io.err(`${head}: already in the queue (${state === 'active' ? 'running' : state})`);
        }
      }
      pending.set(key, { head, file, algo: job.algo });
    }

    const inQueue = pending.size;
    // seconds a finished cell took on its worker, per algorithm: BC cells take seconds, GAIL's and MGAIL's hours
    const took = new Map<string, number[]>();
    const estimate = (algo: string): number | null => {
      const xs = took.get(algo);
      return xs?.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
    };
    let done = 0;
    let lastCounts = '';
    let lastAt = 0;
    while (pending.size) {
      const keys = [...pending.keys()];
      const states = await link.race(Promise.all(keys.map((k) => queue.getJobState(k))));
      let running = 0;
      let queued = 0;
      let work = 0;
      let unknown: string | null = null;
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k];
        const { head, file, algo } = pending.get(key)!;
        const state = states[k];
        if (state === 'completed' || state === 'failed') {
          const job = (await link.race(queue.getJob(key)))!;
          if (job.processedOn && job.finishedOn) took.set(algo, [...(took.get(algo) ?? []), (job.finishedOn - job.processedOn) / 1000]);
          if (state === 'completed') {
            // the worker's record, written here as the local suite writes it
            writeJsonAtomic(file, job.returnvalue);
            summary.ran.push(key);
            r.run.cellsRun.push(key);
            r.saveRun(r.run);
            done++;
            io.err(`${head}: ${cellLine(job.returnvalue)}${job.processedBy ? ` (worker ${job.processedBy})` : ''}`);
          } else {
            const f: FailedCell = { key, error: (job.failedReason ?? 'unknown error').split('\n')[0], attempts: job.attemptsMade, failedAt: new Date(job.finishedOn ?? Date.now()).toISOString() };
            summary.failed.push(f);
            recordFailed(o.out, f);
            io.err(`${head}: failed after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}: ${f.error}`);
          }
          pending.delete(key);
        } else if (state === 'unknown') {
          throw new Error(`--queue ${redactUrl(url)}: the job of cell ${key} disappeared from queue "${queueName}" (removed by hand?); run the coordinator again to queue it`);
        }
      }
      // counted once the finished cells' times are in, so the ETA uses them
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k];
        const state = states[k];
        if (!pending.has(key)) continue;
        if (state === 'active') running++;
        else queued++;
        const e = estimate(pending.get(key)!.algo);
        if (e === null) unknown ??= pending.get(key)!.algo;
        else work += state === 'active' ? e / 2 : e; // a running cell is half done on average
      }
      const counts = `${inQueue} cell${inQueue === 1 ? '' : 's'} in the queue: ${queued} queued, ${running} running, ${done} done, ${summary.failed.length} failed`;
      if (counts !== lastCounts || Date.now() - lastAt >= HEARTBEAT_MS) {
        const left = queued + running;
        // the cells' time over the workers now running them (the queue does not know idle workers)
        io.err(`[table1] ${counts}; ${left === 0 ? 'finished' : unknown === null ? `ETA ${eta(work / Math.max(1, running))}` : `ETA once a ${unknown} cell finishes`}`);
        lastCounts = counts;
        lastAt = Date.now();
      }
      if (pending.size) await sleep(POLL_MS);
    }
  } finally {
    // closing a client of a Redis given up on re-raises its connection error, uncaught: leave it to the exit
    if (!link.isDown) await Promise.race([queue.close().catch(() => {}), sleep(2000)]);
  }
}
