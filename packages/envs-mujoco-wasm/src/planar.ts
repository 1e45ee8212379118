import { LocomotionEnv, scalarInfo } from './locomotion.js';
import type { CommonOptions, InfoField, SharedModel } from './mujoco-env.js';
import { npSumSquares } from './numeric.js';

/** Keyword arguments Hopper-v5 and Walker2d-v5 share (hopper_v5.py, walker2d_v5.py), camelCase. */
export interface PlanarOptions extends CommonOptions {
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  healthyReward?: number;
  terminateWhenUnhealthy?: boolean;
  healthyZRange?: readonly [number, number];
  healthyAngleRange?: readonly [number, number];
}

/** Hopper and Walker2d share `info` (`_get_reset_info` is the first two). */
export const PLANAR_INFO: readonly InfoField[] = scalarInfo('x_position', 'z_distance_from_origin', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_survive');

type ParsedPlanar = Required<Omit<PlanarOptions, 'renderMode'>>;

/**
 * What hopper_v5.py and walker2d_v5.py have in common: observation qpos[1:] (qpos[0:] when
 * positions are included) and clip(qvel, -10, 10); reward forward + healthy − ctrl cost;
 * healthy when z and the torso angle are inside their (strict) ranges; uniform reset noise on
 * qpos and qvel. Subclasses add their own health conditions by overriding `healthy`.
 */
export abstract class PlanarWalkerEnv<O extends ParsedPlanar = ParsedPlanar> extends LocomotionEnv<O> {

  constructor(id: string, shared: SharedModel, options: O, kwargs: Record<string, unknown>, rewardThreshold?: number) {
    super({ id, shared, options, kwargs, rootPositions: 1, rewardThreshold, infoFields: PLANAR_INFO, resetInfoCount: 2, velocityNoise: 'uniform' });
  }

  /** Gymnasium's `is_healthy`. */
  get isHealthy(): boolean {
    this.ensureViews();
    return this.healthy();
  }

  protected healthy(): boolean {
    return this.inHealthyRanges(this.qpos[1], this.qpos[2]);
  }

  /** The z and torso-angle ranges (strict), one rule for the state and for the observation. */
  private inHealthyRanges(z: number, angle: number): boolean {
    const [zLo, zHi] = this.o.healthyZRange;
    const [aLo, aHi] = this.o.healthyAngleRange;
    return zLo < z && z < zHi && aLo < angle && angle < aHi;
  }

  /**
   * Whether the episode terminates on reaching a state with this observation (`Env.terminatesAt`):
   * `healthy` read from the observation, where qpos[i] is entry i − posStart. Model-based learners
   * need it for the steps they imagine.
   */
  terminatesAt(observation: ArrayLike<number>): boolean {
    return this.o.terminateWhenUnhealthy && !this.healthyObservation(observation);
  }

  protected healthyObservation(o: ArrayLike<number>): boolean {
    return this.inHealthyRanges(o[1 - this.posStart], o[2 - this.posStart]);
  }

  protected writeObs(out: Float64Array, off: number): void {
    this.writeQposQvel(out, off, 10);
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
