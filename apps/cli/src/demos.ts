import fs from 'node:fs';
import path from 'node:path';
import { hoErmonSubsample, readDemos, selectEpisodes, type Demonstrations } from '@mgail/policies';
import type { Space } from '@mgail/envs-classic';
import { UserError } from './errors.js';

/** `--subsample K`: a positive integer, or `ho-ermon` for the protocol's rate for the env. */
export function parseSubsample(v: string | number | undefined, envId: string): number {
  if (v === undefined) return 1;
  if (v === 'ho-ermon') {
    try {
      return hoErmonSubsample(envId);
    } catch (e) {
      throw new UserError(`--subsample ho-ermon: ${(e as Error).message}`);
    }
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--subsample must be a positive integer (keep every K-th pair) or ho-ermon, got "${v}"`);
  return n;
}

/**
 * `--demos` accepts an .npz file or an expert folder holding `demos.npz`. The run sees the first
 * `trajectories` episodes, subsampled every `subsample` pairs from offsets seeded by `seed`.
 */
export function loadDemosArg(demosPath: string, envId: string, opts: { trajectories?: number; subsample?: string | number; seed?: number; observationSpace?: Space; actionSpace?: Space } = {}): { demos: Demonstrations; file: string } {
  const subsample = parseSubsample(opts.subsample, envId);
  let file = demosPath;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    const inside = path.join(file, 'demos.npz');
    if (!fs.existsSync(inside)) throw new UserError(`${demosPath} is a folder without demos.npz`, 'pass the demonstrations file');
    file = inside;
  }
  try {
    const demos = readDemos(file, { envId, observationSpace: opts.observationSpace, actionSpace: opts.actionSpace });
    if (opts.trajectories !== undefined && opts.trajectories > demos.episodeStarts.length) {
      throw new Error(`${file} holds ${demos.episodeStarts.length} trajectories, --trajectories asked for ${opts.trajectories}`);
    }
    return { demos: selectEpisodes(demos, { trajectories: opts.trajectories, subsample, seed: opts.seed ?? 0 }), file };
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}
