/**
 * The policy objective's unrolls over a set of live envs, shared by the trainer's own thread and
 * its unroll workers (`policyWorkers`), so both compute exactly the same thing.
 */
import { Rng, tf, unroll } from '@mgail/core-autodiff-graph';
import type { Env } from '@mgail/envs-classic';
import type { Discriminator } from '@mgail/discriminator';
import type { ForwardModel } from '@mgail/forward-model';
import { gumbelNoise, type CategoricalPolicy, type GaussianPolicy, type Policy } from '@mgail/policies';
import type { MGAILConfig } from './config.js';

/** The config fields an unroll reads. */
export type UnrollConfig = Pick<
  MGAILConfig,
  'horizon' | 'gamma' | 'temperature' | 'hardGumbel' | 'unrollNoiseScale' | 'costKind' | 'entropyCoef' | 'cutModelGradient' | 'imagination'
>;

export interface UnrollNets {
  policy: Policy;
  /** The variables differentiated, in a fixed order (a fixed-noise log-std is left out). */
  vars: tf.Variable[];
  model: ForwardModel;
  disc: Discriminator;
}

/** Live envs as an unroll sees them. */
export interface LiveView {
  /** Number of live envs (the unroll's batch). */
  size: number;
  obsDim: number;
  actDim: number;
  discrete: boolean;
  /** Their current real observations. */
  obs(): Float32Array[];
  /** The recurrent model's state after each env's recent history (null for the basic model). */
  warmState(): tf.Tensor2D | null;
  /** Steps env i with a real action; the caller records and resets. */
  step(i: number, action: number | Float32Array): { next: Float32Array; done: boolean };
  /** The env's termination rule on an observation (`Env.terminatesAt`), for imagined steps; absent when unknown. */
  terminatesAt?: (observation: Float32Array) => boolean;
}

/**
 * Σ over `unrolls` of ∇_θ J(θ) (the unrolled objective, core's `unroll`), each unroll starting
 * from the live envs' current real states (the previous unroll moved them). Returns the summed
 * gradients (in `nets.vars` order; the caller disposes) and Σ J; null sums when unrolls = 0.
 */
export function sumUnrollGradients(nets: UnrollNets, live: LiveView, c: UnrollConfig, rng: Rng, unrolls: number): { sum: tf.Tensor[] | null; jSum: number } {
  const { policy, vars, model, disc } = nets;
  const { size: B, obsDim, actDim, discrete } = live;
  let sum: tf.Tensor[] | null = null;
  let jSum = 0;
  // older checkpoints' configs have no unrollNoiseScale
  const noiseScale = c.unrollNoiseScale ?? 1;
  const scaled = (x: Float32Array): Float32Array => {
    if (noiseScale !== 1) for (let i = 0; i < x.length; i++) x[i] *= noiseScale;
    return x;
  };
  for (let u = 0; u < unrolls; u++) {
    const obs = live.obs();
    const start = tf.tensor2d(concatRows(obs), [B, obsDim]);
    const h0 = live.warmState();
    const finished = new Uint8Array(B);
    const last: Float32Array[] = obs.map((x) => x);
    const { value, grads } = tf.variableGrads(() => unroll({
      horizon: c.horizon,
      gamma: c.gamma,
      startStates: start,
      initialModelState: h0,
      noise: () => discrete
        ? tf.tensor2d(scaled(gumbelNoise(rng, B * actDim)), [B, actDim])
        : tf.tensor2d(scaled(rng.fillNormal(new Float32Array(B * actDim)) as Float32Array), [B, actDim]),
      sampleAction: (s, xi) => discrete
        ? (policy as CategoricalPolicy).gumbelSoftmax(s, xi, { temperature: c.temperature, hard: c.hardGumbel })
        : (policy as GaussianPolicy).rsample(s, xi),
      envAction: (a) => (discrete ? Int32Array.from(tf.tidy(() => tf.argMax(a, 1)).dataSync()) : Float32Array.from(a.dataSync())),
      cost: (s, a) => {
        const d = disc.cost(s, a, c.costKind);
        if (c.entropyCoef > 0 && discrete) return tf.sub(d, tf.mul(c.entropyCoef, policy.entropy(s))) as tf.Tensor1D;
        return d;
      },
      model: (s, a, h) => model.predict(s, a, h),
      cutModelGradient: c.cutModelGradient,
      terminal: c.imagination && live.terminatesAt ? (next) => {
        const done = new Uint8Array(B);
        for (let i = 0; i < B; i++) done[i] = live.terminatesAt!(next.subarray(i * obsDim, (i + 1) * obsDim)) ? 1 : 0;
        return done;
      } : undefined,
      envStep: c.imagination ? undefined : (ea) => {
        const next = new Float32Array(B * obsDim);
        const dones = new Uint8Array(B);
        for (let i = 0; i < B; i++) {
          // a row whose episode ended in this unroll is masked; it stays at its last state
          if (!finished[i]) {
            const r = live.step(i, discrete ? ea[i] : Float32Array.from(ea.subarray(i * actDim, (i + 1) * actDim)));
            last[i] = r.next;
            if (r.done) finished[i] = 1;
          }
          next.set(last[i], i * obsDim);
          dones[i] = finished[i];
        }
        return { nextStates: next, dones };
      },
    }).objective, vars);
    jSum += value.dataSync()[0];
    sum = addGradients(sum, vars.map((v) => grads[v.name]));
    tf.dispose([value, start, ...(h0 ? [h0] : [])]);
  }
  return { sum, jSum };
}

/**
 * Elementwise a + b of two gradient lists in the same variable order; consumes both (they are
 * disposed, the sum is new). A null `a` is an empty sum: b itself is returned.
 */
export function addGradients(a: tf.Tensor[] | null, b: tf.Tensor[]): tf.Tensor[] {
  if (!a) return b;
  return a.map((x, k) => {
    const y = tf.add(x, b[k]);
    x.dispose();
    b[k].dispose();
    return y;
  });
}

/**
 * The recurrent model's state after the recent real transitions of each env (right-aligned, so
 * every row ends at its current state); null for a non-recurrent model.
 */
export function warmModelState(
  model: ForwardModel,
  hist: { length: number; states: Float32Array; actions: Float32Array }[],
  obsDim: number,
  actDim: number,
): tf.Tensor2D | null {
  if (!model.recurrent) return null;
  const B = hist.length;
  return tf.tidy(() => {
    const L = Math.max(0, ...hist.map((h) => h.length));
    let h = model.initialState(B)!;
    for (let j = 0; j < L; j++) {
      // rows with shorter histories join later
      const s = new Float32Array(B * obsDim), a = new Float32Array(B * actDim), m = new Float32Array(B);
      hist.forEach((hi, i) => {
        const k = hi.length - (L - j);
        if (k < 0) return;
        s.set(hi.states.subarray(k * obsDim, (k + 1) * obsDim), i * obsDim);
        a.set(hi.actions.subarray(k * actDim, (k + 1) * actDim), i * actDim);
        m[i] = 1;
      });
      const p = model.predict(tf.tensor2d(s, [B, obsDim]), tf.tensor2d(a, [B, actDim]), h);
      h = tf.where(tf.cast(tf.reshape(tf.tensor1d(m), [B, 1]), 'bool'), p.h!, h) as tf.Tensor2D;
    }
    return h;
  });
}

export function concatRows(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
  let k = 0;
  for (const r of rows) {
    out.set(r, k);
    k += r.length;
  }
  return out;
}

/** MuJoCo envs can restart from a recorded (qpos, qvel). */
export type MujocoLike = Env & { setState?: (qpos: ArrayLike<number>, qvel: ArrayLike<number>) => ArrayLike<number> };

/** Expert states to restart live envs from (MuJoCo demonstrations with qpos/qvel). */
export interface ExpertRestarts {
  prob: number;
  qpos: Float64Array | Float32Array;
  qvel: Float64Array | Float32Array;
  nq: number;
  nv: number;
}

/** Resets env `env`, then with probability `r.prob` moves it to a random expert state. */
export function resetLive(env: MujocoLike, rng: Rng, r: ExpertRestarts | null, seed?: number): Float32Array {
  let ob: ArrayLike<number> = env.reset(seed === undefined ? {} : { seed }).observation;
  if (r && r.prob > 0 && typeof env.setState === 'function' && rng.random() < r.prob) {
    const k = rng.int(r.qpos.length / r.nq);
    ob = env.setState(r.qpos.subarray(k * r.nq, (k + 1) * r.nq), r.qvel.subarray(k * r.nv, (k + 1) * r.nv));
  }
  return Float32Array.from(ob);
}

/** One real transition of live env `env` (one-hot action for discrete envs). */
export interface LiveTransition {
  env: number;
  s: Float32Array;
  a: Float32Array;
  s2: Float32Array;
  done: boolean;
}

/**
 * The live envs of the trainer's thread or of an unroll worker: their current observations, the
 * episode bookkeeping (returns, resets with expert restarts) and the record of every real step.
 * What a step is recorded into (the agent buffer, a worker's outbox) is the owner's `record`.
 */
export class LiveEnvs implements LiveView {
  readonly size: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly discrete: boolean;
  /** Returns of the episodes finished since the owner last emptied this (logged only, never learned from). */
  readonly returns: number[] = [];
  private readonly current: Float32Array[] = [];
  private readonly episodeReturn: Float64Array;
  /** Whether env i's current episode is collected with π's deterministic action (`collectDeterministicProb`). */
  private readonly deterministicEpisode: Uint8Array;

  constructor(
    private readonly envs: MujocoLike[],
    private readonly o: {
      obsDim: number; actDim: number; discrete: boolean;
      restarts: ExpertRestarts | null;
      /** The owner's current random stream (it is replaced per iteration or request). */
      rng: () => Rng;
      /** Called with every real transition and the env step's wall time (ms). */
      record: (t: LiveTransition, envStepMs: number) => void;
      /** The recurrent model's state after each env's recent history (null for the basic model). */
      warmState: () => tf.Tensor2D | null;
      /** `collectDeterministicProb`: the chance that an episode is collected with π's deterministic action (default 0). */
      deterministicProb?: number;
    },
  ) {
    this.size = envs.length;
    this.obsDim = o.obsDim;
    this.actDim = o.actDim;
    this.discrete = o.discrete;
    this.episodeReturn = new Float64Array(envs.length);
    this.deterministicEpisode = new Uint8Array(envs.length);
  }

  obs(): Float32Array[] {
    return this.current;
  }

  get terminatesAt(): ((observation: Float32Array) => boolean) | undefined {
    const env = this.envs[0];
    return env?.terminatesAt ? (o) => env.terminatesAt!(o) : undefined;
  }

  warmState(): tf.Tensor2D | null {
    return this.o.warmState();
  }

  /** Resets env i (seeded when a seed is given), possibly into an expert state; its episode restarts. */
  reset(i: number, seed?: number): void {
    this.current[i] = resetLive(this.envs[i], this.o.rng(), this.o.restarts, seed);
    this.episodeReturn[i] = 0;
    // drawn only when asked for, so that runs without it keep their random stream
    const p = this.o.deterministicProb ?? 0;
    this.deterministicEpisode[i] = p > 0 && this.o.rng().random() < p ? 1 : 0;
  }

  /** Steps env i, records the transition, resets at the episode's end; returns the real next state. */
  step(i: number, action: number | Float32Array): { next: Float32Array; done: boolean } {
    const t0 = performance.now();
    const r = this.envs[i].step(action);
    const ms = performance.now() - t0;
    const next = Float32Array.from(r.observation);
    const done = r.terminated || r.truncated;
    let a: Float32Array;
    if (typeof action === 'number') {
      a = new Float32Array(this.actDim);
      a[action] = 1;
    } else a = action;
    this.o.record({ env: i, s: this.current[i], a, s2: next, done }, ms);
    this.episodeReturn[i] += r.reward;
    if (done) {
      this.returns.push(this.episodeReturn[i]);
      this.reset(i);
    } else this.current[i] = next;
    return { next, done };
  }

  /**
   * Steps every env `steps` times with π's stochastic actions, or its deterministic ones in an
   * episode drawn for them (`deterministicProb`); no gradients.
   */
  roll(policy: Policy, steps: number): void {
    for (let t = 0; t < steps; t++) {
      const obs = concatRows(this.current);
      const { actions } = policy.act(obs, { rng: this.o.rng() });
      const mode = this.deterministicEpisode.includes(1) ? policy.act(obs, { deterministic: true }).actions : null;
      for (let i = 0; i < this.size; i++) {
        const a = mode && this.deterministicEpisode[i] ? mode : actions;
        this.step(i, this.discrete ? a[i] : (a as Float32Array).slice(i * this.actDim, (i + 1) * this.actDim));
      }
    }
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}

/** A seed for (run seed, iteration, stream): a resumed run draws what an uninterrupted one would. */
export function mixSeed(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) h = Math.imul(h ^ (x >>> 0), 0x01000193) ^ Math.imul((x / 4294967296) | 0, 0x9e3779b1);
  return h >>> 0;
}
