// Measures MGAIL's FINAL policy (no selection) over seeds and trajectory counts.
//   node scripts/sweep.mjs --trajectories 1,10 --seeds 0,1,2 [--set key=value ...] [--demos FILE] [--episodes 20]
//   --demos scripted: 10 episodes of the scripted linear CartPole expert (push right iff θ + 0.5θ̇ + 0.01x + 0.1ẋ > 0)
//   --defaults-only ignores configs/<env>.json (the authors' defaults plus --set)
// One JSON line per run on stdout; progress on stderr. Build first (pnpm --filter @mgail/mgail... build).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { collectDemos, evaluatePolicy, readDemos, selectEpisodes } from '@mgail/policies';
import { mgailConfig, trainMGAIL } from '@mgail/mgail';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sets = {};
args.forEach((a, i) => {
  if (a !== '--set') return;
  const [k, ...rest] = args[i + 1].split('=');
  sets[k] = JSON.parse(rest.join('='));
});
const envId = opt('env', 'CartPole-v1');
const demosFile = opt('demos', path.resolve(here, '../../../experts', envId, 'demos.npz'));
const trajs = opt('trajectories', '1,10').split(',').map(Number);
const seeds = opt('seeds', '0,1,2').split(',').map(Number);
const episodes = Number(opt('episodes', '20'));
const tag = opt('tag', '');

await initBackend({ quiet: true });
const linearExpert = (o) => (o[2] + 0.5 * o[3] + 0.01 * o[0] + 0.1 * o[1] > 0 ? 1 : 0);
const all = demosFile === 'scripted'
  ? collectDemos(make('CartPole-v1'), linearExpert, { episodes: 10, seed: 7, source: 'scripted linear expert' })
  : readDemos(demosFile, { envId });
for (const k of trajs) {
  for (const seed of seeds) {
    const config = mgailConfig(args.includes('--defaults-only') ? undefined : envId, sets);
    const t0 = Date.now();
    const res = await trainMGAIL({ envId, makeEnv: () => make(envId), demos: selectEpisodes(all, k), config, seed });
    const ev = evaluatePolicy(make(envId), res.policy, { episodes, seed: 10_000 + seed, deterministic: true });
    const hist = res.evalHistory.map((h) => Math.round(h.mean));
    console.log(JSON.stringify({ tag, trajectories: k, seed, final: ev.mean, finalMin: Math.min(...ev.returns), envSteps: res.envSteps, seconds: (Date.now() - t0) / 1000, hist, sets }));
    res.policy.dispose();
  }
}
