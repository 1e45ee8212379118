import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMujoco, MJ_WARNINGS, type MjData } from './binding.js';
import { make } from './registry.js';

describe('binding', () => {
  it('loads the module once per process', async () => {
    const [a, b] = await Promise.all([loadMujoco(), loadMujoco()]);
    expect(a).toBe(b);
    expect(await loadMujoco()).toBe(a);
    expect(a.version).toBe('3.3.8');
  });

  it('reads warning counters through a verified view', async () => {
    const mj = await loadMujoco();
    const m = mj.loadModel('<mujoco><worldbody><body><joint type="slide"/><geom size=".1"/></body></worldbody></mujoco>', 't.xml');
    const d = mj.makeData(m);
    const view = mj.warningView(d);
    expect(view).not.toBeNull();
    d.qvel[0] = NaN;
    mj.step(m, d);
    const slow = mj.warningCounts(d);
    expect(slow[MJ_WARNINGS.indexOf('mjWARN_BADQVEL')]).toBe(1);
    for (let i = 0; i < MJ_WARNINGS.length; i++) expect(view![2 * i + 1]).toBe(slow[i]);
    d.delete();
    m.delete();
  });

  it('envs keep working when the WASM heap grows under them (views re-fetched)', async () => {
    const mj = await loadMujoco();
    const actions = Array.from({ length: 10 }, (_, t) => [Math.sin(t), Math.cos(t), 0.3]);
    const ref = await make('Hopper-v5');
    ref.reset({ seed: 3 });
    const expected = actions.map((a) => ref.step(a).observation);
    ref.close();

    const env = await make('Hopper-v5');
    env.reset({ seed: 3 });
    for (let t = 0; t < 5; t++) expect(env.step(actions[t]).observation).toEqual(expected[t]);

    // The reference humanoid has no <size memory>: each MjData reserves ~14 MB of heap.
    const xml = fs.readFileSync(new URL('./__fixtures__/humanoid.xml', import.meta.url), 'utf8');
    const big = mj.loadModel(xml, 'humanoid.xml');
    const probe = mj.makeData(big);
    const oldView = probe.qpos;
    const extra: MjData[] = [];
    while (!mj.viewsStale(oldView) && extra.length < 64) extra.push(mj.makeData(big));
    expect(mj.viewsStale(oldView)).toBe(true);

    for (let t = 5; t < 10; t++) expect(env.step(actions[t]).observation).toEqual(expected[t]);
    expect(env.getState().qpos.every(Number.isFinite)).toBe(true);
    env.close();
    for (const d of extra) d.delete();
    probe.delete();
    big.delete();
  });
});
