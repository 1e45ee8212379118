import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@mgail/core-autodiff-graph';
import { checkRunDir, useTempDir } from '../test-helpers.js';

/** The built CLI (turbo builds it before tests), run as a separate process so it can be killed. */
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

const tmp = useTempDir('mgail-kill-');
let cfg: string;
beforeAll(async () => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the CLI first (pnpm build; pnpm test does)`);
  await initBackend({ quiet: true });
  // 2 envs × 32 steps = 64 steps per iteration; 100 iterations of a tiny PPO take a few seconds
  cfg = tmp.join('tiny.yaml');
  fs.writeFileSync(cfg, 'numEnvs: 2\nnumSteps: 32\nhidden: [8]\nvalueHidden: [8]\nupdateEpochs: 2\nnumMinibatches: 1\n');
});

const STEPS = 64 * 100;
const args = (out: string) => ['train-expert', '--env', 'CartPole-v1', '--algo', 'ppo', '--seed', '3', '--steps', String(STEPS), '--config', cfg, '--checkpoint-every', '5', '--eval-episodes', '1', '--out', out];

function run(argv: string[], onSpawn?: (kill: () => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, out, err }));
    onSpawn?.(() => child.kill('SIGKILL'));
  });
}


const stepsOf = (d: string) => fs.readFileSync(path.join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);

describe('kill -9 and --resume', () => {
  it('a train-expert run killed mid-training resumes to the same final step count, and every file parses', async () => {
    const killed = tmp.join('killed');
    const ckpt = path.join(killed, 'checkpoint.ckpt');
    const first = await run(args(killed), (kill) => {
      // SIGKILL as soon as the first checkpoint exists: mid-training, nothing gets to clean up
      const poll = setInterval(() => {
        if (fs.existsSync(ckpt)) {
          clearInterval(poll);
          kill();
        }
      }, 5);
    });
    expect(first.signal).toBe('SIGKILL');
    expect(fs.existsSync(path.join(killed, 'policy.ckpt'))).toBe(false);
    const killedAt = stepsOf(killed).at(-1)!;
    expect(killedAt).toBeLessThan(STEPS);
    // what a kill inside a write leaves, made certain: a torn metrics row and a half-written temp checkpoint
    fs.appendFileSync(path.join(killed, 'metrics.jsonl'), '{"step": 99999, "wall_ti');
    fs.appendFileSync(path.join(killed, 'metrics.csv'), '6');
    fs.writeFileSync(path.join(killed, '.checkpoint.ckpt.999999.7.tmp'), 'partial');

    const resumed = await run([...args(killed), '--resume']);
    expect(resumed.err).not.toMatch(/error/);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(new RegExp(`^CartPole-v1 ppo: ${STEPS} steps, deterministic return`));

    const straight = tmp.join('straight');
    const full = await run(args(straight));
    expect(full.code).toBe(0);
    expect(full.out).toMatch(new RegExp(`^CartPole-v1 ppo: ${STEPS} steps, deterministic return`));

    const files = checkRunDir(killed);
    expect(files).toEqual(checkRunDir(straight));
    expect(files).toEqual(['checkpoint.ckpt', 'config.json', 'metrics.csv', 'metrics.jsonl', 'policy.ckpt', 'summary.json']);
    const [a, b] = [killed, straight].map((d) => JSON.parse(fs.readFileSync(path.join(d, 'summary.json'), 'utf8')));
    expect(a.globalStep).toBe(STEPS);
    expect(a.globalStep).toBe(b.globalStep);
    expect(a.iterations).toBe(b.iterations);
    expect([a.sittings, b.sittings]).toEqual([2, 1]);
    // one metrics row per iteration, in order (the rows the killed sitting logged past its checkpoint were replaced), then the final evaluation's
    expect(stepsOf(killed)).toEqual(stepsOf(straight));
    expect(stepsOf(killed)).toEqual([...Array.from({ length: 100 }, (_, i) => 64 * (i + 1)), 6400]);
  });
});
