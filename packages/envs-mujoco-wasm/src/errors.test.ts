import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMujoco, MujocoXmlError, setMujocoLogger } from './binding.js';
import { make } from './registry.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-mujoco-errors-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('bad actions are rejected before they reach MuJoCo', () => {
  it('wrong length, NaN, Infinity, non-numbers', async () => {
    const env = await make('Hopper-v5');
    env.reset({ seed: 0 });
    const before = env.getState();
    expect(() => env.step([0, 0])).toThrow('Hopper-v5: action has length 2, expected 3 (Box(3,))');
    expect(() => env.step([0, NaN, 0])).toThrow('Hopper-v5: action[1] is NaN; actions must be finite numbers');
    expect(() => env.step(Float32Array.of(0, 0, Infinity))).toThrow('Hopper-v5: action[2] is Infinity; actions must be finite numbers');
    expect(() => env.step([0, '1', 0] as unknown as number[])).toThrow(/action\[1\] is "1"/);
    expect(() => env.step(null as unknown as number[])).toThrow(/action must be an array or Float32Array of length 3/);
    // Nothing was stepped.
    expect(env.getState()).toEqual(before);
    expect(env.elapsed).toBe(0);
    env.close();
  });

  it('step before reset', async () => {
    const env = await make('Hopper-v5');
    expect(() => env.step([0, 0, 0])).toThrow('Hopper-v5: step() called before reset(); call env.reset() first');
    env.close();
  });

  it('bad seeds', async () => {
    const env = await make('Hopper-v5');
    expect(() => env.reset({ seed: -1 })).toThrow(/seed must be a non-negative integer/);
    expect(() => env.reset({ seed: 1.5 })).toThrow(/seed must be a non-negative integer/);
    env.close();
  });
});

describe('make', () => {
  it('unknown id lists the registered ids', async () => {
    await expect(make('Hopper-v4')).rejects.toThrow('unknown MuJoCo env id "Hopper-v4"; registered ids: Hopper-v5, Walker2d-v5, HalfCheetah-v5, Ant-v5, Humanoid-v5');
  });
});

describe('a diverging simulation is reported and ends the episode', () => {
  it.each([
    ['HalfCheetah-v5', 1e9],
    ['Hopper-v5', 1e8],
    ['Ant-v5', 1e9],
  ] as const)('%s with a joint velocity of %s', async (id, v) => {
    const lines: string[] = [];
    setMujocoLogger((l) => lines.push(l));
    const env = await make(id);
    env.reset({ seed: 0 });
    const { qpos, qvel } = env.getState();
    qvel[3] = v;
    env.setState(qpos, qvel);
    const s = env.step(new Float32Array(env.nu).fill(0.5));
    setMujocoLogger(null);
    expect(s.terminated).toBe(true);
    expect(s.info.diverged).toBe(true);
    expect(s.info.warning).toBe('mjWARN_BADQACC');
    expect(s.reward).toBe(0);
    expect(s.info.reward_forward).toBe(0);
    expect(s.observation.every(Number.isFinite)).toBe(true);
    expect(lines.join('\n')).toMatch(/Nan, Inf or huge value in QACC/);
    // A reset recovers: the next steps are clean.
    env.reset({ seed: 0 });
    const t = env.step(new Float32Array(env.nu));
    expect(t.info.diverged).toBeUndefined();
    expect(t.info.warning).toBeUndefined();
    env.close();
  });

  it('stepping on after a divergence reports it again when it recurs', async () => {
    const env = await make('HalfCheetah-v5');
    env.reset({ seed: 0 });
    for (let k = 0; k < 2; k++) {
      const { qpos, qvel } = env.getState();
      qvel[4] = 1e9;
      env.setState(qpos, qvel);
      expect(env.step(new Float32Array(6)).info.warning).toBe('mjWARN_BADQACC');
    }
    env.close();
  });
});

// After MuJoCo rejects a model at compile time (mjCError), mujoco-js 0.0.7 leaves its warning
// callback pointing at the compiler's, so MuJoCo's warning *text* stops reaching the logger (the
// warnings themselves are still detected): these tests run after the divergence tests.
describe('invalid xmlFile', () => {
  const write = (name: string, text: string) => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('a schema error names the file and carries MuJoCo message', async () => {
    const p = write('bad-attr.xml', '<mujoco><worldbody><body><joint type="hinge"/><geom type="sphere" size="abc"/></body></worldbody><actuator><motor joint="j"/></actuator></mujoco>');
    const err = await make('Hopper-v5', { xmlFile: p }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(`Hopper-v5: invalid MuJoCo XML ${p}`);
    expect(err.message).toMatch(/bad format in attribute 'size'/);
    expect(err.message).toMatch(/line 1/);
    expect(err.cause).toBeInstanceOf(MujocoXmlError);
  });

  it('a compile error (mjCError) too', async () => {
    const p = write('bad-range.xml', '<mujoco><worldbody><body><joint name="j" type="hinge" limited="true" range="1 0"/><geom size=".1"/></body></worldbody><actuator><motor joint="j"/></actuator></mujoco>');
    await expect(make('Hopper-v5', { xmlFile: p })).rejects.toThrow(/invalid MuJoCo XML .*bad-range\.xml.*range\[0\] should be smaller than range\[1\]/s);
  });

  it('malformed XML (parser error) too', async () => {
    const p = write('truncated.xml', '<mujoco><worldbody>');
    await expect(make('Walker2d-v5', { xmlFile: p })).rejects.toThrow(/Walker2d-v5: invalid MuJoCo XML .*truncated\.xml: .*XML parse error/s);
  });

  it('a missing file says how xmlFile is resolved', async () => {
    await expect(make('Hopper-v5', { xmlFile: './nope.xml' })).rejects.toThrow(/cannot read xmlFile "\.\/nope\.xml" .*ENOENT.*bundled model \(ant\.xml, half_cheetah\.xml, hopper\.xml, humanoid\.xml, walker2d_v5\.xml\)/);
  });

  it('bundled names and absolute paths both load', async () => {
    const env = await make('Hopper-v5', { xmlFile: 'hopper.xml' });
    env.close();
    const ref = path.join(path.dirname(new URL(import.meta.url).pathname), '__fixtures__', 'hopper.xml');
    const env2 = await make('Hopper-v5', { xmlFile: ref });
    expect(env2.obsDim).toBe(11);
    env2.close();
  });

  it('the module keeps working after an XML error', async () => {
    const mj = await loadMujoco();
    expect(() => mj.loadModel('<mujoco><bad/></mujoco>', 'x.xml')).toThrow(MujocoXmlError);
    const env = await make('Hopper-v5');
    env.reset({ seed: 0 });
    expect(env.step([0, 0, 0]).observation.every(Number.isFinite)).toBe(true);
    env.close();
  });
});
