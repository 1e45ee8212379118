// The READMEs' shell blocks are commands a reader pastes: every one must run verbatim on a fresh
// clone. This test checks all of them for what cannot run as written (placeholders, optional
// [--flags] synopses: those belong in ```text blocks), and runs the quick commands (seconds each:
// listing, rollouts, BC, eval, collect, --help) in order, in a scratch copy of the repository, so
// that a command the README shows is a command that works. The long ones (training MGAIL, GAIL or
// an expert, `mgail view`'s server, the bench) are listed in QUICK's complement and run by hand.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Block, hasControlFlow, notVerbatim, readmeBlocks } from './readme-blocks.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PNPM = 'npx -y pnpm@10.34.9';
const MGAIL = `${PNPM} mgail`;

/** The commands this test runs: each takes seconds. */
const QUICK: RegExp[] = [
  /^[A-Z_]+="[^"]*"$/, // M="--env-module ..."
  new RegExp(`^${MGAIL.replace(/[.]/g, '\\.')} (envs|rollout|collect|eval)( |$)`),
  new RegExp(`^${MGAIL.replace(/[.]/g, '\\.')} train( \\$M)? --algo bc .*--env (CartPole-v1|PointMass-v0) `),
  new RegExp(`^${MGAIL.replace(/[.]/g, '\\.')}( [a-z-]+)? --help$`),
  /^node examples\/custom-env\/make-demos\.mjs$/,
];
const isQuick = (l: string) => QUICK.some((r) => r.test(l));
const quickLines = (b: Block) => (hasControlFlow(b) ? [] : b.lines.filter(isQuick));

/** Runs a bash script without blocking the test worker (a synchronous spawn starves vitest's RPC). */
function bash(script: string, cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', ['-c', script], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const blocks = readmeBlocks(ROOT);

describe('README shell blocks', () => {
  it('hold only commands that run as written (no placeholders or synopses)', () => {
    const bad = blocks.flatMap((b) => b.lines.map((l) => ({ l, why: notVerbatim(l) })).filter((x) => x.why).map((x) => `${b.file} (block at line ${b.line}): ${x.why}: ${x.l}`));
    expect(bad).toEqual([]);
    expect(blocks.length).toBeGreaterThan(20);
  });

  // A scratch copy: the sources by symlink, examples/ copied (a command there must not touch the
  // clone's files), and runs/ and every file the commands write inside the scratch folder.
  const scratch: string[] = [];
  afterAll(() => { for (const d of scratch) fs.rmSync(d, { recursive: true, force: true }); });
  const fresh = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
    scratch.push(dir);
    for (const p of ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml', 'node_modules', 'apps', 'packages', 'experts']) fs.symlinkSync(path.join(ROOT, p), path.join(dir, p));
    fs.cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true, filter: (s) => !s.includes('node_modules') });
    return dir;
  };

  const byFile = [...new Set(blocks.filter((b) => quickLines(b).length).map((b) => b.file))];
  it.each(byFile)('%s: its quick commands run, in order, and exit 0', async (file) => {
    const dir = fresh();
    const lines = blocks.filter((b) => b.file === file).flatMap(quickLines);
    // `npx -y pnpm@10.34.9 mgail` runs the root package.json's `mgail` script, `node apps/cli/dist/main.js`
    // (the README says so); the script runs that directly, saving npx's start-up on every line.
    const script = ['set -euo pipefail', ...lines.map((l) => `echo "+ ${l.replace(/["$`\\]/g, '\\$&')}" >&2\n${l.replaceAll(`${MGAIL} `, 'node apps/cli/dist/main.js ').replace(new RegExp(`${MGAIL.replace(/[.]/g, '\\.')}$`), 'node apps/cli/dist/main.js')}`)].join('\n');
    const r = await bash(script, dir);
    expect(r.status, `${file}: ${r.stderr.split('\n').filter((l) => l.startsWith('+ ') || /error/i.test(l)).slice(-4).join('\n')}`).toBe(0);
    expect(lines.length).toBeGreaterThan(0);
  }, 600_000); // tens of seconds on 2 quiet cores; the shared default (2 min) is too tight under load

  it('the pnpm prefix itself runs the mgail script (one command verbatim)', async () => {
    const r = await bash(`${MGAIL} envs`, fresh());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('CartPole-v1');
  }, 300_000);

  it('the quick commands cover what the root README teaches first', () => {
    const root = blocks.filter((b) => b.file === 'README.md').flatMap(quickLines);
    expect(root.some((l) => l.includes('mgail train --algo bc'))).toBe(true);
    expect(root.some((l) => l.includes('mgail eval'))).toBe(true);
    expect(root.some((l) => l.includes('mgail collect'))).toBe(true);
  });
});
