import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AcrobotEnv,
  Box,
  CartPoleEnv,
  Discrete,
  PendulumEnv,
  Rng,
  listEnvs,
  make,
  register,
  registry,
  type Action,
  type Env,
  type StatefulEnv,
} from './index.js';

const IDS = ['CartPole-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'Acrobot-v1'];
const LIMITS: Record<string, number> = {
  'CartPole-v1': 500,
  'MountainCar-v0': 200,
  'MountainCarContinuous-v0': 999,
  'Pendulum-v1': 200,
  'Acrobot-v1': 500,
};

/** Runs an episode with actions sampled from a seeded action space. */
function rollout(env: Env, seed: number, steps: number): number[][] {
  env.actionSpace.seed(seed);
  const out: number[][] = [Array.from(env.reset({ seed }).observation)];
  for (let t = 0; t < steps; t++) {
    const r = env.step(env.actionSpace.sample() as Action);
    out.push([...r.observation, r.reward]);
    if (r.terminated || r.truncated) break;
  }
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('registry and make', () => {
  it('lists the classic envs', () => {
    expect(listEnvs()).toEqual(expect.arrayContaining(IDS));
    expect(registry.get('CartPole-v1')?.spec.maxEpisodeSteps).toBe(500);
  });

  it('an unknown id lists the valid ids', () => {
    expect(() => make('CartPole-v9')).toThrow(/unknown env id "CartPole-v9"; registered ids: .*CartPole-v1.*MountainCar-v0.*Pendulum-v1.*Acrobot-v1/);
  });

  it('spec, spaces and time limits as Gymnasium', () => {
    for (const id of IDS) {
      const env = make(id);
      expect(env.spec.id).toBe(id);
      expect(env.spec.maxEpisodeSteps).toBe(LIMITS[id]);
    }
    expect(make('CartPole-v1').spec.rewardThreshold).toBe(475);
    const cp = make('CartPole-v1');
    expect(Array.from(cp.observationSpace.high)).toEqual(Array.from(Float32Array.of(4.8, Infinity, ((12 * 2 * Math.PI) / 360) * 2, Infinity)));
    expect(cp.actionSpace).toBeInstanceOf(Discrete);
    const ac = make('Acrobot-v1');
    expect(Array.from(ac.observationSpace.high)).toEqual(Array.from(Float32Array.of(1, 1, 1, 1, 4 * Math.PI, 9 * Math.PI)));
    expect((ac.actionSpace as Discrete).n).toBe(3);
    const pe = make('Pendulum-v1');
    expect(Array.from((pe.actionSpace as Box).high)).toEqual([2]);
    expect(Array.from(pe.observationSpace.high)).toEqual([1, 1, 8]);
    const mcc = make('MountainCarContinuous-v0');
    expect(Array.from((mcc.actionSpace as Box).low)).toEqual([-1]);
    expect(Array.from(mcc.observationSpace.low)).toEqual(Array.from(Float32Array.of(-1.2, -0.07)));
  });

  it('options: maxEpisodeSteps, renderMode ignored, env kwargs; unknown options are errors', () => {
    const env = make('CartPole-v1', { maxEpisodeSteps: 3, renderMode: 'rgb_array', suttonBartoReward: true });
    expect(env.spec.maxEpisodeSteps).toBe(3);
    expect(env.spec.kwargs).toEqual({ suttonBartoReward: true });
    env.reset({ seed: 0 });
    expect(env.step(0).reward).toBe(0);
    expect(() => make('CartPole-v1', { gravity: 3 })).toThrow('CartPole-v1: unknown option "gravity"; valid options: maxEpisodeSteps, renderMode, suttonBartoReward');
    expect(() => make('Pendulum-v1', { g: 'x' })).toThrow(/option g must be a finite number/);
    expect(() => make('Pendulum-v1', { maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps must be a positive integer/);
    expect(() => make('Acrobot-v1', { bookOrNips: 'paper' })).toThrow(/'book' or 'nips'/);
  });

  it("Pendulum's g changes the dynamics", () => {
    const a = make('Pendulum-v1') as StatefulEnv;
    const b = make('Pendulum-v1', { g: 9.81 }) as StatefulEnv;
    for (const e of [a, b]) {
      e.reset({ seed: 0 });
      e.setState([1, 0]);
    }
    // theta_dot' = 3g/(2l) sin(theta) dt
    expect(a.step([0]).observation[2]).toBe(Math.fround(((3 * 10) / 2) * Math.sin(1) * 0.05));
    expect(b.step([0]).observation[2]).toBe(Math.fround(((3 * 9.81) / 2) * Math.sin(1) * 0.05));
  });

  it('register adds custom envs; duplicates need override', () => {
    register('Custom-v0', (o) => new CartPoleEnv(o), { maxEpisodeSteps: 500, kwargs: { suttonBartoReward: false } });
    expect(listEnvs()).toContain('Custom-v0');
    expect(make('Custom-v0').observationSpace.size).toBe(4);
    expect(() => make('Custom-v0', { foo: 1 })).toThrow(/Custom-v0: unknown option "foo"/);
    expect(() => register('Custom-v0', () => new CartPoleEnv(), { maxEpisodeSteps: 10 })).toThrow(/already registered/);
    expect(() => register('NoSpec-v0', () => new CartPoleEnv(), undefined as never)).toThrow(/register\(NoSpec-v0\): spec must be an object such as \{ maxEpisodeSteps: 500 \}, got undefined/);
    register('Custom-v0', () => new PendulumEnv(), { maxEpisodeSteps: 200 }, { override: true });
    expect(make('Custom-v0').spec.id).toBe('Pendulum-v1');
  });
});

describe.each(IDS)('%s', (id) => {
  it('same seed, same reset observation and trajectory; other seeds differ', () => {
    const a = rollout(make(id), 3, 60);
    const b = rollout(make(id), 3, 60);
    expect(a).toEqual(b);
    expect(rollout(make(id), 4, 60)[0]).not.toEqual(a[0]);
    // Without a seed, reset continues the env's stream.
    const env = make(id);
    const first = Array.from(env.reset({ seed: 5 }).observation);
    expect(Array.from(env.reset().observation)).not.toEqual(first);
    expect(Array.from(env.reset({ seed: 5 }).observation)).toEqual(first);
  });

  it('observations are float32 and inside the observation space after reset', () => {
    const env = make(id);
    for (let s = 0; s < 10; s++) {
      const { observation, info } = env.reset({ seed: s });
      expect(observation).toBeInstanceOf(Float32Array);
      expect(env.observationSpace.contains(observation)).toBe(true);
      expect(info).toEqual({});
    }
  });

  it('rejects bad input with clear errors', () => {
    const env = make(id) as StatefulEnv;
    const box = env.actionSpace.kind === 'box';
    const ok: Action = box ? [0] : 0;
    expect(() => env.step(ok)).toThrow(`${id}: step() called before reset(); call env.reset() first`);
    env.reset({ seed: 0 });
    if (box) {
      expect(() => env.step([0, 0])).toThrow(`${id}: action has length 2, expected 1 (Box(1,))`);
      expect(() => env.step([NaN])).toThrow(`${id}: action[0] is NaN; actions must be finite numbers`);
      expect(() => env.step(Float32Array.of(Infinity))).toThrow(/must be finite/);
      expect(() => env.step('1' as unknown as Action)).toThrow(/action must be an array/);
    } else {
      const n = (env.actionSpace as Discrete).n;
      expect(() => env.step(n)).toThrow(`${id}: invalid action ${n}; expected an integer in [0, ${n - 1}] (Discrete(${n}))`);
      expect(() => env.step(-1)).toThrow(/invalid action -1/);
      expect(() => env.step(0.5)).toThrow(/invalid action 0.5/);
      expect(() => env.step(NaN)).toThrow(/invalid action NaN/);
      expect(() => env.step([0, 1])).toThrow(/invalid action \[0,1\]/);
    }
    expect(() => env.reset({ seed: -1 })).toThrow(/non-negative integer/);
    expect(() => env.reset({ seed: 0, options: { nope: 1 } })).toThrow(/unknown reset option "nope"/);
    expect(() => env.setState([0])).toThrow(/setState expects/);
    expect(() => env.setState(new Array(env.getState().length).fill(NaN))).toThrow(/setState value/);
  });

  it(`is truncated at the time limit (${LIMITS[id]} steps)`, () => {
    const env = make(id);
    env.reset({ seed: 0 });
    // Actions that never finish the episode: do nothing, or balance the pole.
    const policy = (o: ArrayLike<number>): Action =>
      id === 'CartPole-v1' ? (o[2] + 0.5 * o[3] + 0.01 * o[0] + 0.1 * o[1] > 0 ? 1 : 0) : id === 'MountainCar-v0' || id === 'Acrobot-v1' ? 1 : [0];
    let o = env.reset({ seed: 1 }).observation;
    let t = 0;
    let r;
    do {
      r = env.step(policy(o));
      o = r.observation;
      t++;
      if (t < LIMITS[id]) expect(r.truncated).toBe(false);
    } while (!r.terminated && !r.truncated);
    expect(t).toBe(LIMITS[id]);
    expect(r.truncated).toBe(true);
    expect(r.terminated).toBe(false);
    // reset restarts the counter
    env.reset();
    expect(env.step(policy(o)).truncated).toBe(false);
  });

  it('setState sets the internal state and getState returns a copy', () => {
    const env = make(id) as StatefulEnv;
    env.reset({ seed: 0 });
    const s = env.getState();
    s[0] = 0.123;
    expect(env.getState()[0]).not.toBe(0.123);
    env.setState(s);
    expect(env.getState()[0]).toBe(0.123);
  });
});

describe('CartPole-v1 details', () => {
  it('terminated and truncated together when the limit is hit on the terminal step', () => {
    const probe = make('CartPole-v1');
    probe.reset({ seed: 0 });
    let k = 0;
    while (!probe.step(1).terminated) k++;
    const env = make('CartPole-v1', { maxEpisodeSteps: k + 1 });
    env.reset({ seed: 0 });
    for (let i = 0; i < k; i++) expect(env.step(1).truncated).toBe(false);
    const r = env.step(1);
    expect([r.terminated, r.truncated]).toEqual([true, true]);
  });

  it('reward 1 on the terminal step, then 0 with one warning per episode', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const env = make('CartPole-v1');
    env.reset({ seed: 0 });
    let r;
    do r = env.step(1);
    while (!r.terminated);
    expect(r.reward).toBe(1);
    expect(env.step(1).reward).toBe(0);
    expect(env.step(1).reward).toBe(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/after the episode terminated/);
    env.reset();
    expect(env.step(1).reward).toBe(1);
  });

  it('sutton-barto reward: 0 per step, -1 on failure', () => {
    const env = make('CartPole-v1', { suttonBartoReward: true });
    env.reset({ seed: 0 });
    let r;
    do r = env.step(0);
    while (!r.terminated && r.reward === 0);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(-1);
  });

  it('reset options low/high bound the initial state', () => {
    const env = make('CartPole-v1');
    const o = env.reset({ seed: 0, options: { low: 0.1, high: 0.2 } }).observation;
    for (const x of o) expect(x >= Math.fround(0.1) && x <= Math.fround(0.2)).toBe(true);
    expect(() => env.reset({ options: { low: 1, high: 0 } })).toThrow(/low=1 is greater than high=0/);
    expect(() => env.reset({ options: { low: 'a' } })).toThrow(/option low must be a finite number/);
  });
});

describe('continuous envs clip out-of-range actions as Gymnasium does', () => {
  it('Pendulum-v1: torque clipped to [-2, 2] (dynamics and cost)', () => {
    const a = make('Pendulum-v1') as StatefulEnv;
    const b = make('Pendulum-v1') as StatefulEnv;
    for (const e of [a, b]) e.reset({ seed: 0 });
    b.setState(a.getState());
    const ra = a.step([50]);
    const rb = b.step(Float32Array.of(2));
    expect(Array.from(ra.observation)).toEqual(Array.from(rb.observation));
    expect(ra.reward).toBe(rb.reward);
  });

  it('Pendulum-v1: angle-normalized cost, max speed clip, reset options x_init/y_init', () => {
    const env = make('Pendulum-v1') as StatefulEnv;
    env.reset({ seed: 0 });
    env.setState([2 * Math.PI, 0]);
    expect(env.step([0]).reward).toBeCloseTo(0, 10);
    env.setState([0, 100]);
    expect(env.step([0]).observation[2]).toBe(8);
    const o = env.reset({ seed: 1, options: { x_init: 0.1, y_init: 0.5 } }).observation;
    expect(o[0]).toBeGreaterThan(Math.cos(0.1) - 1e-6);
    expect(Math.abs(o[2])).toBeLessThanOrEqual(0.5);
  });

  it('MountainCarContinuous-v0: force clipped to [-1, 1], reward on the raw action', () => {
    const a = make('MountainCarContinuous-v0') as StatefulEnv;
    const b = make('MountainCarContinuous-v0') as StatefulEnv;
    a.reset({ seed: 0 });
    b.reset({ seed: 0 });
    const ra = a.step([3]);
    const rb = b.step([1]);
    expect(Array.from(ra.observation)).toEqual(Array.from(rb.observation));
    expect(ra.reward).toBeCloseTo(-0.9, 10);
    expect(rb.reward).toBeCloseTo(-0.1, 10);
  });

  it('MountainCarContinuous-v0: +100 at the goal', () => {
    const env = make('MountainCarContinuous-v0') as StatefulEnv;
    env.reset({ seed: 0 });
    env.setState([0.449, 0.05]);
    const r = env.step([0.5]);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBeCloseTo(100 - 0.025, 6);
  });
});

describe('MountainCar-v0 and Acrobot-v1 details', () => {
  it('MountainCar-v0: left wall stops the car; goal terminates', () => {
    const env = make('MountainCar-v0') as StatefulEnv;
    env.reset({ seed: 0 });
    env.setState([-1.19, -0.05]);
    const r = env.step(0);
    expect(Array.from(r.observation)).toEqual([Math.fround(-1.2), 0]);
    expect(r.reward).toBe(-1);
    env.setState([0.49, 0.05]);
    expect(env.step(2).terminated).toBe(true);
  });

  it('Acrobot-v1: angles wrapped to [-pi, pi], velocities bounded, reward 0 when terminal', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 0 });
    env.setState([Math.PI - 0.01, 0, 4 * Math.PI, 9 * Math.PI]);
    const r = env.step(2);
    const s = env.getState();
    expect(Math.abs(s[0])).toBeLessThanOrEqual(Math.PI);
    expect(Math.abs(s[2])).toBeLessThanOrEqual(4 * Math.PI);
    expect(Math.abs(s[3])).toBeLessThanOrEqual(9 * Math.PI);
    env.setState([Math.PI, 0, 0, 0]); // pointing straight up: terminal
    const up = env.step(1);
    expect(up.terminated).toBe(true);
    expect(up.reward).toBe(0);
    expect(r.observation).toHaveLength(6);
  });

  it('Acrobot-v1: reset state drawn in [-0.1, 0.1] and stored as float32', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 2 });
    for (const x of env.getState()) {
      expect(Math.abs(x)).toBeLessThanOrEqual(0.1);
      expect(Math.fround(x)).toBe(x);
    }
  });
});

describe('terminatesAt: the termination rule read from the observation', () => {
  // states drawn around where each env terminates, so both outcomes occur
  const STATES: Record<string, (u: () => number) => number[]> = {
    'CartPole-v1': (u) => [4.8 * u() - 2.4, 2 * u() - 1, 0.42 * u() - 0.21, 4 * u() - 2],
    'MountainCar-v0': (u) => [0.3 + 0.3 * u(), 0.14 * u() - 0.07],
    'MountainCarContinuous-v0': (u) => [0.3 + 0.3 * u(), 0.14 * u() - 0.07],
    'Pendulum-v1': (u) => [2 * Math.PI * u() - Math.PI, 16 * u() - 8],
    'Acrobot-v1': (u) => [Math.PI + 1.5 * (2 * u() - 1), 1.5 * (2 * u() - 1), 4 * u() - 2, 4 * u() - 2],
  };
  it.each(IDS)('%s: agrees with step()\'s terminated on every step from 2000 states', (id) => {
    const env = make(id) as StatefulEnv;
    const rng = new Rng(11);
    const u = () => rng.random();
    env.actionSpace.seed(12);
    env.reset({ seed: 13 });
    let terminations = 0;
    for (let k = 0; k < 2000; k++) {
      env.setState(STATES[id](u));
      const r = env.step(env.actionSpace.sample() as Action);
      expect(env.terminatesAt!(r.observation)).toBe(r.terminated);
      if (r.terminated) terminations++;
    }
    if (id === 'Pendulum-v1') expect(terminations).toBe(0);
    else expect(terminations).toBeGreaterThan(50);
  });
});
