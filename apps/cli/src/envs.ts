import { listEnvs as listClassic, make as makeClassic, makeVec as makeClassicVec, type Env } from '@mgail/envs-classic';
import type { VectorEnvLike } from '@mgail/baselines-gail-bc';
import { UserError } from './errors.js';

type MujocoModule = {
  make(id: string, options?: Record<string, unknown>): Promise<Env>;
  listEnvs(): string[];
  makeVec(id: string, n: number, options?: Record<string, unknown>): Promise<VectorEnvLike>;
  makeParallelVec(id: string, n: number, options?: Record<string, unknown>): Promise<VectorEnvLike>;
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

/** Every env id the CLI can make: classic control, then MuJoCo. */
export async function allEnvIds(): Promise<{ classic: string[]; mujoco: string[] }> {
  const mj = await loadMujoco();
  return { classic: listClassic(), mujoco: mj ? mj.listEnvs() : [] };
}

/** Makes any env by id, with an error that lists the ids when it is unknown. */
export async function makeEnv(id: string, options?: Record<string, unknown>): Promise<Env> {
  const ids = await allEnvIds();
  if (ids.classic.includes(id)) return makeClassic(id, options);
  if (ids.mujoco.includes(id)) return (await loadMujoco())!.make(id, options);
  throw new UserError(`unknown env "${id}"`, `known envs: ${[...ids.classic, ...ids.mujoco].join(', ')}`);
}

/**
 * A vector env in same-step auto-reset mode (what the RL loops expect); MuJoCo envs step in
 * worker threads when `parallel` so both cores run physics.
 */
export async function makeVecEnv(id: string, numEnvs: number, opts: { parallel?: boolean } = {}): Promise<VectorEnvLike> {
  const ids = await allEnvIds();
  if (ids.classic.includes(id)) return makeClassicVec(id, numEnvs, { autoresetMode: 'same-step' }) as unknown as VectorEnvLike;
  if (ids.mujoco.includes(id)) {
    const mj = (await loadMujoco())!;
    return opts.parallel ? mj.makeParallelVec(id, numEnvs, { autoresetMode: 'same-step' }) : mj.makeVec(id, numEnvs, { autoresetMode: 'same-step' });
  }
  throw new UserError(`unknown env "${id}"`, `known envs: ${[...ids.classic, ...ids.mujoco].join(', ')}`);
}
