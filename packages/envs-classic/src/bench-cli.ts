#!/usr/bin/env node
import { benchEnvSteps, CLASSIC_IDS, formatBench } from './bench.js';

/** `node dist/bench-cli.js [--steps N] [--num-envs N] [--ids A,B] [--seed N] [--json]` */
function main(argv: string[]): void {
  const opts: { steps?: number; numEnvs?: number; ids?: string[]; seed?: number } = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${arg} needs a value`);
      return v;
    };
    const int = (name: string, v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`bench: ${name} must be a positive integer, got "${v}"`);
      return n;
    };
    if (arg === '--steps') opts.steps = int(arg, value());
    else if (arg === '--num-envs') opts.numEnvs = int(arg, value());
    else if (arg === '--seed') opts.seed = Number(value());
    else if (arg === '--ids') opts.ids = value().split(',').filter(Boolean);
    else if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(`usage: bench [--steps N=100000] [--num-envs N=8] [--ids ${CLASSIC_IDS.join(',')}] [--seed N=0] [--json]`);
      return;
    } else throw new Error(`bench: unknown argument "${arg}"; try --help`);
  }
  const results = benchEnvSteps(opts);
  if (json) console.log(JSON.stringify(results, null, 2));
  else {
    console.log(`node ${process.version}, ${opts.steps ?? 100_000} env steps per measurement, random actions`);
    console.log(formatBench(results));
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
