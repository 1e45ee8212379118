import { LocomotionEnv, scalarInfo } from './locomotion.js';
import type { CommonOptions, EnvDefinition, SharedModel } from './mujoco-env.js';
import { npSumSquares } from './numeric.js';
import { commonSchema, num, type OptionSchema } from './options.js';

/** HalfCheetah-v5 keyword arguments (half_cheetah_v5.py), camelCase. */
export interface HalfCheetahOptions extends CommonOptions {
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
}

const SCHEMA: OptionSchema = {
  ...commonSchema('half_cheetah.xml', 5, 0.1),
  forwardRewardWeight: num(1.0, 'forward_reward_weight'),
  ctrlCostWeight: num(0.1, 'ctrl_cost_weight'),
};

const INFO = scalarInfo('x_position', 'x_velocity', 'reward_forward', 'reward_ctrl');

type Parsed = Required<Omit<HalfCheetahOptions, 'renderMode'>>;

/**
 * HalfCheetah-v5 (gymnasium/envs/mujoco/half_cheetah_v5.py). Observation: qpos[1:], qvel (no
 * clipping). Reward: forward - ctrl cost. Never terminates. Reset: uniform noise on qpos,
 * `resetNoiseScale * N(0, 1)` on qvel.
 */
export class HalfCheetahEnv extends LocomotionEnv<Parsed> {
  static readonly id = 'HalfCheetah-v5';

  constructor(shared: SharedModel, options: Parsed, kwargs: Record<string, unknown> = {}) {
    super({ id: HalfCheetahEnv.id, shared, options, kwargs, rootPositions: 1, rewardThreshold: 4800, infoFields: INFO, resetInfoCount: 1, velocityNoise: 'normal' });
  }

  /** `Env.terminatesAt`: HalfCheetah never terminates (only the time limit ends it). */
  terminatesAt(_observation: ArrayLike<number>): boolean {
    return false;
  }

  protected writeObs(out: Float64Array, off: number): void {
    this.writeQposQvel(out, off);
  }

  protected beforeStep(): void {
    this.xBefore = this.qpos[0];
  }

  protected afterStep(action: Float64Array, info: Float64Array): number {
    const xAfter = this.qpos[0];
    const xVelocity = (xAfter - this.xBefore) / this.dt;
    const forwardReward = this.o.forwardRewardWeight * xVelocity;
    const ctrlCost = this.o.ctrlCostWeight * npSumSquares(action, 0, this.nu, this.sq);
    this.terminal = false;
    info[0] = xAfter;
    info[1] = xVelocity;
    info[2] = forwardReward;
    info[3] = -ctrlCost;
    return forwardReward - ctrlCost;
  }

  protected writeResetInfo(info: Float64Array): void {
    info[0] = this.qpos[0];
  }
}

export const halfCheetahDefinition: EnvDefinition = {
  id: HalfCheetahEnv.id,
  rewardThreshold: 4800,
  schema: SCHEMA,
  construct: (shared, o, kwargs) => new HalfCheetahEnv(shared, o as Parsed, kwargs),
};
