import { tf } from './backend.js';
import type { Rng } from './random.js';
import { toNamedVariables, type VariablesLike } from './variables.js';

/** Which coordinates `checkGradients` probes and with what finite-difference step. */
export interface GradCheckOptions {
  rng: Rng;
  /** Coordinates probed per variable (default 3). */
  coordsPerVariable?: number;
  /** Finite-difference step (default 1e-2; float32 losses need a large one). */
  eps?: number;
}

/** One probed coordinate: the analytic and the finite-difference derivative, and their relative error. */
export interface GradCheckEntry {
  name: string;
  index: number;
  analytic: number;
  numeric: number;
  relError: number;
}

/** Every probed coordinate and the largest relative error among them. */
export interface GradCheckResult {
  maxRelError: number;
  entries: GradCheckEntry[];
}

/**
 * Compares tf's gradients of `lossFn` with central differences (L(θ+ε) − L(θ−ε)) / 2ε on a few
 * distinct random coordinates of each variable. Relative error is |a − n| / max(|a|, |n|, 1e-3), so
 * near-zero gradients are compared absolutely. Variables are restored afterwards.
 */
export function checkGradients(vars: VariablesLike, lossFn: () => tf.Scalar, opts: GradCheckOptions): GradCheckResult {
  const named = toNamedVariables(vars);
  const list = [...named.values()];
  const names = [...named.keys()];
  const eps = opts.eps ?? 1e-2;
  const k = opts.coordsPerVariable ?? 3;
  const { value, grads } = tf.variableGrads(lossFn, list);
  value.dispose();
  const analytic = list.map((v) => {
    const data = Float32Array.from(grads[v.name].dataSync() as Float32Array);
    return data;
  });
  tf.dispose(grads);
  const evalLoss = () => tf.tidy(() => lossFn().dataSync()[0]);
  const entries: GradCheckEntry[] = [];
  list.forEach((v, vi) => {
    const original = Float32Array.from(v.dataSync() as Float32Array);
    const set = (data: Float32Array) => tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
    for (const idx of opts.rng.permutation(v.size).subarray(0, k)) {
      const probe = Float32Array.from(original);
      probe[idx] = original[idx] + eps;
      set(probe);
      const up = evalLoss();
      probe[idx] = original[idx] - eps;
      set(probe);
      const down = evalLoss();
      // The step actually taken in float32, not the nominal 2ε.
      const h = Math.fround(original[idx] + eps) - Math.fround(original[idx] - eps);
      const numeric = (up - down) / h;
      const a = analytic[vi][idx];
      const relError = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), 1e-3);
      entries.push({ name: names[vi], index: idx, analytic: a, numeric, relError });
    }
    set(original);
  });
  return { maxRelError: entries.reduce((m, e) => Math.max(m, e.relError), 0), entries };
}
