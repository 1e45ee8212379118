#!/usr/bin/env node
// Runs every command of every README's shell blocks, verbatim, on a fresh clone, and writes what
// each did to a Markdown record (docs/readme-verbatim.md by default).
//
//   node apps/cli/scripts/readme-verbatim.mjs [--max-seconds 300] [--only README.md,apps/bench/README.md]
//                                              [--clone DIR] [--out docs/readme-verbatim.md]
// An --only pass replaces those READMEs' sections of the record and keeps the others.
//
// The clone is `git clone` of this repository's HEAD (committed files only, as CI sees them) into
// a temporary folder, or --clone DIR (kept, reused: install once, run several --only passes; what
// an earlier pass wrote there, but node_modules and dist, is cleaned away first). The
// blocks run in README order, each line in bash at the clone's root, with the block's earlier
// variable assignments (M="...") in scope. A line still running after --max-seconds is stopped
// and recorded as such (it started and ran that long without an error; the long training and
// bench commands need hours to finish); a line that installs or builds (not the test command,
// which CI runs to its end) always runs to its end, for the lines after it need what it makes. Servers (`mgail view`, `redis-server`, `bench worker`)
// are started, counted as working once they say they serve (or are still up after 20 s), then
// stopped; in a block whose comments number its lines (`# 1.`, `# 2.`: one terminal each) the
// servers start first and stay up while the other lines run. A line commented "in your project"
// runs in a scratch npm project beside the clone, as a reader would run it; /tmp/mgail-tarballs
// is emptied before a block that packs into it, so each package's block installs what it packs.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const { readmeBlocks, hasControlFlow } = await import(path.join(repo, 'apps/cli/dist/readme-blocks.js'));

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) { console.error(`readme-verbatim: --${name} needs a value`); process.exit(2); }
  return v;
};
for (const a of args) {
  if (a.startsWith('--') && !['--max-seconds', '--only', '--clone', '--out'].includes(a)) { console.error(`readme-verbatim: unknown flag ${a}`); process.exit(2); }
}
const maxSeconds = Number(flag('max-seconds', '300'));
if (!(maxSeconds > 0)) { console.error(`readme-verbatim: --max-seconds must be a positive number, got ${flag('max-seconds')}`); process.exit(2); }
const only = flag('only', '') ? flag('only').split(',') : null;
const out = path.resolve(flag('out', path.join(repo, 'docs/readme-verbatim.md')));

let clone = flag('clone', '');
if (clone) {
  clone = path.resolve(clone);
  if (!fs.existsSync(path.join(clone, '.git'))) execFileSync('git', ['clone', '--quiet', repo, clone], { stdio: 'inherit' });
  // a reused clone: what an earlier pass wrote (runs/, my-expert/, ...) would meet the same commands again; installs and builds stay
  else execFileSync('git', ['clean', '-fdxq', '-e', 'node_modules', '-e', 'dist'], { cwd: clone, stdio: 'inherit' });
} else {
  clone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'readme-verbatim-')), 'mgail');
  execFileSync('git', ['clone', '--quiet', repo, clone], { stdio: 'inherit' });
}
// an --only pass may skip the README whose first block installs and builds: do that first (not recorded)
if (only && !fs.existsSync(path.join(clone, 'node_modules'))) {
  execFileSync('bash', ['-c', 'npx -y pnpm@10.34.9 install --frozen-lockfile && npx -y pnpm@10.34.9 build'], { cwd: clone, stdio: 'inherit' });
}
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: clone, encoding: 'utf8' }).trim();
/** A fresh npm project, as a reader's own: each block's "in your project" lines get one. */
function newProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-verbatim-project-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'my-project', version: '1.0.0', private: true, type: 'module' }, null, 2));
  return dir;
}

/** What makes a line a server: the pattern, and what it prints once it serves. */
const SERVERS = [
  { re: /^npx -y pnpm@[\d.]+ mgail view /, ready: /https?:\/\// },
  { re: /^redis-server /, ready: /Ready to accept connections/ },
  { re: /^npx -y pnpm@[\d.]+ bench worker /, ready: null },
];
const serverOf = (l) => SERVERS.find((s) => s.re.test(l));

/** Starts `script` in bash in its own process group; resolves with its end (or the limit). */
function start(script, cwd) {
  const p = spawn('bash', ['-c', script], { cwd, detached: true, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  let text = '';
  p.stdout.on('data', (d) => (text += d));
  p.stderr.on('data', (d) => (text += d));
  const done = new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal })));
  const stop = () => { try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone */ } setTimeout(() => { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref(); };
  return { p, done, stop, text: () => text };
}

const lastLines = (t, n = 2) => t.split('\n').map((l) => l.trim()).filter(Boolean).slice(-n).join(' / ').replace(/\|/g, '\\|').slice(0, 300);

/** Runs one line to its end or the limit. */
async function runLine(script, cwd, seconds) {
  const t0 = Date.now();
  const r = start(script, cwd);
  let limited = false;
  const timer = setTimeout(() => { limited = true; r.stop(); }, seconds * 1000);
  const { code, signal } = await r.done;
  clearTimeout(timer);
  const s = (Date.now() - t0) / 1000;
  if (limited) return { ok: true, stopped: true, s, what: `ran ${Math.round(s)} s without an error, stopped at the limit (last: ${lastLines(r.text(), 1)})` };
  if (code === 0) return { ok: true, s, what: 'exit 0' };
  return { ok: false, s, what: `FAILED: exit ${code ?? signal}: ${lastLines(r.text())}` };
}

/** Starts a server line and waits until it serves; returns its handle (to stop later) and the result. */
async function startServer(script, cwd, ready) {
  const t0 = Date.now();
  const r = start(script, cwd);
  let ended = null;
  r.done.then((e) => (ended = e));
  for (;;) {
    await new Promise((res) => setTimeout(res, 500));
    const s = (Date.now() - t0) / 1000;
    if (ended) return { r, ok: false, s, what: `FAILED: the server exited (${ended.code ?? ended.signal}): ${lastLines(r.text())}` };
    if (ready ? ready.test(r.text()) : s >= 20) return { r, ok: true, s, what: ready ? `serves (${lastLines(r.text().split('\n').find((l) => ready.test(l)) ?? '', 1)})` : 'up after 20 s' };
    if (s > maxSeconds) return { r, ok: false, s, what: `FAILED: not serving after ${Math.round(s)} s: ${lastLines(r.text())}` };
  }
}

const rows = [];
const record = (b, line, res) => {
  rows.push({ where: `${b.file}:${b.line}`, line, ...res });
  console.log(`${res.ok ? 'ok  ' : 'FAIL'} ${b.file}:${b.line} ${line.slice(0, 100)}  [${res.s.toFixed(0)} s] ${res.what.slice(0, 160)}`);
};

const allBlocks = readmeBlocks(clone);
const blocks = allBlocks.filter((b) => !only || only.includes(b.file));
if (!blocks.length) { console.error(`readme-verbatim: no shell blocks in ${only?.join(', ') ?? 'the READMEs'}`); process.exit(2); }
const t0 = Date.now();
for (const b of blocks) {
  const project = newProject();
  if (b.raw.some((l) => l.includes('--pack-destination /tmp/mgail-tarballs'))) fs.rmSync('/tmp/mgail-tarballs', { recursive: true, force: true });
  if (hasControlFlow(b)) {
    const inProject = b.raw.filter((l) => /# in your project$/.test(l));
    const inClone = b.raw.filter((l) => !/# in your project$/.test(l)).join('\n');
    record(b, `${b.raw[0]} …`, await runLine(`set -euo pipefail\n${inClone}`, clone, maxSeconds));
    for (const l of inProject) record(b, l, await runLine(l, project, maxSeconds));
    continue;
  }
  const assigns = [];
  let stoppedBefore = false;
  const numbered = b.raw.some((l) => /#\s*1\.\s/.test(l));
  const running = [];
  if (numbered) {
    for (const [i, l] of b.lines.entries()) {
      const srv = serverOf(l);
      if (!srv) continue;
      const res = await startServer(l, clone, srv.ready);
      running.push(res.r);
      record(b, b.raw[i], res);
    }
  }
  for (const [i, l] of b.lines.entries()) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=\S*$/.test(l) || /^[A-Za-z_][A-Za-z0-9_]*="[^"]*"$/.test(l)) { assigns.push(l); continue; }
    const srv = serverOf(l);
    if (srv && numbered) continue;
    const script = [...assigns, l].join('\n');
    if (srv) {
      const res = await startServer(script, clone, srv.ready);
      res.r.stop();
      await res.r.done;
      record(b, b.raw[i], res);
    } else {
      const mustFinish = /\b(install|build)\b/.test(l) && !/\btest\b/.test(l);
      const res = await runLine(script, /# in your project$/.test(b.raw[i]) ? project : clone, mustFinish ? 3600 : maxSeconds);
      // a line that reads what a stopped line of its block would have written fails for that reason: say so
      if (!res.ok && stoppedBefore) res.what = res.what.replace(/^FAILED/, 'FAILED after a line above was stopped at the limit (it reads that line\'s output?)');
      if (res.stopped) stoppedBefore = true;
      record(b, b.raw[i], res);
    }
  }
  for (const r of running) { r.stop(); await r.done; }
}

const failed = rows.filter((r) => !r.ok).length;
const stopped = rows.filter((r) => r.stopped).length;
const cell = (t) => t.replace(/\|/g, '\\|');
const minutes = Math.round((Date.now() - t0) / 60000);
// One section per README, so that an --only pass replaces its READMEs' sections and keeps the rest.
const sections = new Map();
if (fs.existsSync(out)) {
  for (const part of fs.readFileSync(out, 'utf8').split(/^(?=## )/m).slice(1)) sections.set(part.slice(3, part.indexOf('\n')).replace(/`/g, '').trim(), part.trimEnd());
}
for (const file of [...new Set(rows.map((r) => r.where.replace(/:\d+$/, '')))]) {
  const mine = rows.filter((r) => r.where.startsWith(`${file}:`));
  sections.set(file, [
    `## \`${file}\``,
    '',
    `${new Date().toISOString().slice(0, 10)}, commit ${commit}, \`--max-seconds ${maxSeconds}\`: ${mine.length} commands, ${mine.filter((r) => !r.ok).length} failed, ${mine.filter((r) => r.stopped).length} stopped at the limit.`,
    '',
    '| line | command | result | seconds |',
    '|---|---|---|---:|',
    ...mine.map((r) => `| ${r.where.slice(file.length + 1)} | \`${cell(r.line.length > 140 ? `${r.line.slice(0, 140)}…` : r.line)}\` | ${cell(r.what)} | ${r.s.toFixed(0)} |`),
  ].join('\n'));
}
const order = allBlocks.map((b) => b.file);
const md = [
  '# README commands, run verbatim on a fresh clone',
  '',
  'Written by `node apps/cli/scripts/readme-verbatim.mjs` (see its header): every command of every README\'s',
  'shell blocks, run as written at the root of a fresh `git clone` (a line commented "in your project" in a',
  'scratch npm project). A command still running at `--max-seconds` was stopped: it started and ran that long',
  'without an error (training and bench commands take minutes to hours). Servers count once they serve.',
  `The last pass: ${new Date().toISOString().slice(0, 10)}, commit ${commit}, Node ${process.version}, ${os.cpus().length} cores, ${minutes} minutes; ${rows.length} commands, ${failed} failed, ${stopped} stopped at the limit.`,
  '',
  ...[...sections.keys()].sort((a, b) => (order.indexOf(a) >>> 0) - (order.indexOf(b) >>> 0)).map((k) => `${sections.get(k)}\n`),
].join('\n');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, md);
console.log(`\n${rows.length} commands: ${failed} failed, ${stopped} stopped at the limit; ${out}`);
process.exit(failed ? 1 : 0);
