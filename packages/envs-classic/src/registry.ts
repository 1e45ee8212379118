import { AcrobotEnv } from './acrobot.js';
import { CartPoleEnv } from './cartpole.js';
import { MountainCarContinuousEnv } from './continuous-mountain-car.js';
import { MountainCarEnv } from './mountain-car.js';
import { PendulumEnv } from './pendulum.js';
import type { Env, EnvSpec } from './types.js';

/**
 * Builds an env from the options given to `make`, `maxEpisodeSteps` and `renderMode` included,
 * so the env applies its own time limit.
 */
export type EnvFactory = (options: Record<string, unknown>) => Env;

/** A registered env: its id, the factory `make` calls, and its spec. */
export interface RegistryEntry {
  readonly id: string;
  readonly factory: EnvFactory;
  readonly spec: EnvSpec;
}

const entries = new Map<string, RegistryEntry>();

/** Every registered env, by id (Gymnasium's `gymnasium.registry`). Register with `register`. */
export const registry: ReadonlyMap<string, RegistryEntry> = entries;

/**
 * Registers an env id so `make(id)` can build it. `spec.maxEpisodeSteps` is the default time
 * limit and `spec.kwargs` the env's keyword arguments with their defaults (`make` rejects other
 * options when it is given). The factory receives `make`'s options and must apply
 * `maxEpisodeSteps ?? spec.maxEpisodeSteps` itself (wrap an env without one in `TimeLimit`). Re-registering an id is an error unless
 * `{ override: true }`.
 */
export function register(id: string, factory: EnvFactory, spec: Omit<EnvSpec, 'id'> & { id?: string }, opts: { override?: boolean } = {}): void {
  if (typeof id !== 'string' || id.length === 0) throw new Error(`register: id must be a non-empty string, got ${JSON.stringify(id)}`);
  if (typeof factory !== 'function') throw new Error(`register(${id}): factory must be a function returning an env`);
  if (spec === null || typeof spec !== 'object') throw new Error(`register(${id}): spec must be an object such as { maxEpisodeSteps: 500 }, got ${String(spec)}`);
  if (spec.id !== undefined && spec.id !== id) throw new Error(`register(${id}): spec.id is "${spec.id}"; it must match the id`);
  if (!Number.isInteger(spec.maxEpisodeSteps) || spec.maxEpisodeSteps <= 0) {
    throw new Error(`register(${id}): spec.maxEpisodeSteps must be a positive integer, got ${spec.maxEpisodeSteps}`);
  }
  if (entries.has(id) && !opts.override) {
    throw new Error(`register(${id}): "${id}" is already registered; pass { override: true } to replace it`);
  }
  entries.set(id, { id, factory, spec: { ...spec, id } });
}

/** The registered env ids, in registration order. */
export function listEnvs(): string[] {
  return [...entries.keys()];
}

/**
 * Makes a registered env (Gymnasium's `gymnasium.make`), with the time limit built in.
 * Options: `maxEpisodeSteps`, `renderMode` (ignored) and the env's own keyword arguments
 * (CartPole `suttonBartoReward`, Pendulum `g`, MountainCar `goalVelocity`, ...); unknown
 * options are errors.
 */
export function make(id: string, options: Record<string, unknown> = {}): Env {
  const entry = entries.get(id);
  if (!entry) {
    throw new Error(`unknown env id "${id}"; registered ids: ${listEnvs().join(', ')}`);
  }
  if (options == null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${id}: make options must be an object, got ${JSON.stringify(options)}`);
  }
  if (entry.spec.kwargs) {
    // Envs registered with their keyword arguments get their options checked here.
    const valid = ['maxEpisodeSteps', 'renderMode', ...Object.keys(entry.spec.kwargs)];
    for (const k of Object.keys(options)) {
      if (!valid.includes(k)) throw new Error(`${id}: unknown option "${k}"; valid options: ${valid.join(', ')}`);
    }
  }
  return entry.factory({ ...options });
}

function registerBuiltin(id: string, factory: EnvFactory): void {
  // The spec comes from a default instance, so the registry and the envs cannot disagree.
  const spec = factory({}).spec;
  register(id, factory, spec);
}

registerBuiltin(CartPoleEnv.id, (o) => new CartPoleEnv(o));
registerBuiltin(MountainCarEnv.id, (o) => new MountainCarEnv(o));
registerBuiltin(MountainCarContinuousEnv.id, (o) => new MountainCarContinuousEnv(o));
registerBuiltin(PendulumEnv.id, (o) => new PendulumEnv(o));
registerBuiltin(AcrobotEnv.id, (o) => new AcrobotEnv(o));
