// Shared setup for this package's tests; tsconfig.build.json leaves it out of dist (it imports vitest).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { decodeTensors, firstNonFiniteTensor } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { collectDemos, loadPolicy, writeDemos, type Controller } from '@mgail/policies';
import { runCli } from './cli.js';
import { bufferIo } from './io.js';

/** Runs `mgail ...argv` in this process and returns its exit code and the lines it wrote, joined. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await runCli(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

export interface TempDir {
  /** A path inside the directory. */
  join(...parts: string[]): string;
  /** Writes `text` to `name` inside the directory and returns its path. */
  write(name: string, text: string): string;
}

/**
 * A fresh directory under the OS temp dir for the calling test file: made in a beforeAll registered
 * now (so it exists in the file's own beforeAll hooks registered after this call) and removed after its last test.
 */
export function useTempDir(prefix: string): TempDir {
  let dir: string | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  const root = () => {
    if (dir === undefined) throw new Error(`useTempDir(${JSON.stringify(prefix)}): the directory exists only in hooks and tests, not while the file is collected`);
    return dir;
  };
  return {
    join: (...parts) => path.join(root(), ...parts),
    write: (name, text) => {
      const p = path.join(root(), name);
      fs.writeFileSync(p, text);
      return p;
    },
  };
}

/** Writes `episodes` episodes of `expert` on the classic env `envId` (reset seeds from 0) to `file`; returns `file`. */
export function recordDemos(file: string, envId: string, expert: Controller, episodes: number): string {
  writeDemos(file, collectDemos(make(envId), expert, { episodes, seed: 0 }));
  return file;
}

/**
 * Parses every file of a run folder the way its reader does; throws on the first that does not
 * parse, on a temp or lock file left behind, and on a file no verb writes. Returns the names.
 */
export function checkRunDir(d: string): string[] {
  const files = fs.readdirSync(d).sort();
  for (const f of files) {
    const p = path.join(d, f);
    if (f.endsWith('.tmp')) throw new Error(`${f}: a temp file was left behind`);
    if (f.endsWith('.lock')) throw new Error(`${f}: the run's lock was left behind`);
    if (f.endsWith('.json')) JSON.parse(fs.readFileSync(p, 'utf8'));
    else if (f === 'metrics.jsonl') {
      const text = fs.readFileSync(p, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      for (const line of text.trim().split('\n')) JSON.parse(line);
    } else if (f === 'metrics.csv') {
      const lines = fs.readFileSync(p, 'utf8').trim().split('\n');
      expect(lines[0]).toBe('step,wall_time,metric,value');
      for (const l of lines.slice(1)) {
        const c = l.split(',');
        expect(c.length, l).toBe(4);
        expect(Number.isInteger(Number(c[0])) && Number.isFinite(Number(c[1])), l).toBe(true);
      }
    } else if (f === 'policy.ckpt') loadPolicy(p).policy.dispose();
    else if (f.endsWith('.ckpt')) expect(firstNonFiniteTensor(decodeTensors(fs.readFileSync(p), p).tensors)).toBeUndefined();
    else throw new Error(`unexpected file ${f}`);
  }
  return files;
}
