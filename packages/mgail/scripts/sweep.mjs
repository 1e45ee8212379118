// Measures MGAIL's FINAL policy (no selection) over seeds and trajectory counts.
//   node scripts/sweep.mjs [--env CartPole-v1] --trajectories 1,10 --seeds 0,1,2 [--set key=value ...] [--demos FILE] [--episodes 20]
//   --env takes classic ids and MuJoCo ids (Hopper-v5: @mgail/envs-mujoco-wasm, built, is loaded from the workspace)
//   --demos scripted: 10 episodes of the scripted linear CartPole expert (push right iff θ + 0.5θ̇ + 0.01x + 0.1ẋ > 0)
//   --defaults-only ignores configs/<env>.json (the authors' defaults plus --set)
//   --algo mgail+bc layers configs/mgail+bc/<env>.json (the BC warm start and term) over the plain config
//   --subsample K|ho-ermon keeps every K-th pair of each trajectory from a seeded offset (ho-ermon: the protocol's rate)
//   --run-dir DIR writes each run's metrics, checkpoint and final policy.ckpt under DIR/<env>-n<k>-s<seed>[-<tag>]
// One JSON line per run on stdout; progress on stderr. Build first (pnpm --filter @mgail/mgail... build).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@mgail/core-autodiff-graph';
import { make, MODULE_URL as CLASSIC_MODULE_URL } from '@mgail/envs-classic';
import { collectDemos, evaluatePolicy, hoErmonSubsample, readDemos, savePolicy, selectEpisodes } from '@mgail/policies';
import { mgailBCConfig, mgailConfig, trainMGAIL } from '@mgail/mgail';
import { parseArgs } from './args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const { opt, sets } = parseArgs(args);
const envId = opt('env', 'CartPole-v1');
const demosFile = opt('demos', path.resolve(here, '../../../experts', envId, 'demos.npz'));
const trajs = opt('trajectories', '1,10').split(',').map(Number);
const seeds = opt('seeds', '0,1,2').split(',').map(Number);
const episodes = Number(opt('episodes', '20'));
const tag = opt('tag', '');
const configFile = opt('config', null);
const algo = opt('algo', 'mgail');
if (algo !== 'mgail' && algo !== 'mgail+bc') throw new Error(`--algo must be mgail or mgail+bc, got ${algo}`);
const subsample = opt('subsample', '1') === 'ho-ermon' ? hoErmonSubsample(envId) : Number(opt('subsample', '1'));

// MuJoCo envs come from the workspace package (not a dependency of @mgail/mgail itself)
const mujoco = /-v5$/.test(envId) ? await import(path.resolve(here, '../../envs-mujoco-wasm/dist/index.js')) : null;
const makeEnv = (id) => (mujoco ? mujoco.make(id) : make(id));
// how policyWorkers threads make the same envs
const workerEnv = { module: mujoco ? mujoco.MODULE_URL : CLASSIC_MODULE_URL, args: [envId] };

await initBackend({ quiet: true });
const linearExpert = (o) => (o[2] + 0.5 * o[3] + 0.01 * o[0] + 0.1 * o[1] > 0 ? 1 : 0);
const all = demosFile === 'scripted'
  ? collectDemos(make('CartPole-v1'), linearExpert, { episodes: 10, seed: 7, source: 'scripted linear expert' })
  : readDemos(demosFile, { envId });
for (const k of trajs) {
  for (const seed of seeds) {
    const fileSets = configFile ? JSON.parse(fs.readFileSync(configFile, 'utf8')) : {};
    const config = (algo === 'mgail' ? mgailConfig : mgailBCConfig)(args.includes('--defaults-only') ? undefined : envId, { ...fileSets, ...sets });
    const t0 = Date.now();
    const runDir = opt('run-dir', null);
    const dir = runDir ? path.join(runDir, `${envId}-n${k}-s${seed}${tag ? `-${tag}` : ''}`) : undefined;
    const res = await trainMGAIL({
      envId, makeEnv: () => makeEnv(envId), workerEnv, demos: selectEpisodes(all, { trajectories: k, subsample, seed }), config, seed, progress: args.includes('--progress'), runDir: dir,
    });
    // the final policy, for `mgail eval` and scripts/compare.mjs
    if (dir) savePolicy(path.join(dir, 'policy.ckpt'), res.policy, { envId, algo, seed, trajectories: k, subsample });
    const evalEnv = await makeEnv(envId);
    const ev = evaluatePolicy(evalEnv, res.policy, { episodes, seed: 10_000 + seed, deterministic: true });
    evalEnv.close();
    const hist = res.evalHistory.map((h) => Math.round(h.mean));
    const per = Object.fromEntries(Object.entries(res.timing.perIteration).map(([k2, v]) => [k2, Math.round(v * 100) / 100]));
    console.log(JSON.stringify({
      tag, algo, env: envId, trajectories: k, subsample, seed, final: Math.round(ev.mean * 100) / 100, finalStd: Math.round(ev.std * 100) / 100, finalMin: Math.min(...ev.returns),
      envSteps: res.envSteps, seconds: (Date.now() - t0) / 1000, hist, msPerIteration: per, sets,
    }));
    res.policy.dispose();
  }
}
