#!/usr/bin/env node
// Checks every shipped expert against its README (issue: "the same command for every shipped
// expert reproduces its recorded return within one standard error") and every demos.npz in numpy
// (loads without allow_pickle; per-episode returns match its metadata).
//
//   node experts/verify.mjs [ENV_ID ...]        (build first: pnpm build)
//
// Runs `mgail eval --env ID --policy experts/ID --episodes 50 --json` (deterministic, seed 0)
// through the built CLI and python3 with numpy; prints one line per expert; exit 1 on a mismatch.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const cli = path.join(root, 'apps/cli/dist/main.js');
const ids = process.argv.slice(2).length ? process.argv.slice(2) : fs.readdirSync(here).filter((d) => fs.existsSync(path.join(here, d, 'policy.ckpt'))).sort();
const num = (s) => Number(s.replace('−', '-'));

const PY = `
import json, sys, numpy as np
d = np.load(sys.argv[1])  # no allow_pickle: every array is plain numeric or a unicode string
m = json.loads(str(d['metadata']))
r, starts, lens = d['rewards'].astype(np.float64), d['episode_starts'], d['episode_lengths']
rets = [float(r[s:s + l].sum()) for s, l in zip(starts, lens)]
worst = max(abs(a - b) for a, b in zip(rets, m['returns']))
sel = m.get('actionSelection') or ('deterministic' if m.get('deterministic', True) else 'stochastic')
print(json.dumps({'episodes': len(rets), 'metaEpisodes': m['numEpisodes'], 'worst': worst, 'hasQpos': 'qpos' in d.files, 'actionSelection': sel, 'mean': float(np.mean(rets))}))
`;

let bad = 0;
for (const id of ids) {
  const readme = fs.readFileSync(path.join(here, id, 'README.md'), 'utf8');
  const rec = readme.match(/deterministic, seed 0: mean ([−\-\d.]+), std ([\d.]+) \(stderr ([\d.]+)\)/);
  if (!rec) {
    console.log(`${id}: no recorded "deterministic, seed 0" line in README.md`);
    bad++;
    continue;
  }
  const [mean, , stderr] = rec.slice(1).map(num);
  const out = execFileSync(process.execPath, [cli, 'eval', '--env', id, '--policy', path.join(here, id), '--episodes', '50', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const ev = JSON.parse(out.trim().split('\n').at(-1));
  // a deterministic policy on seeded envs repeats exactly; allow one standard error (and float noise)
  const tol = Math.max(stderr, 0.01);
  const evalOk = Math.abs(ev.mean - mean) <= tol;
  // demos.npz (stochastic where re-collected) and the deterministic files kept beside it
  const files = ['demos.npz', 'demos-deterministic.npz'].filter((f) => fs.existsSync(path.join(here, id, f)));
  const demos = files.map((f) => {
    const np = JSON.parse(execFileSync('python3', ['-c', PY, path.join(here, id, f)], { encoding: 'utf8' }));
    // float32 rewards summed in float64 against the float64 metadata: small relative error only
    const ok = np.episodes === np.metaEpisodes && np.worst <= 1e-3 * Math.max(1, Math.abs(mean));
    return { ok, text: `${f} ${np.actionSelection} ${np.episodes} episodes (metadata ${np.metaEpisodes}, return ${np.mean.toFixed(2)}), largest |return - metadata| ${np.worst.toExponential(2)}${np.hasQpos ? ', qpos/qvel' : ''}` };
  });
  const demosOk = demos.length > 0 && demos.every((d) => d.ok);
  if (!evalOk || !demosOk) bad++;
  console.log(
    `${evalOk && demosOk ? 'ok  ' : 'FAIL'} ${id}: eval ${ev.mean.toFixed(2)} ± ${ev.std.toFixed(2)} (recorded ${mean} ± stderr ${stderr}); ` +
      (demos.length ? demos.map((d) => d.text).join('; ') : 'no demonstrations file'),
  );
}
process.exit(bad ? 1 : 0);
