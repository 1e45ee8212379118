import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';
import { conjugateGradient } from './cg.js';

/** A = MᵀM + I for a random M: symmetric positive definite. */
function randomSpd(n: number, rng: Rng): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < m.length; i++) m[i] = rng.normal();
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? 1 : 0;
      for (let k = 0; k < n; k++) s += m[k * n + i] * m[k * n + j];
      a[i * n + j] = s;
    }
  }
  return a;
}

const matVec = (a: Float64Array, n: number) => (v: Float64Array) => {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i] += a[i * n + j] * v[j];
  return out;
};

describe('conjugate gradient', () => {
  it('solves a small SPD system to high accuracy in n iterations', () => {
    const n = 6;
    const rng = new Rng(3);
    const a = randomSpd(n, rng);
    const xTrue = Float64Array.from({ length: n }, () => rng.normal());
    const b = matVec(a, n)(xTrue);
    const { x, iterations, residual } = conjugateGradient(matVec(a, n), b, { iterations: 50, residualTol: 1e-20 });
    expect(iterations).toBeLessThanOrEqual(n + 2);
    expect(residual).toBeLessThan(1e-12);
    for (let i = 0; i < n; i++) expect(x[i]).toBeCloseTo(xTrue[i], 6);
  });

  it('solves a 2×2 system by hand', () => {
    // [[4, 1], [1, 3]] x = [1, 2]  →  x = [1/11, 7/11]
    const { x } = conjugateGradient((v) => Float64Array.from([4 * v[0] + v[1], v[0] + 3 * v[1]]), [1, 2]);
    expect(x[0]).toBeCloseTo(1 / 11, 10);
    expect(x[1]).toBeCloseTo(7 / 11, 10);
  });

  it('stops at the residual tolerance and refuses an indefinite matrix', () => {
    expect(conjugateGradient((v) => v, [0, 0]).iterations).toBe(0);
    expect(() => conjugateGradient((v) => Float64Array.from([-v[0], v[1]]), [1, 0])).toThrow(/not positive definite/);
  });
});
