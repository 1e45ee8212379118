// How far is an imitator from the textbook MountainCar controller, and what is the expert's
// anticipation worth? Evaluates, on the same start states as `mgail eval` (50 episodes, first
// reset seeded):
//   - "push the way you move" (push right iff velocity ≥ 0), the energy-pumping controller;
//   - the expert, and the expert with its first-swing turn-back removed (it pushes right while
//     the car still climbs, until the car first stops);
//   - each --policy (a run dir or .ckpt), with the share of its own actions that agree with
//     "push the way you move".
// It also counts the demonstration actions that differ from that controller.
//   node scripts/mountaincar-controllers.mjs [--policy RUN_DIR_OR_CKPT ...] [--seeds 10000,10001,10002] [--episodes 50]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { loadPolicy, readDemos } from '@mgail/policies';
import { parseArgs } from './args.mjs';

const ENV_ID = 'MountainCar-v0';
const LEFT = 0, RIGHT = 2;
const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const { opt } = parseArgs(args);
const expertDir = opt('expert', path.resolve(here, '../../../experts', ENV_ID));
const seeds = opt('seeds', '10000,10001,10002').split(',').map(Number);
const episodes = Number(opt('episodes', '50'));
const policyFiles = args.flatMap((a, i) => (a === '--policy' ? [args[i + 1]] : []));

await initBackend({ quiet: true });
const env = make(ENV_ID);
const load = (f) => loadPolicy(f, { envId: ENV_ID, observationSpace: env.observationSpace, actionSpace: env.actionSpace }).policy;
const deterministic = (p) => (o) => p.act(o, { deterministic: true }).actions[0];

const pushWayYouMove = (o) => (o[1] >= 0 ? RIGHT : LEFT);
const expert = deterministic(load(expertDir));
/** The expert, except that until the car first stops it keeps pushing right while it climbs. */
const expertWithoutTurnBack = () => {
  let stopped = false;
  return (o, t) => {
    if (t > 0 && o[1] <= 0) stopped = true;
    return !stopped && t > 0 && o[1] > 0 ? RIGHT : expert(o);
  };
};

/**
 * Mean return over the evaluation episodes and the share of actions equal to pushWayYouMove.
 * The reset protocol is evaluatePolicy's and collectDemos's (first reset seeded); neither fits
 * here because the controller without the turn-back keeps state per episode.
 */
function run(makeController, seed) {
  let total = 0, agree = 0, steps = 0;
  for (let ep = 0; ep < episodes; ep++) {
    const act = makeController();
    let o = env.reset(ep === 0 ? { seed } : {}).observation;
    for (let t = 0; ; t++) {
      const a = act(o, t);
      agree += a === pushWayYouMove(o) ? 1 : 0;
      steps++;
      const r = env.step(a);
      total += r.reward;
      o = r.observation;
      if (r.terminated || r.truncated) break;
    }
  }
  return { mean: total / episodes, agree: agree / steps };
}

const controllers = [
  ['push the way you move', () => pushWayYouMove],
  ['expert', () => expert],
  ['expert without its first turn-back', expertWithoutTurnBack],
  ...policyFiles.map((f) => { const p = deterministic(load(f)); return [f, () => p]; }),
];
console.log(`mean return per evaluation seed (${episodes} episodes), then the share of each controller's actions that push the way the car moves`);
for (const [name, make_] of controllers) {
  const rows = seeds.map((s) => run(make_, s));
  console.log(`${name.padEnd(40)} ${rows.map((r) => r.mean.toFixed(1).padStart(7)).join(' ')}   agree ${rows.map((r) => (100 * r.agree).toFixed(1)).join(' / ')}%`);
}

const demos = readDemos(path.join(expertDir, 'demos.npz'), { envId: ENV_ID });
let differ = 0;
for (let i = 0; i < demos.rewards.length; i++) if (demos.actions[i] !== pushWayYouMove(demos.observations.subarray(2 * i, 2 * i + 2))) differ++;
console.log(`demonstrations: ${differ} of ${demos.rewards.length} actions differ from push-the-way-you-move`);
env.close();
