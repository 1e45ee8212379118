import { ClassicControlEnv, f32, parseResetBounds, resolveEnvOptions, type CommonEnvOptions, type Transition } from './classic-env.js';
import type { Rng } from './rng.js';
import { Box, Discrete } from './spaces.js';

/** `make('Acrobot-v1', options)`; an unknown option is an error. */
export interface AcrobotOptions extends CommonEnvOptions {
  /** Gymnasium's class attribute `book_or_nips`: which equations of motion to use (default 'book'). */
  bookOrNips?: 'book' | 'nips';
  /** Gymnasium's class attribute `torque_noise_max`: uniform noise added to the torque (default 0). */
  torqueNoiseMax?: number;
}

/** Gymnasium's `wrap`: shifts x by multiples of (M - m) into [m, M]. */
export function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/** Gymnasium's `bound`: clamps x into [m, M]. */
export function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

/**
 * Gymnasium's `rk4` for one interval [t0, t1] of an autonomous system: the classic fourth-order
 * Runge-Kutta step, with the additions in the same order as numpy evaluates them.
 */
export function rk4(derivs: (y: Float64Array) => Float64Array, y0: Float64Array, t0: number, t1: number): Float64Array {
  const n = y0.length;
  const dt = t1 - t0;
  const dt2 = dt / 2.0;
  const tmp = new Float64Array(n);
  const k1 = derivs(y0);
  for (let i = 0; i < n; i++) tmp[i] = y0[i] + dt2 * k1[i];
  const k2 = derivs(tmp);
  for (let i = 0; i < n; i++) tmp[i] = y0[i] + dt2 * k2[i];
  const k3 = derivs(tmp);
  for (let i = 0; i < n; i++) tmp[i] = y0[i] + dt * k3[i];
  const k4 = derivs(tmp);
  const out = new Float64Array(n);
  const h = dt / 6.0;
  for (let i = 0; i < n; i++) out[i] = y0[i] + h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  return out;
}

/**
 * Acrobot-v1, as Gymnasium's `classic_control/acrobot.py` (Sutton 1996; equations from Sutton &
 * Barto's book): two links, torque -1/0/+1 on the joint between them, RK4 over dt = 0.2.
 * State: [theta1, theta2, dtheta1, dtheta2]; observation:
 * [cos t1, sin t1, cos t2, sin t2, dtheta1, dtheta2]. Reward -1 until the tip is a link above the base.
 */
export class AcrobotEnv extends ClassicControlEnv {
  static readonly id = 'Acrobot-v1';
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(3);

  readonly dt = 0.2;
  readonly linkLength1 = 1.0; // [m]
  readonly linkLength2 = 1.0; // [m]
  readonly linkMass1 = 1.0; // [kg]
  readonly linkMass2 = 1.0; // [kg]
  readonly linkComPos1 = 0.5; // [m] position of the centre of mass of link 1
  readonly linkComPos2 = 0.5; // [m]
  readonly linkMoi = 1.0; // moment of inertia of both links
  readonly maxVel1 = 4 * Math.PI;
  readonly maxVel2 = 9 * Math.PI;
  readonly availTorque = [-1.0, 0.0, 1];
  readonly torqueNoiseMax: number;
  readonly bookOrNips: 'book' | 'nips';

  constructor(options: AcrobotOptions = {}) {
    const { spec, kwargs } = resolveEnvOptions(
      { id: AcrobotEnv.id, maxEpisodeSteps: 500, rewardThreshold: -100.0 },
      options as Record<string, unknown>,
      { bookOrNips: 'book' as string, torqueNoiseMax: 0.0 },
    );
    if (kwargs.bookOrNips !== 'book' && kwargs.bookOrNips !== 'nips') {
      throw new Error(`${AcrobotEnv.id}: option bookOrNips must be 'book' or 'nips', got ${JSON.stringify(kwargs.bookOrNips)}`);
    }
    if (kwargs.torqueNoiseMax < 0) throw new Error(`${AcrobotEnv.id}: option torqueNoiseMax must be >= 0, got ${kwargs.torqueNoiseMax}`);
    super(spec, 4);
    this.bookOrNips = kwargs.bookOrNips;
    this.torqueNoiseMax = kwargs.torqueNoiseMax;
    const high = f32([1.0, 1.0, 1.0, 1.0, this.maxVel1, this.maxVel2]);
    this.observationSpace = new Box(high.map((v) => -v), high);
  }

  protected stateNames(): string[] {
    return ['theta1', 'theta2', 'dtheta1', 'dtheta2'];
  }

  protected resetState(rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = parseResetBounds(this.id, options, -0.1, 0.1);
    // Gymnasium draws the initial state in float64 and stores it as float32.
    for (let i = 0; i < 4; i++) this.state[i] = Math.fround(rng.uniform(low, high));
  }

  protected transition(action: number | Float64Array): Transition {
    let torque = this.availTorque[action as number];
    if (this.torqueNoiseMax > 0) torque += this.rng.uniform(-this.torqueNoiseMax, this.torqueNoiseMax);

    // The torque rides along as a fifth state entry with zero derivative, as in Gymnasium.
    const sAugmented = new Float64Array(5);
    sAugmented.set(this.state);
    sAugmented[4] = torque;
    const ns = rk4((y) => this.dsdt(y), sAugmented, 0, this.dt);

    this.state[0] = wrap(ns[0], -Math.PI, Math.PI);
    this.state[1] = wrap(ns[1], -Math.PI, Math.PI);
    this.state[2] = bound(ns[2], -this.maxVel1, this.maxVel1);
    this.state[3] = bound(ns[3], -this.maxVel2, this.maxVel2);
    const terminated = this.terminal();
    return { reward: terminated ? 0.0 : -1.0, terminated };
  }

  /** The tip above the bar: −cos θ₁ − cos(θ₁ + θ₂) > 1 from [cos θ₁, sin θ₁, cos θ₂, sin θ₂, θ̇₁, θ̇₂]. */
  terminatesAt(o: ArrayLike<number>): boolean {
    return -o[0] - (o[0] * o[2] - o[1] * o[3]) > 1.0;
  }

  private terminal(): boolean {
    const s = this.state;
    return -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
  }

  /** Gymnasium's `_dsdt`: time derivative of [theta1, theta2, dtheta1, dtheta2, torque]. */
  private dsdt(sAugmented: Float64Array): Float64Array {
    const m1 = this.linkMass1;
    const m2 = this.linkMass2;
    const l1 = this.linkLength1;
    const lc1 = this.linkComPos1;
    const lc2 = this.linkComPos2;
    const I1 = this.linkMoi;
    const I2 = this.linkMoi;
    const g = 9.8;
    const a = sAugmented[4];
    const theta1 = sAugmented[0];
    const theta2 = sAugmented[1];
    const dtheta1 = sAugmented[2];
    const dtheta2 = sAugmented[3];
    const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
    const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
    const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
    const phi1 =
      -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) -
      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
      (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
      phi2;
    let ddtheta2: number;
    if (this.bookOrNips === 'nips') {
      // The equations of the NIPS paper (Sutton 1996), which the book corrects.
      ddtheta2 = (a + (d2 / d1) * phi1 - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
    } else {
      // The book's equations (Sutton & Barto, 1998).
      ddtheta2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
    }
    const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    return Float64Array.of(dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0);
  }

  protected observe(): Float32Array {
    const s = this.state;
    return f32([Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]]);
  }
}
