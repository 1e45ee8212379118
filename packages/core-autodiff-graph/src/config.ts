import fs from 'node:fs';

/**
 * Config resolution shared by every trainer: code defaults, then layers (a checked-in per-env
 * file, a user's config file, command-line flags), each checked field by field so an error
 * names the field, the layer it came from and what is accepted. No file format beyond JSON
 * here: callers parse YAML themselves and pass plain objects.
 */

/** What a field accepts. Fields without a rule are checked against their default's type. */
export type FieldRule =
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'number'; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean }
  | { kind: 'boolean' }
  | { kind: 'string' }
  | { kind: 'choice'; choices: readonly string[] }
  /** A list of integers, each >= `min` (default 1): hidden layer widths. */
  | { kind: 'intList'; min?: number }
  /** A plain object, checked by the caller (GAIL's `generatorOverrides`). */
  | { kind: 'object' };

export type ConfigRules<T> = { [K in keyof T]?: FieldRule };

/**
 * Upper bounds of counts, shared by config fields and command-line flags: past them a run would
 * go on for days without a line of output or exhaust memory before its first step, so they are
 * refused up front with the limit named. An integer field without its own `max` gets the bound of
 * its kind (`countLimitOf`).
 */
export const COUNT_LIMITS = {
  /** Episodes of an evaluation or a recording (`evalEpisodes`, `--episodes`, `--trajectories`). */
  episodes: 1_000_000,
  /** Env steps of a whole run (`totalSteps`, `--steps`). */
  steps: 10_000_000_000,
  /** Envs stepped together (`numEnvs`, `--num-envs`). */
  envs: 1024,
  /** Rows held in memory at once: batch, rollout and buffer sizes. */
  rows: 10_000_000,
  /** Widths of a network layer (`hidden`, `modelEncoderDim`). */
  width: 65_536,
  /** Any other count: iterations, epochs, intervals (`checkpointEvery`, `--checkpoint-every`). */
  count: 1_000_000_000,
} as const;

/** Which of `COUNT_LIMITS` bounds the integer config field `field`. */
export function countLimitOf(field: string): keyof typeof COUNT_LIMITS {
  if (field === 'numEnvs') return 'envs';
  if (/Episodes$/.test(field)) return 'episodes';
  if (field === 'totalSteps') return 'steps';
  if (/[bB]atch|bufferSize|^numSteps$|modelHistory|Samples$|Subsample$|FisherStates$/.test(field)) return 'rows';
  if (/Dim$/.test(field)) return 'width';
  return 'count';
}

/** One source of field values, named in errors (`configs/ppo/CartPole-v1.json`, `my.yaml`, `--num-envs`). */
export interface ConfigLayer {
  source: string;
  values: Record<string, unknown>;
}

/** A bad config field; the message is one line naming the field and the source. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Keys that document a config file and are not fields. */
function isComment(k: string): boolean {
  return k.startsWith('$') || k === 'comment';
}

function fmt(v: unknown): string {
  // JSON writes NaN and ±Infinity (YAML's .nan, .inf) as null, which is not what the file says
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function inferRule(d: unknown): FieldRule {
  if (Array.isArray(d)) return { kind: 'intList' };
  if (typeof d === 'number') return { kind: 'number' };
  if (typeof d === 'boolean') return { kind: 'boolean' };
  if (typeof d === 'string') return { kind: 'string' };
  return { kind: 'object' };
}

function intPhrase(min?: number, max?: number): string {
  if (max !== undefined) return `an integer in [${min ?? '-∞'}, ${max}]`;
  if (min === 1) return 'a positive integer';
  if (min === 0) return 'a non-negative integer';
  return min !== undefined ? `an integer >= ${min}` : 'an integer';
}

function numberPhrase(r: Extract<FieldRule, { kind: 'number' }>): string {
  const lo = r.min !== undefined, hi = r.max !== undefined;
  if (lo && hi) return `a number in ${r.minExclusive ? '(' : '['}${r.min}, ${r.max}${r.maxExclusive ? ')' : ']'}`;
  if (lo) return `a number ${r.minExclusive ? '>' : '>='} ${r.min}`;
  if (hi) return `a number ${r.maxExclusive ? '<' : '<='} ${r.max}`;
  return 'a finite number';
}

/** Why `v` breaks `rule` (what it must be), or null when it fits. The type is checked before the range. */
export function checkField(rule: FieldRule, v: unknown): string | null {
  if ((rule.kind === 'int' || rule.kind === 'number') && typeof v !== 'number') return 'a number';
  switch (rule.kind) {
    case 'int': {
      const ok = typeof v === 'number' && Number.isInteger(v) && (rule.min === undefined || v >= rule.min) && (rule.max === undefined || v <= rule.max);
      return ok ? null : intPhrase(rule.min, rule.max);
    }
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return numberPhrase(rule);
      if (rule.min !== undefined && (rule.minExclusive ? v <= rule.min : v < rule.min)) return numberPhrase(rule);
      if (rule.max !== undefined && (rule.maxExclusive ? v >= rule.max : v > rule.max)) return numberPhrase(rule);
      return null;
    }
    case 'boolean':
      return typeof v === 'boolean' ? null : 'true or false';
    case 'string':
      return typeof v === 'string' ? null : 'a string';
    case 'choice':
      return typeof v === 'string' && rule.choices.includes(v) ? null : `one of ${rule.choices.join(', ')}`;
    case 'intList': {
      const min = rule.min ?? 1, max = COUNT_LIMITS.width;
      const ok = Array.isArray(v) && v.length <= 64 && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max);
      return ok ? null : `a list of at most 64 ${min === 1 ? 'positive integers' : `integers >= ${min}`} up to ${max.toLocaleString('en-US')}`;
    }
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? null : 'an object';
  }
}

/** Levenshtein distance, for "did you mean" on unknown fields. */
function distance(a: string, b: string): number {
  const al = a.toLowerCase(), bl = b.toLowerCase();
  let prev = Array.from({ length: bl.length + 1 }, (_, j) => j);
  for (let i = 1; i <= al.length; i++) {
    const cur = [i];
    for (let j = 1; j <= bl.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (al[i - 1] === bl[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[bl.length];
}

function unknownFieldHint(k: string, known: string[]): string {
  let best: string | undefined, bestD = Infinity;
  for (const f of known) {
    const d = distance(k, f);
    if (d < bestD) [best, bestD] = [f, d];
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(k.length / 3))) return `did you mean "${best}"?`;
  return `known: ${known.join(', ')}`;
}

/**
 * `defaults`, then each layer in order. Every value is checked when its layer is applied, so
 * the error names the layer that set it: unknown fields (with a "did you mean"), wrong types
 * and out-of-range values throw a `ConfigError`. Keys starting with `$` (and `comment`) are
 * comments. `undefined` values are skipped (an unset flag).
 */
export function resolveConfigLayers<T extends object>(name: string, defaults: T, layers: readonly ConfigLayer[], rules: ConfigRules<T> = {}): T {
  const d = defaults as Record<string, unknown>;
  const known = Object.keys(d);
  const out: Record<string, unknown> = { ...d };
  for (const { source, values } of layers) {
    if (values === null || typeof values !== 'object' || Array.isArray(values)) {
      throw new ConfigError(`${source}: a ${name} config must be an object of fields, got ${fmt(values)}`);
    }
    for (const [k, v] of Object.entries(values)) {
      if (isComment(k) || v === undefined) continue;
      if (!Object.hasOwn(d, k)) throw new ConfigError(`${source}: unknown ${name} config field "${k}" (${unknownFieldHint(k, known)})`);
      const rule = (rules as Record<string, FieldRule | undefined>)[k] ?? inferRule(d[k]);
      if (rule.kind === 'int' && rule.max === undefined && typeof v === 'number' && Number.isInteger(v)) {
        const max = COUNT_LIMITS[countLimitOf(k)];
        if (v > max) throw new ConfigError(`${source}: ${name} config field "${k}" is ${fmt(v)}, over the limit of ${max.toLocaleString('en-US')}; set at most ${max}`);
      }
      const why = checkField(rule, v);
      if (why) throw new ConfigError(`${source}: ${name} config field "${k}" must be ${why}, got ${fmt(v)}`);
      out[k] = v;
    }
  }
  return out as T;
}

/**
 * The last layer that set `field` to a value `isOn` accepts, or null: what a config of a plain
 * algorithm names when it refuses a part of a variant (a BC warm start in plain GAIL).
 */
export function layerSetting(layers: readonly ConfigLayer[], field: string, isOn: (v: unknown) => boolean): { source: string; value: unknown } | null {
  for (let i = layers.length - 1; i >= 0; i--) {
    const v = layers[i].values?.[field];
    if (v !== undefined) return isOn(v) ? { source: layers[i].source, value: v } : null;
  }
  return null;
}

/** Reads a JSON config file (a checked-in per-env file) with an error that names it. */
export function readJsonConfig(file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file}: not a readable JSON file (${(e as Error).message.split('\n')[0]})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${file}: a config file must hold an object of fields, got ${fmt(v)}`);
  return v as Record<string, unknown>;
}
