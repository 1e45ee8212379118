// Writes examples/custom-env/demos.npz: 20 episodes of the scripted PointMass expert.
//   node examples/custom-env/make-demos.mjs [out.npz] [episodes]
// Imports the workspace packages' built dist/ (run `pnpm build` first).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as envs from '../../packages/envs-classic/dist/index.js';
import { collectDemos, readDemos, writeDemos } from '../../packages/policies/dist/index.js';
import registerPointMass, { expert } from './point-mass.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? path.join(here, 'demos.npz');
const episodes = Number(process.argv[3] ?? 20);

if (!envs.listEnvs().includes('PointMass-v0')) registerPointMass({ register: envs.register, Box: envs.Box, Discrete: envs.Discrete, Rng: envs.Rng, TimeLimit: envs.TimeLimit, checkAction: envs.checkAction });
const env = envs.make('PointMass-v0');
envs.assertEnv(env);
const demos = collectDemos(env, expert, { episodes, seed: 0 });
// demos.npz is tracked: when only the creation time would change, leave the file as it is
if (fs.existsSync(out)) {
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'make-demos-')), 'demos.npz');
  writeDemos(tmp, { ...demos, metadata: { ...demos.metadata, created: readDemos(out).metadata.created } });
  const same = fs.readFileSync(tmp).equals(fs.readFileSync(out));
  fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
  if (same) {
    console.log(`${out} unchanged: ${episodes} episodes, mean return ${demos.metadata.meanReturn.toFixed(2)}`);
    process.exit(0);
  }
}
writeDemos(out, demos);
console.log(`wrote ${out}: ${episodes} episodes, mean return ${demos.metadata.meanReturn.toFixed(2)}`);
