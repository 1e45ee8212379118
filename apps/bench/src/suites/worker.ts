import path from 'node:path';
import type { Command } from 'commander';
import { parsePositiveInt, parseRedisUrl, REPO_ROOT, type Io } from '../io.js';

export function registerWorker(program: Command, io: Io): void {
  program
    .command('worker')
    .description('runs the cells `bench table1 --queue` queues on Redis; any machine with the repo at the coordinator\'s commit, built, and its experts/')
    .requiredOption('--queue <url>', 'the coordinator\'s Redis (redis://HOST:PORT)', (v) => parseRedisUrl(v, '--queue'))
    .option('--queue-name <name>', 'the BullMQ queue, as the coordinator\'s --queue-name', 'table1')
    .option('--concurrency <n>', 'cells at a time, each on its own thread (at most one per core)', parsePositiveInt('--concurrency'), 1)
    .option('--experts <dir>', 'folder of <env-id>/demos.npz, the same files as the coordinator\'s', path.join(REPO_ROOT, 'experts'))
    .option('--runs <dir>', 'where cells keep their run folders (MGAIL checkpoints); default the coordinator\'s <out>/runs, so a retried cell resumes when that folder is shared storage')
    .option('--lock-seconds <s>', 'a job\'s lock lasts this long unrenewed: a killed worker\'s cells go to another worker after about this long', parsePositiveInt('--lock-seconds'), 30)
    .action(async (x: Record<string, unknown>) => {
      // loaded only here: the other suites never pay for the queue client
      const { runWorker } = await import('../table1/worker.js');
      // a stop leaves running cells to their locks, as a killed worker does: another worker takes them and no attempt is spent
      const onSignal = () => {
        io.err(`[worker] stopping: its running cells go back to the queue within about ${x.lockSeconds} s`);
        process.exit(130);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runWorker({
          queue: String(x.queue), queueName: String(x.queueName), concurrency: x.concurrency as number,
          experts: path.resolve(String(x.experts)), runs: typeof x.runs === 'string' ? path.resolve(x.runs) : undefined, lockSeconds: x.lockSeconds as number,
        }, io);
      } catch (err) {
        // BullMQ's and ioredis' timers outlive a Redis given up on: end once the error is printed
        setTimeout(() => process.exit(process.exitCode ?? 1), 1000).unref();
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
