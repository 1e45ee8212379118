import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng } from '@mgail/core-autodiff-graph';
import { cartPoleLinearExpert } from '@mgail/baselines-gail-bc';
import { checkRunDir, recordDemos, useTempDir } from '../test-helpers.js';

/**
 * Fault injection for every training verb: a sitting killed with SIGKILL at a seeded random
 * moment after its first checkpoint, a resumed sitting stopped by SIGTERM (it must checkpoint and
 * exit non-zero; BC does so within a minibatch),
 * then a resume to the end. The run must reach the same final step count as its config says,
 * every file must parse, and no temp or lock file may be left.
 */

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');
const tmp = useTempDir('mgail-fault-');
let demos: string;

beforeAll(async () => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the CLI first (pnpm build; pnpm test does)`);
  await initBackend({ quiet: true });
  demos = recordDemos(tmp.join('demos.npz'), 'CartPole-v1', cartPoleLinearExpert, 2);
});

interface Sitting { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

/** Runs the CLI; once `ckpt` exists, waits `delayMs` more and sends `signal` (if given). */
function run(argv: string[], kill?: { ckpt: string; delayMs: number; signal: NodeJS.Signals }): Promise<Sitting> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    let poll: NodeJS.Timeout | undefined;
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, out, err });
    });
    if (kill) {
      const before = fs.existsSync(kill.ckpt) ? fs.statSync(kill.ckpt).mtimeMs : -1;
      poll = setInterval(() => {
        // a checkpoint this sitting wrote, so the kill lands mid-training
        if (fs.existsSync(kill.ckpt) && fs.statSync(kill.ckpt).mtimeMs !== before) {
          clearInterval(poll);
          setTimeout(() => child.kill(kill.signal), kill.delayMs);
        }
      }, 5);
    }
  });
}


/** Metrics steps in file order, the final evaluation's row (-1) left out. */
const stepsOf = (d: string) => fs.readFileSync(path.join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number).filter((s) => s >= 0);

interface Verb {
  name: string;
  argv: (out: string) => string[];
  /** SIGTERM makes the verb checkpoint and exit with 143. */
  checkpointsOnSigterm: boolean;
  /** The final step count the finished run must report, read from summary.json. */
  finalSteps: (summary: Record<string, unknown>) => number;
  expectedSteps: number;
  /** Metrics steps of a complete run, in order (each logged once: no row of a killed sitting survives). */
  expectedMetricSteps?: number[];
}

describe('fault injection: kill -9 and SIGTERM at seeded random points, then --resume', () => {
  const rng = new Rng(2026);
  const verbs: Verb[] = [
    {
      name: 'bc',
      argv: (out) => ['train', '--algo', 'bc', '--env', 'CartPole-v1', '--demos', demos, '--seed', '1', '--out', out, '--eval-episodes', '1', '--config', tmp.write('bc.json', JSON.stringify({ maxEpochs: 60, patience: 1000, hidden: [8], batchSize: 16 }))],
      checkpointsOnSigterm: true,
      finalSteps: (s) => s.epochs as number,
      expectedSteps: 60,
      // one row per epoch, then the final evaluation's (BC evaluates nothing during training)
      expectedMetricSteps: [...Array.from({ length: 60 }, (_, i) => i), 60],
    },
    {
      name: 'gail',
      argv: (out) => ['train', '--algo', 'gail', '--env', 'CartPole-v1', '--demos', demos, '--seed', '1', '--out', out, '--eval-episodes', '1', '--config', tmp.write('gail.json', JSON.stringify({ totalSteps: 64 * 40, numEnvs: 2, numSteps: 32, hidden: [8], valueHidden: [8], discHidden: [8], evalEvery: 0, discBatchSize: 32 }))],
      checkpointsOnSigterm: true,
      finalSteps: (s) => s.envSteps as number,
      expectedSteps: 64 * 40,
      expectedMetricSteps: Array.from({ length: 40 }, (_, i) => 64 * (i + 1)),
    },
    {
      name: 'mgail',
      argv: (out) => ['train', '--algo', 'mgail', '--env', 'CartPole-v1', '--demos', demos, '--seed', '1', '--out', out, '--eval-episodes', '1', '--config', tmp.write('mgail.json', JSON.stringify({
        iterations: 60, prepIterations: 5, initialRandomSteps: 50, modelPretrainSteps: 2, evalEvery: 0, checkpointEvery: 5,
        policyHidden: [8], modelHidden: [8], discHidden: [8], modelEncoderDim: 8, unrollBatch: 2, horizon: 3,
      }))],
      checkpointsOnSigterm: true,
      finalSteps: (s) => s.iterations as number,
      expectedSteps: 60,
    },
    {
      name: 'train-expert',
      argv: (out) => ['train-expert', '--env', 'CartPole-v1', '--algo', 'ppo', '--seed', '3', '--steps', String(64 * 60), '--checkpoint-every', '3', '--eval-episodes', '1', '--out', out, '--config', tmp.write('ppo.yaml', 'numEnvs: 2\nnumSteps: 32\nhidden: [8]\nvalueHidden: [8]\nupdateEpochs: 1\nnumMinibatches: 1\n')],
      checkpointsOnSigterm: true,
      finalSteps: (s) => s.globalStep as number,
      expectedSteps: 64 * 60,
      // one row per iteration, then the final evaluation's at the last step
      expectedMetricSteps: [...Array.from({ length: 60 }, (_, i) => 64 * (i + 1)), 64 * 60],
    },
  ];

  for (const v of verbs) {
    // drawn in a fixed order, so each verb's kill points are the same on every machine
    const delays = [rng.int(150), rng.int(150)];
    it(`${v.name}: killed (SIGKILL after ${delays[0]} ms), stopped (SIGTERM after ${delays[1]} ms), resumed to the same end`, async () => {
      const out = tmp.join(v.name);
      const ckpt = path.join(out, 'checkpoint.ckpt');
      const first = await run(v.argv(out), { ckpt, delayMs: delays[0], signal: 'SIGKILL' });
      expect(first.signal, first.err).toBe('SIGKILL');
      const second = await run([...v.argv(out), '--resume'], { ckpt, delayMs: delays[1], signal: 'SIGTERM' });
      if (second.code === 0) {
        // the run finished inside the delay: nothing left to stop
      } else if (v.checkpointsOnSigterm) {
        expect(second.code, second.err.slice(-1500)).toBe(143);
        expect(second.err).toMatch(/mgail: error: .*(stopped by SIGTERM|stopped at).*--resume/);
      } else expect(second.signal, `${second.code} ${second.err.slice(-1500)}`).toBe("SIGTERM");
      const last = await run([...v.argv(out), '--resume']);
      expect(last.err).not.toMatch(/mgail: error/);
      expect(last.code).toBe(0);
      const files = checkRunDir(out);
      expect(files).toEqual(expect.arrayContaining(['checkpoint.ckpt', 'config.json', 'metrics.csv', 'metrics.jsonl', 'policy.ckpt', 'summary.json']));
      const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
      expect(v.finalSteps(summary)).toBe(v.expectedSteps);
      if (v.expectedMetricSteps) expect(stepsOf(out)).toEqual(v.expectedMetricSteps);
    }, 120_000);
  }
});
