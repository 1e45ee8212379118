import type { Rng, TensorRecord } from '@mgail/core-autodiff-graph';

/** The JSON part of a saved buffer (the arrays go in the tensors). */
export interface ReplayBufferState {
  numEnvs: number;
  capacityPerEnv: number;
  obsDim: number;
  actDim: number;
  next: number[];
  size: number[];
}

/**
 * Agent transitions, one ring per live env so consecutive steps stay adjacent: the recurrent
 * model trains on windows of consecutive transitions and reads the recent history of a live
 * env, and D samples single pairs. Actions are stored as the model and D read them (one-hot
 * for discrete actions).
 */
export class ReplayBuffer {
  private readonly s: Float32Array[];
  private readonly a: Float32Array[];
  private readonly s2: Float32Array[];
  private readonly done: Uint8Array[];
  private readonly next: number[];
  private readonly size: number[];
  readonly capacityPerEnv: number;

  constructor(
    readonly numEnvs: number,
    capacity: number,
    readonly obsDim: number,
    readonly actDim: number,
  ) {
    this.capacityPerEnv = Math.max(2, Math.floor(capacity / numEnvs));
    const c = this.capacityPerEnv;
    this.s = Array.from({ length: numEnvs }, () => new Float32Array(c * obsDim));
    this.a = Array.from({ length: numEnvs }, () => new Float32Array(c * actDim));
    this.s2 = Array.from({ length: numEnvs }, () => new Float32Array(c * obsDim));
    this.done = Array.from({ length: numEnvs }, () => new Uint8Array(c));
    this.next = new Array(numEnvs).fill(0);
    this.size = new Array(numEnvs).fill(0);
  }

  get length(): number {
    return this.size.reduce((a, b) => a + b, 0);
  }

  /** Appends one transition of live env `env`; `done` marks the end of its episode. */
  add(env: number, s: ArrayLike<number>, a: ArrayLike<number>, s2: ArrayLike<number>, done: boolean): void {
    const i = this.next[env];
    this.s[env].set(s, i * this.obsDim);
    this.a[env].set(a, i * this.actDim);
    this.s2[env].set(s2, i * this.obsDim);
    this.done[env][i] = done ? 1 : 0;
    this.next[env] = (i + 1) % this.capacityPerEnv;
    this.size[env] = Math.min(this.size[env] + 1, this.capacityPerEnv);
  }

  /** n random [s, a] rows (for D). */
  samplePairs(rng: Rng, n: number): Float32Array {
    const d = this.obsDim + this.actDim;
    const out = new Float32Array(n * d);
    for (let k = 0; k < n; k++) {
      const { env, idx } = this.randomIndex(rng);
      out.set(this.s[env].subarray(idx * this.obsDim, (idx + 1) * this.obsDim), k * d);
      out.set(this.a[env].subarray(idx * this.actDim, (idx + 1) * this.actDim), k * d + this.obsDim);
    }
    return out;
  }

  /**
   * n windows of `length` consecutive transitions within one episode (for the model); a window
   * that would cross an episode end or the ring's write position is redrawn.
   */
  sampleWindows(rng: Rng, n: number, length: number): { batch: number; length: number; states: Float32Array; actions: Float32Array; nextStates: Float32Array } {
    const states = new Float32Array(n * length * this.obsDim);
    const actions = new Float32Array(n * length * this.actDim);
    const nextStates = new Float32Array(n * length * this.obsDim);
    for (let k = 0; k < n; k++) {
      let env = 0, start = 0;
      for (let tries = 0; ; tries++) {
        ({ env, idx: start } = this.randomIndex(rng));
        if (this.windowOk(env, start, length) || tries > 100) break;
      }
      for (let t = 0; t < length; t++) {
        const i = (start + t) % this.capacityPerEnv;
        const row = k * length + t;
        states.set(this.s[env].subarray(i * this.obsDim, (i + 1) * this.obsDim), row * this.obsDim);
        actions.set(this.a[env].subarray(i * this.actDim, (i + 1) * this.actDim), row * this.actDim);
        nextStates.set(this.s2[env].subarray(i * this.obsDim, (i + 1) * this.obsDim), row * this.obsDim);
      }
    }
    return { batch: n, length, states, actions, nextStates };
  }

  /**
   * The last (up to) n transitions of live env `env` in its current episode, oldest first: the
   * history a recurrent model reads before a rollout from the env's current state.
   */
  recentHistory(env: number, n: number): { length: number; states: Float32Array; actions: Float32Array } {
    const c = this.capacityPerEnv;
    let k = 0;
    while (k < n && k < this.size[env]) {
      const i = (this.next[env] - 1 - k + c) % c;
      if (this.done[env][i]) break;
      k++;
    }
    const states = new Float32Array(k * this.obsDim), actions = new Float32Array(k * this.actDim);
    for (let j = 0; j < k; j++) {
      const i = (this.next[env] - k + j + c) % c;
      states.set(this.s[env].subarray(i * this.obsDim, (i + 1) * this.obsDim), j * this.obsDim);
      actions.set(this.a[env].subarray(i * this.actDim, (i + 1) * this.actDim), j * this.actDim);
    }
    return { length: k, states, actions };
  }

  /** Arrays and ring positions for a checkpoint. */
  save(): { tensors: TensorRecord; state: ReplayBufferState } {
    const tensors: TensorRecord = {};
    const c = this.capacityPerEnv;
    for (let e = 0; e < this.numEnvs; e++) {
      tensors[`${e}/s`] = { data: this.s[e], shape: [c, this.obsDim] };
      tensors[`${e}/a`] = { data: this.a[e], shape: [c, this.actDim] };
      tensors[`${e}/s2`] = { data: this.s2[e], shape: [c, this.obsDim] };
      tensors[`${e}/done`] = { data: Float32Array.from(this.done[e]), shape: [c] };
    }
    return {
      tensors,
      state: { numEnvs: this.numEnvs, capacityPerEnv: c, obsDim: this.obsDim, actDim: this.actDim, next: [...this.next], size: [...this.size] },
    };
  }

  /** Restores what `save` wrote, into a buffer of the same shape. */
  load(tensors: TensorRecord, state: ReplayBufferState, source = 'checkpoint'): void {
    if (state.numEnvs !== this.numEnvs || state.capacityPerEnv !== this.capacityPerEnv || state.obsDim !== this.obsDim || state.actDim !== this.actDim) {
      throw new Error(`${source}: the saved replay buffer is ${state.numEnvs} envs × ${state.capacityPerEnv} × (${state.obsDim}, ${state.actDim}), this one ${this.numEnvs} × ${this.capacityPerEnv} × (${this.obsDim}, ${this.actDim})`);
    }
    for (let e = 0; e < this.numEnvs; e++) {
      const get = (k: string) => {
        const t = tensors[`${e}/${k}`];
        if (!t) throw new Error(`${source}: replay buffer array ${e}/${k} is missing`);
        return t.data;
      };
      this.s[e].set(get('s'));
      this.a[e].set(get('a'));
      this.s2[e].set(get('s2'));
      this.done[e].set(Array.from(get('done'), (x) => (x ? 1 : 0)));
      this.next[e] = state.next[e];
      this.size[e] = state.size[e];
    }
  }

  private randomIndex(rng: Rng): { env: number; idx: number } {
    const total = this.length;
    if (total === 0) throw new Error('ReplayBuffer: sampling from an empty buffer');
    let r = rng.int(total);
    for (let env = 0; env < this.numEnvs; env++) {
      if (r < this.size[env]) {
        // the oldest entry sits at `next` once the ring is full
        const base = this.size[env] === this.capacityPerEnv ? this.next[env] : 0;
        return { env, idx: (base + r) % this.capacityPerEnv };
      }
      r -= this.size[env];
    }
    return { env: 0, idx: 0 };
  }

  private windowOk(env: number, start: number, length: number): boolean {
    const c = this.capacityPerEnv;
    const oldest = this.size[env] === c ? this.next[env] : 0;
    const age = (start - oldest + c) % c;
    if (age + length > this.size[env]) return false;
    for (let t = 0; t < length - 1; t++) if (this.done[env][(start + t) % c]) return false;
    return true;
  }
}
