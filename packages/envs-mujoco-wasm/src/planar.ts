import type { Rng } from '@mgail/envs-classic';
import { MujocoEnv, type CommonOptions, type InfoField, type SharedModel } from './mujoco-env.js';
import { clip, npSumSquares } from './numeric.js';

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
export const PLANAR_INFO: readonly InfoField[] = [
  { name: 'x_position', size: 1 },
  { name: 'z_distance_from_origin', size: 1 },
  { name: 'x_velocity', size: 1 },
  { name: 'reward_forward', size: 1 },
  { name: 'reward_ctrl', size: 1 },
  { name: 'reward_survive', size: 1 },
];

type ParsedPlanar = Required<Omit<PlanarOptions, 'renderMode'>>;

/**
 * What hopper_v5.py and walker2d_v5.py have in common: observation qpos[1:] (qpos[0:] when
 * positions are included) and clip(qvel, -10, 10); reward forward + healthy − ctrl cost;
 * healthy when z and the torso angle are inside their (strict) ranges; uniform reset noise on
 * qpos and qvel. Subclasses add their own health conditions by overriding `healthy`.
 */
export abstract class PlanarWalkerEnv<O extends ParsedPlanar = ParsedPlanar> extends MujocoEnv {
  protected readonly o: O;
  private readonly posStart: number;
  private xBefore = 0;
  private readonly sq: Float64Array;

  constructor(id: string, shared: SharedModel, options: O, kwargs: Record<string, unknown>, rewardThreshold?: number) {
    const posStart = options.excludeCurrentPositionsFromObservation ? 1 : 0;
    const m = shared.model;
    super({
      id,
      shared,
      frameSkip: options.frameSkip,
      obsDim: m.nq - posStart + m.nv,
      maxEpisodeSteps: options.maxEpisodeSteps,
      ...(rewardThreshold !== undefined ? { rewardThreshold } : {}),
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

  protected healthy(): boolean {
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
