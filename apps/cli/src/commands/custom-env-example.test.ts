// examples/custom-env/README.md states what its training commands give (seed 0, the example's
// shipped configs): this runs them as the README does and holds the results to what it says.
// Deterministic (same seed, same backend, same numbers); run time is stated in the README, not
// asserted here.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@mgail/core-autodiff-graph';
import { cli, useTempDir } from '../test-helpers.js';

const example = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples/custom-env');
const mod = ['--env-module', path.join(example, 'point-mass.mjs')];
const demos = path.join(example, 'demos.npz');
const tmp = useTempDir('mgail-cli-custom-env-');

/** BC's return as the README states it (the scripted expert −5.59, random about −65). */
const BC = -4.8;
/** "Near BC" in the README: within this much of BC's return. */
const NEAR_BC = 2;

async function train(algo: string, ...more: string[]): Promise<number> {
  const out = tmp.join(algo);
  const r = await cli('train', ...mod, '--algo', algo, '--env', 'PointMass-v0', '--demos', demos, '--out', out, ...more);
  expect(r.code, r.err).toBe(0);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { eval: { mean: number; episodes: number } };
  expect(summary.eval.episodes).toBe(10);
  return summary.eval.mean;
}

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('examples/custom-env: what its README says each command gives', () => {
  it('BC (the algorithm defaults) scores about the scripted expert', async () => {
    expect(await train('bc')).toBeCloseTo(BC, 1);
  });

  it('GAIL with examples/custom-env/gail.json ends near BC', async () => {
    const gail = await train('gail', '--config', path.join(example, 'gail.json'));
    expect(gail).toBeGreaterThan(BC - NEAR_BC);
  }, 900_000);

  // Not near BC yet (the README says so, with every tuning seed): this holds the command to what
  // the README states for it (−8.29 on seed 0), so a regression shows.
  it('MGAIL with examples/custom-env/mgail.json ends far above random (−8.3; BC −4.8)', async () => {
    const mgail = await train('mgail', '--config', path.join(example, 'mgail.json'));
    expect(mgail).toBeGreaterThan(-9);
  }, 900_000);
});
