import { ClassicControlEnv, f32, parseResetBounds, resolveEnvOptions, type CommonEnvOptions, type Transition } from './classic-env.js';
import type { Rng } from './rng.js';
import { Box, Discrete } from './spaces.js';

/** `make('MountainCar-v0', options)`; an unknown option is an error. */
export interface MountainCarOptions extends CommonEnvOptions {
  /** Gymnasium's `goal_velocity`: the minimum velocity at the goal to terminate. */
  goalVelocity?: number;
}

/**
 * MountainCar-v0, as Gymnasium's `classic_control/mountain_car.py` (Moore 1990): an underpowered
 * car in a valley, accelerating left (0), not at all (1) or right (2). State and observation:
 * [position, velocity]. Reward -1 per step; terminates at position >= 0.5.
 */
export class MountainCarEnv extends ClassicControlEnv {
  static readonly id = 'MountainCar-v0';
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(3);

  readonly minPosition = -1.2;
  readonly maxPosition = 0.6;
  readonly maxSpeed = 0.07;
  readonly goalPosition = 0.5;
  readonly goalVelocity: number;

  /** At the flag: position ≥ 0.5 moving right (velocity ≥ goalVelocity), from [position, velocity]. */
  terminatesAt(o: ArrayLike<number>): boolean {
    return o[0] >= this.goalPosition && o[1] >= this.goalVelocity;
  }
  readonly force = 0.001;
  readonly gravity = 0.0025;

  constructor(options: MountainCarOptions = {}) {
    const { spec, kwargs } = resolveEnvOptions(
      { id: MountainCarEnv.id, maxEpisodeSteps: 200, rewardThreshold: -110.0 },
      options as Record<string, unknown>,
      { goalVelocity: 0 },
    );
    super(spec, 2);
    this.goalVelocity = kwargs.goalVelocity;
    this.observationSpace = new Box(f32([this.minPosition, -this.maxSpeed]), f32([this.maxPosition, this.maxSpeed]));
  }

  protected stateNames(): string[] {
    return ['position', 'velocity'];
  }

  protected resetState(rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = parseResetBounds(this.id, options, -0.6, -0.4);
    this.state[0] = rng.uniform(low, high);
    this.state[1] = 0;
  }

  protected transition(action: number | Float64Array): Transition {
    let position = this.state[0];
    let velocity = this.state[1];
    velocity += ((action as number) - 1) * this.force + Math.cos(3 * position) * -this.gravity;
    velocity = Math.min(Math.max(velocity, -this.maxSpeed), this.maxSpeed);
    position += velocity;
    position = Math.min(Math.max(position, this.minPosition), this.maxPosition);
    if (position === this.minPosition && velocity < 0) velocity = 0;

    const terminated = position >= this.goalPosition && velocity >= this.goalVelocity;
    this.state[0] = position;
    this.state[1] = velocity;
    return { reward: -1.0, terminated };
  }

  protected observe(): Float32Array {
    return Float32Array.from(this.state);
  }
}
