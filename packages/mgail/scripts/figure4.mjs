// The paper's Figure 4 on Hopper-v5: the basic forward model (an MLP on [s, a]) against the
// advanced one (state encoder + GRU over the last n states, action encoder, product, decoder).
// For each kind and seed, one MGAIL run with configs/Hopper-v5.json (plus --set overrides) on
// the demonstrations of the chosen protocol (ho-ermon, the default: the stochastic expert's first
// N trajectories, every 20th pair from an offset seeded by the run's seed, as Table 1; full: whole
// trajectories); the advanced model is trained on windows as long as the unrolls it serves
// (modelHistory = horizon, unless --set modelHistory=... says otherwise); then
//   - the trained model's open-loop prediction error at 1..H steps (mean squared error in
//     standardized state units, the real recorded actions fed in, the GRU warmed up on the
//     n − 1 real transitions before the start) on (a) windows of the run's own agent buffer and
//     (b) the same windows of the held-out expert trajectories for both kinds (demos the run did
//     not train on: trajectories after the first N);
//   - the final policy's deterministic return (no selection).
//
//   node scripts/figure4.mjs [--protocol ho-ermon|full] [--trajectories 25] [--seeds 0,1,2]
//       [--horizon 30] [--episodes 10] [--kinds basic,advanced] [--set key=value ...] [--out results]
//   node scripts/figure4.mjs ... --resume   (keeps the rows already in the output's .json, trains the missing ones)
//   node scripts/figure4.mjs --render results/figure4-hopper.json   (rewrites the .md and .svg from a saved run)
// Writes <out>/figure4-hopper.json, .md and .svg. Build first (pnpm --filter @mgail/mgail... build
// and @mgail/envs-mujoco-wasm).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, lineChartSvg, Rng } from '@mgail/core-autodiff-graph';
import { evaluatePolicy, hoErmonSubsample, readDemos, selectEpisodes } from '@mgail/policies';
import { mgailConfig, trainMGAIL } from '@mgail/mgail';
import { parseArgs } from './args.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const { opt, sets } = parseArgs(args);
const envId = 'Hopper-v5';
const N = Number(opt('trajectories', '25'));
const seeds = opt('seeds', opt('seed', '0,1,2')).split(',').map(Number);
const protocol = opt('protocol', 'ho-ermon');
if (protocol !== 'ho-ermon' && protocol !== 'full') throw new Error(`--protocol must be ho-ermon or full, got ${protocol}`);
const subsample = protocol === 'ho-ermon' ? hoErmonSubsample(envId) : 1;
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

// --resume keeps the rows of an earlier run of the same command and trains only the missing ones
const outBase = path.join(outDir, protocol === 'ho-ermon' ? 'figure4-hopper-ho-ermon' : 'figure4-hopper');
const rows = args.includes('--resume') && fs.existsSync(`${outBase}.json`) ? JSON.parse(fs.readFileSync(`${outBase}.json`, 'utf8')).rows : [];
// one warm-up for every kind, so both are scored on the same windows and start states (the MLP ignores it)
const advancedHistory = 'modelHistory' in sets ? sets.modelHistory : mgailConfig(envId, sets).horizon;
const warmupUsed = (kinds.includes('advanced') ? advancedHistory : 1) - 1;
for (const seed of seeds) {
  const demos = selectEpisodes(all, { trajectories: N, subsample, seed });
  for (const kind of kinds) {
    if (rows.some((r) => r.kind === kind && r.seed === seed)) continue;
    // the recurrent model learns from windows as long as the unrolls it serves
    const config = mgailConfig(envId, { ...sets, forwardModel: kind, ...(kind === 'advanced' ? { modelHistory: advancedHistory } : {}) });
    const warmup = warmupUsed;
    let errors = null;
    const t0 = Date.now();
    const res = await trainMGAIL({
      envId, makeEnv: () => mujoco.make(envId), demos, config, seed, progress: true,
      onFinish: ({ model, buffer }) => {
        const agent = buffer.sampleWindows(new Rng(1234 + seed), windows, warmup + H);
        const expert = expertWindows(all, new Rng(1234 + seed), windows, warmup + H, N);
        errors = { agent: model.multiStepError(agent, H, { warmup }), expert: model.multiStepError(expert, H, { warmup }), expertHeldOut: expert.heldOut };
      },
    });
    const seconds = (Date.now() - t0) / 1000;
    const evalEnv = await mujoco.make(envId);
    const ev = evaluatePolicy(evalEnv, res.policy, { episodes, seed: 10_000 + seed, deterministic: true });
    evalEnv.close();
    res.policy.dispose();
    const row = { kind, config, trajectories: N, seed, keptPairs: demos.metadata.selection?.keptPairs ?? demos.observations.length / demos.obsDim, finalReturn: ev.mean, finalStd: ev.std, envSteps: res.envSteps, seconds, iterations: res.iterations, evalHistory: res.evalHistory, msPerIteration: res.timing.perIteration, ...errors, sets };
    console.log(JSON.stringify({ ...row, config: undefined, evalHistory: undefined }));
    rows.push(row);
    // partial results survive a stop
    writeAll(rows);
  }
}
const written = writeAll(rows);
console.error(`wrote ${written}.json, .md, .svg`);

function writeAll(rows) {
  fs.mkdirSync(outDir, { recursive: true });
  const base = outBase;
  const command = `node scripts/figure4.mjs ${args.filter((a) => a !== '--resume').join(' ')}`.trim();
  const result = { envId, command, protocol, subsample, horizon: H, windows, warmup: warmupUsed, episodes, trajectories: N, seeds, sets, rows };
  fs.writeFileSync(`${base}.json`, JSON.stringify(result, null, 1) + '\n');
  render(result, base);
  return base;
}

function render({ envId, command, protocol = 'full', subsample = 1, horizon: H, windows, warmup, episodes, trajectories: N, seed, seeds = [seed], sets, rows }, base) {
const steps = [1, 2, 5, 10, 20, 30, 50].filter((k) => k <= H);
const f = (x) => (x < 0.01 ? x.toExponential(2) : x.toFixed(3));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const byKind = [...new Set(rows.map((r) => r.kind))].map((kind) => {
  const rs = rows.filter((r) => r.kind === kind);
  return { kind, rs, agent: rs[0].agent.map((_, k) => mean(rs.map((r) => r.agent[k]))), expert: rs[0].expert.map((_, k) => mean(rs.map((r) => r.expert[k]))) };
});
const history = (r) => r.config?.modelHistory;
const md = [
  `# Basic vs advanced forward model on ${envId} (the paper's Figure 4)`,
  '',
  `Command (in packages/mgail): \`${command}\``,
  '',
  `${N} expert trajectories, ${protocol === 'ho-ermon' ? `protocol ho-ermon (the stochastic expert's demonstrations, every ${subsample}th pair from an offset seeded by the run's seed, as in Table 1)` : 'whole trajectories'}; seeds ${seeds.join(', ')}; configs/${envId}.json${Object.keys(sets).length ? ` with ${JSON.stringify(sets)}` : ''}` +
    `${rows.some((r) => r.kind === 'advanced' && history(r)) ? `; the advanced model reads (and is trained on windows of) ${[...new Set(rows.filter((r) => r.kind === 'advanced').map(history).filter(Boolean))].join('/')} states` : ''}.`,
  `Open-loop error: mean squared error of the predicted state after k steps, in standardized state units, over ${windows} windows`,
  `(recorded actions fed in; the GRU warmed up on the ${warmup} real transitions before each start).`,
  `"agent" windows come from each run's own replay buffer; "expert" windows are the same for both models, from ${rows[0]?.expertHeldOut ? 'held-out expert trajectories' : 'the expert trajectories'} (whole trajectories).`,
  'Final return: the final policy (no selection), deterministic, ' + episodes + ' episodes.',
  '',
];
if (rows.length > byKind.length) {
  md.push(`## Mean over seeds`, '',
    `| model | runs | final return (mean ± std over seeds) | ${steps.map((k) => `agent k=${k}`).join(' | ')} | ${steps.map((k) => `expert k=${k}`).join(' | ')} |`,
    `|---|---|---|${steps.map(() => '---').join('|')}|${steps.map(() => '---').join('|')}|`,
    ...byKind.map((g) => `| ${g.kind} | ${g.rs.length} | ${mean(g.rs.map((r) => r.finalReturn)).toFixed(0)} ± ${std(g.rs.map((r) => r.finalReturn)).toFixed(0)} | ${steps.map((k) => f(g.agent[k - 1])).join(' | ')} | ${steps.map((k) => f(g.expert[k - 1])).join(' | ')} |`),
    '', '## Every run', '');
}
md.push(
  `| model | seed | final return | env steps | wall-clock | ${steps.map((k) => `agent k=${k}`).join(' | ')} | ${steps.map((k) => `expert k=${k}`).join(' | ')} |`,
  `|---|---|---|---|---|${steps.map(() => '---').join('|')}|${steps.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.kind} | ${r.seed ?? seed} | ${r.finalReturn.toFixed(0)} ± ${r.finalStd.toFixed(0)} | ${r.envSteps.toLocaleString('en-US')} | ${Math.round(r.seconds)} s | ${steps.map((k) => f(r.agent[k - 1])).join(' | ')} | ${steps.map((k) => f(r.expert[k - 1])).join(' | ')} |`),
  '',
);
fs.writeFileSync(`${base}.md`, md.join('\n'));

// SVG: log10 error against k, one line per (model, data) averaged over seeds, mean return in the legend
const color = (kind) => (kind === 'basic' ? '#d62728' : '#1f77b4');
const curve = (ys) => ys.map((y, i) => [i + 1, Math.log10(y)]);
const svg = lineChartSvg({
  title: `${envId}: open-loop prediction error, basic vs advanced forward model${seeds.length > 1 ? ` (mean of ${seeds.length} seeds)` : ''}`,
  xLabel: 'open-loop steps k',
  yLabel: 'log10 MSE (standardized state)',
  series: byKind.flatMap((g) => [
    { label: `${g.kind}, agent data (return ${mean(g.rs.map((r) => r.finalReturn)).toFixed(0)})`, points: curve(g.agent), color: color(g.kind) },
    { label: `${g.kind}, expert data`, points: curve(g.expert), color: color(g.kind), dashed: true },
  ]),
  legend: 'below',
  width: 640,
});
fs.writeFileSync(`${base}.svg`, svg);
}
