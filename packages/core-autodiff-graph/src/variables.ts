/**
 * Named variables: every module keeps its `tf.Variable`s under unique, path-like names
 * ('policy/l1/kernel') so weights can be saved, loaded and compared by name.
 *
 * tfjs requires variable names to be unique across the whole engine, while the library wants
 * two policies (e.g. a policy and its old copy in TRPO) to carry the same logical names. So the
 * logical name lives in the module's map, and the engine name is the logical name made unique
 * ('policy/l1/kernel', then 'policy/l1/kernel_1', ...).
 */
import { tf } from './backend.js';

/** The array types weights are read and written as. */
export type WeightArray = Float32Array | Float64Array | Int32Array;

/** Row-major values and their shape. */
export interface TensorData {
  data: WeightArray;
  shape: number[];
}

/** Named tensors, as saved in and loaded from a tensor file. */
export type TensorRecord = Record<string, TensorData>;

/** Variables keyed by their logical (path-like) names. */
export type NamedVariables = ReadonlyMap<string, tf.Variable>;

/** Anything that owns named variables: layers, MLPs, policies, discriminators. */
export interface Module {
  readonly name: string;
  /** Variables in a stable order (the order optimizers and flatteners use). */
  readonly variables: tf.Variable[];
  readonly namedVariables: NamedVariables;
  dispose(): void;
}

/** A module, a map or record of named variables, or a plain array (named by `variable.name`). */
export type VariablesLike =
  | Module
  | { readonly namedVariables: NamedVariables }
  | NamedVariables
  | Record<string, tf.Variable>
  | readonly tf.Variable[];

/** Joins name parts with '/', skipping empty ones. */
export function joinName(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

function uniqueEngineName(name: string): string {
  const registered = tf.engine().registeredVariables;
  if (registered[name] === undefined) return name;
  for (let i = 1; ; i++) {
    const candidate = `${name}_${i}`;
    if (registered[candidate] === undefined) return candidate;
  }
}

/** A tf.Variable whose engine name is `name`, made unique if another variable already has it. */
export function createVariable(name: string, initial: tf.Tensor, trainable = true): tf.Variable {
  return tf.variable(initial, trainable, uniqueEngineName(name));
}

/** The named variables of anything variable-holding, as a fresh Map. */
export function toNamedVariables(v: VariablesLike): Map<string, tf.Variable> {
  if (Array.isArray(v)) return new Map((v as readonly tf.Variable[]).map((x) => [x.name, x]));
  if (v instanceof Map) return new Map(v as NamedVariables);
  if (typeof v === 'object' && v !== null && 'namedVariables' in v) {
    return new Map((v as { namedVariables: NamedVariables }).namedVariables);
  }
  return new Map(Object.entries(v as Record<string, tf.Variable>));
}

/**
 * Holds a module's variables under `scope/localName`. Names must be unique within the store;
 * sub-modules are adopted with their full names.
 */
export class VariableStore {
  private readonly map = new Map<string, tf.Variable>();

  constructor(readonly scope: string) {}

  /** Full name of a local name in this store's scope. */
  fullName(localName: string): string {
    return joinName(this.scope, localName);
  }

  /** Creates `scope/localName` from initial values (the tensor is copied; the caller keeps it). */
  add(localName: string, initial: tf.Tensor | TensorData, trainable = true): tf.Variable {
    const name = this.fullName(localName);
    this.assertFree(name);
    const v = tf.tidy(() => {
      const t = initial instanceof tf.Tensor ? initial : tf.tensor(initial.data, initial.shape);
      return createVariable(name, t, trainable);
    });
    this.map.set(name, v);
    return v;
  }

  /** Adds another module's variables under their own (already full) names. */
  adopt(child: VariablesLike): void {
    for (const [name, v] of toNamedVariables(child)) {
      this.assertFree(name);
      this.map.set(name, v);
    }
  }

  get(name: string): tf.Variable {
    const v = this.map.get(name) ?? this.map.get(this.fullName(name));
    if (v === undefined) {
      throw new Error(`${this.scope}: no variable '${name}'; it has ${[...this.map.keys()].join(', ')}`);
    }
    return v;
  }

  get names(): string[] {
    return [...this.map.keys()];
  }

  get variables(): tf.Variable[] {
    return [...this.map.values()];
  }

  get namedVariables(): NamedVariables {
    return this.map;
  }

  dispose(): void {
    for (const v of this.map.values()) if (!v.isDisposed) v.dispose();
    this.map.clear();
  }

  private assertFree(name: string): void {
    if (this.map.has(name)) {
      throw new Error(`${this.scope}: variable name '${name}' is already used; give layers distinct names`);
    }
  }
}

/**
 * A module whose variables all live in one `VariableStore` scoped by its name: the accessors,
 * weight I/O and disposal every layer shares. `kind` names the layer type in errors
 * ('Dense policy/l1: missing weights ...').
 */
export abstract class StoreModule implements Module {
  protected readonly store: VariableStore;

  constructor(
    readonly name: string,
    private readonly kind: string,
  ) {
    this.store = new VariableStore(name);
  }

  get variables(): tf.Variable[] {
    return this.store.variables;
  }

  get namedVariables(): NamedVariables {
    return this.store.namedVariables;
  }

  getWeights(): Record<string, Float32Array> {
    return getWeights(this);
  }

  setWeights(weights: Record<string, Float32Array | TensorData>): void {
    assignFromTensors(this, weights, { source: `${this.kind} ${this.name}` });
  }

  dispose(): void {
    this.store.dispose();
  }
}

function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Copies each variable's values out as named Float32Array + shape (for saving). */
export function moduleToTensors(vars: VariablesLike): TensorRecord {
  const out: TensorRecord = {};
  for (const [name, v] of toNamedVariables(vars)) {
    out[name] = { data: Float32Array.from(v.dataSync() as Float32Array), shape: [...v.shape] };
  }
  return out;
}

/** Values only, by name (a module's `getWeights()`). */
export function getWeights(vars: VariablesLike): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of toNamedVariables(vars)) out[name] = Float32Array.from(v.dataSync() as Float32Array);
  return out;
}

/** How `assignFromTensors` treats tensors no variable takes, and what errors call the source. */
export interface AssignOptions {
  /** Error on tensors in `tensors` that no variable takes (default true). */
  strict?: boolean;
  /** Where the tensors came from, for error messages (e.g. a file path). */
  source?: string;
}

/**
 * Assigns named values to variables. Every variable must get a value; with `strict` (default)
 * every value must be used. A plain array must have the variable's size; TensorData must have
 * its shape. All checks run before any variable changes.
 */
export function assignFromTensors(
  vars: VariablesLike,
  tensors: Record<string, TensorData | WeightArray>,
  opts: AssignOptions = {},
): void {
  const named = toNamedVariables(vars);
  const where = opts.source !== undefined ? `${opts.source}: ` : '';
  const missing = [...named.keys()].filter((n) => !(n in tensors));
  if (missing.length > 0) {
    throw new Error(
      `${where}missing weights for ${missing.join(', ')} (it has ${Object.keys(tensors).join(', ') || 'nothing'})`,
    );
  }
  if (opts.strict ?? true) {
    const extra = Object.keys(tensors).filter((n) => !named.has(n));
    if (extra.length > 0) {
      throw new Error(
        `${where}unexpected weights ${extra.join(', ')} (expected ${[...named.keys()].join(', ')}); ` +
          `pass { strict: false } to ignore them`,
      );
    }
  }
  const plan: [tf.Variable, WeightArray][] = [];
  for (const [name, v] of named) {
    const t = tensors[name];
    const size = v.size;
    if (ArrayBuffer.isView(t)) {
      if (t.length !== size) {
        throw new Error(`${where}${name}: has ${t.length} values, expected ${size} (shape ${shapeStr(v.shape)})`);
      }
      plan.push([v, t]);
    } else {
      const same = t.shape.length === v.shape.length && t.shape.every((d, i) => d === v.shape[i]);
      if (!same) throw new Error(`${where}${name}: shape ${shapeStr(t.shape)}, expected ${shapeStr(v.shape)}`);
      if (t.data.length !== size) {
        throw new Error(`${where}${name}: has ${t.data.length} values for shape ${shapeStr(t.shape)}`);
      }
      plan.push([v, t.data]);
    }
  }
  for (const [v, data] of plan) {
    tf.tidy(() => v.assign(tf.tensor(Float32Array.from(data), v.shape, v.dtype)));
  }
}
