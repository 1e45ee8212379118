import type { Command } from 'commander';
import { startViewer } from '@mgail/viewer';
import { makeEnv } from '../envs.js';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { parseIntFlag, parseSeedFlag } from '../options.js';

interface ViewOpts {
  port: number;
  host: string;
  episode: number;
  rollouts: number;
  seed: number;
  stochastic?: boolean;
  xml?: string;
}

export function registerView(program: Command, io: Io): void {
  program
    .command('view')
    .description('serve a local page that replays episodes (MuJoCo in 3D, classic control in 2D) with play/pause/scrub and per-step reward terms')
    .argument('<run-or-demos>', 'a demos .npz, an expert folder (its demos.npz), or a run folder with a policy checkpoint (rolls out episodes)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 8765)
    .option('--host <addr>', 'interface to listen on', '127.0.0.1')
    .option('--episode <k>', 'episode shown first', parseIntFlag('episode'), 0)
    .option('--rollouts <n>', 'episodes to roll out when the folder has a checkpoint and no demos', parseIntFlag('rollouts', 1), 3)
    .option('--seed <s>', 'seed of the first rollout reset', parseSeedFlag(), 0)
    .option('--stochastic', 'sample rollout actions instead of the deterministic mean/argmax')
    .option('--xml <file>', 'MuJoCo envs: the MJCF model the episodes were recorded on (train/collect --xml), for drawing, reward terms and rollouts')
    .action(async (input: string, opts: ViewOpts) => {
      let viewer;
      try {
        viewer = await startViewer(input, { ...opts, makeEnv: (id, options) => makeEnv(id, options) });
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const { info } = viewer.replay;
      const from = info.origin === 'demos' ? info.source : `${info.episodes.length} rollouts of ${info.source}`;
      io.out(`${info.envId}: ${info.episodes.length} episodes from ${from}`);
      io.out(`open ${viewer.url} (Ctrl-C stops the server)`);
      // serve until interrupted, then close cleanly so the exit code is 0
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void viewer.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`--port must be an integer from 0 to 65535, got "${v}"`);
  return n;
}
