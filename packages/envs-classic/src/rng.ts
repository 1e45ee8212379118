/**
 * A small, fast, seedable pseudo-random generator (sfc32 seeded through splitmix32).
 *
 * Everything random in the library draws from an `Rng` that was seeded explicitly, so the
 * same seed on the same backend reproduces a run; the global unseeded generator is never used.
 * This package has no dependencies, so the generator lives here and the learners re-export it.
 */
/** What `Rng.getState` returns: the four sfc32 words and a cached normal sample. */
export interface RngState {
  a: number;
  b: number;
  c: number;
  d: number;
  spareNormal: number | null;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    // splitmix32 spreads nearby integer seeds into unrelated states.
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // Seeds of 2^32 and more would alias their low 32 bits (2^32 + 5 ran as 5): their high part
    // moves the last word through splitmix32's bijective finalizer, so every safe integer seed
    // has its own stream while seeds below 2^32 keep theirs.
    const t = Math.trunc(seed);
    if (t >= 4294967296) {
      s = Math.floor(t / 4294967296) >>> 0;
      this.d = (this.d ^ next()) >>> 0;
    }
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The generator's whole state, for a checkpoint: `setState` continues the same stream. */
  getState(): RngState {
    // unsigned words: `a` may hold a signed value, and is only ever used modulo 2^32
    return { a: this.a >>> 0, b: this.b >>> 0, c: this.c >>> 0, d: this.d >>> 0, spareNormal: this.spareNormal };
  }

  setState(s: RngState): void {
    const words = [s?.a, s?.b, s?.c, s?.d];
    if (!words.every((w) => Number.isInteger(w) && w! >= 0 && w! < 2 ** 32) || !(s.spareNormal === null || Number.isFinite(s.spareNormal))) {
      throw new Error(`Rng.setState: not a generator state (${JSON.stringify(s)})`);
    }
    [this.a, this.b, this.c, this.d] = words as number[];
    this.spareNormal = s.spareNormal;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.random() * n);
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with standard normal samples. */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Fills `out` with uniform samples in [low, high). */
  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(low, high);
    return out;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: any }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** A new 31-bit seed drawn from this stream (to seed a child generator or a tfjs op). */
  seed(): number {
    return this.nextUint32() >>> 1;
  }

  /** An independent child generator. */
  spawn(): Rng {
    return new Rng(this.nextUint32());
  }
}
