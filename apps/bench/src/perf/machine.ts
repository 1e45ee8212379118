import os from 'node:os';
import { execFileSync } from 'node:child_process';

export interface MachineInfo {
  nproc: number;
  cpu: string;
  node: string;
  platform: string;
  commit: string | null;
}

export function machineInfo(): MachineInfo {
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    commit = null;
  }
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    commit,
  };
}

/** The 1-minute load average: on a shared machine every timing means little without it. */
export function load1(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}
