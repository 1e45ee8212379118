import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@mgail/core-autodiff-graph';
import { readDemos } from '@mgail/policies';
import { cli, useTempDir } from '../test-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../../../..');
const HOPPER_XML = path.join(REPO, 'packages/envs-mujoco-wasm/assets/hopper.xml');
const HOPPER_DEMOS = path.join(REPO, 'experts/Hopper-v5/demos.npz');

const tmp = useTempDir('mgail-cli-xml-');
let heavy: string;
beforeAll(async () => {
  await initBackend({ quiet: true });
  const xml = fs.readFileSync(HOPPER_XML, 'utf8');
  // the user's robot: Hopper with a 10 kg torso (the bundled capsule weighs about 3.7 kg)
  expect(xml).toContain('name="torso_geom"');
  heavy = tmp.write('heavy-hopper.xml', xml.replace('name="torso_geom"', 'name="torso_geom" mass="10"'));
});

describe('--xml on MuJoCo envs', () => {
  it('rolls out on the user\'s model: same seed, different physics', async () => {
    const base = await cli('rollout', '--env', 'Hopper-v5', '--episodes', '2', '--seed', '0', '--json');
    const mod = await cli('rollout', '--env', 'Hopper-v5', '--episodes', '2', '--seed', '0', '--json', '--xml', heavy);
    expect(base.code, base.err).toBe(0);
    expect(mod.code, mod.err).toBe(0);
    const [b, m] = [JSON.parse(base.out), JSON.parse(mod.out)];
    expect(m.xml).toBe(heavy);
    expect(m.returns).toHaveLength(2);
    expect(m.returns).not.toEqual(b.returns);
    // and it is deterministic on that model
    expect(JSON.parse((await cli('rollout', '--env', 'Hopper-v5', '--episodes', '2', '--seed', '0', '--json', '--xml', heavy)).out).returns).toEqual(m.returns);
  });

  it('trains BC for a few epochs on a modified Hopper, then evaluates and collects on it', async () => {
    const out = tmp.join('bc-heavy');
    const cfg = tmp.write('bc.yaml', 'maxEpochs: 2\nhidden: [32]\n');
    const t = await cli('train', '--algo', 'bc', '--env', 'Hopper-v5', '--demos', HOPPER_DEMOS, '--trajectories', '1', '--xml', heavy, '--config', cfg, '--out', out, '--eval-episodes', '1');
    expect(t.code, t.err).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config.xml).toBe(heavy);
    expect(config.config.maxEpochs).toBe(2);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.xml).toBe(heavy);
    expect(summary.epochs).toBeLessThanOrEqual(2);

    // the final evaluation ran on the heavy model: eval --xml with its seed (10000 + run seed 0) reproduces it
    const ev = await cli('eval', '--env', 'Hopper-v5', '--policy', out, '--episodes', '1', '--seed', '10000', '--json', '--xml', heavy);
    expect(ev.code, ev.err).toBe(0);
    const r = JSON.parse(ev.out);
    expect(r.returns).toEqual(summary.eval.returns);
    expect(r.source.xml).toBe(heavy);
    const plain = JSON.parse((await cli('eval', '--env', 'Hopper-v5', '--policy', out, '--episodes', '1', '--seed', '10000', '--json')).out);
    expect(plain.returns).not.toEqual(summary.eval.returns);

    const file = tmp.join('heavy-demos.npz');
    const c = await cli('collect', '--env', 'Hopper-v5', '--policy', out, '--episodes', '1', '--seed', '10000', '--out', file, '--xml', heavy);
    expect(c.code, c.err).toBe(0);
    const d = readDemos(file);
    expect(d.episodeStarts).toHaveLength(1);
    // the same episode as the evaluation's: collected on the heavy model too
    expect(d.metadata.meanReturn).toBeCloseTo(r.mean, 6);
  });

  it('gives one-line errors for a bad model, one that does not fit the env, or a non-MuJoCo env', async () => {
    const xml = fs.readFileSync(HOPPER_XML, 'utf8');
    const cases: [string[], RegExp][] = [
      [['rollout', '--env', 'Hopper-v5', '--xml', tmp.write('truncated.xml', '<mujoco><worldbody>')], /^mgail: error: --xml .*truncated\.xml: invalid MuJoCo XML .*truncated\.xml: .*XML parse error/],
      [['rollout', '--env', 'Hopper-v5', '--xml', tmp.write('bad-size.xml', xml.replace('size="0.05 0.19999999999999996"', 'size="abc"'))], /^mgail: error: --xml .*bad-size\.xml: invalid MuJoCo XML .*bad format in attribute 'size'/],
      [
        ['rollout', '--env', 'Hopper-v5', '--xml', tmp.write('four-motors.xml', xml.replace('</actuator>', '  <motor ctrlrange="-1 1" gear="50" joint="thigh_joint"/>\n  </actuator>'))],
        /^mgail: error: --xml .*four-motors\.xml: Hopper-v5 on this model has observations of size 11 and actions of size 4; Hopper-v5 needs 11 and 3 \(keep the env's joints and actuators; change masses, sizes, gains or friction\)$/,
      ],
      [['rollout', '--env', 'CartPole-v1', '--xml', heavy], /^mgail: error: --xml needs a MuJoCo env; CartPole-v1 is not one \(MuJoCo envs: Hopper-v5, /],
      [['rollout', '--env', 'Hopper-v5', '--xml', tmp.join('nope.xml')], /^mgail: error: --xml .*nope\.xml: file not found/],
      [['eval', '--env', 'Hopper-v5', '--policy', path.join(REPO, 'experts/Hopper-v5'), '--xml', tmp.join('truncated.xml')], /^mgail: error: --xml .*truncated\.xml: invalid MuJoCo XML/],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err.split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err).toMatch(re);
    }
  });
});
