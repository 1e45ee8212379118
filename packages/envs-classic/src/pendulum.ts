import { checkOptionKeys, ClassicControlEnv, f32, pyMod, resolveEnvOptions, toNumber, type CommonEnvOptions, type Transition } from './classic-env.js';
import type { Rng } from './rng.js';
import { Box } from './spaces.js';

/** `make('Pendulum-v1', options)`; an unknown option is an error. */
export interface PendulumOptions extends CommonEnvOptions {
  /** Gymnasium's `g`: gravitational acceleration (default 10.0). */
  g?: number;
}

/** Gymnasium's `angle_normalize`: maps an angle into [-pi, pi). */
export function angleNormalize(x: number): number {
  return pyMod(x + Math.PI, 2 * Math.PI) - Math.PI;
}

/**
 * Pendulum-v1, as Gymnasium's `classic_control/pendulum.py`: swing a pendulum up with a torque
 * in [-2, 2] (clipped inside `step`). State: [theta, theta_dot]; observation:
 * [cos(theta), sin(theta), theta_dot]. Cost theta^2 + 0.1 theta_dot^2 + 0.001 u^2, never terminates.
 */
export class PendulumEnv extends ClassicControlEnv {
  static readonly id = 'Pendulum-v1';
  readonly observationSpace: Box;
  readonly actionSpace: Box;

  readonly maxSpeed = 8;
  readonly maxTorque = 2.0;

  /** Pendulum never terminates (only its time limit ends an episode). */
  terminatesAt(_o: ArrayLike<number>): boolean {
    return false;
  }
  readonly dt = 0.05;
  readonly g: number;
  readonly m = 1.0;
  readonly l = 1.0;
  /** The last clipped torque (Gymnasium's `last_u`, used only for rendering there). */
  lastU: number | null = null;

  constructor(options: PendulumOptions = {}) {
    const { spec, kwargs } = resolveEnvOptions({ id: PendulumEnv.id, maxEpisodeSteps: 200 }, options as Record<string, unknown>, { g: 10.0 });
    super(spec, 2);
    this.g = kwargs.g;
    const high = f32([1.0, 1.0, this.maxSpeed]);
    this.observationSpace = new Box(high.map((v) => -v), high);
    this.actionSpace = new Box(-this.maxTorque, this.maxTorque, [1]);
  }

  protected stateNames(): string[] {
    return ['theta', 'theta_dot'];
  }

  /** Reset options `x_init` (default pi) and `y_init` (default 1.0) bound theta and theta_dot. */
  protected resetState(rng: Rng, options: Record<string, unknown> | undefined): void {
    let x = Math.PI, y = 1.0;
    if (options != null) {
      checkOptionKeys(this.id, options, ['x_init', 'y_init']);
      if ('x_init' in options) x = toNumber(this.id, 'x_init', options.x_init);
      if ('y_init' in options) y = toNumber(this.id, 'y_init', options.y_init);
    }
    this.state[0] = rng.uniform(-x, x);
    this.state[1] = rng.uniform(-y, y);
    this.lastU = null;
  }

  protected transition(action: number | Float64Array): Transition {
    const th = this.state[0];
    const thdot = this.state[1];
    const { g, m, l, dt } = this;
    // The action is float32 (the space's dtype) and np.clip keeps it so; under NumPy 2's
    // promotion (NEP 50) the terms in u stay float32, which the fround calls reproduce.
    const u = Math.min(Math.max(f((action as Float64Array)[0]), -this.maxTorque), this.maxTorque);
    this.lastU = u;

    const thn = angleNormalize(th);
    const costs = thn ** 2 + 0.1 * thdot ** 2 + f(f(0.001) * f(u * u));

    let newthdot = thdot + (((3 * g) / (2 * l)) * Math.sin(th) + f(f(3.0 / (m * l ** 2)) * u)) * dt;
    newthdot = Math.min(Math.max(newthdot, -this.maxSpeed), this.maxSpeed);
    const newth = th + newthdot * dt;

    this.state[0] = newth;
    this.state[1] = newthdot;
    return { reward: -costs, terminated: false };
  }

  protected observe(): Float32Array {
    const theta = this.state[0];
    return f32([Math.cos(theta), Math.sin(theta), this.state[1]]);
  }

  protected override afterSetState(): void {
    this.lastU = null;
  }
}

const f = Math.fround;
