import { Adam, Dense, GRUCell, MLP, RunningMeanStd, tf, VariableStore, type Rng, type RunningMeanStdJSON } from '@mgail/core-autodiff-graph';

export type ForwardModelKind = 'basic' | 'advanced';

export interface ForwardModelConfig {
  /** `basic`: an MLP on [s, a]. `advanced`: the paper's recurrent model (Section 4.1, Figure 2). */
  kind: ForwardModelKind;
  /** Basic model: hidden widths. */
  hidden: number[];
  /** Advanced model: width of the state and action encodings, the GRU and the decoder (authors: 100). */
  encoderDim: number;
  /**
   * Advanced model: n, the states the GRU reads up to and including s_t. Training windows have
   * this length, and a rollout warms the GRU on the n − 1 real states before its start.
   */
  historyLength: number;
  /** Adam learning rate (authors: 1e-4). */
  lr: number;
  /** Global gradient-norm clip (0 = off). */
  maxGradNorm: number;
  /** Standardized states are clipped to ±clip before entering the network. */
  inputClip: number;
}

export const DEFAULT_FORWARD_MODEL_CONFIG: ForwardModelConfig = {
  kind: 'basic',
  hidden: [128, 128],
  encoderDim: 100,
  historyLength: 4,
  lr: 1e-4,
  maxGradNorm: 0,
  inputClip: 10,
};

export interface ForwardModelOptions extends Partial<ForwardModelConfig> {
  obsDim: number;
  /** Action size (Box), or the number of actions (Discrete: the model reads one-hot actions). */
  actDim: number;
  rng: Rng;
  /** Variable scope (default `model`). */
  name?: string;
}

/** Consecutive transitions: B windows of length L, row-major [B, L, dim]. */
export interface TransitionWindows {
  batch: number;
  length: number;
  states: Float32Array;
  actions: Float32Array;
  nextStates: Float32Array;
}

/** What a checkpoint needs besides the weights: the standardization statistics. */
export interface ForwardModelStatistics {
  state: RunningMeanStdJSON;
  delta: RunningMeanStdJSON;
}

/**
 * s_{t+1} ≈ f(s_t, a_t, h_t): a differentiable model of the environment. Both kinds predict
 * the change of the state in standardized units (statistics from the training data) and add
 * it back to s_t (a residual), so `predict` is differentiable with respect to s and a, which
 * is the path MGAIL's policy gradient takes (the paper's eq. 10).
 */
export abstract class ForwardModel {
  abstract readonly kind: ForwardModelKind;
  readonly obsDim: number;
  readonly actDim: number;
  readonly config: ForwardModelConfig;
  readonly store: VariableStore;
  readonly stateStats: RunningMeanStd;
  readonly deltaStats: RunningMeanStd;
  private opt: Adam | null = null;

  constructor(o: ForwardModelOptions, kind: ForwardModelKind) {
    const c: ForwardModelConfig = { ...DEFAULT_FORWARD_MODEL_CONFIG, kind };
    for (const k of Object.keys(DEFAULT_FORWARD_MODEL_CONFIG) as (keyof ForwardModelConfig)[]) {
      if (k !== 'kind' && o[k] !== undefined) (c as unknown as Record<string, unknown>)[k] = o[k];
    }
    if (!Number.isInteger(c.historyLength) || c.historyLength < 1) throw new Error(`ForwardModel: historyLength must be a positive integer, got ${c.historyLength}`);
    this.config = c;
    this.obsDim = o.obsDim;
    this.actDim = o.actDim;
    this.store = new VariableStore(o.name ?? 'model');
    this.stateStats = new RunningMeanStd(o.obsDim);
    this.deltaStats = new RunningMeanStd(o.obsDim);
  }

  /** Adam over the model's variables (made on first use, after the subclass built its layers). */
  get optimizer(): Adam {
    this.opt ??= new Adam(this.store, { lr: this.config.lr, maxGradNorm: this.config.maxGradNorm || undefined });
    return this.opt;
  }

  get variables(): tf.Variable[] {
    return this.store.variables;
  }

  /** Whether the model carries a recurrent state between steps. */
  get recurrent(): boolean {
    return false;
  }

  /** The recurrent state before any state was read (null for a feed-forward model). */
  initialState(_batch: number): tf.Tensor2D | null {
    return null;
  }

  /** Standardized change of state from standardized state `sn` and action `a`, and the next recurrent state. */
  protected abstract core(sn: tf.Tensor2D, a: tf.Tensor2D, h: tf.Tensor2D | null): { out: tf.Tensor2D; h: tf.Tensor2D | null };

  /** One step: next state (raw units) and the next recurrent state; differentiable in s and a. */
  predict(s: tf.Tensor2D, a: tf.Tensor2D, h: tf.Tensor2D | null = null): { next: tf.Tensor2D; h: tf.Tensor2D | null } {
    if (s.rank !== 2 || s.shape[1] !== this.obsDim || a.rank !== 2 || a.shape[1] !== this.actDim || a.shape[0] !== s.shape[0]) {
      throw new Error(`ForwardModel.predict: got states [${s.shape}] and actions [${a.shape}], expected [B, ${this.obsDim}] and [B, ${this.actDim}]`);
    }
    const r = tf.tidy(() => {
      const p = this.core(this.stateStats.normalize(s, this.config.inputClip), a, h);
      const next = tf.add(s, this.deltaStats.denormalize(p.out)) as tf.Tensor2D;
      return p.h ? { next, h: p.h } : { next };
    }) as { next: tf.Tensor2D; h?: tf.Tensor2D };
    return { next: r.next, h: r.h ?? null };
  }

  /**
   * The recurrent state after reading real history: `states`/`actions` are [B, L, ·] row-major
   * (L ≥ 0 steps before the state a rollout starts from). Null for a feed-forward model.
   */
  encodeHistory(batch: number, length: number, states: Float32Array, actions: Float32Array): tf.Tensor2D | null {
    if (!this.recurrent) return null;
    return tf.tidy(() => {
      let h = this.initialState(batch);
      for (let t = 0; t < length; t++) {
        const s = tf.tensor2d(sliceStep(states, batch, length, this.obsDim, t), [batch, this.obsDim]);
        const a = tf.tensor2d(sliceStep(actions, batch, length, this.actDim, t), [batch, this.actDim]);
        h = this.predict(s, a, h).h;
      }
      return h!;
    });
  }

  /** Updates the standardization statistics from transitions (call before training on them). */
  updateStatistics(states: Float32Array, nextStates: Float32Array): void {
    const delta = new Float32Array(states.length);
    for (let i = 0; i < delta.length; i++) delta[i] = nextStates[i] - states[i];
    this.stateStats.update(states);
    this.deltaStats.update(delta);
  }

  statistics(): ForwardModelStatistics {
    return { state: this.stateStats.toJSON(), delta: this.deltaStats.toJSON() };
  }

  loadStatistics(s: ForwardModelStatistics): void {
    this.stateStats.load(s.state);
    this.deltaStats.load(s.delta);
  }

  /**
   * One Adam step of MSE on the standardized change of state, over windows of consecutive
   * transitions with teacher forcing (the GRU reads the real states). Returns the loss.
   */
  train(w: TransitionWindows): number {
    const { batch: B, length: L } = w;
    checkWindows(w, this.obsDim, this.actDim, 'ForwardModel.train');
    const S = tf.tensor3d(w.states, [B, L, this.obsDim]);
    const A = tf.tensor3d(w.actions, [B, L, this.actDim]);
    const N = tf.tensor3d(w.nextStates, [B, L, this.obsDim]);
    const invStd = tf.tensor1d(Float32Array.from(this.deltaStats.std(), (x) => 1 / x));
    const { value, grads } = tf.variableGrads(() => {
      let h = this.initialState(B);
      const losses: tf.Tensor[] = [];
      for (let t = 0; t < L; t++) {
        const at = (X: tf.Tensor3D, d: number) => tf.reshape(tf.slice(X, [0, t, 0], [B, 1, d]), [B, d]) as tf.Tensor2D;
        const p = this.predict(at(S, this.obsDim), at(A, this.actDim), h);
        h = p.h;
        // error of the standardized change: every state dimension counts alike
        losses.push(tf.mean(tf.square(tf.mul(tf.sub(p.next, at(N, this.obsDim)), invStd))));
      }
      return tf.div(tf.addN(losses), L) as tf.Scalar;
    }, this.store.variables);
    this.optimizer.applyGradients(grads);
    const loss = value.dataSync()[0];
    tf.dispose([S, A, N, invStd, value, ...Object.values(grads)]);
    return loss;
  }

  /**
   * Open-loop error: from each window's first real state, roll the model forward on the
   * recorded actions for `horizon` steps (default: the window length); returns the mean squared
   * error in standardized-state units at each step. For the recurrent model the GRU state is
   * carried through the rollout. With `warmup` w > 0 the first w transitions are read with
   * their real states (the recurrent model's history, as in an MGAIL unroll) and the open loop
   * starts from the real state at step w; it needs windows of length ≥ w + horizon.
   */
  multiStepError(trajectories: TransitionWindows, horizon = trajectories.length, options: { warmup?: number } = {}): number[] {
    const { batch: B, length: L } = trajectories;
    const w = options.warmup ?? 0;
    checkWindows(trajectories, this.obsDim, this.actDim, 'ForwardModel.multiStepError');
    if (!Number.isInteger(w) || w < 0 || w >= L) throw new Error(`ForwardModel.multiStepError: warmup must be an integer in 0..${L - 1}, got ${w}`);
    if (!Number.isInteger(horizon) || horizon < 1 || horizon > L - w) throw new Error(`ForwardModel.multiStepError: horizon must be in 1..${L - w} (the window length${w ? ' minus the warm-up' : ''}), got ${horizon}`);
    return tf.tidy(() => {
      const S = tf.tensor3d(trajectories.states, [B, L, this.obsDim]);
      const A = tf.tensor3d(trajectories.actions, [B, L, this.actDim]);
      const N = tf.tensor3d(trajectories.nextStates, [B, L, this.obsDim]);
      const at = (X: tf.Tensor3D, d: number, t: number) => tf.reshape(tf.slice(X, [0, t, 0], [B, 1, d]), [B, d]) as tf.Tensor2D;
      const invStd = tf.tensor1d(Float32Array.from(this.stateStats.std(), (x) => 1 / x));
      let h = this.initialState(B);
      for (let t = 0; t < w; t++) h = this.predict(at(S, this.obsDim, t), at(A, this.actDim, t), h).h;
      let s = at(S, this.obsDim, w);
      const out: number[] = [];
      for (let t = w; t < w + horizon; t++) {
        const p = this.predict(s, at(A, this.actDim, t), h);
        s = p.next;
        h = p.h;
        out.push(tf.mean(tf.square(tf.mul(tf.sub(s, at(N, this.obsDim, t)), invStd))).dataSync()[0]);
      }
      return out;
    });
  }

  dispose(): void {
    this.opt?.dispose();
    this.store.dispose();
  }
}

/** An MLP on [standardized s, a] predicting the standardized change of state. */
export class BasicForwardModel extends ForwardModel {
  readonly kind = 'basic' as const;
  readonly mlp: MLP;

  constructor(o: ForwardModelOptions) {
    super(o, 'basic');
    this.mlp = new MLP({ inDim: o.obsDim + o.actDim, hidden: this.config.hidden, outDim: o.obsDim, activation: 'relu', rng: o.rng, name: this.store.fullName('mlp') });
    this.store.adopt(this.mlp);
  }

  protected core(sn: tf.Tensor2D, a: tf.Tensor2D): { out: tf.Tensor2D; h: null } {
    return { out: this.mlp.apply(tf.concat([sn, a], 1) as tf.Tensor2D), h: null };
  }
}

/**
 * The paper's forward model (Section 4.1, Figure 2): a state encoder feeds a GRU that carries
 * the history of states; an action encoder's features multiply the GRU's output elementwise
 * (actions modulate the dynamics rather than adding to them), and a decoder maps the product
 * to the standardized change of state.
 */
export class AdvancedForwardModel extends ForwardModel {
  readonly kind = 'advanced' as const;
  readonly stateEncoder: Dense;
  readonly gru: GRUCell;
  readonly actionEncoder: Dense;
  readonly decoder: MLP;

  constructor(o: ForwardModelOptions) {
    super(o, 'advanced');
    const H = this.config.encoderDim;
    this.stateEncoder = new Dense(o.obsDim, H, { activation: 'relu', rng: o.rng, name: this.store.fullName('state_encoder') });
    this.gru = new GRUCell(H, H, { rng: o.rng, name: this.store.fullName('gru') });
    this.actionEncoder = new Dense(o.actDim, H, { activation: 'relu', rng: o.rng, name: this.store.fullName('action_encoder') });
    this.decoder = new MLP({ inDim: H, hidden: [H], outDim: o.obsDim, activation: 'relu', rng: o.rng, name: this.store.fullName('decoder') });
    for (const m of [this.stateEncoder, this.gru, this.actionEncoder, this.decoder]) this.store.adopt(m);
  }

  override get recurrent(): boolean {
    return true;
  }

  override initialState(batch: number): tf.Tensor2D {
    return this.gru.initialState(batch);
  }

  protected core(sn: tf.Tensor2D, a: tf.Tensor2D, h: tf.Tensor2D | null): { out: tf.Tensor2D; h: tf.Tensor2D } {
    const hNext = this.gru.apply(this.stateEncoder.apply(sn), h ?? this.gru.initialState(sn.shape[0]));
    return { out: this.decoder.apply(tf.mul(hNext, this.actionEncoder.apply(a)) as tf.Tensor2D), h: hNext };
  }
}

/** `basic` or `advanced` by `o.kind` (default basic). */
export function makeForwardModel(o: ForwardModelOptions): ForwardModel {
  const kind = o.kind ?? 'basic';
  if (kind === 'basic') return new BasicForwardModel(o);
  if (kind === 'advanced') return new AdvancedForwardModel(o);
  throw new Error(`forward model kind must be basic or advanced, got "${kind as string}"`);
}

function sliceStep(x: Float32Array, B: number, L: number, d: number, t: number): Float32Array {
  const out = new Float32Array(B * d);
  for (let b = 0; b < B; b++) out.set(x.subarray((b * L + t) * d, (b * L + t + 1) * d), b * d);
  return out;
}

function checkWindows(w: TransitionWindows, obsDim: number, actDim: number, where: string): void {
  const n = w.batch * w.length;
  if (n === 0 || w.states.length !== n * obsDim || w.nextStates.length !== n * obsDim || w.actions.length !== n * actDim) {
    throw new Error(`${where}: ${w.batch} windows of length ${w.length} need ${n * obsDim} state, ${n * obsDim} next-state and ${n * actDim} action values; got ${w.states.length}, ${w.nextStates.length}, ${w.actions.length}`);
  }
}
