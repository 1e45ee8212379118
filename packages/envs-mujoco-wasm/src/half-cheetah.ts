import type { Rng } from '@mgail/envs-classic';
import { MujocoEnv, type CommonOptions, type EnvDefinition, type InfoField, type SharedModel } from './mujoco-env.js';
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

const INFO: readonly InfoField[] = [
  { name: 'x_position', size: 1 },
  { name: 'x_velocity', size: 1 },
  { name: 'reward_forward', size: 1 },
  { name: 'reward_ctrl', size: 1 },
];

type Parsed = Required<Omit<HalfCheetahOptions, 'renderMode'>>;

/**
 * HalfCheetah-v5 (gymnasium/envs/mujoco/half_cheetah_v5.py). Observation: qpos[1:], qvel (no
 * clipping). Reward: forward - ctrl cost. Never terminates. Reset: uniform noise on qpos,
 * `resetNoiseScale * N(0, 1)` on qvel.
 */
export class HalfCheetahEnv extends MujocoEnv {
  static readonly id = 'HalfCheetah-v5';
  private readonly o: Parsed;
  private readonly posStart: number;
  private xBefore = 0;
  private readonly sq: Float64Array;

  constructor(shared: SharedModel, options: Parsed, kwargs: Record<string, unknown> = {}) {
    const posStart = options.excludeCurrentPositionsFromObservation ? 1 : 0;
    const m = shared.model;
    super({
      id: HalfCheetahEnv.id,
      shared,
      frameSkip: options.frameSkip,
      obsDim: m.nq - posStart + m.nv,
      maxEpisodeSteps: options.maxEpisodeSteps,
      rewardThreshold: 4800,
      kwargs,
      infoFields: INFO,
      resetInfoCount: 1,
    });
    this.o = options;
    this.posStart = posStart;
    this.sq = new Float64Array(this.nu);
  }

  protected resetModel(rng: Rng): void {
    const s = this.o.resetNoiseScale;
    const qpos = this.uniformQpos(rng, s);
    const qvel = this.normalQvel(rng, s);
    this.setStateRaw(qpos, qvel);
  }

  protected writeObs(out: Float64Array, off: number): void {
    const q = this.qpos, v = this.qvel;
    let k = off;
    for (let i = this.posStart; i < this.nq; i++) out[k++] = q[i];
    for (let i = 0; i < this.nv; i++) out[k++] = v[i];
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
