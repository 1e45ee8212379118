#!/usr/bin/env node
// Compares two MGAIL run folders written by the same seeded command before and after a change of
// the trainer's code: every logged number but the timings, the final evaluation, the policy's
// weights and the training checkpoint's tensors must be identical. Metric names renamed since
// (charts/eval_return → eval/return_mean, charts/eval_return_std → eval/return_std,
// charts/env_steps → global_step) are compared under their new names.
//   node packages/mgail/scripts/same-run.mjs RUN_BEFORE RUN_AFTER
import fs from 'node:fs';
import path from 'node:path';
import { decodeTensors, readMetricsJsonl } from '@mgail/core-autodiff-graph';

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: same-run.mjs RUN_BEFORE RUN_AFTER');
  process.exit(2);
}
const RENAMED = { 'charts/eval_return': 'eval/return_mean', 'charts/eval_return_std': 'eval/return_std', 'charts/env_steps': 'global_step' };
// wall-clock measurements differ between any two runs
const timed = (k) => k === 'wall_time' || k.startsWith('time/');
const rows = (dir) => readMetricsJsonl(path.join(dir, 'metrics.jsonl')).map((r) =>
  Object.fromEntries(Object.entries(r).filter(([k]) => !timed(k)).map(([k, v]) => [RENAMED[k] ?? k, v])));
const problems = [];
const ra = rows(a), rb = rows(b);
if (ra.length !== rb.length) problems.push(`metrics.jsonl: ${ra.length} rows before, ${rb.length} after`);
let values = 0;
for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
  for (const k of new Set([...Object.keys(ra[i]), ...Object.keys(rb[i])])) {
    if (!(k in ra[i])) continue; // a field added since (global_step where there was none)
    if (!(k in rb[i])) problems.push(`row ${i} (step ${ra[i].step}): ${k} is gone`);
    else if (!Object.is(ra[i][k], rb[i][k])) problems.push(`row ${i} (step ${ra[i].step}): ${k} ${ra[i][k]} before, ${rb[i][k]} after`);
    else values++;
  }
}
const sa = JSON.parse(fs.readFileSync(path.join(a, 'summary.json'), 'utf8'));
const sb = JSON.parse(fs.readFileSync(path.join(b, 'summary.json'), 'utf8'));
for (const k of ['envSteps', 'iterations']) if (sa[k] !== sb[k]) problems.push(`summary.json ${k}: ${sa[k]} before, ${sb[k]} after`);
if (JSON.stringify(sa.eval) !== JSON.stringify(sb.eval)) problems.push(`summary.json eval: ${JSON.stringify(sa.eval)} before, ${JSON.stringify(sb.eval)} after`);
if (JSON.stringify(sa.evalHistory) !== JSON.stringify(sb.evalHistory)) problems.push('summary.json evalHistory differs');
let tensors = 0;
for (const f of ['policy.ckpt', 'checkpoint.ckpt']) {
  if (!fs.existsSync(path.join(a, f))) continue;
  const ta = decodeTensors(fs.readFileSync(path.join(a, f))).tensors;
  const tb = decodeTensors(fs.readFileSync(path.join(b, f))).tensors;
  for (const k of new Set([...Object.keys(ta), ...Object.keys(tb)])) {
    if (!ta[k] || !tb[k]) problems.push(`${f}: ${k} only ${ta[k] ? 'before' : 'after'}`);
    else if (Buffer.compare(Buffer.from(ta[k].data.buffer, ta[k].data.byteOffset, ta[k].data.byteLength), Buffer.from(tb[k].data.buffer, tb[k].data.byteOffset, tb[k].data.byteLength)) !== 0) problems.push(`${f}: ${k} differs`);
    else tensors++;
  }
}
if (problems.length) {
  console.log(`${a} vs ${b}: ${problems.length} differences\n  ${problems.slice(0, 20).join('\n  ')}`);
  process.exit(1);
}
console.log(`${a} vs ${b}: identical (${ra.length} rows, ${values} logged values, final eval ${sa.eval.mean}, ${tensors} tensors)`);
