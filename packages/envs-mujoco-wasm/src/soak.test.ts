import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { make } from './registry.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-mujoco-soak-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('memory soak', () => {
  it('makes and closes 2000 envs, half of them from invalid XML, with RSS flat', async () => {
    const bad = path.join(tmp, 'bad.xml');
    fs.writeFileSync(bad, '<mujoco><worldbody><body><joint type="hinge"/><geom type="sphere" size="abc"/></body></worldbody></mujoco>');
    const rss = () => process.memoryUsage().rss / 2 ** 20;
    const once = async (i: number) => {
      if (i % 2) {
        await expect(make('Hopper-v5', { xmlFile: bad })).rejects.toThrow(/invalid MuJoCo XML .*bad\.xml/);
      } else (await make('Hopper-v5')).close();
    };
    // the first few hundred grow the WASM heaps to their working size (and start the XML checker)
    for (let i = 0; i < 400; i++) await once(i);
    const warm = rss();
    for (let i = 400; i < 2000; i++) await once(i);
    const grown = rss() - warm;
    // unbounded, the 800 refusals after warm-up alone leaked ~80 MiB (100 kB each) in the envs' module;
    // without a leak V8's own heap still moves RSS by up to ~40 MiB on a loaded machine
    expect(grown, `RSS grew ${grown.toFixed(0)} MiB over 1600 makes`).toBeLessThan(55);
  }, 120_000);
});
