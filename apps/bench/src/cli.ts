import { Command, CommanderError } from 'commander';
import { registerPerf } from './suites/perf.js';
import { registerTable1 } from './suites/table1.js';
import { registerWorker } from './suites/worker.js';
import { processIo, type Io } from './io.js';

export const VERSION = '0.1.0';

/**
 * Every suite lives in `suites/` and registers itself as a subcommand here
 * (`perf`: throughput; `table1`: the paper's Table 1; `worker`: runs Table 1 cells queued on Redis).
 */
export const SUITES: readonly ((program: Command, io: Io) => void)[] = [registerPerf, registerTable1, registerWorker];

export function buildProgram(io: Io = processIo): Command {
  const program = new Command('bench')
    .description('MGAIL benchmarks: `perf` (training-step and env throughput vs PyTorch), `table1` (the paper\'s Table 1: BC, GAIL, MGAIL), `worker` (runs queued Table 1 cells)')
    .version(VERSION)
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  for (const register of SUITES) register(program, io);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Runs the bench CLI on `argv` (without node and script) and returns the exit code. */
export async function runBench(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const msg = err instanceof Error ? err.message : String(err);
    io.err(`bench: error: ${msg.split('\n')[0]}`);
    if (argv.includes('--verbose') && err instanceof Error && err.stack) io.err(err.stack);
    return 1;
  }
}
