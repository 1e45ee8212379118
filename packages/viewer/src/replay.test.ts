import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readDemos, selectEpisodes, writeDemos } from '@mgail/policies';
import { Replay } from './replay.js';

// The shipped experts (repo root): the viewer's job is to replay exactly these files.
const EXPERTS = fileURLToPath(new URL('../../../experts/', import.meta.url));
const CARTPOLE = path.join(EXPERTS, 'CartPole-v1', 'demos.npz');
const HOPPER = path.join(EXPERTS, 'Hopper-v5');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-viewer-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('Replay from demos', () => {
  it('reads a classic-control demos file: every episode, every state including the last', async () => {
    const replay = await Replay.load(CARTPOLE, { episode: 2 });
    const demos = readDemos(CARTPOLE);
    expect(replay.info).toMatchObject({ envId: 'CartPole-v1', kind: 'classic', origin: 'demos', initialEpisode: 2, fps: 50, obsDim: 4, discrete: true });
    expect(replay.info.episodes.map((e) => e.return)).toEqual(demos.metadata.returns.map((r) => expect.closeTo(r, 4)));
    const ep = await replay.episode(1);
    const [start, len] = [demos.episodeStarts[1], demos.episodeLengths[1]];
    expect(ep.length).toBe(len);
    expect(ep.observations).toHaveLength(len + 1);
    expect(ep.observations[0]).toEqual(Array.from(demos.observations.subarray(start * 4, start * 4 + 4)));
    // the final frame is the observation after the last action
    const last = start + len - 1;
    expect(ep.observations[len]).toEqual(Array.from(demos.nextObservations.subarray(last * 4, last * 4 + 4)));
    expect(ep.actions[0]).toEqual([demos.actions[start]]);
    expect(ep.rewards).toHaveLength(len);
    expect(ep.qpos).toBeUndefined();
    expect(ep.terms).toBeUndefined();
  });

  it('re-simulates MuJoCo episodes: reward terms sum to the recorded reward, qpos of every frame', async () => {
    const replay = await Replay.load(HOPPER);
    expect(replay.info).toMatchObject({ envId: 'Hopper-v5', kind: 'mujoco', nq: 6, nv: 6, fps: 125 });
    expect(replay.info.source).toBe(path.join(HOPPER, 'demos.npz'));
    const ep = await replay.episode(0);
    const n = ep.length;
    expect(ep.qpos).toHaveLength(n + 1);
    expect(Object.keys(ep.terms!).sort()).toEqual(['reward_ctrl', 'reward_forward', 'reward_survive']);
    expect(Object.keys(ep.info!)).toContain('x_velocity');
    for (let t = 0; t < n; t++) {
      const sum = ep.terms!.reward_forward[t] + ep.terms!.reward_ctrl[t] + ep.terms!.reward_survive[t];
      // the file stores rewards as float32
      expect(Math.abs(sum - ep.rewards[t])).toBeLessThan(1e-4 * Math.max(1, Math.abs(ep.rewards[t])));
    }
    expect(ep.resimRewardError!).toBeLessThan(1e-4);
    // Hopper's observation starts with qpos[1:], so the re-simulated states must match the recorded observations
    for (const f of [0, 1, Math.floor(n / 2), n]) {
      const q = ep.qpos![f].slice(1);
      ep.observations[f].slice(0, 5).forEach((o, j) => expect(o).toBeCloseTo(q[j], 5));
    }
    await expect(replay.modelXml()).resolves.toContain('<mujoco model="hopper">');
  });

  it('names the problem for bad input', async () => {
    await expect(Replay.load(path.join(tmp, 'nope.npz'))).rejects.toThrow(/nope\.npz not found; pass a demos \.npz, an expert folder or a run folder/);
    await expect(Replay.load(tmp)).rejects.toThrow(/holds neither demos\.npz nor a policy checkpoint/);
    await expect(Replay.load(CARTPOLE, { episode: 10 })).rejects.toThrow(/--episode 10 is out of range: .* holds 10 episodes \(0 to 9\)/);
    const replay = await Replay.load(CARTPOLE);
    await expect(replay.episode(-1)).rejects.toThrow(/episode -1 is out of range \(0 to 9\)/);
    const bad = path.join(tmp, 'bad.npz');
    fs.writeFileSync(bad, 'not a zip');
    await expect(Replay.load(bad)).rejects.toThrow(/bad\.npz/);
    // MuJoCo episodes without the simulator state cannot be drawn in 3D
    const noState = path.join(tmp, 'hopper-no-qpos.npz');
    writeDemos(noState, { ...selectEpisodes(readDemos(path.join(HOPPER, 'demos.npz')), 1), qpos: undefined, qvel: undefined, nq: undefined, nv: undefined });
    await expect(Replay.load(noState)).rejects.toThrow(/hopper-no-qpos\.npz holds Hopper-v5 episodes without qpos\/qvel, which the 3D view needs/);
  });

  it('replays an env it has no drawing for (a user env) as observation bars', async () => {
    const replay = await Replay.load(fileURLToPath(new URL('../../../examples/custom-env/demos.npz', import.meta.url)));
    expect(replay.info).toMatchObject({ envId: 'PointMass-v0', kind: 'generic', fps: 30, obsDim: 4 });
    const ep = await replay.episode(0);
    expect(ep.observations).toHaveLength(ep.length + 1);
  });
});

describe('Replay with --xml', () => {
  it('draws and re-simulates on the given model instead of the bundled one', async () => {
    const bundled = fs.readFileSync(fileURLToPath(new URL('../../envs-mujoco-wasm/assets/hopper.xml', import.meta.url)), 'utf8');
    // a blue torso: the same physics, another look
    const xml = path.join(tmp, 'blue-hopper.xml');
    fs.writeFileSync(xml, bundled.replace('name="torso_geom"', 'name="torso_geom" rgba="0 0 1 1"'));
    const replay = await Replay.load(HOPPER, { xml });
    expect(await replay.modelXml()).toContain('rgba="0 0 1 1"');
    const ep = await replay.episode(0);
    expect(ep.resimRewardError!).toBeLessThan(1e-4);
    await expect(Replay.load(CARTPOLE, { xml })).rejects.toThrow(/--xml needs a MuJoCo env; .*demos\.npz holds CartPole-v1 episodes/);
    await expect(Replay.load(HOPPER, { xml: path.join(tmp, 'none.xml') })).rejects.toThrow(/--xml .*none\.xml: file not found/);
  });
});

describe('Replay from a checkpoint', () => {
  it('rolls out episodes with the policy when a folder holds a checkpoint and no demos', async () => {
    const run = path.join(tmp, 'run');
    fs.mkdirSync(run);
    fs.copyFileSync(path.join(EXPERTS, 'CartPole-v1', 'policy.ckpt'), path.join(run, 'policy.ckpt'));
    const replay = await Replay.load(run, { rollouts: 2, seed: 3 });
    expect(replay.info).toMatchObject({ envId: 'CartPole-v1', origin: 'rollout', source: path.join(run, 'policy.ckpt') });
    expect(replay.info.episodes).toHaveLength(2);
    // the shipped expert balances for the whole 500 steps (README: 500 ± 0)
    expect(replay.info.episodes.map((e) => e.return)).toEqual([500, 500]);
    const ep = await replay.episode(1);
    expect(ep.observations).toHaveLength(501);
    // deterministic: the same seed rolls out the same episodes
    const again = await Replay.load(run, { rollouts: 2, seed: 3 });
    expect((await again.episode(1)).observations).toEqual(ep.observations);
  });
});
