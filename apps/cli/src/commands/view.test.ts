import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../test-helpers.js';

/** The built CLI (turbo builds it before tests), run as its own process: `view` serves until interrupted. */
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');
const EXPERTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../experts');

describe('mgail view', () => {
  it('serves the replay page until interrupted, then exits 0', async () => {
    const child = spawn(process.execPath, [MAIN, 'view', path.join(EXPERTS, 'CartPole-v1'), '--port', '0', '--episode', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`view exited before serving: ${out}${err}`)));
    });
    expect(out).toContain(`CartPole-v1: 10 episodes from ${path.join(EXPERTS, 'CartPole-v1', 'demos.npz')}`);
    const info = await (await fetch(new URL('/api/replay', url))).json();
    expect(info).toMatchObject({ envId: 'CartPole-v1', initialEpisode: 4 });
    expect((await fetch(url)).status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('refuses bad input with one line naming the problem', async () => {
    const missing = await cli('view', 'no/such/demos.npz');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('mgail: error: no/such/demos.npz not found; pass a demos .npz, an expert folder or a run folder');
    const episode = await cli('view', path.join(EXPERTS, 'CartPole-v1'), '--episode', '10', '--port', '0');
    expect(episode.code).toBe(1);
    expect(episode.err).toMatch(/^mgail: error: --episode 10 is out of range: .*demos\.npz holds 10 episodes \(0 to 9\)$/);
    const port = await cli('view', path.join(EXPERTS, 'CartPole-v1'), '--port', '70000');
    expect(port.code).not.toBe(0);
    expect(port.err).toContain('--port must be an integer from 0 to 65535, got "70000"');
  });
});
