import fs from 'node:fs';
import path from 'node:path';
import { readDemos, selectEpisodes, type Demonstrations } from '@mgail/policies';
import { UserError } from './errors.js';

/** `--demos` accepts an .npz file or an expert folder holding `demos.npz`. */
export function loadDemosArg(demosPath: string, envId: string, opts: { trajectories?: number; obsDim?: number } = {}): { demos: Demonstrations; file: string } {
  let file = demosPath;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    const inside = path.join(file, 'demos.npz');
    if (!fs.existsSync(inside)) throw new UserError(`${demosPath} is a folder without demos.npz`, 'pass the demonstrations file');
    file = inside;
  }
  try {
    const demos = readDemos(file, { envId, obsDim: opts.obsDim });
    if (opts.trajectories !== undefined && opts.trajectories > demos.episodeStarts.length) {
      throw new Error(`${file} holds ${demos.episodeStarts.length} trajectories, --trajectories asked for ${opts.trajectories}`);
    }
    return { demos: opts.trajectories !== undefined ? selectEpisodes(demos, opts.trajectories) : demos, file };
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}
