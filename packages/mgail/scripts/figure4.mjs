// The paper's Figure 4 on Hopper-v5: the basic forward model (an MLP on [s, a]) against the
// advanced one (state encoder + GRU over the last n states, action encoder, product, decoder).
// For each kind, one MGAIL run with configs/Hopper-v5.json (plus --set overrides); then
//   - the trained model's open-loop prediction error at 1..H steps (mean squared error in
//     standardized state units, the real recorded actions fed in, the GRU warmed up on the
//     n − 1 real transitions before the start) on (a) windows of the run's own agent buffer and
//     (b) the same windows of the held-out expert trajectories for both kinds (demos the run did
//     not train on: trajectories after the first N);
//   - the final policy's deterministic return (no selection).
//
//   node scripts/figure4.mjs [--trajectories 25] [--seed 0] [--horizon 30] [--episodes 10]
//       [--kinds basic,advanced] [--set key=value ...] [--out results]
//   node scripts/figure4.mjs --render results/figure4-hopper.json   (rewrites the .md and .svg from a saved run)
// Writes <out>/figure4-hopper.json, .md and .svg. Build first (pnpm --filter @mgail/mgail... build
// and @mgail/envs-mujoco-wasm).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, Rng } from '@mgail/core-autodiff-graph';
import { evaluatePolicy, readDemos, selectEpisodes } from '@mgail/policies';
import { mgailConfig, trainMGAIL } from '@mgail/mgail';
import { parseArgs } from './args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const { opt, sets } = parseArgs(args);
const envId = 'Hopper-v5';
const N = Number(opt('trajectories', '25'));
const seed = Number(opt('seed', '0'));
const H = Number(opt('horizon', '30'));
const episodes = Number(opt('episodes', '10'));
const kinds = opt('kinds', 'basic,advanced').split(',');
const outDir = path.resolve(opt('out', path.resolve(here, '..', 'results')));
const windows = 256;
const renderFrom = opt('render', null);
if (renderFrom) {
  render(JSON.parse(fs.readFileSync(renderFrom, 'utf8')), renderFrom.replace(/\.json$/, ''));
  process.exit(0);
}

const mujoco = await import(path.resolve(here, '../../envs-mujoco-wasm/dist/index.js'));
await initBackend({ quiet: true });
const all = readDemos(path.resolve(here, '../../../experts', envId, 'demos.npz'), { envId });
const demos = selectEpisodes(all, N);

/** `count` windows of `length` consecutive expert transitions inside one episode, from episodes ≥ `firstEpisode` (held out when any are left). */
function expertWindows(d, rng, count, length, firstEpisode) {
  const eps = d.episodeStarts.map((s, i) => [s, d.episodeLengths[i]]).filter(([, l]) => l >= length);
  const pool = eps.slice(firstEpisode).length ? eps.slice(firstEpisode) : eps;
  const A = d.actDim;
  const states = new Float32Array(count * length * d.obsDim), actions = new Float32Array(count * length * A), nextStates = new Float32Array(count * length * d.obsDim);
  for (let k = 0; k < count; k++) {
    const [s, l] = pool[rng.int(pool.length)];
    const t0 = s + rng.int(l - length + 1);
    states.set(d.observations.subarray(t0 * d.obsDim, (t0 + length) * d.obsDim), k * length * d.obsDim);
    actions.set(d.actions.subarray(t0 * A, (t0 + length) * A), k * length * A);
    nextStates.set(d.nextObservations.subarray(t0 * d.obsDim, (t0 + length) * d.obsDim), k * length * d.obsDim);
  }
  return { batch: count, length, states, actions, nextStates, heldOut: eps.slice(firstEpisode).length > 0 };
}

const rows = [];
let warmupUsed = 0;
for (const kind of kinds) {
  const config = mgailConfig(envId, { ...sets, forwardModel: kind });
  warmupUsed = config.modelHistory - 1;
  const warmup = config.modelHistory - 1; // the same windows and start states for both kinds (the MLP ignores the warm-up)
  let errors = null;
  const t0 = Date.now();
  const res = await trainMGAIL({
    envId, makeEnv: () => mujoco.make(envId), demos, config, seed, progress: true,
    onFinish: ({ model, buffer }) => {
      const agent = buffer.sampleWindows(new Rng(1234), windows, warmup + H);
      const expert = expertWindows(all, new Rng(1234), windows, warmup + H, N);
      errors = { agent: model.multiStepError(agent, H, { warmup }), expert: model.multiStepError(expert, H, { warmup }), expertHeldOut: expert.heldOut };
    },
  });
  const seconds = (Date.now() - t0) / 1000;
  const evalEnv = await mujoco.make(envId);
  const ev = evaluatePolicy(evalEnv, res.policy, { episodes, seed: 10_000 + seed, deterministic: true });
  evalEnv.close();
  res.policy.dispose();
  const row = { kind, config, trajectories: N, seed, finalReturn: ev.mean, finalStd: ev.std, envSteps: res.envSteps, seconds, iterations: res.iterations, evalHistory: res.evalHistory, msPerIteration: res.timing.perIteration, ...errors, sets };
  console.log(JSON.stringify(row));
  rows.push(row);
}

fs.mkdirSync(outDir, { recursive: true });
const base = path.join(outDir, 'figure4-hopper');
const command = `node scripts/figure4.mjs ${args.join(' ')}`.trim();
const result = { envId, command, horizon: H, windows, warmup: warmupUsed, episodes, trajectories: N, seed, sets, rows };
fs.writeFileSync(`${base}.json`, JSON.stringify(result, null, 1) + '\n');
render(result, base);
console.error(`wrote ${base}.json, .md, .svg`);

function render({ envId, command, horizon: H, windows, warmup, episodes, trajectories: N, seed, sets, rows }, base) {

const steps = [1, 2, 5, 10, 20, 30, 50].filter((k) => k <= H);
const f = (x) => (x < 0.01 ? x.toExponential(2) : x.toFixed(3));
const md = [
  `# Basic vs advanced forward model on ${envId} (the paper's Figure 4)`,
  '',
  `Command (in packages/mgail): \`${command}\``,
  '',
  `${N} expert trajectories, seed ${seed}, configs/${envId}.json${Object.keys(sets).length ? ` with ${JSON.stringify(sets)}` : ''}.`,
  `Open-loop error: mean squared error of the predicted state after k steps, in standardized state units, over ${windows} windows`,
  `(recorded actions fed in; the GRU warmed up on the ${warmup} real transitions before each start).`,
  `"agent" windows come from each run's own replay buffer; "expert" windows are the same for both models, from ${rows[0]?.expertHeldOut ? 'held-out expert trajectories' : 'the expert trajectories'}.`,
  'Final return: the final policy (no selection), deterministic, ' + episodes + ' episodes.',
  '',
  `| model | final return | env steps | wall-clock | ${steps.map((k) => `agent k=${k}`).join(' | ')} | ${steps.map((k) => `expert k=${k}`).join(' | ')} |`,
  `|---|---|---|---|${steps.map(() => '---').join('|')}|${steps.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.kind} | ${r.finalReturn.toFixed(0)} ± ${r.finalStd.toFixed(0)} | ${r.envSteps.toLocaleString('en-US')} | ${Math.round(r.seconds)} s | ${steps.map((k) => f(r.agent[k - 1])).join(' | ')} | ${steps.map((k) => f(r.expert[k - 1])).join(' | ')} |`),
  '',
];
fs.writeFileSync(`${base}.md`, md.join('\n'));

// SVG: log10 error against k, one line per (model, data), return in the legend
const W = 640, Hh = 400, m = { l: 60, r: 20, t: 30, b: 45 };
const series = rows.flatMap((r) => [
  { label: `${r.kind}, agent data (return ${r.finalReturn.toFixed(0)})`, ys: r.agent, color: r.kind === 'basic' ? '#d62728' : '#1f77b4', dash: '' },
  { label: `${r.kind}, expert data`, ys: r.expert, color: r.kind === 'basic' ? '#d62728' : '#1f77b4', dash: '6,4' },
]);
const ally = series.flatMap((s) => s.ys).filter((y) => y > 0);
const lo = Math.floor(Math.log10(Math.min(...ally))), hi = Math.ceil(Math.log10(Math.max(...ally)));
const X = (k) => m.l + ((k - 1) / Math.max(1, H - 1)) * (W - m.l - m.r);
const Y = (y) => m.t + (1 - (Math.log10(Math.max(y, 10 ** lo)) - lo) / Math.max(1, hi - lo)) * (Hh - m.t - m.b);
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" font-family="sans-serif" font-size="12">`,
  `<rect width="${W}" height="${Hh}" fill="white"/>`,
  `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${envId}: open-loop prediction error, basic vs advanced forward model</text>`,
  `<line x1="${m.l}" y1="${Hh - m.b}" x2="${W - m.r}" y2="${Hh - m.b}" stroke="black"/>`,
  `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${Hh - m.b}" stroke="black"/>`,
  ...Array.from({ length: hi - lo + 1 }, (_, i) => lo + i).map((e) => `<line x1="${m.l}" y1="${Y(10 ** e)}" x2="${W - m.r}" y2="${Y(10 ** e)}" stroke="#ddd"/><text x="${m.l - 6}" y="${Y(10 ** e) + 4}" text-anchor="end">1e${e}</text>`),
  ...steps.map((k) => `<text x="${X(k)}" y="${Hh - m.b + 16}" text-anchor="middle">${k}</text>`),
  `<text x="${(W + m.l) / 2}" y="${Hh - 8}" text-anchor="middle">open-loop steps k</text>`,
  `<text x="14" y="${Hh / 2}" text-anchor="middle" transform="rotate(-90 14 ${Hh / 2})">MSE (standardized state)</text>`,
  ...series.map((s) => `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${s.ys.map((y, i) => `${X(i + 1).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`),
  ...series.map((s, i) => `<line x1="${m.l + 10}" y1="${m.t + 12 + 16 * i}" x2="${m.l + 40}" y2="${m.t + 12 + 16 * i}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${m.l + 46}" y="${m.t + 16 + 16 * i}">${s.label}</text>`),
  '</svg>',
];
fs.writeFileSync(`${base}.svg`, svg.join('\n') + '\n');
}
