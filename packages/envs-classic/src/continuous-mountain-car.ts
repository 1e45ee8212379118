import { ClassicControlEnv, f32, parseResetBounds, resolveEnvOptions, type CommonEnvOptions, type Transition } from './classic-env.js';
import type { Rng } from './rng.js';
import { Box } from './spaces.js';

/** `make('MountainCarContinuous-v0', options)`; an unknown option is an error. */
export interface MountainCarContinuousOptions extends CommonEnvOptions {
  /** Gymnasium's `goal_velocity`. */
  goalVelocity?: number;
}

/**
 * MountainCarContinuous-v0, as Gymnasium's `classic_control/continuous_mountain_car.py`:
 * the mountain car with a continuous force in [-1, 1] (clipped inside `step`, as Gymnasium does).
 * Reward -0.1 * a^2 per step (on the unclipped action, as Gymnasium), +100 on reaching position 0.45.
 */
export class MountainCarContinuousEnv extends ClassicControlEnv {
  static readonly id = 'MountainCarContinuous-v0';
  readonly observationSpace: Box;
  readonly actionSpace: Box;

  readonly minAction = -1.0;
  readonly maxAction = 1.0;
  readonly minPosition = -1.2;
  readonly maxPosition = 0.6;
  readonly maxSpeed = 0.07;
  readonly goalPosition = 0.45; // the v0 solution of Oleg Klimov
  readonly goalVelocity: number;

  /** At the flag: position ≥ 0.45 with velocity ≥ goalVelocity, from [position, velocity]. */
  terminatesAt(o: ArrayLike<number>): boolean {
    return o[0] >= this.goalPosition && o[1] >= this.goalVelocity;
  }
  readonly power = 0.0015;
  /** Gymnasium's state is float64 after reset and float32 after a step; numpy's arithmetic differs. */
  private stateIsFloat32 = false;

  constructor(options: MountainCarContinuousOptions = {}) {
    const { spec, kwargs } = resolveEnvOptions(
      { id: MountainCarContinuousEnv.id, maxEpisodeSteps: 999, rewardThreshold: 90.0 },
      options as Record<string, unknown>,
      { goalVelocity: 0 },
    );
    super(spec, 2);
    this.goalVelocity = kwargs.goalVelocity;
    this.observationSpace = new Box(f32([this.minPosition, -this.maxSpeed]), f32([this.maxPosition, this.maxSpeed]));
    this.actionSpace = new Box(this.minAction, this.maxAction, [1]);
  }

  protected stateNames(): string[] {
    return ['position', 'velocity'];
  }

  protected resetState(rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = parseResetBounds(this.id, options, -0.6, -0.4);
    this.state[0] = rng.uniform(low, high);
    this.state[1] = 0;
    this.stateIsFloat32 = false;
  }

  protected transition(action: number | Float64Array): Transition {
    // Gymnasium computes this step with NumPy 2 scalar promotion (NEP 50): once the state is
    // float32 (after the first step) and the action float32 (the space's dtype), arithmetic with
    // Python floats stays in float32. Each line below mirrors the type numpy gives it, so the
    // trajectory matches Gymnasium bit for bit rather than to float32 rounding.
    const a = f(( action as Float64Array)[0]);
    const stateF32 = this.stateIsFloat32;
    let position = this.state[0];
    let velocity = this.state[1];

    // force = min(max(action[0], min_action), max_action): a Python float when clipped.
    const forceIsF32 = !(a < this.minAction || a > this.maxAction);
    const force = a < this.minAction ? this.minAction : a > this.maxAction ? this.maxAction : a;

    // velocity += force * power - 0.0025 * math.cos(3 * position)
    const gravityTerm = 0.0025 * Math.cos(stateF32 ? f(3 * position) : 3 * position);
    let inc: number;
    let incF32: boolean;
    if (forceIsF32) {
      inc = f(f(force * f(this.power)) - f(gravityTerm));
      incF32 = true;
    } else {
      inc = force * this.power - gravityTerm;
      incF32 = false;
    }
    let velocityF32 = stateF32;
    if (!stateF32) velocity = velocity + inc;
    else velocity = f(velocity + (incF32 ? inc : f(inc)));

    if (gt(velocity, velocityF32, this.maxSpeed)) {
      velocity = this.maxSpeed;
      velocityF32 = false;
    }
    if (lt(velocity, velocityF32, -this.maxSpeed)) {
      velocity = -this.maxSpeed;
      velocityF32 = false;
    }
    let positionF32 = stateF32;
    if (!stateF32) position = position + velocity;
    else position = f(position + (velocityF32 ? velocity : f(velocity)));
    if (gt(position, positionF32, this.maxPosition)) {
      position = this.maxPosition;
      positionF32 = false;
    }
    if (lt(position, positionF32, this.minPosition)) {
      position = this.minPosition;
      positionF32 = false;
    }
    if (eq(position, positionF32, this.minPosition) && velocity < 0) velocity = 0;

    const terminated = ge(position, positionF32, this.goalPosition) && ge(velocity, velocityF32, this.goalVelocity);
    let reward = 0;
    if (terminated) reward = 100.0;
    // The reward uses the unclipped action, as Gymnasium's does.
    reward -= a * a * 0.1;

    // Gymnasium stores this env's state as float32 after every step.
    this.state[0] = f(position);
    this.state[1] = f(velocity);
    this.stateIsFloat32 = true;
    return { reward, terminated };
  }

  protected override afterSetState(): void {
    this.stateIsFloat32 = false;
  }

  protected observe(): Float32Array {
    return Float32Array.from(this.state);
  }
}

const f = Math.fround;
// Comparisons of a numpy float32 with a Python float happen in float32 under NEP 50.
const gt = (x: number, xF32: boolean, c: number) => x > (xF32 ? f(c) : c);
const lt = (x: number, xF32: boolean, c: number) => x < (xF32 ? f(c) : c);
const ge = (x: number, xF32: boolean, c: number) => x >= (xF32 ? f(c) : c);
const eq = (x: number, xF32: boolean, c: number) => x === (xF32 ? f(c) : c);
