import type { Io } from './io.js';

/**
 * SIGINT/SIGTERM during a training verb: the first one asks the trainer to stop at the next
 * iteration boundary, checkpoint and return (the verb then exits non-zero, resumable); a second
 * one exits at once. Trainers poll `stopped()` through their `shouldStop` option.
 */
export function stopOnSignals(io: Io, what = 'this iteration'): { stopped(): NodeJS.Signals | null; dispose(): void } {
  let got: NodeJS.Signals | null = null;
  const handler = (sig: NodeJS.Signals) => {
    if (got) process.exit(sig === 'SIGINT' ? 130 : 143);
    got = sig;
    io.err(`mgail: ${sig}: stopping after ${what} (checkpointing; resume with --resume); send it again to quit at once`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stopped: () => got,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
