import type { Rng } from '@mgail/envs-classic';
import { PLANAR_INFO } from './hopper.js';
import { MujocoEnv, type CommonOptions, type EnvDefinition, type SharedModel } from './mujoco-env.js';
import { clip, npSumSquares } from './numeric.js';
import { bool, commonSchema, num, range, type OptionSchema } from './options.js';

/** Walker2d-v5 keyword arguments (walker2d_v5.py), camelCase. */
export interface Walker2dOptions extends CommonOptions {
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  healthyReward?: number;
  terminateWhenUnhealthy?: boolean;
  healthyZRange?: readonly [number, number];
  healthyAngleRange?: readonly [number, number];
}

const SCHEMA: OptionSchema = {
  ...commonSchema('walker2d_v5.xml', 4, 5e-3),
  forwardRewardWeight: num(1.0, 'forward_reward_weight'),
  ctrlCostWeight: num(1e-3, 'ctrl_cost_weight'),
  healthyReward: num(1.0, 'healthy_reward'),
  terminateWhenUnhealthy: bool(true, 'terminate_when_unhealthy'),
  healthyZRange: range(0.8, 2.0, 'healthy_z_range'),
  healthyAngleRange: range(-1.0, 1.0, 'healthy_angle_range'),
};

type Parsed = Required<Omit<Walker2dOptions, 'renderMode'>>;

/**
 * Walker2d-v5 (gymnasium/envs/mujoco/walker2d_v5.py, model walker2d_v5.xml with both feet at
 * friction 1.9). Observation: qpos[1:], clip(qvel, -10, 10). Reward: forward + healthy - ctrl
 * cost. Healthy: z in healthyZRange and angle in healthyAngleRange (strict). Reset: uniform
 * noise on qpos and qvel.
 */
export class Walker2dEnv extends MujocoEnv {
  static readonly id = 'Walker2d-v5';
  private readonly o: Parsed;
  private readonly posStart: number;
  private xBefore = 0;
  private readonly sq: Float64Array;

  constructor(shared: SharedModel, options: Parsed, kwargs: Record<string, unknown> = {}) {
    const posStart = options.excludeCurrentPositionsFromObservation ? 1 : 0;
    const m = shared.model;
    super({
      id: Walker2dEnv.id,
      shared,
      frameSkip: options.frameSkip,
      obsDim: m.nq - posStart + m.nv,
      maxEpisodeSteps: options.maxEpisodeSteps,
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
    const z = this.qpos[1], angle = this.qpos[2];
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

export const walker2dDefinition: EnvDefinition = {
  id: Walker2dEnv.id,
  schema: SCHEMA,
  construct: (shared, o, kwargs) => new Walker2dEnv(shared, o as Parsed, kwargs),
};
