import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { make, type StatefulEnv } from './index.js';

/**
 * Replays trajectories recorded from Gymnasium's classic-control envs, as
 * `shared/checks/classic-parity.mjs` does: reset({ seed }), setState(initial_state), then the
 * recorded actions (Box envs get [a]); observations within 1e-5 (relative to 1 + |x|) for the
 * first 150 steps and 1e-2 after (Acrobot is chaotic), rewards likewise, flags for 150 steps.
 */
interface Case {
  seed: number;
  initial_state: number[];
  initial_observation: number[];
  actions: number[];
  observations: number[][];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
}
interface Doc {
  env_id: string;
  cases: Case[];
}

const dir = join(fileURLToPath(new URL('.', import.meta.url)), '__fixtures__');
const docs: Doc[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Doc);
const BOX_ENVS = new Set(['Pendulum-v1', 'MountainCarContinuous-v0']);
const STEPS_TIGHT = 150;
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

describe('parity with Gymnasium reference trajectories', () => {
  it('has the five envs, 30 cases', () => {
    expect(docs.map((d) => d.env_id)).toEqual(['Acrobot-v1', 'CartPole-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1']);
    expect(docs.reduce((n, d) => n + d.cases.length, 0)).toBe(30);
  });

  for (const doc of docs) {
    for (const c of doc.cases) {
      it(`${doc.env_id} seed ${c.seed} (${c.actions.length} steps)`, () => {
        const env = make(doc.env_id) as StatefulEnv;
        env.reset({ seed: c.seed });
        const o0 = Array.from(env.setState(c.initial_state));
        expect(o0.length).toBe(c.initial_observation.length);
        o0.forEach((x, i) => expect(close(x, c.initial_observation[i], 1e-6), `initial obs[${i}]`).toBe(true));
        for (let t = 0; t < c.actions.length; t++) {
          const a = BOX_ENVS.has(doc.env_id) ? [c.actions[t]] : c.actions[t];
          const r = env.step(a);
          const tol = t < STEPS_TIGHT ? 1e-5 : 1e-2;
          const o = Array.from(r.observation);
          if (!o.every((x, i) => close(x, c.observations[t][i], tol))) {
            expect.fail(`observation differs at step ${t}: ${o} vs ${c.observations[t]}`);
          }
          if (!close(r.reward, c.rewards[t], tol)) expect.fail(`reward differs at step ${t}: ${r.reward} vs ${c.rewards[t]}`);
          if (t < STEPS_TIGHT && (r.terminated !== c.terminated[t] || r.truncated !== c.truncated[t])) {
            expect.fail(`terminated/truncated differ at step ${t}: ${r.terminated}/${r.truncated} vs ${c.terminated[t]}/${c.truncated[t]}`);
          }
        }
      });
    }
  }

  // Stronger than the shared check: the float64 dynamics (with NumPy 2's float32 promotion where
  // Gymnasium has it) reproduce the recorded float32 observations bit for bit. Only V8's and
  // glibc's sin/cos differ by an ulp now and then, which reaches Pendulum's rewards after ~150 steps.
  it('reproduces every recorded observation exactly and rewards to 1e-9', () => {
    for (const doc of docs) {
      for (const c of doc.cases) {
        const env = make(doc.env_id) as StatefulEnv;
        env.reset({ seed: c.seed });
        env.setState(c.initial_state);
        for (let t = 0; t < c.actions.length; t++) {
          const r = env.step(BOX_ENVS.has(doc.env_id) ? [c.actions[t]] : c.actions[t]);
          expect(Array.from(r.observation), `${doc.env_id} seed ${c.seed} step ${t}`).toEqual(c.observations[t]);
          expect(Math.abs(r.reward - c.rewards[t])).toBeLessThan(1e-9);
          expect([r.terminated, r.truncated]).toEqual([c.terminated[t], c.truncated[t]]);
        }
      }
    }
  });
});
