import { Command, CommanderError } from 'commander';
import { registerEnvs } from './commands/envs.js';
import { registerRollout } from './commands/rollout.js';
import { registerEval } from './commands/eval.js';
import { registerCollect } from './commands/collect.js';
import { registerTrain } from './commands/train.js';
import { registerTrainExpert } from './commands/train-expert.js';
import { registerPlot } from './commands/plot.js';
import { registerView } from './commands/view.js';
import { InterruptedError, oneLine } from './errors.js';
import { loadEnvModules } from './envs.js';
import { processIo, type Io } from './io.js';

export const VERSION = '0.1.0';

/** Builds the `mgail` program; each verb lives in `commands/` and registers itself here. */
export function buildProgram(io: Io = processIo): Command {
  const program = new Command('mgail')
    .description('Imitation learning in TypeScript: MGAIL, GAIL, BC, TRPO/PPO experts, Gymnasium-exact environments')
    .version(VERSION)
    .option('--verbose', 'print stack traces on errors')
    .option('--env-module <file>', 'an ES module that registers envs (default export receives { register, Box, Discrete, ... }); repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    // before any verb, so its ids work with every command
    .hook('preAction', async () => loadEnvModules(program.opts<{ envModule?: string[] }>().envModule));
  registerEnvs(program, io);
  registerRollout(program, io);
  registerTrainExpert(program, io);
  registerTrain(program, io);
  registerEval(program, io);
  registerCollect(program, io);
  registerPlot(program, io);
  registerView(program, io);
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed usage errors; --help and --version exit 0
      return err.exitCode;
    }
    io.err(`mgail: error: ${oneLine(err)}`);
    if (argv.includes('--verbose') && err instanceof Error && err.stack) io.err(err.stack);
    return err instanceof InterruptedError ? err.exitCode : 1;
  }
}
