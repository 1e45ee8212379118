import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readTensorFile } from './tensor_io.js';
import { describeFsError, lockRunDir, MetricsWriter, openOutputFile, openRunDir, outputLockFile, readMetricsJsonl, RUN_LOCK_FILE, writeFileAtomic, writeJsonAtomic } from './run.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-guard-'));

/** A live process that is not this one (its pid holds a lock the way another run would). */
function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

/** A pid no process has: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

afterEach(() => vi.restoreAllMocks());

describe('openRunDir: the run-folder guard', () => {
  it('holds a lock while the run writes: a second run fails naming the folder and the pid; a dead holder\'s lock is taken over', async () => {
    const dir = tmp();
    const other = otherProcess();
    try {
      fs.writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify({ pid: other.pid, verb: 'train --algo mgail' }));
      expect(() => openRunDir(dir)).toThrow(new RegExp(`--out ${dir} is in use by another run \\(pid ${other.pid}, train --algo mgail\\); wait for it`));
    } finally {
      other.stop();
    }
    fs.writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify({ pid: await deadPid() }));
    const h = openRunDir(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, RUN_LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    // the same process may open it again (a verb and the trainer it calls)
    const again = openRunDir(dir, { resume: false, force: true });
    again.release();
    expect(fs.existsSync(path.join(dir, RUN_LOCK_FILE))).toBe(true);
    h.release();
    expect(fs.existsSync(path.join(dir, RUN_LOCK_FILE))).toBe(false);
  });

  it('lockRunDir (what trainMGAIL and trainExpert hold) nests inside a verb\'s guard and refuses another live writer', () => {
    const dir = tmp();
    const verb = openRunDir(dir);
    const inner = lockRunDir(dir, 'trainMGAIL');
    inner.release();
    inner.release();
    expect(fs.existsSync(path.join(dir, RUN_LOCK_FILE))).toBe(true);
    verb.release();
    expect(fs.existsSync(path.join(dir, RUN_LOCK_FILE))).toBe(false);
    const other = otherProcess();
    try {
      fs.writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify({ pid: other.pid }));
      expect(() => lockRunDir(dir)).toThrow(new RegExp(`^${dir} is in use by another run \\(pid ${other.pid}\\); wait for it to end or choose another folder`));
    } finally {
      other.stop();
    }
  });

  it('refuses a previous run\'s files without force, and with force moves exactly them aside (never mixing old and new)', () => {
    const dir = tmp();
    writeJsonAtomic(path.join(dir, 'config.json'), { env: 'CartPole-v1', algo: 'bc' });
    new MetricsWriter(dir).log(5, { 'losses/x': 1 });
    fs.writeFileSync(path.join(dir, 'policy.ckpt'), 'old');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(() => openRunDir(dir)).toThrow(/already holds a trained policy; pass --force/);
    expect(fs.existsSync(path.join(dir, RUN_LOCK_FILE))).toBe(false);
    const h = openRunDir(dir, { force: true });
    expect(h.removed.sort()).toEqual(['config.json', 'metrics.csv', 'metrics.jsonl', 'policy.ckpt']);
    expect(fs.readdirSync(dir).sort()).toEqual([RUN_LOCK_FILE, 'notes.txt', 'previous-run']);
    expect(fs.readFileSync(path.join(dir, 'previous-run', 'policy.ckpt'), 'utf8')).toBe('old');
    const m = new MetricsWriter(dir);
    m.log(1, { 'losses/x': 2 });
    expect(m.read().map((r) => r.step)).toEqual([1]);
    h.release();

    const unfinished = tmp();
    fs.writeFileSync(path.join(unfinished, 'checkpoint.ckpt'), 'x');
    expect(() => openRunDir(unfinished)).toThrow(/already holds a training checkpoint; pass --resume to continue it, --force to start over/);
    const killed = tmp();
    writeJsonAtomic(path.join(killed, 'config.json'), { env: 'CartPole-v1' });
    new MetricsWriter(killed).log(0, { a: 1 });
    expect(() => openRunDir(killed)).toThrow(/holds files of an earlier run \(config.json, metrics.jsonl, metrics.csv\); pass --force/);
  });

  it('--resume refuses when the folder or its checkpoint is missing', () => {
    const dir = tmp();
    expect(() => openRunDir(path.join(dir, 'nope'), { resume: true })).toThrow(/--resume: .*nope does not exist, so there is nothing to resume/);
    expect(fs.existsSync(path.join(dir, 'nope'))).toBe(false);
    writeJsonAtomic(path.join(dir, 'config.json'), { env: 'CartPole-v1' });
    expect(() => openRunDir(dir, { resume: true })).toThrow(/holds no checkpoint.ckpt, so there is nothing to resume/);
    expect(() => openRunDir(dir, { resume: true, resumeFrom: ['checkpoint.ckpt', path.join(dir, 'light.ckpt')] })).toThrow(/no checkpoint.ckpt or light.ckpt/);
    fs.writeFileSync(path.join(dir, 'checkpoint.ckpt'), 'x');
    openRunDir(dir, { resume: true }).release();
    // a committed light checkpoint, on a new machine: it resumes into a folder that does not exist yet
    const light = path.join(tmp(), 'light.ckpt');
    fs.writeFileSync(light, 'x');
    const fresh = path.join(tmp(), 'new-run');
    const held = openRunDir(fresh, { resume: true, resumeFrom: ['checkpoint.ckpt', light] });
    expect(fs.existsSync(fresh)).toBe(true);
    held.release();
  });

  it('--force killed while moving the previous run aside: the next --force finishes the move and loses nothing', () => {
    // killed between two moves: config.json and policy.ckpt reached the staging folder, metrics.jsonl did not
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'previous-run'));
    fs.writeFileSync(path.join(dir, 'previous-run', 'policy.ckpt'), 'older');
    fs.writeFileSync(path.join(dir, 'previous-run', 'summary.json'), '{"older": 1}');
    fs.mkdirSync(path.join(dir, '.previous-run.partial'));
    fs.writeFileSync(path.join(dir, '.previous-run.partial', 'config.json'), JSON.stringify({ env: 'CartPole-v1' }));
    fs.writeFileSync(path.join(dir, '.previous-run.partial', 'policy.ckpt'), 'last');
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"step":1,"wall_time":1}\n');
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ env: 'CartPole-v1' }));
    openRunDir(dir, { force: true }).release();
    expect(fs.readdirSync(dir).sort()).toEqual(['previous-run']);
    // the last run whole, nothing of the older one beside it
    expect(fs.readdirSync(path.join(dir, 'previous-run')).sort()).toEqual(['config.json', 'metrics.jsonl', 'policy.ckpt']);
    expect(fs.readFileSync(path.join(dir, 'previous-run', 'policy.ckpt'), 'utf8')).toBe('last');
    // killed between the two renames: previous-run gone to .old, the staging folder whole
    fs.renameSync(path.join(dir, 'previous-run'), path.join(dir, '.previous-run.old'));
    fs.mkdirSync(path.join(dir, '.previous-run.partial'));
    fs.writeFileSync(path.join(dir, '.previous-run.partial', 'policy.ckpt'), 'newest');
    openRunDir(dir).release();
    expect(fs.readdirSync(dir).sort()).toEqual(['previous-run']);
    expect(fs.readdirSync(path.join(dir, 'previous-run'))).toEqual(['policy.ckpt']);
    expect(fs.readFileSync(path.join(dir, 'previous-run', 'policy.ckpt'), 'utf8')).toBe('newest');
  });

  it('never touches metrics in a folder that is not a run of ours, even with force', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"mine": 1}\n');
    expect(() => openRunDir(dir, { force: true })).toThrow(/holds metrics.jsonl but is not a run folder of mgail/);
    expect(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')).toBe('{"mine": 1}\n');
    expect(() => openRunDir(path.join(dir, 'metrics.jsonl'))).toThrow(/is a file, not a folder/);
  });

  it('removes stale temp files of dead processes, keeping a live writer\'s', async () => {
    const dir = tmp();
    const other = otherProcess();
    try {
      fs.writeFileSync(path.join(dir, `.policy.ckpt.${await deadPid()}.0.tmp`), 'partial');
      fs.writeFileSync(path.join(dir, `.policy.ckpt.${other.pid}.0.tmp`), 'being written');
      openRunDir(dir).release();
      expect(fs.readdirSync(dir)).toEqual([`.policy.ckpt.${other.pid}.0.tmp`]);
    } finally {
      other.stop();
    }
  });
});

describe('only regular files are replaced; errors name the path', () => {
  it('refuses a device, a folder or a pipe as the target of an atomic write or an --out file', () => {
    expect(() => writeFileAtomic('/dev/null', 'x')).toThrow(/\/dev\/null is a device; only regular files are replaced/);
    expect(() => openOutputFile('/dev/null', { force: true })).toThrow(/--out \/dev\/null is a device/);
    const dir = tmp();
    expect(() => writeFileAtomic(dir, 'x')).toThrow(new RegExp(`${dir} is a folder; only regular files`));
    fs.writeFileSync(path.join(dir, 'a.npz'), 'x');
    expect(() => openOutputFile(path.join(dir, 'a.npz'))).toThrow(/a.npz already exists; pass --force/);
    openOutputFile(path.join(dir, 'a.npz'), { force: true }).release();
  });

  it('writes through a symbolic link into the file it names, keeping the link; refuses a broken link', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'target.npz'), 'old');
    fs.symlinkSync('target.npz', path.join(dir, 'link.npz'));
    writeFileAtomic(path.join(dir, 'link.npz'), 'new');
    expect(fs.lstatSync(path.join(dir, 'link.npz')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'target.npz'), 'utf8')).toBe('new');
    fs.symlinkSync(path.join(dir, 'gone', 'x.npz'), path.join(dir, 'broken.npz'));
    expect(() => openOutputFile(path.join(dir, 'broken.npz'))).toThrow(/--out .*broken.npz is a broken symbolic link \(to .*gone\/x.npz\); fix or remove the link/);
    expect(() => writeFileAtomic(path.join(dir, 'broken.npz'), 'x')).toThrow(/is a broken symbolic link/);
    expect(fs.existsSync(path.join(dir, 'gone'))).toBe(false);
  });

  it('openOutputFile holds a lock beside the file: a second writer fails naming the pid; a file that appeared meanwhile is not replaced', async () => {
    const dir = tmp();
    const file = path.join(dir, 'demos.npz');
    const other = otherProcess();
    try {
      fs.writeFileSync(outputLockFile(file), JSON.stringify({ pid: other.pid, verb: 'collect' }));
      expect(() => openOutputFile(file)).toThrow(new RegExp(`--out ${file} is in use by another run \\(pid ${other.pid}, collect\\)`));
    } finally {
      other.stop();
    }
    fs.writeFileSync(outputLockFile(file), JSON.stringify({ pid: await deadPid() }));
    const held = openOutputFile(file);
    fs.writeFileSync(file, 'written by hand meanwhile');
    expect(() => held.check()).toThrow(/demos.npz already exists; pass --force/);
    held.release();
    expect(fs.readdirSync(dir)).toEqual(['demos.npz']);
    // a folder it made for the file goes again when nothing was written
    const nested = path.join(dir, 'new', 'x.npz');
    openOutputFile(nested).release();
    expect(fs.existsSync(path.dirname(nested))).toBe(false);
  });

  it('a folder on the way that is a file, or a tensor file that is a folder, is named in one line', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'afile'), 'x');
    expect(() => openOutputFile(path.join(dir, 'afile', 'd.npz'))).toThrow(new RegExp(`cannot create ${dir}/afile: ${dir}/afile is a file, not a folder; choose another path`));
    expect(() => readTensorFile(dir)).toThrow(new RegExp(`^cannot read ${dir}: it is a folder; pass a file path`));
  });

  it('maps raw system errors to one line naming the path and what to do', () => {
    const e = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
    expect(describeFsError(e('ENOSPC'), '/r/metrics.jsonl')).toBe('cannot write /r/metrics.jsonl: the disk is full; free space and retry (completed files were kept)');
    expect(describeFsError(e('EROFS'), '/r/x')).toMatch(/read-only; choose a writable folder/);
    expect(describeFsError(e('EACCES'), '/r/x')).toMatch(/permission denied/);
    expect(describeFsError(e('EISDIR'), '/r/x')).toMatch(/it is a folder; pass a file path/);
    expect(describeFsError(e('EEXIST'), '/r/x')).toMatch(/already exists/);
    const ro = tmp();
    fs.chmodSync(ro, 0o500);
    try {
      if (process.getuid?.() !== 0) expect(() => writeFileAtomic(path.join(ro, 'f.json'), 'x')).toThrow(/cannot write .*f.json: permission denied/);
    } finally {
      fs.chmodSync(ro, 0o700);
    }
  });

  it('a metrics row cut short by a full disk is truncated back: the file holds whole rows only', () => {
    const dir = tmp();
    const m = new MetricsWriter(dir);
    m.log(1, { a: 1 });
    const real = fs.writeSync;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buf: Uint8Array, off?: number) => {
      real(fd, buf, off ?? 0, 3); // three bytes reach the disk, then it is full
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as unknown as typeof fs.writeSync);
    expect(() => m.log(2, { a: 2 })).toThrow(/cannot write .*metrics.jsonl: the disk is full/);
    vi.restoreAllMocks();
    const text = fs.readFileSync(m.jsonlPath, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(readMetricsJsonl(m.jsonlPath).map((r) => r.step)).toEqual([1]);
    m.log(3, { a: 3 });
    expect(fs.readFileSync(m.jsonlPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l).step)).toEqual([1, 3]);
  });
});
