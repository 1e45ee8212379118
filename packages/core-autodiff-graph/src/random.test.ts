import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { Rng, glorotUniform, orthogonal, randomNormalTensor, randomUniformTensor, zerosInit } from './random.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('seeded tensors', () => {
  it('same seed gives the same values, different seeds differ', () => {
    const a = randomNormalTensor(new Rng(3), [4, 5], 1, 2);
    const b = randomNormalTensor(new Rng(3), [4, 5], 1, 2);
    const c = randomNormalTensor(new Rng(4), [4, 5], 1, 2);
    expect(a.shape).toEqual([4, 5]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    // Values come from the Rng stream in order, rounded to float32.
    const rng = new Rng(3);
    expect(a.dataSync()[0]).toBe(Math.fround(rng.normal(1, 2)));
    tf.dispose([a, b, c]);
  });

  it('uniform stays in range', () => {
    const u = randomUniformTensor(new Rng(1), [1000], -2, 3);
    const d = u.dataSync();
    expect(Math.min(...d)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...d)).toBeLessThan(3);
    u.dispose();
  });
});

describe('initializers', () => {
  it('glorot uniform respects its bound', () => {
    const w = glorotUniform()(new Rng(0), [30, 10]);
    const a = Math.sqrt(6 / 40);
    expect(w.length).toBe(300);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(a);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.8 * a);
  });

  it.each([
    [8, 3],
    [3, 8],
    [5, 5],
  ])('orthogonal [%i, %i] has orthonormal rows or columns, scaled by gain', (rows, cols) => {
    const gain = 2;
    const w = orthogonal(gain)(new Rng(7), [rows, cols]);
    const small = Math.min(rows, cols);
    // Gram matrix over the smaller dimension must be gain² I.
    for (let i = 0; i < small; i++) {
      for (let j = 0; j < small; j++) {
        let dot = 0;
        if (rows >= cols) for (let r = 0; r < rows; r++) dot += w[r * cols + i] * w[r * cols + j];
        else for (let c = 0; c < cols; c++) dot += w[i * cols + c] * w[j * cols + c];
        expect(dot).toBeCloseTo(i === j ? gain * gain : 0, 4);
      }
    }
  });

  it('zeros', () => {
    expect(Array.from(zerosInit()(new Rng(0), [2, 2]))).toEqual([0, 0, 0, 0]);
  });
});
