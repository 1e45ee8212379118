import type { Rng } from '@mgail/envs-classic';
import { MujocoEnv, type CommonOptions, type EnvDefinition, type InfoField, type SharedModel } from './mujoco-env.js';
import { clip, npSumSquares } from './numeric.js';
import { bool, commonSchema, num, range, type OptionSchema } from './options.js';

/** Hopper-v5 keyword arguments (hopper_v5.py), camelCase. */
export interface HopperOptions extends CommonOptions {
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  healthyReward?: number;
  terminateWhenUnhealthy?: boolean;
  healthyStateRange?: readonly [number, number];
  healthyZRange?: readonly [number, number];
  healthyAngleRange?: readonly [number, number];
}

const SCHEMA: OptionSchema = {
  ...commonSchema('hopper.xml', 4, 5e-3),
  forwardRewardWeight: num(1.0, 'forward_reward_weight'),
  ctrlCostWeight: num(1e-3, 'ctrl_cost_weight'),
  healthyReward: num(1.0, 'healthy_reward'),
  terminateWhenUnhealthy: bool(true, 'terminate_when_unhealthy'),
  healthyStateRange: range(-100.0, 100.0, 'healthy_state_range'),
  healthyZRange: range(0.7, Infinity, 'healthy_z_range'),
  healthyAngleRange: range(-0.2, 0.2, 'healthy_angle_range'),
};

/** Hopper and Walker2d share `info` (`_get_reset_info` is the first two). */
export const PLANAR_INFO: readonly InfoField[] = [
  { name: 'x_position', size: 1 },
  { name: 'z_distance_from_origin', size: 1 },
  { name: 'x_velocity', size: 1 },
  { name: 'reward_forward', size: 1 },
  { name: 'reward_ctrl', size: 1 },
  { name: 'reward_survive', size: 1 },
];

type Parsed = Required<Omit<HopperOptions, 'renderMode'>>;

/**
 * Hopper-v5 (gymnasium/envs/mujoco/hopper_v5.py). Observation: qpos[1:] (qpos[0:] when
 * positions are included), clip(qvel, -10, 10). Reward: forward + healthy - ctrl cost.
 * Healthy: every state_vector()[2:] entry in healthyStateRange, z in healthyZRange, angle in
 * healthyAngleRange, all strict. Reset: uniform noise on qpos and qvel.
 */
export class HopperEnv extends MujocoEnv {
  static readonly id = 'Hopper-v5';
  private readonly o: Parsed;
  private readonly posStart: number;
  private xBefore = 0;
  private readonly sq: Float64Array;

  constructor(shared: SharedModel, options: Parsed, kwargs: Record<string, unknown> = {}) {
    const posStart = options.excludeCurrentPositionsFromObservation ? 1 : 0;
    const m = shared.model;
    super({
      id: HopperEnv.id,
      shared,
      frameSkip: options.frameSkip,
      obsDim: m.nq - posStart + m.nv,
      maxEpisodeSteps: options.maxEpisodeSteps,
      rewardThreshold: 3800,
      kwargs,
      infoFields: PLANAR_INFO,
      resetInfoCount: 2,
    });
    this.o = options;
    this.posStart = posStart;
    this.sq = new Float64Array(this.nu);
  }

  /** Gymnasium's `is_healthy`. */
  get isHealthy(): boolean {
    this.ensureViews();
    return this.healthy();
  }

  private healthy(): boolean {
    const q = this.qpos, v = this.qvel;
    const [sLo, sHi] = this.o.healthyStateRange;
    // state_vector()[2:] = qpos[2:], qvel
    for (let i = 2; i < this.nq; i++) if (!(sLo < q[i] && q[i] < sHi)) return false;
    for (let i = 0; i < this.nv; i++) if (!(sLo < v[i] && v[i] < sHi)) return false;
    const z = q[1], angle = q[2];
    const [zLo, zHi] = this.o.healthyZRange;
    const [aLo, aHi] = this.o.healthyAngleRange;
    return zLo < z && z < zHi && aLo < angle && angle < aHi;
  }

  protected resetModel(rng: Rng): void {
    const s = this.o.resetNoiseScale;
    const qpos = this.uniformQpos(rng, s);
    const qvel = this.uniformQvel(rng, s);
    this.setStateRaw(qpos, qvel);
  }

  protected writeObs(out: Float64Array, off: number): void {
    const q = this.qpos, v = this.qvel;
    let k = off;
    for (let i = this.posStart; i < this.nq; i++) out[k++] = q[i];
    for (let i = 0; i < this.nv; i++) out[k++] = clip(v[i], -10, 10);
  }

  protected beforeStep(): void {
    this.xBefore = this.qpos[0];
  }

  protected afterStep(action: Float64Array, info: Float64Array): number {
    const xAfter = this.qpos[0];
    const xVelocity = (xAfter - this.xBefore) / this.dt;
    const healthy = this.healthy();
    const forwardReward = this.o.forwardRewardWeight * xVelocity;
    const healthyReward = healthy ? this.o.healthyReward : 0;
    const ctrlCost = this.o.ctrlCostWeight * npSumSquares(action, 0, this.nu, this.sq);
    const reward = forwardReward + healthyReward - ctrlCost;
    this.terminal = !healthy && this.o.terminateWhenUnhealthy;
    info[0] = xAfter;
    info[1] = this.qpos[1] - this.initQpos[1];
    info[2] = xVelocity;
    info[3] = forwardReward;
    info[4] = -ctrlCost;
    info[5] = healthyReward;
    return reward;
  }

  protected writeResetInfo(info: Float64Array): void {
    info[0] = this.qpos[0];
    info[1] = this.qpos[1] - this.initQpos[1];
  }
}

export const hopperDefinition: EnvDefinition = {
  id: HopperEnv.id,
  rewardThreshold: 3800,
  schema: SCHEMA,
  construct: (shared, o, kwargs) => new HopperEnv(shared, o as Parsed, kwargs),
};
