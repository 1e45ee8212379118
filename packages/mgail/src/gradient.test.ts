import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf } from '@mgail/core-autodiff-graph';
import { Box, Discrete, type Space } from '@mgail/envs-classic';
import { Discriminator } from '@mgail/discriminator';
import { makeForwardModel, type ForwardModelKind } from '@mgail/forward-model';
import { makePolicy } from '@mgail/policies';
import { sumUnrollGradients, type LiveView, type UnrollConfig } from './shard.js';

/**
 * The policy gradient MGAIL steps with is the exact gradient of its objective: the real policy,
 * discriminator and forward model (trained a little, so none is at its initialization), unrolled
 * in the model, against central finite differences of the same objective along random
 * directions in π's weights. Cutting the model path (only ∂D/∂a) must change it.
 */
const OBS = 4;
const H = 6;
const BATCH = 8;
const EPS = 1e-3;

function setup(actionSpace: Space, modelKind: ForwardModelKind, seed: number) {
  const rng = new Rng(seed);
  const discrete = actionSpace.kind === 'discrete';
  const actDim = discrete ? (actionSpace as Discrete).n : (actionSpace as Box).size;
  const obsSpace = new Box(-Infinity, Infinity, [OBS]);
  const policy = makePolicy(obsSpace, actionSpace, { hidden: [16, 16], activation: 'tanh', logStdInit: -0.5 }, rng.spawn());
  const row = (n: number) => rng.fillNormal(new Float32Array(n)) as Float32Array;
  const expert = row(64 * (OBS + actDim));
  const disc = new Discriminator({ obsDim: OBS, actDim, hidden: [16, 16], activation: 'tanh', dropout: 0, expertInputs: expert, rng: rng.spawn() });
  const model = makeForwardModel({ kind: modelKind, obsDim: OBS, actDim, hidden: [16, 16], encoderDim: 16, historyLength: 2, rng: rng.spawn() });
  const states = row(64 * OBS), next = row(64 * OBS);
  policy.normalizer.update(states);
  model.updateStatistics(states, next);
  for (let k = 0; k < 20; k++) {
    disc.train(expert.slice(0, 16 * (OBS + actDim)), row(16 * (OBS + actDim)));
    const w = 2;
    model.train({ batch: 16, length: w, states: row(16 * w * OBS), actions: row(16 * w * actDim), nextStates: row(16 * w * OBS) });
  }
  const starts = Array.from({ length: BATCH }, () => row(OBS));
  const live: LiveView = {
    size: BATCH, obsDim: OBS, actDim, discrete, obs: () => starts,
    warmState: () => model.initialState(BATCH),
    step: () => {
      throw new Error('imagined unrolls step no env');
    },
  };
  const vars = policy.variables;
  return { policy, disc, model, live, vars, discrete, rng, dispose: () => { policy.dispose(); disc.dispose(); model.dispose(); } };
}

const config = (cut: boolean, over: Partial<UnrollConfig> = {}): UnrollConfig => ({
  horizon: H, gamma: 0.95, temperature: 1, hardGumbel: false, unrollNoiseScale: 1, costKind: 'neg-log-d', entropyCoef: 0, cutModelGradient: cut, imagination: true,
  ...over,
});

/** J and ∇J with the same noise every call (the noise stream restarts from `noiseSeed`). */
function objective(s: ReturnType<typeof setup>, cut: boolean, noiseSeed: number): { j: number; grad: Float64Array[] } {
  const { sum, jSum } = sumUnrollGradients({ policy: s.policy, vars: s.vars, model: s.model, disc: s.disc }, s.live, config(cut), new Rng(noiseSeed), 1);
  const grad = sum!.map((g) => Float64Array.from(g.dataSync()));
  tf.dispose(sum!);
  return { j: jSum, grad };
}

/** J's slope along a direction, by ∇J and by central differences, and ‖∇J_cut − ∇J‖ / ‖∇J‖. */
function directional(s: ReturnType<typeof setup>, dirSeed: number, eps: number): { analytic: number; numeric: number; cut: number } {
  const r = new Rng(dirSeed);
  const noise = 1234;
  // half the gradient's direction, half a random one: J's slope along it stays well above float32's round-off in J
  const g = objective(s, false, noise).grad;
  const random = s.vars.map((v) => r.fillNormal(new Float32Array(v.size)) as Float32Array);
  const length = (xs: ArrayLike<number>[]) => Math.sqrt(xs.reduce((a, d) => a + Array.from(d).reduce((b, x) => b + x * x, 0), 0));
  const gn = length(g), rn = length(random);
  const dirs = g.map((gk, k) => Float32Array.from(gk, (x, i) => x / gn + random[k][i] / rn));
  const norm = length(dirs);
  const theta = s.vars.map((v) => Float32Array.from(v.dataSync()));
  const at = (t: number) => tf.tidy(() => s.vars.forEach((v, k) => v.assign(tf.tensor(theta[k].map((x, i) => x + (t * dirs[k][i]) / norm), v.shape))));
  const dot = (g: Float64Array[]) => g.reduce((a, gk, k) => a + gk.reduce((b, x, i) => b + (x * dirs[k][i]) / norm, 0), 0);
  const analytic = dot(g);
  const gCut = objective(s, true, noise).grad;
  // how far the whole gradient moves without f's state path, relative to its size
  const cut = length(gCut.map((ck, k) => Float64Array.from(ck, (x, i) => x - g[k][i]))) / gn;
  at(eps);
  const plus = objective(s, false, noise).j;
  at(-eps);
  const minus = objective(s, false, noise).j;
  at(0);
  return { analytic, numeric: (plus - minus) / (2 * eps), cut };
}

describe('the MGAIL policy gradient', () => {
  beforeAll(async () => {
    await initBackend({ quiet: true });
  });

  for (const [name, space, kind] of [
    ['Gaussian policy, basic model', new Box(-1, 1, [2]), 'basic'],
    ['categorical policy (Gumbel-softmax), basic model', new Discrete(3), 'basic'],
    ['Gaussian policy, recurrent model', new Box(-1, 1, [2]), 'advanced'],
  ] as const) {
    it(`${name}: equals finite differences of J, and cutting the model path changes it`, () => {
      const s = setup(space, kind, 7);
      const before = tf.memory().numTensors;
      try {
        let worst = 0, cutChange = 0;
        for (let d = 0; d < 4; d++) {
          const { analytic, numeric, cut } = directional(s, 100 + d, EPS);
          worst = Math.max(worst, Math.abs(analytic - numeric) / Math.max(1e-6, Math.abs(numeric)));
          cutChange = cut;
        }
        expect(worst).toBeLessThan(0.02);
        // the gradient through f's state path is part of the objective's gradient
        expect(cutChange).toBeGreaterThan(0.1);
      } finally {
        expect(tf.memory().numTensors).toBe(before);
        s.dispose();
      }
    });
  }

  it('unrollNoiseScale 0 unrolls the deterministic policy: J no longer depends on the noise stream, and still has a gradient', () => {
    for (const space of [new Discrete(3), new Box(-1, 1, [2])]) {
      const s = setup(space, 'basic', 7);
      const before = tf.memory().numTensors;
      try {
        const run = (scale: number, noiseSeed: number) => {
          const c = config(false, { unrollNoiseScale: scale, hardGumbel: true });
          const { sum, jSum } = sumUnrollGradients({ policy: s.policy, vars: s.vars, model: s.model, disc: s.disc }, s.live, c, new Rng(noiseSeed), 1);
          const norm = Math.sqrt(sum!.reduce((a, g) => a + Array.from(g.dataSync()).reduce((b, x) => b + x * x, 0), 0));
          tf.dispose(sum!);
          return { j: jSum, norm };
        };
        const a = run(0, 1), b = run(0, 2);
        expect(b.j).toBeCloseTo(a.j, 5);
        expect(a.norm).toBeGreaterThan(0);
        expect(Math.abs(run(1, 1).j - run(1, 2).j)).toBeGreaterThan(1e-4);
      } finally {
        expect(tf.memory().numTensors).toBe(before);
        s.dispose();
      }
    }
  });
});
