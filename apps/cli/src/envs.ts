import { listEnvs as listClassic, make as makeClassic, type Env } from '@mgail/envs-classic';
import { UserError } from './errors.js';

type MujocoModule = { make(id: string, options?: Record<string, unknown>): Promise<Env>; listEnvs(): string[] };
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
