// Where does an imitator act differently from the expert? Compares deterministic policies on a
// classic-control env, start state by start state, and on the demonstrations' states.
//   node scripts/compare.mjs --env MountainCar-v0 --policy RUN_DIR_OR_CKPT [--policy ...]
//        [--expert experts/<env>] [--demos experts/<env>/demos.npz] [--starts 40] [--seed 0]
//        [--grid -0.65:-0.35:26,-0.01:0.01:21]   (2-D observations: the action map, expert|policy per cell)
// Prints: per start state (sorted by the first observation) the expert's and each policy's episode
// length, and where along the expert's episode each policy would first act differently; for discrete actions, each policy's mean probability of the expert's action at the start
// states; the share of demonstration states where the deterministic actions differ.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { loadPolicy, readDemos } from '@mgail/policies';
import { parseArgs } from './args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const { opt } = parseArgs(args);
const envId = opt('env', 'MountainCar-v0');
const expertDir = opt('expert', path.resolve(here, '../../../experts', envId));
const demosFile = opt('demos', path.join(expertDir, 'demos.npz'));
const policyFiles = args.flatMap((a, i) => (a === '--policy' ? [args[i + 1]] : []));
if (!policyFiles.length) throw new Error('compare: pass at least one --policy RUN_DIR_OR_CKPT');
const starts = Number(opt('starts', '40'));
const seed0 = Number(opt('seed', '0'));

await initBackend({ quiet: true });
const env = make(envId);
const load = (f) => loadPolicy(f, { envId, observationSpace: env.observationSpace, actionSpace: env.actionSpace }).policy;
const expert = load(expertDir);
const policies = policyFiles.map(load);
const discrete = expert.kind === 'categorical';
const act = (p, obs) => p.act(Float32Array.from(obs), { deterministic: true }).actions;

/** Whether two deterministic actions differ (continuous: any component by more than 1e-3). */
const differs = (a, b) => (discrete ? a[0] !== b[0] : a.some((x, j) => Math.abs(x - b[j]) > 1e-3));
const fmt = (xs, digits) => [...xs].map((x) => +x.toFixed(digits)).join(',');

/** Length of p's episode from the start state of `seed`. */
function episodeLength(p, seed) {
  let obs = env.reset({ seed }).observation;
  for (let len = 1; ; len++) {
    const a = act(p, obs);
    const r = env.step(discrete ? a[0] : a);
    obs = r.observation;
    if (r.terminated || r.truncated) return len;
  }
}

/**
 * The expert's episode from `seed`, walked once: its first observation, its length and, for each
 * policy, the first step where that policy would act differently (null: never).
 */
function expertEpisode(seed) {
  let obs = env.reset({ seed }).observation;
  const first = [...obs];
  const differ = policies.map(() => null);
  for (let t = 0; ; t++) {
    const a = act(expert, obs);
    policies.forEach((p, i) => {
      if (differ[i] !== null) return;
      const b = act(p, obs);
      if (differs(a, b)) differ[i] = `t=${t} obs=[${[...obs].map((x) => x.toFixed(4)).join(', ')}] expert ${fmt(a, 3)} policy ${fmt(b, 3)}`;
    });
    const r = env.step(discrete ? a[0] : a);
    obs = r.observation;
    if (r.terminated || r.truncated) return { first, len: t + 1, differ };
  }
}

// ------------------------------------------------------------------ per start state
const rows = [];
for (let k = 0; k < starts; k++) {
  const e = expertEpisode(seed0 + k);
  rows.push({ first: e.first, expert: e.len, policies: policies.map((p) => episodeLength(p, seed0 + k)), differs: e.differ });
}
rows.sort((a, b) => a.first[0] - b.first[0]);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`episode length from ${starts} start states (seeds ${seed0}..${seed0 + starts - 1}), sorted by obs[0]: expert | ${policyFiles.join(' | ')}`);
console.log('  then, per policy, the first state of the expert\'s episode where the policy would act differently');
for (const r of rows) {
  console.log(`  obs[0] ${r.first[0].toFixed(3).padStart(7)}  ${String(r.expert).padStart(4)} | ${r.policies.map((l) => String(l).padStart(4)).join(' | ')}   ${r.differs.map((d) => d ?? 'same actions').join(' | ')}`);
}
console.log(`  mean    ${mean(rows.map((r) => r.expert)).toFixed(1).padStart(12)} | ${policies.map((_, i) => mean(rows.map((r) => r.policies[i])).toFixed(1)).join(' | ')}`);

// ------------------------------------------------------------------ probability of the expert's action at the start states
if (discrete) {
  const obs = tf.tensor2d(rows.map((r) => r.first));
  const expertActs = tf.tensor1d(rows.map((r) => act(expert, r.first)[0]), 'int32');
  for (const [i, p] of policies.entries()) {
    const pr = tf.tidy(() => tf.mean(tf.exp(p.logProb(obs, expertActs))).dataSync()[0]);
    console.log(`mean π(expert's action | start state): ${pr.toFixed(3)}  (${policyFiles[i]})`);
  }
  tf.dispose([obs, expertActs]);
}

// ------------------------------------------------------------------ the demonstrations' states
const demos = readDemos(demosFile, { envId });
const d = env.observationSpace.size;
const n = demos.observations.length / d;
for (const [i, p] of policies.entries()) {
  let differ = 0;
  for (let k = 0; k < n; k++) {
    const o = demos.observations.subarray(k * d, (k + 1) * d);
    if (differs(act(expert, o), act(p, o))) differ++;
  }
  console.log(`demonstration states where the deterministic actions differ: ${differ} of ${n}  (${policyFiles[i]})`);
}

// ------------------------------------------------------------------ action map (2-D observations)
const grid = opt('grid', null);
if (grid && d === 2 && discrete) {
  const [[x0, x1, nx], [y0, y1, ny]] = grid.split(',').map((g) => g.split(':').map(Number));
  console.log(`action map, expert then each policy per cell; columns obs[0] ${x0}..${x1}, rows obs[1] ${y1}..${y0}`);
  for (let j = ny - 1; j >= 0; j--) {
    const y = y0 + ((y1 - y0) * j) / Math.max(1, ny - 1);
    let line = `${y.toFixed(4).padStart(8)} `;
    for (let i = 0; i < nx; i++) {
      const x = x0 + ((x1 - x0) * i) / Math.max(1, nx - 1);
      line += `${act(expert, [x, y])[0]}${policies.map((p) => act(p, [x, y])[0]).join('')} `;
    }
    console.log(line);
  }
}
for (const p of [expert, ...policies]) p.dispose();
env.close();
