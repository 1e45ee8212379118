import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Rng } from '@mgail/envs-classic';
import { listEnvs, make, MUJOCO_ENV_IDS, mujocoRegistry } from './registry.js';
import type { MujocoEnv } from './mujoco-env.js';
import { makeVec } from './vector.js';

const DIMS: Record<string, { obs: number; act: number; nq: number; nv: number; reset: string[]; step: string[] }> = {
  'Hopper-v5': {
    obs: 11, act: 3, nq: 6, nv: 6,
    reset: ['x_position', 'z_distance_from_origin'],
    step: ['x_position', 'z_distance_from_origin', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_survive'],
  },
  'Walker2d-v5': {
    obs: 17, act: 6, nq: 9, nv: 9,
    reset: ['x_position', 'z_distance_from_origin'],
    step: ['x_position', 'z_distance_from_origin', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_survive'],
  },
  'HalfCheetah-v5': { obs: 17, act: 6, nq: 9, nv: 9, reset: ['x_position'], step: ['x_position', 'x_velocity', 'reward_forward', 'reward_ctrl'] },
  'Ant-v5': {
    obs: 105, act: 8, nq: 15, nv: 14,
    reset: ['x_position', 'y_position', 'distance_from_origin'],
    step: ['x_position', 'y_position', 'distance_from_origin', 'x_velocity', 'y_velocity', 'reward_forward', 'reward_ctrl', 'reward_contact', 'reward_survive'],
  },
  'Humanoid-v5': {
    obs: 348, act: 17, nq: 24, nv: 23,
    reset: ['x_position', 'y_position', 'tendon_length', 'tendon_velocity', 'distance_from_origin'],
    step: ['x_position', 'y_position', 'tendon_length', 'tendon_velocity', 'distance_from_origin', 'x_velocity', 'y_velocity', 'reward_survive', 'reward_forward', 'reward_ctrl', 'reward_contact'],
  },
};

function randomAction(env: MujocoEnv, rng: Rng): Float32Array {
  const a = new Float32Array(env.nu);
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(env.actionSpace.low[i], env.actionSpace.high[i]);
  return a;
}

const rewardTerms = (info: Record<string, unknown>) => Object.entries(info).filter(([k]) => k.startsWith('reward_')).reduce((s, [, v]) => s + (v as number), 0);

describe('registry', () => {
  it('lists the five v5 ids with Gymnasium specs', () => {
    expect(listEnvs().slice(0, 5)).toEqual([...MUJOCO_ENV_IDS]);
    const spec = mujocoRegistry.get('Hopper-v5')!.spec;
    expect(spec.maxEpisodeSteps).toBe(1000);
    expect(spec.rewardThreshold).toBe(3800);
    expect(spec.kwargs).toMatchObject({ xmlFile: 'hopper.xml', frameSkip: 4, ctrlCostWeight: 1e-3, healthyZRange: [0.7, Infinity] });
    expect(mujocoRegistry.get('Walker2d-v5')!.spec.kwargs).toMatchObject({ xmlFile: 'walker2d_v5.xml' });
  });
});

describe.each(MUJOCO_ENV_IDS)('%s', (id) => {
  const d = DIMS[id];

  it('has Gymnasium v5 spaces, spec and info keys; reward is the sum of its terms', async () => {
    const env = await make(id);
    try {
      expect(env.observationSpace.shape).toEqual([d.obs]);
      expect(env.observationSpace.low.every((x) => x === -Infinity)).toBe(true);
      expect(env.actionSpace.shape).toEqual([d.act]);
      expect(env.nq).toBe(d.nq);
      expect(env.nv).toBe(d.nv);
      expect(env.spec).toMatchObject({ id, maxEpisodeSteps: 1000, entryPoint: '@mgail/envs-mujoco-wasm' });

      const r = env.reset({ seed: 0 });
      expect(r.observation).toBeInstanceOf(Float64Array);
      expect(r.observation.length).toBe(d.obs);
      expect(Object.keys(r.info)).toEqual(d.reset);

      const rng = new Rng(1);
      for (let t = 0; t < 5; t++) {
        const before = env.getState();
        const s = env.step(randomAction(env, rng));
        expect(s.observation.length).toBe(d.obs);
        expect(Object.keys(s.info)).toEqual(d.step);
        expect(s.reward).toBeCloseTo(rewardTerms(s.info), 10);
        expect(s.truncated).toBe(false);
        const after = env.getState();
        if (id !== 'Humanoid-v5' && id !== 'Ant-v5') {
          expect(s.info.x_velocity as number).toBeCloseTo((after.qpos[0] - before.qpos[0]) / env.dt, 9);
        }
        expect(s.info.x_position).toBe(after.qpos[0]);
        // Observation composition: positions (root x, and y for 3D bodies, excluded), velocities.
        const skip = id === 'Ant-v5' || id === 'Humanoid-v5' ? 2 : 1;
        expect(Array.from(s.observation.subarray(0, d.nq - skip))).toEqual(Array.from(after.qpos.subarray(skip)));
        const clipped = id === 'Hopper-v5' || id === 'Walker2d-v5';
        const vel = Array.from(after.qvel, (v) => (clipped ? Math.min(10, Math.max(-10, v)) : v));
        expect(Array.from(s.observation.subarray(d.nq - skip, d.nq - skip + d.nv))).toEqual(vel);
        if (s.terminated) break;
      }
    } finally {
      env.close();
    }
  });

  it('reset({seed}) is reproducible, reseeding only when a seed is given; unseeded starts at seed 0', async () => {
    const env = await make(id);
    try {
      const a = env.reset({ seed: 7 }).observation;
      const b = env.reset().observation;
      const c = env.reset({ seed: 7 }).observation;
      expect(c).toEqual(a);
      expect(b).not.toEqual(a);
      expect(env.reset({ seed: 8 }).observation).not.toEqual(a);
      const fresh = await make(id);
      expect(fresh.reset().observation).toEqual(env.reset({ seed: 0 }).observation);
      fresh.close();
    } finally {
      env.close();
    }
  });
});

describe('reset noise (Gymnasium v5 distributions)', () => {
  const cases: [string, number, 'uniform' | 'normal'][] = [
    ['Hopper-v5', 5e-3, 'uniform'],
    ['Walker2d-v5', 5e-3, 'uniform'],
    ['HalfCheetah-v5', 0.1, 'normal'],
    ['Ant-v5', 0.1, 'normal'],
    ['Humanoid-v5', 1e-2, 'uniform'],
  ];
  it.each(cases)('%s: uniform qpos noise of %s, %s qvel noise', async (id, scale, vel) => {
    const env = await make(id);
    const init = env.reset({ seed: 0 }) && (env as unknown as { initQpos: Float64Array }).initQpos;
    let maxQ = 0, maxV = 0, sumV = 0, sumV2 = 0, n = 0;
    for (let k = 0; k < 40; k++) {
      env.reset({ seed: k });
      const { qpos, qvel } = env.getState();
      for (let i = 0; i < qpos.length; i++) maxQ = Math.max(maxQ, Math.abs(qpos[i] - init[i]));
      for (const v of qvel) {
        maxV = Math.max(maxV, Math.abs(v));
        sumV += v;
        sumV2 += v * v;
        n++;
      }
    }
    env.close();
    expect(maxQ).toBeLessThanOrEqual(scale);
    expect(maxQ).toBeGreaterThan(0.8 * scale);
    const std = Math.sqrt(sumV2 / n - (sumV / n) ** 2);
    if (vel === 'uniform') {
      expect(maxV).toBeLessThanOrEqual(scale);
      expect(Math.abs(std / (scale / Math.sqrt(3)) - 1)).toBeLessThan(0.1);
    } else {
      expect(maxV).toBeGreaterThan(2 * scale); // a normal's tail, impossible for U(-s, s)
      expect(Math.abs(std / scale - 1)).toBeLessThan(0.15);
    }
  });
});

describe('time limit and termination', () => {
  it('truncates at step 1000 (TimeLimit), not before', async () => {
    const env = await make('HalfCheetah-v5');
    env.reset({ seed: 0 });
    const a = new Float32Array(6);
    let last;
    for (let t = 1; t <= 1000; t++) {
      last = env.step(a);
      if (t < 1000) expect(last.truncated).toBe(false);
    }
    expect(last!.truncated).toBe(true);
    expect(last!.terminated).toBe(false);
    expect(env.elapsed).toBe(1000);
    env.close();
  });

  it('maxEpisodeSteps option shortens the limit', async () => {
    const env = await make('HalfCheetah-v5', { maxEpisodeSteps: 3 });
    expect(env.spec.maxEpisodeSteps).toBe(3);
    env.reset({ seed: 0 });
    const a = new Float32Array(6);
    expect([1, 2, 3].map(() => env.step(a).truncated)).toEqual([false, false, true]);
    env.close();
  });

  it('Hopper terminates when unhealthy, with no survive reward; terminateWhenUnhealthy=false keeps going', async () => {
    for (const terminate of [true, false]) {
      const env = await make('Hopper-v5', { terminateWhenUnhealthy: terminate });
      env.reset({ seed: 0 });
      const { qpos, qvel } = env.getState();
      qpos[1] = 0.5; // below healthy z 0.7
      env.setState(qpos, qvel);
      const s = env.step(new Float32Array(3));
      expect(s.terminated).toBe(terminate);
      expect(s.info.reward_survive).toBe(0);
      expect(env.isHealthy).toBe(false);
      env.close();
    }
  });

  it('Walker2d healthy ranges are strict; Ant z range is inclusive', async () => {
    const w = await make('Walker2d-v5', { healthyZRange: [0.8, 2.0] });
    w.reset({ seed: 0 });
    const s = w.getState();
    s.qpos[1] = 2.5;
    s.qvel.fill(0);
    w.setState(s.qpos, s.qvel);
    expect(w.isHealthy).toBe(false);
    w.close();
    const ant = await make('Ant-v5', { healthyZRange: [0.2, 5] });
    ant.reset({ seed: 0 });
    const a = ant.getState();
    ant.setState(a.qpos, a.qvel);
    expect(ant.isHealthy).toBe(true);
    ant.close();
  });
});

describe('terminatesAt: the termination rule read from the observation', () => {
  // qpos entries set around each env's health boundaries (z; the torso angle on the planar
  // walkers), so that both outcomes occur
  const NEAR: Record<string, (q: Float64Array, u: () => number) => void> = {
    'Hopper-v5': (q, u) => { q[1] = 0.6 + 0.3 * u(); q[2] = 0.5 * u() - 0.25; },
    'Walker2d-v5': (q, u) => { q[1] = u() < 0.5 ? 0.7 + 0.3 * u() : 1.9 + 0.2 * u(); q[2] = 2.4 * u() - 1.2; },
    'HalfCheetah-v5': (q, u) => { q[2] = 6 * u() - 3; },
    'Ant-v5': (q, u) => { q[2] = u() < 0.5 ? 0.15 + 0.1 * u() : 0.95 + 0.1 * u(); },
    'Humanoid-v5': (q, u) => { q[2] = u() < 0.5 ? 0.9 + 0.2 * u() : 1.9 + 0.2 * u(); },
  };
  const cases = [...MUJOCO_ENV_IDS.map((id) => [id, {}] as const), ['Hopper-v5', { excludeCurrentPositionsFromObservation: false }] as const, ['Walker2d-v5', { terminateWhenUnhealthy: false }] as const];
  it.each(cases)('%s %j: agrees with step()\'s terminated on every step from 300 states', async (id, options) => {
    const env = await make(id, options);
    const rng = new Rng(21);
    const u = () => rng.random();
    env.reset({ seed: 22 });
    const start = env.getState();
    let terminations = 0;
    for (let k = 0; k < 300; k++) {
      const qpos = Float64Array.from(start.qpos), qvel = start.qvel.map(() => 0.5 * (2 * u() - 1));
      NEAR[id](qpos, u);
      env.setState(qpos, qvel);
      const r = env.step(randomAction(env, rng));
      expect(env.terminatesAt(r.observation)).toBe(r.terminated);
      if (r.terminated) terminations++;
    }
    if (id === 'HalfCheetah-v5' || 'terminateWhenUnhealthy' in options) expect(terminations).toBe(0);
    else expect(terminations).toBeGreaterThan(30);
    env.close();
  });
});

describe('options', () => {
  it('excludeCurrentPositionsFromObservation=false adds the root position(s)', async () => {
    for (const [id, extra] of [['Hopper-v5', 1], ['Walker2d-v5', 1], ['HalfCheetah-v5', 1], ['Ant-v5', 2], ['Humanoid-v5', 2]] as const) {
      const env = await make(id, { excludeCurrentPositionsFromObservation: false });
      expect(env.obsDim).toBe(DIMS[id].obs + extra);
      const r = env.reset({ seed: 0 });
      expect(r.observation[0]).toBe(env.getState().qpos[0]);
      env.close();
    }
  });

  it('Ant includeCfrcExtInObservation, Humanoid include* flags change the observation', async () => {
    const ant = await make('Ant-v5', { includeCfrcExtInObservation: false });
    expect(ant.obsDim).toBe(27);
    ant.close();
    const h = await make('Humanoid-v5', { includeCinertInObservation: false, includeCvelInObservation: false, includeQfrcActuatorInObservation: false, includeCfrcExtInObservation: false });
    expect(h.obsDim).toBe(45);
    h.close();
    const h2 = await make('Humanoid-v5', { includeCinertInObservation: false });
    expect(h2.obsDim).toBe(348 - 130);
    h2.close();
  });

  it('weights and frameSkip take effect', async () => {
    const env = await make('HalfCheetah-v5', { ctrlCostWeight: 0, forwardRewardWeight: 2, frameSkip: 2 });
    expect(env.dt).toBeCloseTo(0.02, 12);
    env.reset({ seed: 0 });
    const s = env.step(Float32Array.of(1, -1, 1, -1, 1, -1));
    expect(s.info.reward_ctrl).toBe(-0);
    expect(s.info.reward_forward).toBe(2 * (s.info.x_velocity as number));
    env.close();
  });

  it('Ant mainBody accepts a body name', async () => {
    const env = await make('Ant-v5', { mainBody: 'torso' });
    env.reset({ seed: 0 });
    expect(env.step(new Float32Array(8)).info.x_velocity).toEqual(expect.any(Number));
    env.close();
    await expect(make('Ant-v5', { mainBody: 'nope' })).rejects.toThrow(/mainBody "nope" names no body/);
  });

  it('unknown, snake_case and v4-only options are errors that say what to use', async () => {
    await expect(make('Hopper-v5', { ctrlCost: 1 } as never)).rejects.toThrow(/unknown option "ctrlCost"; valid options: .*ctrlCostWeight/);
    await expect(make('Hopper-v5', { ctrl_cost_weight: 1 } as never)).rejects.toThrow(/camelCase: ctrlCostWeight/);
    await expect(make('Ant-v5', { useContactForces: true } as never)).rejects.toThrow(/Ant-v4 argument.*includeCfrcExtInObservation/);
    await expect(make('Hopper-v5', { healthyZRange: [1, 0] })).rejects.toThrow(/healthyZRange must be a pair \[min, max\] with min <= max/);
    await expect(make('Hopper-v5', { frameSkip: 0 })).rejects.toThrow(/frameSkip must be a positive integer/);
  });
});

describe('state access', () => {
  it('setState copies qpos/qvel in, runs mj_forward and returns the observation; getState returns copies', async () => {
    const env = await make('Hopper-v5');
    env.reset({ seed: 0 });
    const { qpos, qvel } = env.getState();
    qpos[0] = 3;
    qpos[1] = 1.3;
    qvel[0] = 20; // clipped to 10 in the observation
    const obs = env.setState(qpos, qvel);
    expect(obs[0]).toBe(1.3);
    expect(obs[5]).toBe(10);
    const got = env.getState();
    expect(got.qpos[0]).toBe(3);
    got.qpos[0] = 99;
    expect(env.getState().qpos[0]).toBe(3);
    expect(() => env.setState([1, 2], qvel)).toThrow(/qpos must have length 6/);
    expect(() => env.setState(qpos, Array(6).fill(NaN))).toThrow(/qvel\[0\] is NaN/);
    env.close();
  });

  it('close() frees the env; using it afterwards is an error', async () => {
    const env = await make('Hopper-v5');
    env.reset({ seed: 0 });
    env.close();
    env.close();
    expect(env.isClosed).toBe(true);
    expect(() => env.step([0, 0, 0])).toThrow(/closed/);
    expect(() => env.reset()).toThrow(/closed/);
  });
});

describe('printing', () => {
  it('envs and vector envs print their class and id, not their WASM handles', async () => {
    const env = await make('Hopper-v5');
    expect(String(env)).toBe('HopperEnv<Hopper-v5>');
    expect(inspect(env)).toBe('HopperEnv<Hopper-v5>');
    expect(String(env.actionSpace)).toBe('Box(-1.0, 1.0, (3,), float32)');
    env.close();
    const venv = await makeVec('Hopper-v5', 2);
    expect(inspect(venv)).toBe('MujocoVectorEnv(Hopper-v5, num_envs=2)');
    venv.close();
  });
});
