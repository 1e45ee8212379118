import { Adam, Dense, GRUCell, MLP, RunningMeanStd, tf, VariableStore, type Rng } from '@mgail/core-autodiff-graph';

export type ForwardModelKind = 'basic' | 'advanced';

export interface ForwardModelConfig {
  /** `basic`: an MLP on [s, a]. `advanced`: the paper's recurrent model (Section 4.1, Figure 2). */
  kind: ForwardModelKind;
  /** Basic model hidden widths. */
  hidden: number[];
  /** Advanced model: width of the state/action encodings and the GRU. */
  encoderDim: number;
  /** Advanced model: states the GRU reads before predicting (training windows have this length). */
  historyLength: number;
  /** Adam learning rate. */
  lr: number;
  /** Global gradient-norm clip (0 = off). */
  maxGradNorm: number;
}

export const DEFAULT_FORWARD_MODEL_CONFIG: ForwardModelConfig = {
  kind: 'basic',
  hidden: [128, 128],
  encoderDim: 100,
  historyLength: 4,
  lr: 1e-3,
  maxGradNorm: 0,
};

/** Consecutive transitions: B windows of length L, row-major [B, L, dim]. */
export interface TransitionWindows {
  batch: number;
  length: number;
  states: Float32Array;
  actions: Float32Array;
  nextStates: Float32Array;
}

/**
 * s_{t+1} ≈ f(s_t, a_t, h_t): a differentiable model of the environment. Both kinds predict the
 * change of the state in standardized units (statistics from the training data) and add it back,
 * so `predict` is differentiable with respect to s and a — the path MGAIL's gradient takes.
 */
export class ForwardModel {
  readonly store: VariableStore;
  readonly optimizer: Adam;
  readonly stateStats: RunningMeanStd;
  readonly deltaStats: RunningMeanStd;
  private readonly mlp: MLP | null = null;
  private readonly encS: Dense | null = null;
  private readonly encA: Dense | null = null;
  private readonly gru: GRUCell | null = null;
  private readonly dec: MLP | null = null;

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    readonly config: ForwardModelConfig,
    rng: Rng,
  ) {
    this.store = new VariableStore('model');
    this.stateStats = new RunningMeanStd(obsDim);
    this.deltaStats = new RunningMeanStd(obsDim);
    if (config.kind === 'basic') {
      this.mlp = new MLP({ inDim: obsDim + actDim, hidden: config.hidden, outDim: obsDim, activation: 'relu', rng, name: 'model/mlp' });
      this.store.adopt(this.mlp);
    } else {
      const H = config.encoderDim;
      this.encS = new Dense(obsDim, H, { activation: 'relu', rng, name: 'model/state_encoder' });
      this.gru = new GRUCell(H, H, { rng, name: 'model/gru' });
      this.encA = new Dense(actDim, H, { activation: 'relu', rng, name: 'model/action_encoder' });
      this.dec = new MLP({ inDim: H, hidden: [H], outDim: obsDim, activation: 'relu', rng, name: 'model/decoder' });
      for (const m of [this.encS, this.gru, this.encA, this.dec]) this.store.adopt(m);
    }
    this.optimizer = new Adam(this.store, { lr: config.lr, maxGradNorm: config.maxGradNorm || undefined });
  }

  get kind(): ForwardModelKind {
    return this.config.kind;
  }

  get variables(): tf.Variable[] {
    return this.store.variables;
  }

  /** The recurrent state at the start of a rollout (null for the basic model). */
  initialState(batch: number): tf.Tensor2D | null {
    return this.gru ? this.gru.initialState(batch) : null;
  }

  /** One step: next state (raw units) and the next recurrent state. Differentiable in s and a. */
  predict(s: tf.Tensor2D, a: tf.Tensor2D, h: tf.Tensor2D | null): { next: tf.Tensor2D; h: tf.Tensor2D | null } {
    const r = tf.tidy(() => {
      const sn = this.stateStats.normalize(s, 10);
      let out: tf.Tensor2D;
      let hNext: tf.Tensor2D | null = null;
      if (this.mlp) out = this.mlp.apply(tf.concat([sn, a], 1) as tf.Tensor2D);
      else {
        // Paper, Figure 2: encode the state, update the GRU over the state history, encode the
        // action, multiply elementwise, decode the change of state.
        hNext = this.gru!.apply(this.encS!.apply(sn), h ?? this.gru!.initialState(s.shape[0]));
        out = this.dec!.apply(tf.mul(hNext, this.encA!.apply(a)) as tf.Tensor2D);
      }
      const next = tf.add(s, this.deltaStats.denormalize(out)) as tf.Tensor2D;
      return hNext ? { next, h: hNext } : { next };
    }) as { next: tf.Tensor2D; h?: tf.Tensor2D };
    return { next: r.next, h: r.h ?? null };
  }

  /** Updates the standardization statistics from transitions (call before training on them). */
  updateStatistics(states: Float32Array, nextStates: Float32Array): void {
    const delta = new Float32Array(states.length);
    for (let i = 0; i < delta.length; i++) delta[i] = nextStates[i] - states[i];
    this.stateStats.update(states);
    this.deltaStats.update(delta);
  }

  /**
   * One Adam step of MSE in standardized delta units over windows of consecutive transitions,
   * with teacher forcing (the GRU reads the real states). Returns the loss.
   */
  train(w: TransitionWindows): number {
    const { batch: B, length: L } = w;
    const S = tf.tensor3d(w.states, [B, L, this.obsDim]);
    const A = tf.tensor3d(w.actions, [B, L, this.actDim]);
    const N = tf.tensor3d(w.nextStates, [B, L, this.obsDim]);
    const { value, grads } = tf.variableGrads(() => {
      let h = this.initialState(B);
      const losses: tf.Tensor[] = [];
      for (let t = 0; t < L; t++) {
        const s = tf.squeeze(tf.slice(S, [0, t, 0], [B, 1, this.obsDim]), [1]) as tf.Tensor2D;
        const a = tf.squeeze(tf.slice(A, [0, t, 0], [B, 1, this.actDim]), [1]) as tf.Tensor2D;
        const n = tf.squeeze(tf.slice(N, [0, t, 0], [B, 1, this.obsDim]), [1]) as tf.Tensor2D;
        const p = this.predict(s, a, h);
        h = p.h;
        // error of the standardized change: comparable across state dimensions
        const err = tf.div(tf.sub(p.next, n), tf.tensor1d(Float32Array.from(this.deltaStats.std())));
        losses.push(tf.mean(tf.square(err)));
      }
      return tf.div(tf.addN(losses), L) as tf.Scalar;
    }, this.store.variables);
    this.optimizer.applyGradients(grads);
    const loss = value.dataSync()[0];
    tf.dispose([S, A, N, value, ...Object.values(grads)]);
    return loss;
  }

  /**
   * Open-loop prediction error: from each window's first real state, roll the model forward with
   * the recorded actions only; returns the mean squared error (raw units) at each horizon step.
   */
  multiStepError(w: TransitionWindows): number[] {
    return tf.tidy(() => {
      const { batch: B, length: L } = w;
      const S = tf.tensor3d(w.states, [B, L, this.obsDim]);
      const A = tf.tensor3d(w.actions, [B, L, this.actDim]);
      const N = tf.tensor3d(w.nextStates, [B, L, this.obsDim]);
      let s = tf.squeeze(tf.slice(S, [0, 0, 0], [B, 1, this.obsDim]), [1]) as tf.Tensor2D;
      let h = this.initialState(B);
      const out: number[] = [];
      for (let t = 0; t < L; t++) {
        const a = tf.squeeze(tf.slice(A, [0, t, 0], [B, 1, this.actDim]), [1]) as tf.Tensor2D;
        const p = this.predict(s, a, h);
        s = p.next;
        h = p.h;
        const n = tf.squeeze(tf.slice(N, [0, t, 0], [B, 1, this.obsDim]), [1]);
        out.push(tf.mean(tf.square(tf.sub(s, n))).dataSync()[0]);
      }
      return out;
    });
  }

  dispose(): void {
    this.optimizer.dispose();
    this.store.dispose();
  }
}
