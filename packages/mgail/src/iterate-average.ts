/**
 * Iterate averaging (`policyAverageFraction`): the policy steps of the last fraction of the
 * post-prep iterations are averaged into copies of π's variables, and the finished run returns
 * the average. It smooths the adversarial game's oscillation without looking at any reward.
 */
import { tf, type TensorRecord } from '@mgail/core-autodiff-graph';
import type { MGAILConfig } from './config.js';

export class IterateAverage {
  /** The first iteration whose policy steps join the average (past the last iteration: never). */
  readonly from: number;
  private average: Map<string, tf.Variable> | null = null;
  private n = 0;
  private readonly enabled: boolean;

  constructor(private readonly vars: Map<string, tf.Variable>, c: Pick<MGAILConfig, 'iterations' | 'prepIterations' | 'policyAverageFraction'>) {
    this.from = c.iterations - Math.floor((c.policyAverageFraction ?? 0) * Math.max(0, c.iterations - c.prepIterations));
    this.enabled = c.policyAverageFraction > 0;
  }

  /** Iterates averaged so far. */
  get count(): number {
    return this.n;
  }

  /** After a policy step of iteration `it`: a running mean a ← a + (θ − a)/n from `from` on. */
  add(it: number): void {
    if (!this.enabled || it < this.from) return;
    if (!this.average) this.average = new Map([...this.vars].map(([k, v]) => [k, variableFrom(v)]));
    this.n++;
    tf.tidy(() => {
      for (const [k, v] of this.vars) {
        const a = this.average!.get(k)!;
        a.assign(tf.add(a, tf.div(tf.sub(v, a), this.n)));
      }
    });
  }

  /** Moves π to the average (the finished run's policy); nothing when no iterate was averaged. */
  applyTo(): void {
    if (this.average) for (const [k, v] of this.vars) v.assign(this.average.get(k)!);
  }

  /** The average's tensors for a checkpoint; null when none yet. */
  tensors(): TensorRecord | null {
    if (!this.average) return null;
    return Object.fromEntries([...this.average].map(([k, v]) => [k, { data: Float32Array.from(v.dataSync() as Float32Array), shape: [...v.shape] }]));
  }

  load(avg: TensorRecord, count: number, source: string): void {
    this.dispose();
    this.average = new Map([...this.vars].map(([k, v]) => {
      if (!avg[k]) throw new Error(`${source}: the policy average has no ${k}`);
      return [k, variableFrom(tf.tensor(Float32Array.from(avg[k].data), v.shape), true)];
    }));
    this.n = count;
  }

  dispose(): void {
    if (this.average) for (const v of this.average.values()) v.dispose();
    this.average = null;
  }
}

/** A non-trainable variable holding a copy of x (the copy's temporary tensor is disposed; `own` disposes x too). */
function variableFrom(x: tf.Tensor, own = false): tf.Variable {
  const t = x.clone();
  const v = tf.variable(t, false);
  t.dispose();
  if (own) x.dispose();
  return v;
}
