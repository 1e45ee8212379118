import { tf } from './backend.js';

/** Something that standardizes features: a running estimate or frozen statistics. */
export interface Normalizer {
  readonly dim: number;
  /** (x − mean) / std, clipped to [−clip, clip] when clip is given. x: [batch, dim]. */
  normalize(x: tf.Tensor2D, clip?: number): tf.Tensor2D;
  /** Same as normalize, on a flat row-major Float32Array of whole rows. */
  normalizeArray(x: Float32Array, clip?: number): Float32Array;
  /** x ⊙ std + mean, the inverse of normalize (without clipping). */
  denormalize(x: tf.Tensor2D): tf.Tensor2D;
  /** Current mean, per feature (a copy). */
  mean(): Float64Array;
  /** Current std, per feature (a copy), as used by normalize. */
  std(): Float64Array;
}

function rowsOf(x: Float32Array | readonly ArrayLike<number>[], dim: number, where: string): { flat: ArrayLike<number>; n: number } {
  if (Array.isArray(x)) {
    const rows = x as readonly ArrayLike<number>[];
    const flat = new Float64Array(rows.length * dim);
    rows.forEach((r, i) => {
      if (r.length !== dim) throw new Error(`${where}: row ${i} has length ${r.length}, expected ${dim}`);
      for (let j = 0; j < dim; j++) flat[i * dim + j] = r[j];
    });
    return { flat, n: rows.length };
  }
  const flat = x as Float32Array;
  if (flat.length % dim !== 0) {
    throw new Error(`${where}: batch has ${flat.length} values, not a whole number of rows of ${dim}`);
  }
  return { flat, n: flat.length / dim };
}

function normalizeTensor(x: tf.Tensor2D, mean: Float64Array, std: Float64Array, clip: number | undefined, where: string): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[1] !== mean.length) {
    throw new Error(`${where}: input has shape [${x.shape.join(', ')}], expected [batch, ${mean.length}]`);
  }
  return tf.tidy(() => {
    const y = tf.div(tf.sub(x, tf.tensor1d(Float32Array.from(mean))), tf.tensor1d(Float32Array.from(std)));
    return (clip === undefined ? y : tf.clipByValue(y, -clip, clip)) as tf.Tensor2D;
  });
}

function normalizeFlat(x: Float32Array, mean: Float64Array, std: Float64Array, clip: number | undefined, where: string): Float32Array {
  const dim = mean.length;
  if (x.length % dim !== 0) throw new Error(`${where}: array has ${x.length} values, not whole rows of ${dim}`);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const j = i % dim;
    let y = (x[i] - mean[j]) / std[j];
    if (clip !== undefined) y = Math.min(clip, Math.max(-clip, y));
    out[i] = y;
  }
  return out;
}

function denormalizeTensor(x: tf.Tensor2D, mean: Float64Array, std: Float64Array, where: string): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[1] !== mean.length) {
    throw new Error(`${where}: input has shape [${x.shape.join(', ')}], expected [batch, ${mean.length}]`);
  }
  return tf.tidy(
    () => tf.add(tf.mul(x, tf.tensor1d(Float32Array.from(std))), tf.tensor1d(Float32Array.from(mean))) as tf.Tensor2D,
  );
}

/** A `RunningMeanStd`'s state as JSON (checkpoints carry it). */
export interface RunningMeanStdJSON {
  kind: 'RunningMeanStd';
  mean: number[];
  var: number[];
  count: number;
  epsilon: number;
}

/** The pseudo-count and the variance epsilon of a `RunningMeanStd`. */
export interface RunningMeanStdOptions {
  /** Initial pseudo-count, so the first update is not a division by zero (default 1e-4, as SB3). */
  epsilon?: number;
  /** Added to the variance inside the square root in normalize (default 1e-8, as SB3's VecNormalize). */
  normEpsilon?: number;
}

function checkRunningJSON(json: RunningMeanStdJSON): void {
  if (json?.kind !== 'RunningMeanStd' || json.mean?.length !== json.var?.length || !json.mean?.length) {
    throw new Error(`RunningMeanStd: not a RunningMeanStd state (kind=${String(json?.kind)}, ${json?.mean?.length} means, ${json?.var?.length} variances)`);
  }
}

/**
 * Running mean and variance of features (float64), merged batch by batch with the parallel
 * algorithm of Chan et al. (1979) — the same update as SB3's / CleanRL's RunningMeanStd.
 */
export class RunningMeanStd implements Normalizer {
  private meanV: Float64Array;
  private varV: Float64Array;
  count: number;
  readonly epsilon: number;
  readonly normEpsilon: number;

  constructor(
    readonly dim: number,
    opts: RunningMeanStdOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`RunningMeanStd: dim must be a positive integer, got ${dim}`);
    this.epsilon = opts.epsilon ?? 1e-4;
    this.normEpsilon = opts.normEpsilon ?? 1e-8;
    this.meanV = new Float64Array(dim);
    this.varV = new Float64Array(dim).fill(1);
    this.count = this.epsilon;
  }

  /** Merges a batch: a flat Float32Array of whole rows, or an array of rows. */
  update(batch: Float32Array | readonly ArrayLike<number>[]): void {
    const { flat, n } = rowsOf(batch, this.dim, 'RunningMeanStd.update');
    if (n === 0) return;
    const d = this.dim;
    const bMean = new Float64Array(d);
    const bVar = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) bMean[j] += flat[i * d + j];
    for (let j = 0; j < d; j++) bMean[j] /= n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const e = flat[i * d + j] - bMean[j];
        bVar[j] += e * e;
      }
    }
    // Population variance (ddof=0), as np.var.
    for (let j = 0; j < d; j++) bVar[j] /= n;
    this.updateFromMoments(bMean, bVar, n);
  }

  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number>, batchCount: number): void {
    const tot = this.count + batchCount;
    for (let j = 0; j < this.dim; j++) {
      const delta = batchMean[j] - this.meanV[j];
      const mA = this.varV[j] * this.count;
      const mB = batchVar[j] * batchCount;
      const m2 = mA + mB + (delta * delta * this.count * batchCount) / tot;
      this.meanV[j] = this.meanV[j] + (delta * batchCount) / tot;
      this.varV[j] = m2 / tot;
    }
    this.count = tot;
  }

  mean(): Float64Array {
    return Float64Array.from(this.meanV);
  }

  variance(): Float64Array {
    return Float64Array.from(this.varV);
  }

  std(): Float64Array {
    return this.varV.map((v) => Math.sqrt(v + this.normEpsilon));
  }

  normalize(x: tf.Tensor2D, clip?: number): tf.Tensor2D {
    return normalizeTensor(x, this.meanV, this.std(), clip, 'RunningMeanStd.normalize');
  }

  normalizeArray(x: Float32Array, clip?: number): Float32Array {
    return normalizeFlat(x, this.meanV, this.std(), clip, 'RunningMeanStd.normalizeArray');
  }

  denormalize(x: tf.Tensor2D): tf.Tensor2D {
    return denormalizeTensor(x, this.meanV, this.std(), 'RunningMeanStd.denormalize');
  }

  /** Fixed statistics at the current estimate. */
  freeze(opts: { stdFloor?: number } = {}): FrozenMeanStd {
    return new FrozenMeanStd(this.meanV, this.std(), opts);
  }

  toJSON(): RunningMeanStdJSON {
    return { kind: 'RunningMeanStd', mean: [...this.meanV], var: [...this.varV], count: this.count, epsilon: this.epsilon };
  }

  static fromJSON(json: RunningMeanStdJSON, opts: Pick<RunningMeanStdOptions, 'normEpsilon'> = {}): RunningMeanStd {
    checkRunningJSON(json);
    const r = new RunningMeanStd(json.mean.length, { epsilon: json.epsilon, ...opts });
    r.load(json);
    return r;
  }

  /** Replaces the statistics in place with a saved state of the same dimension (checkpoint restore). */
  load(json: RunningMeanStdJSON): void {
    checkRunningJSON(json);
    if (json.mean.length !== this.dim) {
      throw new Error(`RunningMeanStd.load: saved state has dimension ${json.mean.length}, this normalizer has ${this.dim}`);
    }
    this.meanV = Float64Array.from(json.mean);
    this.varV = Float64Array.from(json.var);
    this.count = json.count;
  }
}

/** A `FrozenMeanStd` as JSON (checkpoints carry it). */
export interface FrozenMeanStdJSON {
  kind: 'FrozenMeanStd';
  mean: number[];
  std: number[];
}

/**
 * Fixed mean/std (e.g. expert-data statistics for MGAIL's forward model and discriminator).
 * Features with std below `stdFloor` (constant features) use the floor instead of blowing up.
 */
export class FrozenMeanStd implements Normalizer {
  readonly dim: number;
  private readonly meanV: Float64Array;
  private readonly stdV: Float64Array;

  constructor(mean: ArrayLike<number>, std: ArrayLike<number>, opts: { stdFloor?: number } = {}) {
    if (mean.length !== std.length || mean.length === 0) {
      throw new Error(`FrozenMeanStd: mean has ${mean.length} values and std ${std.length}; they must match and be non-empty`);
    }
    const floor = opts.stdFloor ?? 1e-6;
    this.dim = mean.length;
    this.meanV = Float64Array.from(mean);
    this.stdV = Float64Array.from(std, (s) => {
      if (!(s >= 0)) throw new Error(`FrozenMeanStd: std must be >= 0, got ${s}`);
      return Math.max(s, floor);
    });
  }

  /** Mean and population std of a data set (flat rows or an array of rows). */
  static fromData(data: Float32Array | readonly ArrayLike<number>[], dim: number, opts: { stdFloor?: number } = {}): FrozenMeanStd {
    const { n } = rowsOf(data, dim, 'FrozenMeanStd.fromData');
    if (n === 0) throw new Error('FrozenMeanStd.fromData: no rows');
    const r = new RunningMeanStd(dim, { epsilon: 0, normEpsilon: 0 });
    // With a zero prior count the parallel update reduces to the batch moments.
    r.count = 0;
    r.update(data);
    return new FrozenMeanStd(r.mean(), r.std(), opts);
  }

  mean(): Float64Array {
    return Float64Array.from(this.meanV);
  }

  std(): Float64Array {
    return Float64Array.from(this.stdV);
  }

  normalize(x: tf.Tensor2D, clip?: number): tf.Tensor2D {
    return normalizeTensor(x, this.meanV, this.stdV, clip, 'FrozenMeanStd.normalize');
  }

  normalizeArray(x: Float32Array, clip?: number): Float32Array {
    return normalizeFlat(x, this.meanV, this.stdV, clip, 'FrozenMeanStd.normalizeArray');
  }

  denormalize(x: tf.Tensor2D): tf.Tensor2D {
    return denormalizeTensor(x, this.meanV, this.stdV, 'FrozenMeanStd.denormalize');
  }

  toJSON(): FrozenMeanStdJSON {
    return { kind: 'FrozenMeanStd', mean: [...this.meanV], std: [...this.stdV] };
  }

  static fromJSON(json: FrozenMeanStdJSON): FrozenMeanStd {
    if (json.kind !== 'FrozenMeanStd') throw new Error(`FrozenMeanStd.fromJSON: kind is ${String(json.kind)}, expected FrozenMeanStd`);
    return new FrozenMeanStd(json.mean, json.std, { stdFloor: 0 });
  }
}
