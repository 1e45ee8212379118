import type { EnvDefinition, SharedModel } from './mujoco-env.js';
import { PlanarWalkerEnv, type PlanarOptions } from './planar.js';
import { bool, commonSchema, num, range, type OptionSchema } from './options.js';

/** Hopper-v5 keyword arguments (hopper_v5.py), camelCase. */
export interface HopperOptions extends PlanarOptions {
  healthyStateRange?: readonly [number, number];
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

type Parsed = Required<Omit<HopperOptions, 'renderMode'>>;

/**
 * Hopper-v5 (gymnasium/envs/mujoco/hopper_v5.py). Observation: qpos[1:] (qpos[0:] when
 * positions are included), clip(qvel, -10, 10). Reward: forward + healthy - ctrl cost.
 * Healthy: every state_vector()[2:] entry in healthyStateRange, z in healthyZRange, angle in
 * healthyAngleRange, all strict. Reset: uniform noise on qpos and qvel.
 */
export class HopperEnv extends PlanarWalkerEnv<Parsed> {
  static readonly id = 'Hopper-v5';

  constructor(shared: SharedModel, options: Parsed, kwargs: Record<string, unknown> = {}) {
    super(HopperEnv.id, shared, options, kwargs, 3800);
  }

  protected override healthy(): boolean {
    const q = this.qpos, v = this.qvel;
    // state_vector()[2:] = qpos[2:], qvel
    for (let i = 2; i < this.nq; i++) if (!this.inStateRange(q[i])) return false;
    for (let i = 0; i < this.nv; i++) if (!this.inStateRange(v[i])) return false;
    return super.healthy();
  }

  /**
   * `healthy` on the observation. The observation clips qvel to ±10, inside the ±100 state
   * range, so the velocity part of that range cannot fail here: a step that ends the episode
   * only through a velocity over 100 is not seen (the position checks are exact).
   */
  protected override healthyObservation(o: ArrayLike<number>): boolean {
    for (let i = 2 - this.posStart, n = this.nq - this.posStart + this.nv; i < n; i++) if (!this.inStateRange(o[i])) return false;
    return super.healthyObservation(o);
  }

  private inStateRange(x: number): boolean {
    const [lo, hi] = this.o.healthyStateRange;
    return lo < x && x < hi;
  }
}

export const hopperDefinition: EnvDefinition = {
  id: HopperEnv.id,
  rewardThreshold: 3800,
  schema: SCHEMA,
  construct: (shared, o, kwargs) => new HopperEnv(shared, o as Parsed, kwargs),
};
