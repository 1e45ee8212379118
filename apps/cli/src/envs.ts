import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as classic from '@mgail/envs-classic';
import { checkEnv, listEnvs as listClassic, make as makeClassic, makeVec as makeClassicVec, register, type Env } from '@mgail/envs-classic';
import type { VectorEnvLike } from '@mgail/baselines-gail-bc';
import { UserError } from './errors.js';

/**
 * What an env module's default export receives: `register` (the same registry `make`, the CLI and
 * the vector envs read) and the building blocks, so a module needs no import of its own.
 */
export const ENV_MODULE_API = {
  register, Box: classic.Box, Discrete: classic.Discrete, Rng: classic.Rng, TimeLimit: classic.TimeLimit,
  checkAction: classic.checkAction, checkEnv: classic.checkEnv, make: classic.make,
};
export type EnvModuleApi = typeof ENV_MODULE_API;

/** Env ids registered by `--env-module` files, with the file that registered each. */
const userIds = new Map<string, string>();
/** Modules already loaded in this process (by resolved path), with the ids each registered. */
const loadedModules = new Map<string, string[]>();
/** User env ids that passed `checkEnv`. */
const checkedIds = new Set<string>();

/**
 * Loads an env module (`--env-module FILE`, resolved from the working directory). The module's
 * default export (or a named `register` export) is called with `ENV_MODULE_API` and registers
 * its envs with `register(id, factory, spec)`; a module that imports `@mgail/envs-classic` and
 * calls `register` at import time works too. Loading the same file twice is a no-op.
 */
export async function loadEnvModule(file: string): Promise<string[]> {
  const abs = path.resolve(process.cwd(), file);
  const done = loadedModules.get(abs);
  if (done) return done;
  if (!fs.existsSync(abs)) throw new UserError(`--env-module ${file}: file not found`, `resolved to ${abs}`);
  const before = new Set(listClassic());
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`--env-module ${file}: importing it failed: ${firstLine(e)}`);
  }
  const fn = typeof mod.default === 'function' ? mod.default : typeof mod.register === 'function' ? mod.register : undefined;
  if (fn) {
    try {
      await (fn as (api: EnvModuleApi) => unknown)(ENV_MODULE_API);
    } catch (e) {
      throw new UserError(`--env-module ${file}: its default export threw: ${firstLine(e)}`);
    }
  }
  const ids = listClassic().filter((id) => !before.has(id));
  if (ids.length === 0) {
    throw new UserError(`--env-module ${file} registered no env`, 'export default function ({ register, Box, Discrete }) { register(id, factory, spec) }');
  }
  for (const id of ids) userIds.set(id, file);
  loadedModules.set(abs, ids);
  return ids;
}

/** Loads every `--env-module` given (the root program's option). */
export async function loadEnvModules(files: readonly string[] | undefined): Promise<void> {
  for (const f of files ?? []) await loadEnvModule(f);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** Runs `checkEnv` on a throwaway instance of a user env the first time the CLI makes it. */
function checkUserEnv(id: string): void {
  const file = userIds.get(id);
  if (file === undefined || checkedIds.has(id)) return;
  let env: Env;
  try {
    env = makeClassic(id);
  } catch (e) {
    throw new UserError(`--env-module ${file}: making ${id} failed: ${firstLine(e)}`);
  }
  const report = checkEnv(env, { steps: 200, seed: 0 });
  try {
    env.close?.();
  } catch {
    // a close() that throws is not worth hiding the check's result behind
  }
  if (!report.ok) {
    throw new UserError(`--env-module ${file}: ${id} fails the env checks: ${report.problems.join(' ')}`, 'see checkEnv in @mgail/envs-classic');
  }
  checkedIds.add(id);
}

type MujocoModule = {
  make(id: string, options?: Record<string, unknown>): Promise<Env>;
  listEnvs(): string[];
  makeVec(id: string, n: number, options?: Record<string, unknown>): Promise<VectorEnvLike>;
  makeParallelVec(id: string, n: number, options?: Record<string, unknown>): Promise<VectorEnvLike>;
  MODULE_URL: string;
};
let mujoco: MujocoModule | null | undefined;

/** The MuJoCo package is loaded on first use: classic-only commands never pay for the WASM module. */
async function loadMujoco(): Promise<MujocoModule | null> {
  if (mujoco === undefined) {
    try {
      mujoco = (await import('@mgail/envs-mujoco-wasm')) as unknown as MujocoModule;
    } catch {
      mujoco = null;
    }
  }
  return mujoco;
}

/**
 * Every env id the CLI can make: the envs-classic registry (classic control, then ids registered
 * by `--env-module` files, which `user` repeats), then MuJoCo.
 */
export async function allEnvIds(): Promise<{ classic: string[]; mujoco: string[]; user: string[] }> {
  const mj = await loadMujoco();
  const all = listClassic();
  return { classic: all, mujoco: mj ? mj.listEnvs() : [], user: all.filter((id) => userIds.has(id)) };
}

function unknownEnv(id: string, ids: { classic: string[]; mujoco: string[]; user: string[] }): UserError {
  return new UserError(`unknown env "${id}"`, `known envs: ${[...ids.classic, ...ids.mujoco].join(', ')}${ids.user.length ? '' : '; load your own with --env-module FILE'}`);
}

/** Makes any env by id, with an error that lists the ids when it is unknown. */
export async function makeEnv(id: string, options?: Record<string, unknown>): Promise<Env> {
  const ids = await allEnvIds();
  if (ids.user.includes(id)) checkUserEnv(id);
  if (ids.classic.includes(id)) return makeClassic(id, options);
  if (ids.mujoco.includes(id)) return (await loadMujoco())!.make(id, options);
  throw unknownEnv(id, ids);
}

/**
 * How an MGAIL unroll worker thread makes the same env (`policyWorkers`): the env package it
 * imports and the arguments of its `make`. Undefined for `--env-module` envs, which live only in
 * this thread's registry.
 */
export async function workerEnvSpec(id: string, options?: Record<string, unknown>): Promise<{ module: string; args: unknown[] } | undefined> {
  const ids = await allEnvIds();
  if (ids.user.includes(id)) return undefined;
  const args = options ? [id, options] : [id];
  if (ids.classic.includes(id)) return { module: classic.MODULE_URL, args };
  if (ids.mujoco.includes(id)) return { module: (await loadMujoco())!.MODULE_URL, args };
  return undefined;
}

/**
 * A vector env in same-step auto-reset mode (what the RL loops expect); MuJoCo envs step in
 * worker threads when `parallel` so both cores run physics. `options` go to every copy
 * (`xmlEnvOptions`' model file).
 */
export async function makeVecEnv(id: string, numEnvs: number, opts: { parallel?: boolean; options?: Record<string, unknown> } = {}): Promise<VectorEnvLike> {
  const ids = await allEnvIds();
  if (ids.user.includes(id)) checkUserEnv(id);
  if (ids.classic.includes(id)) return makeClassicVec(id, numEnvs, { ...opts.options, autoresetMode: 'same-step' }) as unknown as VectorEnvLike;
  if (ids.mujoco.includes(id)) {
    const mj = (await loadMujoco())!;
    const o = { ...opts.options, autoresetMode: 'same-step' };
    try {
      return await (opts.parallel ? mj.makeParallelVec(id, numEnvs, o) : mj.makeVec(id, numEnvs, o));
    } catch (e) {
      // MuJoCo's WASM heap is bounded: too many envs end in "memory access out of bounds", naming nothing
      if (isWasmOutOfMemory(e)) {
        const fit = /created (\d+)/.exec(String((e as Error)?.message))?.[1];
        throw new UserError(`--num-envs ${numEnvs}: MuJoCo ran out of WebAssembly memory making ${numEnvs} ${id} envs${fit ? ` (${fit} fit in its 2 GiB heap)` : ''}`, 'use fewer envs (--num-envs, or numEnvs in the config)');
      }
      throw e;
    }
  }
  throw unknownEnv(id, ids);
}

/** The errors a WASM module gives when its heap is exhausted. */
export function isWasmOutOfMemory(e: unknown): boolean {
  const msg = typeof e === 'object' && e !== null ? String((e as { message?: unknown }).message ?? '') : String(e);
  const name = typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;
  return (name === 'RuntimeError' && /memory access out of bounds|out of memory/i.test(msg))
    || /Cannot enlarge memory|Aborted\(OOM\)|Out of memory|Array buffer allocation failed|cannot allocate MjData/i.test(msg);
}

/**
 * A thrown value as one line (MuJoCo's compiler messages span lines: they are joined): mujoco-js
 * can throw objects (or WASM exception pointers) without a message.
 */
function describeThrown(e: unknown): string {
  const msg = typeof e === 'object' && e !== null ? (e as { message?: unknown }).message : undefined;
  if (typeof msg === 'string' && msg.trim()) return msg.trim().replace(/\s*\n\s*/g, ' ');
  return `MuJoCo could not load it and gave no reason (threw ${typeof e === 'object' ? 'an object' : JSON.stringify(e)})`;
}

/** `--xml` files already checked in this process, by env id and absolute path. */
const checkedXml = new Map<string, Record<string, unknown>>();

/**
 * `--xml FILE`: the env options that load a user's MJCF model into a MuJoCo env id, or undefined
 * without one. The model is compiled once here and must give the env's own observation and action
 * sizes (the env's reward and termination read fixed joints: change masses, sizes, gains or
 * friction, not the joint and actuator structure); each problem is a one-line `UserError`.
 */
export async function xmlEnvOptions(id: string, xml: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (xml === undefined) return undefined;
  const abs = path.resolve(process.cwd(), xml);
  const key = `${id}\0${abs}`;
  const done = checkedXml.get(key);
  if (done) return done;
  const ids = await allEnvIds();
  if (!ids.mujoco.includes(id)) {
    throw new UserError(`--xml needs a MuJoCo env; ${id} is not one`, ids.mujoco.length ? `MuJoCo envs: ${ids.mujoco.join(', ')}` : 'the MuJoCo package could not be loaded');
  }
  if (!fs.existsSync(abs)) throw new UserError(`--xml ${xml}: file not found`, `resolved to ${abs}`);
  if (!fs.statSync(abs).isFile()) throw new UserError(`--xml ${xml}: not a regular file (resolved to ${abs})`, 'pass an MJCF .xml file');
  const mj = (await loadMujoco())!;
  let custom: Env;
  try {
    custom = await mj.make(id, { xmlFile: abs });
  } catch (e) {
    // the env package's message starts with the id and ends with the option; the flag is what the user typed
    const why = describeThrown(e).replace(new RegExp(`^${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), '').replace(/ \(option xmlFile "[^"]*"\)$/, '');
    throw new UserError(`--xml ${xml}: ${why}`);
  }
  const reference = await mj.make(id);
  try {
    const size = (e: Env) => ({ obs: e.observationSpace.size, act: e.actionSpace.kind === 'discrete' ? 1 : (e.actionSpace as { size: number }).size });
    const [got, want] = [size(custom), size(reference)];
    if (got.obs !== want.obs || got.act !== want.act) {
      throw new UserError(
        `--xml ${xml}: ${id} on this model has observations of size ${got.obs} and actions of size ${got.act}; ${id} needs ${want.obs} and ${want.act}`,
        'keep the env\'s joints and actuators; change masses, sizes, gains or friction',
      );
    }
  } finally {
    custom.close();
    reference.close();
  }
  const options = { xmlFile: abs };
  checkedXml.set(key, options);
  return options;
}
