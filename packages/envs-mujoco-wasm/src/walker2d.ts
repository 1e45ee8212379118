import type { EnvDefinition, SharedModel } from './mujoco-env.js';
import { PlanarWalkerEnv, type PlanarOptions } from './planar.js';
import { bool, commonSchema, num, range, type OptionSchema } from './options.js';

/** Walker2d-v5 keyword arguments (walker2d_v5.py), camelCase. */
export type Walker2dOptions = PlanarOptions;

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
export class Walker2dEnv extends PlanarWalkerEnv<Parsed> {
  static readonly id = 'Walker2d-v5';

  constructor(shared: SharedModel, options: Parsed, kwargs: Record<string, unknown> = {}) {
    super(Walker2dEnv.id, shared, options, kwargs);
  }
}

export const walker2dDefinition: EnvDefinition = {
  id: Walker2dEnv.id,
  schema: SCHEMA,
  construct: (shared, o, kwargs) => new Walker2dEnv(shared, o as Parsed, kwargs),
};
