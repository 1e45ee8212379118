import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HO_ERMON_EVAL_EPISODES } from '@mgail/policies';
import { REPO_ROOT } from '../io.js';
import { REPORT_SEEDS, TABLE1_PROTOCOLS, defaultTable1Out, staleReportFiles, type Table1Protocol } from '../suites/table1.js';
import { TABLE1_ALGOS } from './report.js';

const RESULTS = path.join(REPO_ROOT, 'apps/bench/results');
const committed = fs.readdirSync(RESULTS).filter((d) => d.startsWith('table1-') && fs.statSync(path.join(RESULTS, d)).isDirectory());

// The committed reports are generated files: this regenerates each from its cells (no training, no
// rollouts: refs.json is read as it is) and fails when a byte differs, naming the command that fixes it.
describe('committed Table 1 reports', () => {
  it('are the folders of the known protocols', () => {
    expect(committed.sort()).toEqual(TABLE1_PROTOCOLS.map((p) => `table1-${p}`).sort());
  });

  it('are not where bench table1 writes by default (an untracked runs/ folder)', () => {
    for (const p of TABLE1_PROTOCOLS) expect(path.relative(REPO_ROOT, defaultTable1Out(p))).toBe(path.join('runs', `table1-${p}`));
    expect(fs.readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8').split('\n')).toContain('runs/');
  });

  it.each(committed)('%s is what its cells generate', async (dir) => {
    const protocol = dir.slice('table1-'.length) as Table1Protocol;
    const stale = await staleReportFiles({
      envs: [], algos: [...TABLE1_ALGOS], protocol, seeds: REPORT_SEEDS, evalEpisodes: HO_ERMON_EVAL_EPISODES,
      experts: path.join(REPO_ROOT, 'experts'), out: path.join(RESULTS, dir), reportOnly: true,
    });
    expect(stale, `apps/bench/results/${dir} is out of date with its cells; regenerate it with: npx -y pnpm@10.34.9 bench table1 --protocol ${protocol} --report-only --out apps/bench/results/${dir}`).toEqual([]);
  });
});
