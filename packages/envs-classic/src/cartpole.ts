import { ClassicControlEnv, f32, parseResetBounds, resolveEnvOptions, type CommonEnvOptions, type Transition } from './classic-env.js';
import type { Rng } from './rng.js';
import { Box, Discrete } from './spaces.js';

/** `make('CartPole-v1', options)`; an unknown option is an error. */
export interface CartPoleOptions extends CommonEnvOptions {
  /** Gymnasium's `sutton_barto_reward`: 0 per step and -1 on failure instead of +1 per step. */
  suttonBartoReward?: boolean;
}

/**
 * CartPole-v1, as Gymnasium's `classic_control/cartpole.py` (Barto, Sutton & Anderson 1983):
 * a pole on a cart pushed left (0) or right (1) with a force of 10 N, Euler-integrated at 50 Hz.
 * State and observation: [x, x_dot, theta, theta_dot]. Terminates when |x| > 2.4 or |theta| > 12°.
 */
export class CartPoleEnv extends ClassicControlEnv {
  static readonly id = 'CartPole-v1';
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(2);

  readonly gravity = 9.8;
  readonly masscart = 1.0;
  readonly masspole = 0.1;
  readonly totalMass = this.masspole + this.masscart;
  readonly length = 0.5; // half the pole's length
  readonly polemassLength = this.masspole * this.length;
  readonly forceMag = 10.0;
  readonly tau = 0.02;
  readonly kinematicsIntegrator: 'euler' | 'semi-implicit-euler' = 'euler';
  readonly thetaThresholdRadians = (12 * 2 * Math.PI) / 360;
  readonly xThreshold = 2.4;

  /** The pole fell or the cart left the track: observation [x, ẋ, θ, θ̇]. */
  terminatesAt(o: ArrayLike<number>): boolean {
    return o[0] < -this.xThreshold || o[0] > this.xThreshold || o[2] < -this.thetaThresholdRadians || o[2] > this.thetaThresholdRadians;
  }
  readonly suttonBartoReward: boolean;

  /** Gymnasium's `steps_beyond_terminated`: null until the pole falls. */
  private stepsBeyondTerminated: number | null = null;

  constructor(options: CartPoleOptions = {}) {
    const { spec, kwargs } = resolveEnvOptions(
      { id: CartPoleEnv.id, maxEpisodeSteps: 500, rewardThreshold: 475 },
      options as Record<string, unknown>,
      { suttonBartoReward: false },
    );
    super(spec, 4);
    this.suttonBartoReward = kwargs.suttonBartoReward;
    // Twice the thresholds, so a failing state is still inside the observation space.
    const high = [this.xThreshold * 2, Infinity, this.thetaThresholdRadians * 2, Infinity];
    this.observationSpace = new Box(f32(high.map((v) => -v)), f32(high));
  }

  protected stateNames(): string[] {
    return ['x', 'x_dot', 'theta', 'theta_dot'];
  }

  protected resetState(rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = parseResetBounds(this.id, options, -0.05, 0.05);
    for (let i = 0; i < 4; i++) this.state[i] = rng.uniform(low, high);
    this.stepsBeyondTerminated = null;
  }

  protected transition(action: number | Float64Array): Transition {
    const s = this.state;
    let x = s[0], xDot = s[1], theta = s[2], thetaDot = s[3];
    const force = action === 1 ? this.forceMag : -this.forceMag;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);

    // https://coneural.org/florian/papers/05_cart_pole.pdf
    const temp = (force + this.polemassLength * (thetaDot * thetaDot) * sintheta) / this.totalMass;
    const thetaacc =
      (this.gravity * sintheta - costheta * temp) /
      (this.length * (4.0 / 3.0 - (this.masspole * (costheta * costheta)) / this.totalMass));
    const xacc = temp - (this.polemassLength * thetaacc * costheta) / this.totalMass;

    if (this.kinematicsIntegrator === 'euler') {
      x = x + this.tau * xDot;
      xDot = xDot + this.tau * xacc;
      theta = theta + this.tau * thetaDot;
      thetaDot = thetaDot + this.tau * thetaacc;
    } else {
      xDot = xDot + this.tau * xacc;
      x = x + this.tau * xDot;
      thetaDot = thetaDot + this.tau * thetaacc;
      theta = theta + this.tau * thetaDot;
    }
    s[0] = x;
    s[1] = xDot;
    s[2] = theta;
    s[3] = thetaDot;

    const terminated =
      x < -this.xThreshold || x > this.xThreshold || theta < -this.thetaThresholdRadians || theta > this.thetaThresholdRadians;

    let reward: number;
    if (!terminated) {
      reward = this.suttonBartoReward ? 0.0 : 1.0;
    } else if (this.stepsBeyondTerminated === null) {
      // The pole just fell.
      this.stepsBeyondTerminated = 0;
      reward = this.suttonBartoReward ? -1.0 : 1.0;
    } else {
      if (this.stepsBeyondTerminated === 0) {
        console.warn(
          `${this.id}: step() called after the episode terminated; call reset() once terminated is true. ` +
            'Further steps are undefined behaviour (Gymnasium returns reward 0).',
        );
      }
      this.stepsBeyondTerminated += 1;
      reward = this.suttonBartoReward ? -1.0 : 0.0;
    }
    return { reward, terminated };
  }

  protected observe(): Float32Array {
    return Float32Array.from(this.state);
  }
}
