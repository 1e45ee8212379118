import { MJ_OBJ_BODY } from './binding.js';
import { LocomotionEnv, scalarInfo } from './locomotion.js';
import type { CommonOptions, EnvDefinition, SharedModel } from './mujoco-env.js';
import { clip, npSumSquares, npSumSquaresClipped } from './numeric.js';
import { bool, commonSchema, num, range, type OptionSchema } from './options.js';

/** Ant-v5 keyword arguments (ant_v5.py), camelCase. */
export interface AntOptions extends CommonOptions {
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  contactCostWeight?: number;
  healthyReward?: number;
  /** Body whose x/y velocity is rewarded: id or name (default 1, the torso). */
  mainBody?: number | string;
  terminateWhenUnhealthy?: boolean;
  healthyZRange?: readonly [number, number];
  contactForceRange?: readonly [number, number];
  includeCfrcExtInObservation?: boolean;
}

const SCHEMA: OptionSchema = {
  ...commonSchema('ant.xml', 5, 0.1),
  forwardRewardWeight: num(1, 'forward_reward_weight'),
  ctrlCostWeight: num(0.5, 'ctrl_cost_weight'),
  contactCostWeight: num(5e-4, 'contact_cost_weight'),
  healthyReward: num(1.0, 'healthy_reward'),
  mainBody: { kind: 'intOrString', default: 1, gymnasium: 'main_body' },
  terminateWhenUnhealthy: bool(true, 'terminate_when_unhealthy'),
  healthyZRange: range(0.2, 1.0, 'healthy_z_range'),
  contactForceRange: range(-1.0, 1.0, 'contact_force_range'),
  includeCfrcExtInObservation: bool(true, 'include_cfrc_ext_in_observation'),
};

/** v4 arguments that v5 dropped, with what to use instead. */
const REMOVED = {
  useContactForces:
    'useContactForces is an Ant-v4 argument; in Ant-v5 the contact cost is always part of the reward and includeCfrcExtInObservation (default true) controls the observation',
};

const INFO = scalarInfo(
  'x_position',
  'y_position',
  'distance_from_origin',
  'x_velocity',
  'y_velocity',
  'reward_forward',
  'reward_ctrl',
  'reward_contact',
  'reward_survive',
);

type Parsed = Required<Omit<AntOptions, 'renderMode'>>;

/**
 * Ant-v5 (gymnasium/envs/mujoco/ant_v5.py). Observation: qpos[2:], qvel,
 * clip(cfrc_ext, contactForceRange)[1:]. Reward: forward (main body x velocity) + healthy -
 * ctrl cost - contact cost (all bodies, clipped forces). Healthy: finite state and z within
 * healthyZRange (inclusive). Reset: uniform noise on qpos, `resetNoiseScale * N(0, 1)` on qvel.
 */
export class AntEnv extends LocomotionEnv<Parsed> {
  static readonly id = 'Ant-v5';
  private readonly mainBody: number;
  private xpos!: Float64Array;
  private cfrcExt!: Float64Array;

  constructor(shared: SharedModel, options: Parsed, kwargs: Record<string, unknown> = {}) {
    const m = shared.model;
    // Before super: a bad body name must fail before any MjData is allocated.
    const mainBody = resolveBody(shared, options.mainBody);
    super({
      id: AntEnv.id,
      shared,
      options,
      kwargs,
      rootPositions: 2,
      extraObs: options.includeCfrcExtInObservation ? (m.nbody - 1) * 6 : 0,
      rewardThreshold: 6000,
      infoFields: INFO,
      resetInfoCount: 3,
      scratchSize: Math.max(m.nu, m.nbody * 6),
      velocityNoise: 'normal',
    });
    this.mainBody = mainBody;
  }

  /** Gymnasium's `is_healthy`. */
  get isHealthy(): boolean {
    this.ensureViews();
    return this.healthy();
  }

  protected override fetchViews(): void {
    this.xpos = this.data.xpos;
    this.cfrcExt = this.data.cfrc_ext;
  }

  private healthy(): boolean {
    const q = this.qpos, v = this.qvel;
    for (let i = 0; i < this.nq; i++) if (!Number.isFinite(q[i])) return false;
    for (let i = 0; i < this.nv; i++) if (!Number.isFinite(v[i])) return false;
    return this.inHealthyZ(q[2]);
  }

  /** The z range, inclusive (ant_v5.py), for the state and for the observation. */
  private inHealthyZ(z: number): boolean {
    const [lo, hi] = this.o.healthyZRange;
    return lo <= z && z <= hi;
  }

  /** `Env.terminatesAt`: `healthy` read from the observation (qpos[2] is entry 2 − posStart). */
  terminatesAt(observation: ArrayLike<number>): boolean {
    if (!this.o.terminateWhenUnhealthy) return false;
    for (let i = 0, n = this.nq - this.posStart + this.nv; i < n; i++) if (!Number.isFinite(observation[i])) return true;
    return !this.inHealthyZ(observation[2 - this.posStart]);
  }

  protected writeObs(out: Float64Array, off: number): void {
    let k = this.writeQposQvel(out, off);
    if (this.o.includeCfrcExtInObservation) {
      const f = this.cfrcExt, [lo, hi] = this.o.contactForceRange;
      for (let i = 6, n = this.nbody * 6; i < n; i++) out[k++] = clip(f[i], lo, hi);
    }
  }

  protected beforeStep(): void {
    this.xBefore = this.xpos[3 * this.mainBody];
    this.yBefore = this.xpos[3 * this.mainBody + 1];
  }

  protected afterStep(action: Float64Array, info: Float64Array): number {
    const xVelocity = (this.xpos[3 * this.mainBody] - this.xBefore) / this.dt;
    const yVelocity = (this.xpos[3 * this.mainBody + 1] - this.yBefore) / this.dt;
    const healthy = this.healthy();
    const forwardReward = xVelocity * this.o.forwardRewardWeight;
    const healthyReward = healthy ? this.o.healthyReward : 0;
    const ctrlCost = this.o.ctrlCostWeight * npSumSquares(action, 0, this.nu, this.sq);
    const [lo, hi] = this.o.contactForceRange;
    const contactCost = this.o.contactCostWeight * npSumSquaresClipped(this.cfrcExt, 0, this.nbody * 6, lo, hi, this.sq);
    const reward = forwardReward + healthyReward - (ctrlCost + contactCost);
    this.terminal = !healthy && this.o.terminateWhenUnhealthy;
    this.writeResetInfo(info);
    info[3] = xVelocity;
    info[4] = yVelocity;
    info[5] = forwardReward;
    info[6] = -ctrlCost;
    info[7] = -contactCost;
    info[8] = healthyReward;
    return reward;
  }

  protected writeResetInfo(info: Float64Array): void {
    const x = this.qpos[0], y = this.qpos[1];
    info[0] = x;
    info[1] = y;
    info[2] = Math.sqrt(x * x + y * y);
  }
}

function resolveBody(shared: SharedModel, body: number | string): number {
  const nbody = shared.model.nbody;
  if (typeof body === 'number') {
    if (body >= nbody) throw new Error(`${AntEnv.id}: option mainBody ${body} is out of range (the model has ${nbody} bodies)`);
    return body;
  }
  const id = shared.mj.name2id(shared.model, MJ_OBJ_BODY, body);
  if (id < 0) throw new Error(`${AntEnv.id}: option mainBody ${JSON.stringify(body)} names no body of ${shared.file}`);
  return id;
}

export const antDefinition: EnvDefinition = {
  id: AntEnv.id,
  rewardThreshold: 6000,
  schema: SCHEMA,
  removed: REMOVED,
  construct: (shared, o, kwargs) => new AntEnv(shared, o as Parsed, kwargs),
};
