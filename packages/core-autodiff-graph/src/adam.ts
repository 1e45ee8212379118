import { tf } from './backend.js';
import { toNamedVariables, type NamedVariables, type TensorRecord, type VariablesLike } from './variables.js';
import { fusedAdam, fusedAdamActive, sumSquaresHeap } from './fused.js';

/**
 * Gradients for an optimizer's variables: an array aligned with its variable order, or a map /
 * record keyed by the variable's engine name (what `tf.variableGrads` returns) or logical name.
 * A variable without a gradient is left unchanged (like a PyTorch parameter whose grad is None).
 */
export type GradientsInput =
  | readonly (tf.Tensor | null | undefined)[]
  | ReadonlyMap<string, tf.Tensor>
  | Record<string, tf.Tensor>;

/** What a training step needs from an optimizer. */
export interface Optimizer {
  applyGradients(grads: GradientsInput): void;
  dispose(): void;
}

/**
 * Scales gradients so their global norm is at most maxNorm, as torch.nn.utils.clip_grad_norm_:
 * coef = min(1, maxNorm / (norm + 1e-6)). Returns new tensors (the caller disposes them and
 * the inputs) and the norm before clipping.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: number } {
  if (!(maxNorm > 0)) throw new Error(`clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`);
  const normT = tf.tidy(() =>
    grads.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))),
  );
  const norm = normT.dataSync()[0];
  normT.dispose();
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  const clipped = grads.map((g) => tf.tidy(() => (coef < 1 ? tf.mul(g, coef) : tf.clone(g))));
  return { clipped, norm };
}

/** Adam's learning rate, moments, clipping and weight decay (torch.optim.Adam's defaults when unset). */
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Clip the gradients' global norm to this before the update (torch's clip_grad_norm_). */
  maxGradNorm?: number;
  /** L2 penalty coefficient (added to the gradient, torch.optim.Adam's weight_decay). */
  weightDecay?: number;
  /** Use AdamW's decoupled decay p ← p − lr·wd·p instead of the L2 gradient term. */
  decoupledWeightDecay?: boolean;
}

/** Serializable optimizer state: tensors for a tensor file, JSON metadata beside them. */
export interface AdamState {
  tensors: TensorRecord;
  meta: {
    kind: 'Adam';
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    maxGradNorm: number | null;
    weightDecay: number;
    decoupledWeightDecay: boolean;
    names: string[];
    steps: number[];
  };
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with bias correction, matching torch.optim.Adam:
 *   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   p ← p − lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε)
 * Each variable keeps its own step count t, so variables skipped by a step stay consistent.
 */
export class Adam implements Optimizer {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly maxGradNorm: number | undefined;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: boolean;
  /** Global gradient norm before clipping at the last step (only computed when maxGradNorm is set). */
  lastGradNorm: number | null = null;

  private readonly names: string[];
  private readonly vars: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private readonly steps: number[];

  constructor(vars: VariablesLike, opts: AdamOptions) {
    const named: NamedVariables = toNamedVariables(vars);
    if (!(opts.lr >= 0)) throw new Error(`Adam: lr must be >= 0, got ${opts.lr}`);
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.maxGradNorm = opts.maxGradNorm;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupledWeightDecay = opts.decoupledWeightDecay ?? false;
    for (const [k, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: ${k} must be in [0, 1), got ${b}`);
    }
    this.names = [...named.keys()];
    this.vars = [...named.values()];
    // Moments are non-trainable variables: assign() swaps their storage without leaking.
    this.m = this.vars.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.v = this.vars.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.steps = this.vars.map(() => 0);
  }

  get variables(): tf.Variable[] {
    return [...this.vars];
  }

  /** One update from gradients (the caller keeps ownership of `grads`). */
  applyGradients(grads: GradientsInput): void {
    const aligned = this.align(grads);
    const present = aligned.map((g, i) => [g, i] as const).filter((e): e is readonly [tf.Tensor, number] => e[0] != null);
    for (const [g, i] of present) {
      const p = this.vars[i];
      if (g.shape.length !== p.shape.length || g.shape.some((d, j) => d !== p.shape[j])) {
        throw new Error(`Adam: gradient for ${this.names[i]} has shape [${g.shape.join(', ')}], expected [${p.shape.join(', ')}]`);
      }
    }
    if (fusedAdamActive() && present.every(([g]) => g.dtype === 'float32')) {
      this.applyFused(present);
      return;
    }
    let gs = present.map(([g]) => g);
    let owned: tf.Tensor[] = [];
    if (this.maxGradNorm !== undefined) {
      const { clipped, norm } = clipByGlobalNorm(gs, this.maxGradNorm);
      this.lastGradNorm = norm;
      gs = clipped;
      owned = clipped;
    }
    const lr = this.lr;
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    present.forEach(([, i], k) => {
      const g0 = gs[k];
      const p = this.vars[i];
      const t = ++this.steps[i];
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      tf.tidy(() => {
        const g = wd !== 0 && !this.decoupledWeightDecay ? tf.add(g0, tf.mul(p, wd)) : g0;
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        // Written as torch does: step = (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + ε).
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
        let next = tf.sub(p, tf.mul(tf.div(m, denom), lr / bc1));
        if (wd !== 0 && this.decoupledWeightDecay) next = tf.sub(next, tf.mul(p, lr * wd));
        p.assign(next);
      });
    });
    for (const t of owned) t.dispose();
  }

  /**
   * The same update as one kernel per variable (fused.ts): the clipping norm is summed straight
   * from the gradients and enters as a scale, so no clipped copies are made.
   */
  private applyFused(present: readonly (readonly [tf.Tensor, number])[]): void {
    let coef = 1;
    if (this.maxGradNorm !== undefined) {
      if (!(this.maxGradNorm > 0)) throw new Error(`clipByGlobalNorm: maxNorm must be > 0, got ${this.maxGradNorm}`);
      const norm = Math.sqrt(sumSquaresHeap(present.map(([g]) => g)));
      this.lastGradNorm = norm;
      coef = Math.min(1, this.maxGradNorm / (norm + 1e-6));
    }
    const { beta1: b1, beta2: b2, eps, weightDecay: wd, lr } = this;
    const l2 = this.decoupledWeightDecay ? 0 : wd;
    const decay = this.decoupledWeightDecay ? lr * wd : 0;
    for (const [g, i] of present) {
      const t = ++this.steps[i];
      const [p, m, v] = fusedAdam(this.vars[i], g, this.m[i], this.v[i], {
        lr, b1, b2, eps, bc1: 1 - b1 ** t, bc2: 1 - b2 ** t, coef, l2, decay,
      });
      // assign() takes a reference (the variable keeps the data); drop ours.
      this.vars[i].assign(p);
      this.m[i].assign(m);
      this.v[i].assign(v);
      tf.dispose([p, m, v]);
    }
  }

  private align(grads: GradientsInput): (tf.Tensor | null | undefined)[] {
    if (Array.isArray(grads)) {
      const arr = grads as readonly (tf.Tensor | null | undefined)[];
      if (arr.length !== this.vars.length) {
        throw new Error(`Adam: got ${arr.length} gradients for ${this.vars.length} variables (${this.names.join(', ')})`);
      }
      return [...arr];
    }
    const get = grads instanceof Map ? (k: string) => grads.get(k) : (k: string) => (grads as Record<string, tf.Tensor>)[k];
    const keys = grads instanceof Map ? [...grads.keys()] : Object.keys(grads);
    const known = new Set([...this.names, ...this.vars.map((p) => p.name)]);
    const unknown = keys.filter((k) => !known.has(k));
    if (unknown.length > 0) {
      throw new Error(`Adam: gradients for unknown variables ${unknown.join(', ')}; it optimizes ${this.names.join(', ')}`);
    }
    return this.vars.map((p, i) => get(p.name) ?? get(this.names[i]));
  }

  getState(): AdamState {
    const tensors: TensorRecord = {};
    this.names.forEach((name, i) => {
      const shape = [...this.vars[i].shape];
      tensors[`m/${name}`] = { data: Float32Array.from(this.m[i].dataSync() as Float32Array), shape };
      tensors[`v/${name}`] = { data: Float32Array.from(this.v[i].dataSync() as Float32Array), shape };
    });
    return {
      tensors,
      meta: {
        kind: 'Adam',
        lr: this.lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        maxGradNorm: this.maxGradNorm ?? null,
        weightDecay: this.weightDecay,
        decoupledWeightDecay: this.decoupledWeightDecay,
        names: [...this.names],
        steps: [...this.steps],
      },
    };
  }

  /** Restores moments, step counts and lr (the hyperparameters beside lr stay as constructed). */
  setState(state: AdamState): void {
    const { meta, tensors } = state;
    if (meta.kind !== 'Adam') throw new Error(`Adam.setState: state kind is ${String(meta.kind)}, expected Adam`);
    const same = meta.names.length === this.names.length && meta.names.every((n, i) => n === this.names[i]);
    if (!same) {
      throw new Error(`Adam.setState: state is for variables ${meta.names.join(', ')}, this optimizer has ${this.names.join(', ')}`);
    }
    const plan: [tf.Variable, Float32Array][] = [];
    this.names.forEach((name, i) => {
      for (const [key, target] of [[`m/${name}`, this.m[i]], [`v/${name}`, this.v[i]]] as const) {
        const t = tensors[key];
        if (t === undefined) throw new Error(`Adam.setState: missing ${key}`);
        if (t.data.length !== target.size) {
          throw new Error(`Adam.setState: ${key} has ${t.data.length} values, expected ${target.size} (shape [${target.shape.join(', ')}])`);
        }
        plan.push([target, Float32Array.from(t.data)]);
      }
    });
    for (const [target, data] of plan) tf.tidy(() => target.assign(tf.tensor(data, target.shape)));
    meta.steps.forEach((s, i) => (this.steps[i] = s));
    this.lr = meta.lr;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) if (!t.isDisposed) t.dispose();
  }
}
