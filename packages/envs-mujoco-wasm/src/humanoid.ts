import { LocomotionEnv } from './locomotion.js';
import type { CommonOptions, EnvDefinition, InfoField, SharedModel } from './mujoco-env.js';
import { clip, npSum, npSumSquares } from './numeric.js';
import { bool, commonSchema, num, range, type OptionSchema } from './options.js';

/** Humanoid-v5 keyword arguments (humanoid_v5.py), camelCase. */
export interface HumanoidOptions extends CommonOptions {
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  contactCostWeight?: number;
  contactCostRange?: readonly [number, number];
  healthyReward?: number;
  terminateWhenUnhealthy?: boolean;
  healthyZRange?: readonly [number, number];
  includeCinertInObservation?: boolean;
  includeCvelInObservation?: boolean;
  includeQfrcActuatorInObservation?: boolean;
  includeCfrcExtInObservation?: boolean;
}

const SCHEMA: OptionSchema = {
  ...commonSchema('humanoid.xml', 5, 1e-2),
  forwardRewardWeight: num(1.25, 'forward_reward_weight'),
  ctrlCostWeight: num(0.1, 'ctrl_cost_weight'),
  contactCostWeight: num(5e-7, 'contact_cost_weight'),
  contactCostRange: range(-Infinity, 10.0, 'contact_cost_range'),
  healthyReward: num(5.0, 'healthy_reward'),
  terminateWhenUnhealthy: bool(true, 'terminate_when_unhealthy'),
  healthyZRange: range(1.0, 2.0, 'healthy_z_range'),
  includeCinertInObservation: bool(true, 'include_cinert_in_observation'),
  includeCvelInObservation: bool(true, 'include_cvel_in_observation'),
  includeQfrcActuatorInObservation: bool(true, 'include_qfrc_actuator_in_observation'),
  includeCfrcExtInObservation: bool(true, 'include_cfrc_ext_in_observation'),
};

type Parsed = Required<Omit<HumanoidOptions, 'renderMode'>>;

/**
 * Humanoid-v5 (gymnasium/envs/mujoco/humanoid_v5.py). Observation: qpos[2:], qvel, cinert[1:],
 * cvel[1:], qfrc_actuator[6:], cfrc_ext[1:] (each optional). Reward: forward (velocity of the
 * mass center) + healthy - ctrl cost (of data.ctrl) - clip(contact cost, contactCostRange).
 * Healthy: healthyZRange[0] < z < healthyZRange[1]. Reset: uniform noise on qpos and qvel.
 */
export class HumanoidEnv extends LocomotionEnv<Parsed> {
  static readonly id = 'Humanoid-v5';
  private readonly ntendon: number;
  private readonly bodyMass: Float64Array;
  private readonly totalMass: number;
  private xipos!: Float64Array;
  private cinert!: Float64Array;
  private cvel!: Float64Array;
  private qfrcActuator!: Float64Array;
  private cfrcExt!: Float64Array;
  private tenLength!: Float64Array;
  private tenVelocity!: Float64Array;

  constructor(shared: SharedModel, options: Parsed, kwargs: Record<string, unknown> = {}) {
    const m = shared.model;
    const b = m.nbody - 1;
    const extraObs =
      (options.includeCinertInObservation ? b * 10 : 0) +
      (options.includeCvelInObservation ? b * 6 : 0) +
      (options.includeQfrcActuatorInObservation ? m.nv - 6 : 0) +
      (options.includeCfrcExtInObservation ? b * 6 : 0);
    const nt = m.ntendon;
    super({
      id: HumanoidEnv.id,
      shared,
      options,
      kwargs,
      rootPositions: 2,
      extraObs,
      infoFields: [
        { name: 'x_position', size: 1 },
        { name: 'y_position', size: 1 },
        { name: 'tendon_length', size: nt },
        { name: 'tendon_velocity', size: nt },
        { name: 'distance_from_origin', size: 1 },
        { name: 'x_velocity', size: 1 },
        { name: 'y_velocity', size: 1 },
        { name: 'reward_survive', size: 1 },
        { name: 'reward_forward', size: 1 },
        { name: 'reward_ctrl', size: 1 },
        { name: 'reward_contact', size: 1 },
      ] satisfies InfoField[],
      resetInfoCount: 5,
      scratchSize: Math.max(m.nu, m.nbody * 6),
      velocityNoise: 'uniform',
    });
    this.ntendon = nt;
    this.bodyMass = Float64Array.from(m.body_mass);
    this.totalMass = npSum(this.bodyMass, 0, this.nbody);
  }

  /** Gymnasium's `is_healthy`. */
  get isHealthy(): boolean {
    this.ensureViews();
    return this.healthy();
  }

  protected override fetchViews(): void {
    const d = this.data;
    this.xipos = d.xipos;
    this.cinert = d.cinert;
    this.cvel = d.cvel;
    this.qfrcActuator = d.qfrc_actuator;
    this.cfrcExt = d.cfrc_ext;
    this.tenLength = d.ten_length;
    this.tenVelocity = d.ten_velocity;
  }

  private healthy(): boolean {
    return this.inHealthyZ(this.qpos[2]);
  }

  /** The z range, strict (humanoid_v5.py), for the state and for the observation. */
  private inHealthyZ(z: number): boolean {
    const [lo, hi] = this.o.healthyZRange;
    return lo < z && z < hi;
  }

  /** `Env.terminatesAt`: `healthy` read from the observation (qpos[2] is entry 2 − posStart). */
  terminatesAt(observation: ArrayLike<number>): boolean {
    return this.o.terminateWhenUnhealthy && !this.inHealthyZ(observation[2 - this.posStart]);
  }

  protected writeObs(out: Float64Array, off: number): void {
    const nb6 = this.nbody * 6;
    let k = this.writeQposQvel(out, off);
    if (this.o.includeCinertInObservation) for (let i = 10, n = this.nbody * 10, c = this.cinert; i < n; i++) out[k++] = c[i];
    if (this.o.includeCvelInObservation) for (let i = 6, c = this.cvel; i < nb6; i++) out[k++] = c[i];
    if (this.o.includeQfrcActuatorInObservation) for (let i = 6, f = this.qfrcActuator; i < this.nv; i++) out[k++] = f[i];
    if (this.o.includeCfrcExtInObservation) for (let i = 6, f = this.cfrcExt; i < nb6; i++) out[k++] = f[i];
  }

  /** humanoid_v5.py `mass_center`: sum(body_mass * xipos, axis=0) / sum(body_mass). */
  private massCenter(axis: number): number {
    const m = this.bodyMass, x = this.xipos;
    let s = 0;
    for (let b = 0; b < this.nbody; b++) s += m[b] * x[3 * b + axis];
    return s / this.totalMass;
  }

  protected beforeStep(): void {
    this.xBefore = this.massCenter(0);
    this.yBefore = this.massCenter(1);
  }

  protected afterStep(_action: Float64Array, info: Float64Array): number {
    const xVelocity = (this.massCenter(0) - this.xBefore) / this.dt;
    const yVelocity = (this.massCenter(1) - this.yBefore) / this.dt;
    const healthy = this.healthy();
    const forwardReward = this.o.forwardRewardWeight * xVelocity;
    const healthyReward = healthy ? this.o.healthyReward : 0;
    // humanoid_v5.py charges data.ctrl (the action as written into MuJoCo), not the action.
    const ctrlCost = this.o.ctrlCostWeight * npSumSquares(this.ctrl, 0, this.nu, this.sq);
    const [cLo, cHi] = this.o.contactCostRange;
    const contactCost = clip(this.o.contactCostWeight * npSumSquares(this.cfrcExt, 0, this.nbody * 6, this.sq), cLo, cHi);
    const reward = forwardReward + healthyReward - (ctrlCost + contactCost);
    this.terminal = !healthy && this.o.terminateWhenUnhealthy;
    this.writeResetInfo(info);
    let k = 3 + 2 * this.ntendon;
    info[k++] = xVelocity;
    info[k++] = yVelocity;
    info[k++] = healthyReward;
    info[k++] = forwardReward;
    info[k++] = -ctrlCost;
    info[k++] = -contactCost;
    return reward;
  }

  protected writeResetInfo(info: Float64Array): void {
    const x = this.qpos[0], y = this.qpos[1], nt = this.ntendon;
    info[0] = x;
    info[1] = y;
    for (let i = 0; i < nt; i++) {
      info[2 + i] = this.tenLength[i];
      info[2 + nt + i] = this.tenVelocity[i];
    }
    info[2 + 2 * nt] = Math.sqrt(x * x + y * y);
  }
}

export const humanoidDefinition: EnvDefinition = {
  id: HumanoidEnv.id,
  schema: SCHEMA,
  construct: (shared, o, kwargs) => new HumanoidEnv(shared, o as Parsed, kwargs),
};
