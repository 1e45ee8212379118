import { Rng } from './rng.js';

/**
 * Node's `util.inspect` hook, by its registered name (no `node:util` import: this package runs in
 * browsers too). A class with this method prints as its `toString()` in `console.log` and the REPL,
 * rather than as its fields (an RNG state, WASM handles).
 */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** A bound as Gymnasium prints it: `-1.0`, `0.07`, `inf`. */
function fmtBound(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  return Number.isInteger(v) ? v.toFixed(1) : String(Number(v.toPrecision(7)));
}

/** A shape as a Python tuple: `(4,)`, `(2, 3)`, `()`. */
function fmtShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** A box in R^n with per-dimension bounds (Gymnasium's `spaces.Box`, float32). */
export class Box {
  readonly kind = 'box' as const;
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly shape: readonly number[];
  private rng: Rng;

  constructor(low: ArrayLike<number> | number, high: ArrayLike<number> | number, shape?: readonly number[], seed = 0) {
    const n = shape ? shape.reduce((a, b) => a * b, 1) : typeof low === 'number' ? (typeof high === 'number' ? 1 : high.length) : low.length;
    this.shape = shape ? [...shape] : [n];
    this.low = typeof low === 'number' ? new Float32Array(n).fill(low) : Float32Array.from(low);
    this.high = typeof high === 'number' ? new Float32Array(n).fill(high) : Float32Array.from(high);
    if (this.low.length !== n || this.high.length !== n) {
      throw new Error(`Box: low/high have ${this.low.length}/${this.high.length} values, shape ${JSON.stringify(this.shape)} needs ${n}`);
    }
    for (let i = 0; i < n; i++) {
      if (!(this.low[i] <= this.high[i])) throw new Error(`Box: low[${i}]=${this.low[i]} > high[${i}]=${this.high[i]}`);
    }
    this.rng = new Rng(seed);
  }

  /** Number of scalars in one element. */
  get size(): number {
    return this.low.length;
  }

  /** Reseeds `sample()`. */
  seed(seed: number): void {
    this.rng = new Rng(seed);
  }

  contains(x: unknown): boolean {
    if (x == null || typeof (x as ArrayLike<number>).length !== 'number') return false;
    const a = x as ArrayLike<number>;
    if (a.length !== this.size) return false;
    for (let i = 0; i < a.length; i++) {
      const v = Math.fround(a[i]);
      if (typeof a[i] !== 'number' || !(v >= this.low[i] && v <= this.high[i])) return false;
    }
    return true;
  }

  /**
   * Uniform on bounded dimensions; exponential/normal on half- and unbounded ones,
   * as Gymnasium's Box.sample does.
   */
  sample(): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < out.length; i++) {
      const lo = this.low[i], hi = this.high[i];
      const loF = Number.isFinite(lo), hiF = Number.isFinite(hi);
      if (loF && hiF) out[i] = this.rng.uniform(lo, hi);
      else if (loF) out[i] = lo - Math.log(1 - this.rng.random());
      else if (hiF) out[i] = hi + Math.log(1 - this.rng.random());
      else out[i] = this.rng.normal();
    }
    return out;
  }

  toJSON(): BoxJSON {
    return { kind: 'box', shape: [...this.shape], low: Array.from(this.low, finiteOrString), high: Array.from(this.high, finiteOrString) };
  }

  /** As Gymnasium prints it: `Box(-1.0, 1.0, (2,), float32)`, or every bound when they differ. */
  toString(): string {
    const same = (a: Float32Array) => a.every((v) => Object.is(v, a[0]));
    const bounds = (a: Float32Array) => (same(a) ? fmtBound(a[0]) : `[${Array.from(a, fmtBound).join(', ')}]`);
    return `Box(${bounds(this.low)}, ${bounds(this.high)}, ${fmtShape(this.shape)}, float32)`;
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/** `{0, 1, ..., n-1}` (Gymnasium's `spaces.Discrete` with start 0). */
export class Discrete {
  readonly kind = 'discrete' as const;
  readonly n: number;
  readonly shape: readonly number[] = [];
  private rng: Rng;

  constructor(n: number, seed = 0) {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Discrete: n must be a positive integer, got ${n}`);
    this.n = n;
    this.rng = new Rng(seed);
  }

  seed(seed: number): void {
    this.rng = new Rng(seed);
  }

  contains(x: unknown): boolean {
    return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < this.n;
  }

  sample(): number {
    return this.rng.int(this.n);
  }

  toJSON(): DiscreteJSON {
    return { kind: 'discrete', n: this.n };
  }

  /** As Gymnasium prints it: `Discrete(2)`. */
  toString(): string {
    return describeSpace(this);
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/** An action or observation space. */
export type Space = Box | Discrete;

/** A `Box` as JSON (`toJSON()`), as checkpoints and demonstration files store it. */
export interface BoxJSON {
  kind: 'box';
  shape: number[];
  /** Bounds; infinite values are written as the strings "inf" / "-inf" so JSON keeps them. */
  low: (number | string)[];
  high: (number | string)[];
}
/** A `Discrete` as JSON (`toJSON()`). */
export interface DiscreteJSON {
  kind: 'discrete';
  n: number;
}
/** Either space as JSON; `spaceFromJSON` rebuilds it. */
export type SpaceJSON = BoxJSON | DiscreteJSON;

function finiteOrString(v: number): number | string {
  return Number.isFinite(v) ? v : v > 0 ? 'inf' : '-inf';
}
function parseBound(v: number | string): number {
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (typeof v !== 'number') throw new Error(`space bound must be a number, "inf" or "-inf", got ${JSON.stringify(v)}`);
  return v;
}

/** Rebuilds a space written by `toJSON()` (checkpoints, demonstration metadata). */
export function spaceFromJSON(j: SpaceJSON): Space {
  if (j && j.kind === 'discrete') return new Discrete(j.n);
  if (j && j.kind === 'box') return new Box(j.low.map(parseBound), j.high.map(parseBound), j.shape);
  throw new Error(`unknown space description: ${JSON.stringify(j)}`);
}

/** Number of scalars an action of this space has (1 for Discrete). */
export function flatDim(space: Space): number {
  return space.kind === 'discrete' ? 1 : space.size;
}

/** True when two spaces describe the same set (used to check checkpoints and demonstrations against an env). */
export function spacesEqual(a: Space, b: Space): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'discrete') return a.n === (b as Discrete).n;
  const bb = b as Box;
  if (a.size !== bb.size) return false;
  for (let i = 0; i < a.size; i++) if (a.low[i] !== bb.low[i] || a.high[i] !== bb.high[i]) return false;
  return true;
}

/** Describes a space for error messages: `Box(4,)` / `Discrete(2)`. */
/** The short form errors use: `Discrete(2)`, `Box(4,)` (`String(space)` adds the bounds). */
export function describeSpace(s: Space): string {
  return s.kind === 'discrete' ? `Discrete(${s.n})` : `Box(${s.shape.join(',')}${s.shape.length === 1 ? ',' : ''})`;
}

/**
 * Validates an action against a space before it reaches the dynamics, with an error that
 * names the env and the problem. Returns the action as a number (Discrete) or a Float64Array (Box).
 * Box actions are NOT clipped here: each env applies Gymnasium's own clipping rule.
 */
export function checkAction(envId: string, space: Space, action: unknown): number | Float64Array {
  if (space.kind === 'discrete') {
    let a = action;
    if (a != null && typeof a === 'object' && typeof (a as ArrayLike<number>).length === 'number' && (a as ArrayLike<number>).length === 1) {
      a = (a as ArrayLike<number>)[0];
    }
    if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a >= space.n) {
      throw new Error(`${envId}: invalid action ${fmt(action)}; expected an integer in [0, ${space.n - 1}] (${describeSpace(space)})`);
    }
    return a;
  }
  if (action == null || typeof action === 'string' || typeof (action as ArrayLike<number>).length !== 'number') {
    if (typeof action === 'number' && space.size === 1) return checkAction(envId, space, [action]);
    throw new Error(`${envId}: action must be an array or Float32Array of length ${space.size}, got ${fmt(action)}`);
  }
  const a = action as ArrayLike<number>;
  if (a.length !== space.size) {
    throw new Error(`${envId}: action has length ${a.length}, expected ${space.size} (${describeSpace(space)})`);
  }
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${envId}: action[${i}] is ${fmt(v)}; actions must be finite numbers`);
    }
    out[i] = v;
  }
  return out;
}

function fmt(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (ArrayBuffer.isView(x)) return `[${Array.from(x as unknown as ArrayLike<number>).join(', ')}]`;
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}
