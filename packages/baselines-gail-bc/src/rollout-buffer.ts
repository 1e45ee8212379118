import { RunningMeanStd, type Rng, type RunningMeanStdJSON } from '@mgail/core-autodiff-graph';
import type { Policy } from '@mgail/policies';
import { computeGAE } from './gae.js';
import type { ValueFunction } from './value.js';
import type { VectorEnvLike } from './vec.js';

/**
 * One on-policy batch of `numSteps` × `numEnvs` transitions, time-major (row t·numEnvs + e),
 * with GAE advantages and λ-returns already computed.
 */
export interface Rollout {
  numSteps: number;
  numEnvs: number;
  obsDim: number;
  /** Values per action row: 1 for a discrete action, the Box size otherwise. */
  actDim: number;
  discrete: boolean;
  /** Raw (unnormalized) observations s_t, [T·N, obsDim]. */
  observations: Float32Array;
  /** The sampled actions (before clipping to a Box's bounds). */
  actions: Float32Array | Int32Array;
  /** log π_old(a_t | s_t) at collection time. */
  logProbs: Float32Array;
  /** Rewards as learned from (scaled when reward normalization is on). */
  rewards: Float32Array;
  values: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** V(s_final) where an episode was truncated, else 0. */
  finalValues: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  /** Undiscounted returns and lengths of the episodes that ended in this batch (raw rewards). */
  episodeReturns: number[];
  episodeLengths: number[];
}

/** Rollout length, discounting and reward normalization of a `RolloutCollector`. */
export interface RolloutOptions {
  numSteps: number;
  gamma: number;
  gaeLambda: number;
  /** Divide rewards by a running std of the discounted return (Gymnasium's NormalizeReward). */
  normalizeRewards: boolean;
}

/** What a `RolloutCollector` carries across a checkpoint: its return statistics for reward normalization. */
export interface CollectorState {
  returnRms: RunningMeanStdJSON;
}

/**
 * Steps a vector env in same-step auto-reset mode with a stochastic policy and fills a
 * `Rollout`. The vector env only needs the `VectorEnvLike` contract, so classic control and
 * the MuJoCo vector envs (sync or worker-parallel, possibly async) are collected the same way.
 */
export class RolloutCollector {
  private obs: Float32Array;
  private pendingSeed: number | null = null;
  private readonly returnRms = new RunningMeanStd(1);
  private readonly discountedReturn: Float64Array;
  readonly obsDim: number;
  readonly actDim: number;
  readonly discrete: boolean;
  private readonly low: Float32Array | null;
  private readonly high: Float32Array | null;

  constructor(
    readonly venv: VectorEnvLike,
    readonly policy: Policy,
    readonly value: ValueFunction,
    readonly opts: RolloutOptions,
  ) {
    const os = venv.singleObservationSpace;
    const as = venv.singleActionSpace;
    if (os.size !== policy.obsDim) throw new Error(`RolloutCollector: the env's observations have ${os.size} values, the policy expects ${policy.obsDim}`);
    this.obsDim = os.size;
    this.discrete = as.kind === 'discrete';
    this.actDim = this.discrete ? 1 : policy.actDim;
    this.low = as.kind === 'box' ? as.low : null;
    this.high = as.kind === 'box' ? as.high : null;
    this.discountedReturn = new Float64Array(venv.numEnvs);
    this.obs = new Float32Array(0);
  }

  /**
   * Resets every sub-env (env i gets seed + i) at the start of the next `collect`; episodes in
   * progress are dropped. Deferred because a worker-parallel vector env resets asynchronously.
   */
  reset(seed: number): void {
    this.pendingSeed = seed;
  }

  get numEnvs(): number {
    return this.venv.numEnvs;
  }

  async collect(rng: Rng): Promise<Rollout> {
    if (this.pendingSeed !== null) {
      this.obs = Float32Array.from((await this.venv.reset({ seed: this.pendingSeed })).observations);
      this.discountedReturn.fill(0);
      this.pendingSeed = null;
    }
    if (this.obs.length === 0) throw new Error('RolloutCollector: collect() before reset(seed)');
    const n = this.venv.numEnvs;
    const T = this.opts.numSteps;
    const B = T * n;
    const od = this.obsDim;
    const ad = this.actDim;
    const observations = new Float32Array(B * od);
    const actions = this.discrete ? new Int32Array(B) : new Float32Array(B * ad);
    const logProbs = new Float32Array(B);
    const rewards = new Float32Array(B);
    const terminated = new Uint8Array(B);
    const truncated = new Uint8Array(B);
    const finalValues = new Float32Array(B);
    const cutRows: number[] = [];
    const cutObs: number[] = [];
    const episodeReturns: number[] = [];
    const episodeLengths: number[] = [];
    const clipped = this.discrete ? null : new Float32Array(n * ad);

    for (let t = 0; t < T; t++) {
      observations.set(this.obs, t * n * od);
      const { actions: a, logProbs: lp } = this.policy.act(this.obs, { rng });
      actions.set(a, t * n * ad);
      logProbs.set(lp, t * n);
      let envActions: ArrayLike<number> = a;
      if (clipped) {
        // Gymnasium's ClipAction: the env sees a legal action, the learner the sampled one.
        for (let i = 0; i < a.length; i++) clipped[i] = Math.min(this.high![i % ad], Math.max(this.low![i % ad], a[i]));
        envActions = clipped;
      }
      const r = await this.venv.step(envActions);
      for (let e = 0; e < n; e++) {
        const i = t * n + e;
        rewards[i] = r.rewards[e];
        terminated[i] = r.terminated[e] ? 1 : 0;
        truncated[i] = r.truncated[e] ? 1 : 0;
        if (truncated[i] && !terminated[i]) {
          const fo = r.finalObservations[e];
          if (!fo) throw new Error('RolloutCollector: a truncated step has no final observation; make the vector env with autoresetMode "same-step"');
          cutRows.push(i);
          for (let k = 0; k < od; k++) cutObs.push(fo[k]);
        }
      }
      if (this.opts.normalizeRewards) this.scaleRewards(rewards, t * n, r.terminated, r.truncated);
      for (const ep of r.infos.episodes) {
        episodeReturns.push(ep.return);
        episodeLengths.push(ep.length);
      }
      this.obs = Float32Array.from(r.observations);
    }

    // The critic does not change during collection, so one batched pass gives every V(s_t).
    const values = this.value.predict(observations);
    const fv = this.value.predict(Float32Array.from(cutObs));
    cutRows.forEach((row, k) => (finalValues[row] = fv[k]));
    const lastValues = this.value.predict(this.obs);
    const { advantages, returns } = computeGAE({
      rewards, values, terminated, truncated, finalValues, lastValues,
      numSteps: T, numEnvs: n, gamma: this.opts.gamma, lambda: this.opts.gaeLambda,
    });
    return {
      numSteps: T, numEnvs: n, obsDim: od, actDim: ad, discrete: this.discrete,
      observations, actions, logProbs, rewards, values, terminated, truncated, finalValues, advantages, returns,
      episodeReturns, episodeLengths,
    };
  }

  /** r / std(discounted return), the running return restarting at episode ends. */
  private scaleRewards(rewards: Float32Array, offset: number, terminated: Uint8Array, truncated: Uint8Array): void {
    const n = this.venv.numEnvs;
    const g = this.opts.gamma;
    for (let e = 0; e < n; e++) this.discountedReturn[e] = this.discountedReturn[e] * g + rewards[offset + e];
    this.returnRms.update(Float32Array.from(this.discountedReturn));
    const s = Math.sqrt(this.returnRms.variance()[0] + 1e-8);
    for (let e = 0; e < n; e++) {
      rewards[offset + e] /= s;
      if (terminated[e] || truncated[e]) this.discountedReturn[e] = 0;
    }
  }

  state(): CollectorState {
    return { returnRms: this.returnRms.toJSON() };
  }

  loadState(s: CollectorState): void {
    this.returnRms.load(s.returnRms);
  }
}
