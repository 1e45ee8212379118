import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { Rng } from './random.js';
import { FrozenMeanStd, RunningMeanStd } from './running_mean_std.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

function moments(rows: number[][], dim: number): { mean: number[]; var: number[] } {
  const mean = Array.from({ length: dim }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
  const v = Array.from({ length: dim }, (_, j) => rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / rows.length);
  return { mean, var: v };
}

describe('RunningMeanStd', () => {
  it('merging batches equals the moments of all data (with the epsilon pseudo-count)', () => {
    const rng = new Rng(0);
    const dim = 3;
    const rms = new RunningMeanStd(dim, { epsilon: 1e-4 });
    const all: number[][] = [];
    for (const n of [5, 17, 1, 40]) {
      const flat = new Float32Array(n * dim);
      for (let i = 0; i < flat.length; i++) flat[i] = rng.normal(2 + (i % dim), 1 + (i % dim));
      for (let i = 0; i < n; i++) all.push(Array.from(flat.subarray(i * dim, (i + 1) * dim)));
      rms.update(flat);
    }
    const ref = moments(all, dim);
    rms.mean().forEach((m, j) => expect(m).toBeCloseTo(ref.mean[j]!, 4));
    rms.variance().forEach((v, j) => expect(v).toBeCloseTo(ref.var[j]!, 3));
    expect(rms.count).toBeCloseTo(63 + 1e-4, 8);
  });

  it('normalizes tensors and arrays alike, clips, and round-trips through JSON', () => {
    const rms = new RunningMeanStd(2);
    rms.update([[0, 10], [2, 30], [4, 50]]);
    const x = new Float32Array([2, 30, 100, -100]);
    const t = rms.normalize(tf.tensor2d(x, [2, 2]), 5);
    const arr = rms.normalizeArray(x, 5);
    Array.from(t.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(arr[i]!, 5));
    expect(arr[0]).toBeCloseTo(0, 3);
    expect(arr[2]).toBe(5);
    expect(arr[3]).toBe(-5);
    const back = rms.denormalize(rms.normalize(tf.tensor2d([[1, 20]])));
    Array.from(back.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([1, 20][i]!, 3));
    const copy = RunningMeanStd.fromJSON(JSON.parse(JSON.stringify(rms.toJSON())));
    expect(copy.toJSON()).toEqual(rms.toJSON());
    expect(() => rms.update(new Float32Array(3))).toThrow(/not a whole number of rows of 2/);
  });

  it('normalize creates no stray tensors', () => {
    const rms = new RunningMeanStd(2);
    const x = tf.tensor2d([[1, 2]]);
    const before = tf.memory().numTensors;
    rms.normalize(x, 10).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('FrozenMeanStd', () => {
  it('uses data statistics with a std floor for constant features', () => {
    const f = FrozenMeanStd.fromData(new Float32Array([1, 5, 3, 5]), 2, { stdFloor: 0.5 });
    expect(Array.from(f.mean())).toEqual([2, 5]);
    expect(Array.from(f.std())).toEqual([1, 0.5]);
    expect(Array.from(f.normalizeArray(new Float32Array([3, 6])))).toEqual([1, 2]);
    expect(FrozenMeanStd.fromJSON(f.toJSON()).toJSON()).toEqual(f.toJSON());
    const rms = new RunningMeanStd(2);
    rms.update(new Float32Array([1, 5, 3, 5]));
    expect(rms.freeze().dim).toBe(2);
  });
});
