import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedHosts, startViewer, type Viewer } from './server.js';

const CARTPOLE = fileURLToPath(new URL('../../../experts/CartPole-v1/demos.npz', import.meta.url));

describe('viewer server', () => {
  let viewer: Viewer;
  beforeAll(async () => {
    viewer = await startViewer(CARTPOLE, { port: 0, episode: 1 });
  });
  afterAll(() => viewer?.close());

  const get = async (p: string) => {
    const res = await fetch(new URL(p, viewer.url));
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };

  it('listens on loopback and serves the page, its scripts, three.js and the MuJoCo module', async () => {
    expect(viewer.url).toBe(`http://127.0.0.1:${viewer.port}/`);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    expect(page.body).toContain('"three": "/vendor/three/three.module.js"');
    const main = await get('/client/main.js');
    expect(main.status).toBe(200);
    expect(main.type).toMatch(/javascript/);
    // three.module.js imports three.core.js beside it
    const three = await get('/vendor/three/three.module.js');
    expect(three.body).toContain("from './three.core.js'");
    expect((await get('/vendor/three/three.core.js')).status).toBe(200);
    const mj = await fetch(new URL('/vendor/mujoco-js/mujoco_wasm.js', viewer.url), { method: 'HEAD' });
    expect(mj.status).toBe(200);
    expect(Number(mj.headers.get('content-length'))).toBeGreaterThan(1e6);
  });

  /** A raw GET with a chosen Host header (fetch may not set it). */
  const raw = (p: string, host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: viewer.port, path: p, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });

  it('answers only Host headers naming this machine (DNS rebinding gets 403)', async () => {
    for (const h of [`127.0.0.1:${viewer.port}`, `localhost:${viewer.port}`, `LOCALHOST:${viewer.port}`]) expect((await raw('/api/replay', h)).status).toBe(200);
    for (const h of [`evil.example:${viewer.port}`, 'evil.example', `127.0.0.1:${viewer.port + 1}`]) {
      const r = await raw('/api/replay', h);
      expect(r.status, h).toBe(403);
      expect(r.body).toMatch(/forbidden host/);
    }
    expect(allowedHosts('::1', 80)).toEqual(['localhost:80', '127.0.0.1:80', '[::1]:80']);
    expect(allowedHosts('192.168.1.5', 8765)).toContain('192.168.1.5:8765');
    expect(allowedHosts('0.0.0.0', 1)).toEqual(['localhost:1', '127.0.0.1:1', '[::1]:1']);
  });

  it('a malformed %-escape is a bad request, not a server error', async () => {
    const r = await raw('/api/episode/%E0%A4%A', `127.0.0.1:${viewer.port}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/malformed %-escape/);
    expect((await raw('/%', `127.0.0.1:${viewer.port}`)).status).toBe(400);
  });

  it('serves the replay and its episodes as JSON', async () => {
    const info = JSON.parse((await get('/api/replay')).body);
    expect(info).toMatchObject({ envId: 'CartPole-v1', kind: 'classic', initialEpisode: 1 });
    expect(info.episodes).toHaveLength(10);
    const ep = JSON.parse((await get('/api/episode/1')).body);
    expect(ep.index).toBe(1);
    expect(ep.observations).toHaveLength(ep.length + 1);
    const missing = await get('/api/episode/10');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error).toBe('episode 10 is out of range (0 to 9)');
    expect((await get('/api/model.xml')).status).toBe(404);
  });

  it('serves nothing outside its folders', async () => {
    for (const p of ['/client/..%2F..%2Fpackage.json', '/vendor/three/..%2Fpackage.json', '/%2E%2E/package.json', '/client/main.ts', '/vendor/mujoco-js/mujoco_wasm.d.ts']) {
      expect((await get(p)).status, p).toBe(404);
    }
    expect((await fetch(new URL('/api/replay', viewer.url), { method: 'POST' })).status).toBe(405);
  });

  it('says when the port is taken', async () => {
    await expect(startViewer(CARTPOLE, { port: viewer.port })).rejects.toThrow(`port ${viewer.port} is in use; pass another --port (0 picks a free one)`);
  });

  it('loads MuJoCo replays with their model', async () => {
    const hopper = await startViewer(path.join(path.dirname(CARTPOLE), '..', 'Hopper-v5', 'demos.npz'), { port: 0 });
    try {
      const xml = await fetch(new URL('/api/model.xml', hopper.url));
      expect(xml.status).toBe(200);
      expect(await xml.text()).toContain('<mujoco model="hopper">');
    } finally {
      await hopper.close();
    }
  });
});
