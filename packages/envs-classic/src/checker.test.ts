import { describe, expect, it } from 'vitest';
import { assertEnv, checkEnv } from './checker.js';
import { listEnvs, make } from './registry.js';
import { Rng } from './rng.js';
import { Box, Discrete, checkAction } from './spaces.js';
import type { Action, Env, EnvSpec, ResetOptions, ResetResult, StepResult } from './types.js';

/** A small correct env (a 1-D random walk); the broken fakes below each change one thing. */
class WalkEnv implements Env {
  spec: EnvSpec = { id: 'Walk-v0', maxEpisodeSteps: 20 };
  observationSpace: Box = new Box(-100, 100, [2]);
  actionSpace: Box | Discrete = new Discrete(3);
  protected x = 0;
  protected t = 0;
  protected rng = new Rng(0);
  reset(options: ResetOptions = {}): ResetResult {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    this.x = this.rng.uniform(-1, 1);
    this.t = 0;
    return { observation: this.obs(), info: {} };
  }
  step(action: Action): StepResult {
    const a = checkAction(this.spec.id, this.actionSpace, action) as number;
    this.x += a - 1;
    this.t++;
    return { observation: this.obs(), reward: -Math.abs(this.x), terminated: false, truncated: this.t >= this.spec.maxEpisodeSteps, info: {} };
  }
  close(): void {}
  obs(): Float32Array {
    return Float32Array.of(this.x, this.t);
  }
}

function broken(patch: (e: WalkEnv) => void): Env {
  const e = new WalkEnv();
  patch(e);
  return e;
}

describe('checkEnv', () => {
  it('passes every registered classic env, and the reference fake', () => {
    for (const id of listEnvs().filter((i) => /^(CartPole|MountainCar|MountainCarContinuous|Pendulum|Acrobot)-v\d$/.test(i))) {
      const r = checkEnv(make(id), { steps: 300 });
      expect(r.problems, id).toEqual([]);
      expect(r.ok).toBe(true);
    }
    expect(checkEnv(new WalkEnv())).toEqual({ ok: true, problems: [], warnings: [] });
    expect(() => assertEnv(make('CartPole-v1'))).not.toThrow();
  });

  const cases: [string, Env, RegExp][] = [
    ['no spec id', broken((e) => { e.spec = { id: '', maxEpisodeSteps: 20 }; }), /spec\.id is ""/],
    ['no time limit', broken((e) => { e.spec = { id: 'Walk-v0' } as EnvSpec; }), /maxEpisodeSteps is undefined/],
    ['discrete observation space', broken((e) => { (e as unknown as { observationSpace: unknown }).observationSpace = new Discrete(3); }), /observationSpace must be a Box/],
    ['action space without sample', broken((e) => { e.actionSpace = { kind: 'discrete', n: 3, contains: () => true } as unknown as Discrete; }), /actionSpace lacks sample\(\), seed\(\)/],
    ['reset without info', broken((e) => { const r = e.reset.bind(e); e.reset = (o) => ({ observation: r(o).observation }) as ResetResult; }), /info undefined; it must be an object/],
    ['reset returns the bare observation', broken((e) => { const r = e.reset.bind(e); e.reset = (o) => r(o).observation as unknown as ResetResult; }), /must return \{ observation, info \}/],
    ['observation of the wrong length', broken((e) => { e.obs = () => Float32Array.of(e['x']); }), /observation of length 1; the observation space has 2/],
    ['observation as a plain array', broken((e) => { e.obs = () => [0, 0] as unknown as Float32Array; }), /not a Float32Array or Float64Array/],
    ['observation outside the space', broken((e) => { e.observationSpace = new Box(-100, 100, [2]); e.obs = () => Float32Array.of(e['x'], 1000); }), /outside the observation space/],
    ['non-finite observation', broken((e) => { const s = e.step.bind(e); e.step = (a) => ({ ...s(a), observation: Float32Array.of(NaN, 0) }); }), /non-finite observation \(observation\[0\] = NaN\)/],
    ['unseeded reset', broken((e) => { let k = 0; const r = e.reset.bind(e); e.reset = () => { const o = r({ seed: k++ }); return o; }; }), /is not deterministic/],
    ['reward not a number', broken((e) => { const s = e.step.bind(e); e.step = (a) => ({ ...s(a), reward: '1' as unknown as number }); }), /reward "1"; it must be a finite number/],
    ['terminated not a boolean', broken((e) => { const s = e.step.bind(e); e.step = (a) => ({ ...s(a), terminated: 0 as unknown as boolean }); }), /terminated = 0; it must be a boolean/],
    ['no time limit applied', broken((e) => { const s = e.step.bind(e); e.step = (a) => ({ ...s(a), truncated: false }); }), /did not end at the time limit: step 20/],
    ['invalid actions accepted', broken((e) => { e.step = (a) => { e['t']++; return { observation: e.obs(), reward: Number(a) || 0, terminated: false, truncated: e['t'] >= 20, info: {} }; }; }), /step\(3\) did not throw; invalid actions must be rejected/],
    ['step throws on valid actions', broken((e) => { e.step = () => { throw new Error('boom'); }; }), /with a sampled valid action threw: boom/],
  ];
  for (const [name, env, re] of cases) {
    it(`reports: ${name}`, () => {
      const r = checkEnv(env, { steps: 100 });
      expect(r.ok).toBe(false);
      expect(r.problems.join('\n')).toMatch(re);
      for (const p of r.problems) expect(p).not.toMatch(/\n/);
      expect(() => assertEnv(env, { steps: 100 })).toThrow(/fails the env checks: /);
    });
  }

  it('checks Box action envs reject wrong lengths and NaN', () => {
    const env = broken((e) => {
      e.actionSpace = new Box(-1, 1, [2]);
      e.step = () => {
        e['t']++;
        return { observation: e.obs(), reward: 0, terminated: false, truncated: e['t'] >= 20, info: {} };
      };
    });
    const r = checkEnv(env, { steps: 50 });
    expect(r.problems.some((p) => /step\(Float32Array\[0, 0, 0\]\) did not throw/.test(p))).toBe(true);
    expect(r.problems.some((p) => /step\(Float32Array\[NaN, NaN\]\) did not throw/.test(p))).toBe(true);
  });

  it('warns about a start state that ignores the seed, and is not fooled by a non-object', () => {
    const env = broken((e) => { const r = e.reset.bind(e); e.reset = () => r({ seed: 0 }); });
    const r = checkEnv(env);
    expect(r.ok).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/returned the same observation/);
    expect(checkEnv(null as unknown as Env).problems[0]).toMatch(/not an object/);
  });
});
