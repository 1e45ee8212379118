// Trains MGAIL once (discrete-action classic env), then prints what the final D and π say along one
// demonstration: per step the expert's action, D(s, a) for every action, and π(a | s).
// Shows whether D's action signal points to the expert's action where π disagrees, and what the
// forward model f says the extreme actions change (f(s, last) − f(s, 0) over the demonstration states).
// On MountainCar-v0 also: how D's state preference D̄(s) (D averaged over the actions) relates to the
// car's mechanical energy, and whether ∂D̄/∂velocity points with the motion or against it.
//   node scripts/inspect.mjs --env MountainCar-v0 [--trajectories 10] [--seed 1] [--episode 0] [--steps 40] [--set key=value ...]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { episodeSlices, readDemos, selectEpisodes } from '@mgail/policies';
import { mgailConfig, trainMGAIL } from '@mgail/mgail';
import { parseArgs } from './args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { opt, sets } = parseArgs(process.argv.slice(2));
const envId = opt('env', 'MountainCar-v0');
const seed = Number(opt('seed', '1'));
const episode = Number(opt('episode', '0'));
await initBackend({ quiet: true });
const demos = selectEpisodes(readDemos(opt('demos', path.resolve(here, '../../../experts', envId, 'demos.npz')), { envId }), Number(opt('trajectories', '10')));
const probe = make(envId);
if (probe.actionSpace.kind !== 'discrete') throw new Error(`inspect: ${envId} has continuous actions; this script reads D per discrete action`);
const nA = probe.actionSpace.n;
const d = probe.observationSpace.size;
/** MountainCar's gravity term (its potential energy is (g/3)·sin(3x)); undefined on other envs. */
const gravity = probe.gravity;
probe.close();
const range = episodeSlices(demos)[episode];
if (!range) throw new Error(`inspect: the demonstrations have no episode ${episode}`);
const [start, end] = range;
const steps = Math.min(Number(opt('steps', '40')), end - start);
/** n copies of action a, one-hot (how D and f take discrete actions). */
const oneHot = (n, a) => tf.oneHot(tf.fill([n], a, 'int32'), nA).toFloat();

const quantiles = (xs) => {
  const q = [...xs].sort((a, b) => a - b);
  return [0.05, 0.25, 0.5, 0.75, 0.95].map((p) => q[Math.floor(p * (q.length - 1))].toPrecision(3)).join(' / ');
};

/** Pearson correlation of two equal-length arrays. */
const pearson = (a, b) => {
  const n = a.length;
  const ma = a.reduce((x, y) => x + y, 0) / n, mb = b.reduce((x, y) => x + y, 0) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
};

/** MountainCar: D̄(s) = mean over actions of D(s, a) against the energy v²/2 + (g/3)·sin(3x), on the demonstration states. */
function energyView(disc) {
  const n = demos.rewards.length;
  const s = tf.tensor2d(demos.observations, [n, d]);
  const dbar = (st) => tf.div(tf.addN(Array.from({ length: nA }, (_, a) => disc.prob(st, oneHot(n, a)))), nA);
  const [value, grad] = tf.tidy(() => [dbar(s).arraySync(), tf.grad((st) => tf.sum(dbar(st)))(s).arraySync()]);
  s.dispose();
  const x = (i) => demos.observations[i * d], v = (i) => demos.observations[i * d + 1];
  const energy = value.map((_, i) => 0.5 * v(i) ** 2 + (gravity / 3) * Math.sin(3 * x(i)));
  const moving = value.map((_, i) => i).filter((i) => Math.abs(v(i)) > 0.002);
  const against = moving.filter((i) => Math.sign(grad[i][1]) === -Math.sign(v(i))).length;
  console.log(`D̄(s) against the mechanical energy over the ${n} demonstration states: Pearson ${pearson(value, energy).toFixed(2)};`
    + ` ∂D̄/∂velocity points against the motion at ${against} of the ${moving.length} states with |velocity| > 0.002`);
}

function show({ disc, policy, model }) {
  if (envId === 'MountainCar-v0') energyView(disc);
  // what f says an action does: f(s, last action) − f(s, action 0) over every demonstration state
  tf.tidy(() => {
    const n = demos.observations.length / d;
    const s = tf.tensor2d(demos.observations, [n, d]);
    const next = (a) => model.predict(s, oneHot(n, a), model.initialState(n)).next;
    const diff = tf.sub(next(nA - 1), next(0));
    console.log(`f(s, a=${nA - 1}) − f(s, a=0) over the ${n} demonstration states, 5th / 25th / 50th / 75th / 95th percentile per observation dimension:`);
    for (let j = 0; j < d; j++) console.log(`  obs[${j}]: ${quantiles(diff.slice([0, j], [n, 1]).dataSync())}`);
  });

  tf.tidy(() => {
    const obs = demos.observations.slice(start * d, (start + steps) * d);
    const s = tf.tensor2d(obs, [steps, d]);
    const D = [], P = [];
    for (let a = 0; a < nA; a++) {
      D.push(disc.prob(s, oneHot(steps, a)).arraySync());
      P.push(policy.logProb(s, tf.fill([steps], a, 'int32')).exp().arraySync());
    }
    console.log(`${envId}, seed ${seed}, demonstration ${episode}: t, observation, expert action, D(s, a) for a = 0..${nA - 1}, π(a | s)`);
    for (let t = 0; t < steps; t++) {
      const o = [...obs.subarray(t * d, (t + 1) * d)].map((x) => x.toFixed(4)).join(', ');
      console.log(`t=${String(t).padStart(3)} [${o}] expert ${demos.actions[start + t]}  D ${D.map((x) => x[t].toFixed(2)).join('/')}  π ${P.map((x) => x[t].toFixed(2)).join('/')}`);
    }
  });
}
const res = await trainMGAIL({ envId, makeEnv: () => make(envId), demos, config: mgailConfig(envId, sets), seed, onFinish: show });
res.policy.dispose();
