/**
 * numpy's float64 `np.sum` (pairwise summation with an 8-way unrolled base case,
 * numpy/_core/src/umath/loops_utils.h.src) of `f(x)` over `a[off .. off + n)`, so reward terms
 * round the way Gymnasium's do.
 */
export function npSum(a: ArrayLike<number>, off: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[off + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[off], r1 = a[off + 1], r2 = a[off + 2], r3 = a[off + 3];
    let r4 = a[off + 4], r5 = a[off + 5], r6 = a[off + 6], r7 = a[off + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const p = off + i;
      r0 += a[p];
      r1 += a[p + 1];
      r2 += a[p + 2];
      r3 += a[p + 3];
      r4 += a[p + 4];
      r5 += a[p + 5];
      r6 += a[p + 6];
      r7 += a[p + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[off + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return npSum(a, off, n2) + npSum(a, off + n2, n - n2);
}

/** `np.sum(np.square(x))` for a float64 x; `scratch` must hold `n` values. */
export function npSumSquares(a: ArrayLike<number>, off: number, n: number, scratch: Float64Array): number {
  for (let i = 0; i < n; i++) {
    const v = a[off + i];
    scratch[i] = v * v;
  }
  return npSum(scratch, 0, n);
}

/** `np.sum(np.square(np.clip(x, lo, hi)))`; `scratch` must hold `n` values. */
export function npSumSquaresClipped(a: ArrayLike<number>, off: number, n: number, lo: number, hi: number, scratch: Float64Array): number {
  for (let i = 0; i < n; i++) {
    const v = clip(a[off + i], lo, hi);
    scratch[i] = v * v;
  }
  return npSum(scratch, 0, n);
}

/** `np.clip` for one value (NaN stays NaN). */
export function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
