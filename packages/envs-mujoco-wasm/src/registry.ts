import type { EnvSpec } from '@mgail/envs-classic';
import { antDefinition, type AntEnv, type AntOptions } from './ant.js';
import { halfCheetahDefinition, type HalfCheetahEnv, type HalfCheetahOptions } from './half-cheetah.js';
import { hopperDefinition, type HopperEnv, type HopperOptions } from './hopper.js';
import { humanoidDefinition, type HumanoidEnv, type HumanoidOptions } from './humanoid.js';
import { SharedModel, type EnvDefinition, type MujocoEnv } from './mujoco-env.js';
import { parseOptions } from './options.js';
import { walker2dDefinition, type Walker2dEnv, type Walker2dOptions } from './walker2d.js';

/** The built-in ids, Gymnasium's v5 MuJoCo locomotion envs. */
export const MUJOCO_ENV_IDS = ['Hopper-v5', 'Walker2d-v5', 'HalfCheetah-v5', 'Ant-v5', 'Humanoid-v5'] as const;
/** The id of a built-in MuJoCo env (`Hopper-v5`, ..., `Humanoid-v5`). */
export type MujocoEnvId = (typeof MUJOCO_ENV_IDS)[number];

/** Options of each built-in id. */
export interface MujocoEnvOptionsMap {
  'Hopper-v5': HopperOptions;
  'Walker2d-v5': Walker2dOptions;
  'HalfCheetah-v5': HalfCheetahOptions;
  'Ant-v5': AntOptions;
  'Humanoid-v5': HumanoidOptions;
}
/** Env class of each built-in id. */
export interface MujocoEnvMap {
  'Hopper-v5': HopperEnv;
  'Walker2d-v5': Walker2dEnv;
  'HalfCheetah-v5': HalfCheetahEnv;
  'Ant-v5': AntEnv;
  'Humanoid-v5': HumanoidEnv;
}

/** Builds an env from `make`'s options (async: the WASM module may still be loading). */
export type MujocoEnvFactory = (options: Record<string, unknown>) => Promise<MujocoEnv> | MujocoEnv;

/** A registered MuJoCo env: its id, the factory `make` calls, its spec, and for built-ins how to rebuild it. */
export interface MujocoRegistryEntry {
  readonly id: string;
  readonly factory: MujocoEnvFactory;
  readonly spec: EnvSpec;
  /** Set for the built-in ids: what vector envs use to share one model and to rebuild envs in workers. */
  readonly definition?: EnvDefinition;
}

const DEFINITIONS: Record<MujocoEnvId, EnvDefinition> = {
  'Hopper-v5': hopperDefinition,
  'Walker2d-v5': walker2dDefinition,
  'HalfCheetah-v5': halfCheetahDefinition,
  'Ant-v5': antDefinition,
  'Humanoid-v5': humanoidDefinition,
};

const entries = new Map<string, MujocoRegistryEntry>();

/** Every registered MuJoCo env, by id (this package's own registry, like envs-classic's). */
export const mujocoRegistry: ReadonlyMap<string, MujocoRegistryEntry> = entries;

/**
 * Registers an id for `make` (envs-classic's `register`, with an async factory). The factory
 * receives `make`'s options and must honour `maxEpisodeSteps`. Re-registering an id is an error
 * unless `{ override: true }`.
 */
export function register(id: string, factory: MujocoEnvFactory, spec: Omit<EnvSpec, 'id'> & { id?: string }, opts: { override?: boolean } = {}): void {
  if (typeof id !== 'string' || id.length === 0) throw new Error(`register: id must be a non-empty string, got ${JSON.stringify(id)}`);
  if (typeof factory !== 'function') throw new Error(`register(${id}): factory must be a function returning an env (or a Promise of one)`);
  if (spec.id !== undefined && spec.id !== id) throw new Error(`register(${id}): spec.id is "${spec.id}"; it must match the id`);
  if (!Number.isInteger(spec.maxEpisodeSteps) || spec.maxEpisodeSteps <= 0) {
    throw new Error(`register(${id}): spec.maxEpisodeSteps must be a positive integer, got ${spec.maxEpisodeSteps}`);
  }
  if (entries.has(id) && !opts.override) throw new Error(`register(${id}): "${id}" is already registered; pass { override: true } to replace it`);
  entries.set(id, { id, factory, spec: { ...spec, id } });
}

/** The registered ids, built-ins first. */
export function listEnvs(): string[] {
  return [...entries.keys()];
}

function entryOf(id: string): MujocoRegistryEntry {
  const e = entries.get(id);
  if (!e) throw new Error(`unknown MuJoCo env id ${JSON.stringify(id)}; registered ids: ${listEnvs().join(', ')}`);
  return e;
}

/**
 * Makes a MuJoCo env (Gymnasium's `gymnasium.make("Hopper-v5", **kwargs)`), TimeLimit
 * included. Async because the WASM module loads on first use; `reset` and `step` are
 * synchronous. Options are the env's keyword arguments in camelCase plus `maxEpisodeSteps`.
 */
export function make<K extends MujocoEnvId>(id: K, options?: MujocoEnvOptionsMap[K]): Promise<MujocoEnvMap[K]>;
export function make(id: string, options?: Record<string, unknown>): Promise<MujocoEnv>;
export async function make(id: string, options: object = {}): Promise<MujocoEnv> {
  const entry = entryOf(id);
  if (options == null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${id}: make options must be an object, got ${JSON.stringify(options)}`);
  }
  return entry.factory({ ...options });
}

/** Options parsed against a built-in definition (defaults filled in). */
export interface ResolvedEnv {
  definition: EnvDefinition;
  parsed: Record<string, unknown>;
  kwargs: Record<string, unknown>;
}

/** @internal Looks up a built-in (or built-in-backed) id and checks its options. */
export function resolveDefinition(id: string, options: object = {}): ResolvedEnv {
  const entry = entryOf(id);
  if (!entry.definition) {
    throw new Error(`${id} was registered with a custom factory; vector envs that share one model or run in workers need a built-in id (${MUJOCO_ENV_IDS.join(', ')})`);
  }
  const def = entry.definition;
  const parsed = parseOptions<Record<string, unknown>>(id, def.schema, options, def.removed);
  return { definition: def, parsed, kwargs: { ...options } };
}

/** @internal Builds one env on `shared`, freeing the model if the constructor throws. */
export function construct(r: ResolvedEnv, shared: SharedModel): MujocoEnv {
  try {
    return r.definition.construct(shared, r.parsed, r.kwargs);
  } catch (e) {
    shared.disposeIfUnused();
    throw e;
  }
}

for (const id of MUJOCO_ENV_IDS) {
  const definition = DEFINITIONS[id];
  const defaults = Object.fromEntries(Object.entries(definition.schema).map(([k, s]) => [k, s.default]));
  const spec: EnvSpec = { id, maxEpisodeSteps: 1000, entryPoint: '@mgail/envs-mujoco-wasm', kwargs: defaults };
  if (definition.rewardThreshold !== undefined) spec.rewardThreshold = definition.rewardThreshold;
  const factory: MujocoEnvFactory = async (options) => {
    const r = resolveDefinition(id, options);
    const shared = await SharedModel.load(id, r.parsed.xmlFile as string);
    return construct(r, shared);
  };
  entries.set(id, { id, factory, spec, definition });
}
