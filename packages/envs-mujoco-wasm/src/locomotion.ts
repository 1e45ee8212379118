import type { Rng } from '@mgail/envs-classic';
import { MujocoEnv, type CommonOptions, type InfoField, type SharedModel } from './mujoco-env.js';
import { clip } from './numeric.js';

/** The parsed options every locomotion env reads here (defaults filled, no render mode). */
export type ParsedCommon = Required<Omit<CommonOptions, 'renderMode'>>;

/** `InfoField`s of one number each, in order. */
export function scalarInfo(...names: string[]): readonly InfoField[] {
  return names.map((name) => ({ name, size: 1 }));
}

/** What a locomotion env tells `LocomotionEnv` beyond its parsed options. */
export interface LocomotionInit<O extends ParsedCommon> {
  id: string;
  shared: SharedModel;
  options: O;
  kwargs: Record<string, unknown>;
  /** Root coordinates (x, or x and y) left out of the observation when excludeCurrentPositionsFromObservation. */
  rootPositions: number;
  /** Observation entries after qpos and qvel (contact forces, inertias, ...). */
  extraObs?: number;
  rewardThreshold?: number;
  infoFields: readonly InfoField[];
  resetInfoCount: number;
  /** Length of the sum-of-squares scratch `sq` (default nu). */
  scratchSize?: number;
  /** The qvel reset noise of the `*_v5.py` file: `init_qvel + U(-s, s)` or `init_qvel + s * N(0, 1)`. */
  velocityNoise: 'uniform' | 'normal';
}

/**
 * What the `*_v5.py` locomotion envs share: an observation that starts with qpos (without the
 * root's position when excluded) and qvel, a `resetNoiseScale` reset of both, and a scratch for
 * the cost sums.
 */
export abstract class LocomotionEnv<O extends ParsedCommon> extends MujocoEnv {
  protected readonly o: O;
  protected readonly posStart: number;
  protected readonly sq: Float64Array;
  protected readonly nbody: number;
  /** The x (and y) whose change over a step is the rewarded velocity, recorded by `beforeStep`. */
  protected xBefore = 0;
  protected yBefore = 0;
  private readonly velocityNoise: 'uniform' | 'normal';

  protected constructor(init: LocomotionInit<O>) {
    const { options } = init;
    const m = init.shared.model;
    const posStart = options.excludeCurrentPositionsFromObservation ? init.rootPositions : 0;
    super({
      id: init.id,
      shared: init.shared,
      frameSkip: options.frameSkip,
      obsDim: m.nq - posStart + m.nv + (init.extraObs ?? 0),
      maxEpisodeSteps: options.maxEpisodeSteps,
      ...(init.rewardThreshold !== undefined ? { rewardThreshold: init.rewardThreshold } : {}),
      kwargs: init.kwargs,
      infoFields: init.infoFields,
      resetInfoCount: init.resetInfoCount,
    });
    this.o = options;
    this.posStart = posStart;
    this.nbody = m.nbody;
    this.velocityNoise = init.velocityNoise;
    this.sq = new Float64Array(init.scratchSize ?? this.nu);
  }

  protected resetModel(rng: Rng): void {
    const s = this.o.resetNoiseScale;
    const qpos = this.uniformQpos(rng, s);
    const qvel = this.velocityNoise === 'normal' ? this.normalQvel(rng, s) : this.uniformQvel(rng, s);
    this.setStateRaw(qpos, qvel);
  }

  /**
   * Writes qpos[posStart:] then qvel (clipped to ±`velocityClip` when given) at `out[off..]`;
   * returns the offset after them.
   */
  protected writeQposQvel(out: Float64Array, off: number, velocityClip?: number): number {
    const q = this.qpos, v = this.qvel;
    let k = off;
    for (let i = this.posStart; i < this.nq; i++) out[k++] = q[i];
    if (velocityClip === undefined) for (let i = 0; i < this.nv; i++) out[k++] = v[i];
    else for (let i = 0; i < this.nv; i++) out[k++] = clip(v[i], -velocityClip, velocityClip);
    return k;
  }
}
