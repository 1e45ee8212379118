/** Option parsing shared by the envs: camelCase keyword arguments with Gymnasium's defaults. */

export type OptionKind = 'number' | 'positiveInt' | 'boolean' | 'range' | 'string' | 'intOrString' | 'renderMode';

export type OptionSchema = Record<string, { kind: OptionKind; default: unknown; gymnasium: string }>;

/**
 * Merges `options` over the schema's defaults. Unknown keys and wrongly typed values throw an
 * error that names the env, the option and what is accepted (a typo must not silently fall back
 * to a default).
 */
export function parseOptions<T>(envId: string, schema: OptionSchema, options: object | undefined, removed: Readonly<Record<string, string>> = {}): T {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema)) out[k] = s.default;
  if (options == null) return out as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${envId}: options must be an object, got ${JSON.stringify(options)}`);
  }
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    const s = schema[k];
    if (!s && Object.hasOwn(removed, k)) throw new Error(`${envId}: ${removed[k]}`);
    if (!s) {
      const hint = k.includes('_') ? ` (options are camelCase: ${snakeToCamel(k)})` : '';
      throw new Error(`${envId}: unknown option ${JSON.stringify(k)}${hint}; valid options: ${Object.keys(schema).join(', ')}`);
    }
    out[k] = check(envId, k, s.kind, v);
  }
  return out as T;
}

function check(envId: string, key: string, kind: OptionKind, v: unknown): unknown {
  const bad = (what: string): never => {
    throw new Error(`${envId}: option ${key} must be ${what}, got ${fmt(v)}`);
  };
  switch (kind) {
    case 'number':
      if (typeof v !== 'number' || Number.isNaN(v)) bad('a number');
      return v;
    case 'positiveInt':
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) bad('a positive integer');
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') bad('true or false');
      return v;
    case 'string':
      if (typeof v !== 'string' || v.length === 0) bad('a non-empty string');
      return v;
    case 'renderMode':
      // Accepted for Gymnasium compatibility (as envs-classic does); these envs do not render.
      if (v !== null && typeof v !== 'string') bad('a string or null');
      return v;
    case 'intOrString':
      if (!(typeof v === 'string' && v.length > 0) && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) bad('a body id or body name');
      return v;
    case 'range': {
      const a = v as ArrayLike<number>;
      if (a == null || typeof a !== 'object' || a.length !== 2 || typeof a[0] !== 'number' || typeof a[1] !== 'number' || Number.isNaN(a[0]) || Number.isNaN(a[1])) {
        bad('a pair [min, max] of numbers (Infinity allowed)');
      }
      if (!(a[0] <= a[1])) bad('a pair [min, max] with min <= max');
      return [a[0], a[1]] as const;
    }
  }
}

function snakeToCamel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function fmt(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Schema entries every MuJoCo env has (mujoco_env.py arguments, TimeLimit, renderMode). */
export function commonSchema(xmlFile: string, frameSkip: number, resetNoiseScale: number): OptionSchema {
  return {
    xmlFile: { kind: 'string', default: xmlFile, gymnasium: 'xml_file' },
    frameSkip: { kind: 'positiveInt', default: frameSkip, gymnasium: 'frame_skip' },
    resetNoiseScale: { kind: 'number', default: resetNoiseScale, gymnasium: 'reset_noise_scale' },
    excludeCurrentPositionsFromObservation: { kind: 'boolean', default: true, gymnasium: 'exclude_current_positions_from_observation' },
    maxEpisodeSteps: { kind: 'positiveInt', default: 1000, gymnasium: 'max_episode_steps' },
    renderMode: { kind: 'renderMode', default: null, gymnasium: 'render_mode' },
  };
}

export const num = (d: number, gymnasium: string) => ({ kind: 'number' as const, default: d, gymnasium });
export const bool = (d: boolean, gymnasium: string) => ({ kind: 'boolean' as const, default: d, gymnasium });
export const range = (lo: number, hi: number, gymnasium: string) => ({ kind: 'range' as const, default: [lo, hi] as const, gymnasium });
