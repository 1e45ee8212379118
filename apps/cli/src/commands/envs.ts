import type { Command } from 'commander';
import { allEnvIds } from '../envs.js';
import type { Io } from '../io.js';

export function registerEnvs(program: Command, io: Io): void {
  program
    .command('envs')
    .description('list the environment ids')
    .option('--json', 'print a JSON object {classic: [...], mujoco: [...]}')
    .action(async (opts: { json?: boolean }) => {
      const ids = await allEnvIds();
      if (opts.json) io.out(JSON.stringify(ids));
      else io.out([...ids.classic, ...ids.mujoco].join(' '));
    });
}
