/** When `conjugateGradient` stops. */
export interface ConjugateGradientOptions {
  /** Iterations (TRPO uses 10: the step only needs a rough solve). */
  iterations?: number;
  /** Stop once ‖r‖² falls below this. */
  residualTol?: number;
}

/** The approximate solution x of A x = b and how far the solve got. */
export interface ConjugateGradientResult {
  x: Float64Array;
  /** Iterations actually run. */
  iterations: number;
  /** ‖b − A x‖² of the last iterate (the recursive residual). */
  residual: number;
}

/**
 * Solves A x = b for a symmetric positive definite A given only as a product v ↦ A v
 * (Hestenes & Stiefel 1952; TRPO's Appendix C). Vectors live in float64 on the JS side so the
 * recursion does not lose precision; only the products touch tensors.
 */
export function conjugateGradient(
  Avp: (v: Float64Array) => ArrayLike<number>,
  b: ArrayLike<number>,
  opts: ConjugateGradientOptions = {},
): ConjugateGradientResult {
  const iters = opts.iterations ?? 10;
  const tol = opts.residualTol ?? 1e-10;
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(r, r);
  let k = 0;
  for (; k < iters && rr >= tol; k++) {
    const Ap = Avp(p);
    if (Ap.length !== n) throw new Error(`conjugateGradient: A·v has ${Ap.length} entries, expected ${n}`);
    const pAp = dot(p, Ap);
    if (!(pAp > 0)) throw new Error(`conjugateGradient: pᵀAp = ${pAp} is not positive; the matrix is not positive definite (add damping)`);
    const alpha = rr / pAp;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * Ap[i];
    }
    const rrNew = dot(r, r);
    const beta = rrNew / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = rrNew;
  }
  return { x, iterations: k, residual: rr };
}

/** Σ aᵢbᵢ in float64 (the CG recursion's inner product). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
