import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '@mgail/envs-classic';
import { ASSETS_DIR } from './assets.js';
import { loadMujoco, type MjData, type MjModel, type Mujoco } from './binding.js';

const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const MODELS = ['hopper.xml', 'walker2d_v5.xml', 'half_cheetah.xml', 'ant.xml', 'humanoid.xml'];

const load = (mj: Mujoco, file: string): MjModel => mj.loadModel(fs.readFileSync(file, 'utf8'), file);

/** Model fields that define the physics, compared value for value. */
const FIELDS = [
  'qpos0',
  'body_mass',
  'body_inertia',
  'body_pos',
  'body_quat',
  'jnt_type',
  'jnt_range',
  'jnt_limited',
  'dof_damping',
  'dof_armature',
  'actuator_gear',
  'actuator_ctrlrange',
  'geom_size',
  'geom_friction',
  'geom_pos',
] as const;

function bitsEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('bundled models equal Gymnasium reference models', () => {
  for (const name of MODELS) {
    it(`${name}: compiled model and a 1000-step rollout are identical`, async () => {
      const mj = await loadMujoco();
      const ours = load(mj, path.join(ASSETS_DIR, name));
      const ref = load(mj, path.join(FIXTURES, name));
      try {
        for (const k of ['nq', 'nv', 'nu', 'na', 'nbody', 'njnt', 'ngeom', 'ntendon'] as const) expect(ours[k], k).toBe(ref[k]);
        expect(mj.timestep(ours)).toBe(mj.timestep(ref));
        for (const f of FIELDS) expect(bitsEqual(ours[f], ref[f]), f).toBe(true);
        // Ours bounds the arena (<size memory>); the reference keeps MuJoCo's default.
        const arena = (m: MjModel) => Number((m as unknown as { narena: bigint }).narena);
        expect(arena(ours)).toBeLessThanOrEqual(4 * 1024 * 1024);
        expect(arena(ours)).toBeLessThan(arena(ref));

        const dOurs = mj.makeData(ours), dRef = mj.makeData(ref);
        try {
          const nu = ours.nu, cr = Float64Array.from(ours.actuator_ctrlrange);
          const rng = new Rng(2024);
          const ctrl = new Float64Array(nu);
          const step = (m: MjModel, d: MjData) => {
            d.ctrl.set(ctrl);
            mj.step(m, d);
          };
          for (let t = 0; t < 1000; t++) {
            // In range, with every 10th step 1.5x beyond (MuJoCo clamps ctrl to ctrlrange).
            for (let i = 0; i < nu; i++) ctrl[i] = (t % 10 === 9 ? 1.5 : 1) * rng.uniform(cr[2 * i], cr[2 * i + 1]);
            step(ours, dOurs);
            step(ref, dRef);
          }
          mj.rnePostConstraint(ours, dOurs);
          mj.rnePostConstraint(ref, dRef);
          expect(dOurs.time).toBe(dRef.time);
          for (const f of ['qpos', 'qvel', 'qacc', 'xpos', 'cfrc_ext', 'qfrc_actuator'] as const) expect(bitsEqual(dOurs[f], dRef[f]), f).toBe(true);
          // The rollout went somewhere (not a resting model).
          expect(bitsEqual(dOurs.qpos, ours.qpos0)).toBe(false);
        } finally {
          dOurs.delete();
          dRef.delete();
        }
      } finally {
        ours.delete();
        ref.delete();
      }
    });
  }

  it('assets carry the license header and LICENSE ships with them', () => {
    expect(fs.readFileSync(path.join(ASSETS_DIR, 'LICENSE'), 'utf8')).toMatch(/MIT License[\s\S]*Farama Foundation/);
    for (const name of MODELS) {
      const xml = fs.readFileSync(path.join(ASSETS_DIR, name), 'utf8');
      expect(xml.startsWith('<!--')).toBe(true);
      expect(xml).toMatch(/OpenAI[\s\S]*Farama Foundation[\s\S]*MIT License/);
    }
  });
});
