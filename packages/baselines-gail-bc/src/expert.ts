import fs from 'node:fs';
import path from 'node:path';
import { MetricsWriter, Progress, writeJsonAtomic } from '@mgail/core-autodiff-graph';
import { savePolicy, type Policy } from '@mgail/policies';
import { PPO, ppoConfig, type IterationStats, type PPOConfig } from './ppo.js';
import type { VectorEnvLike } from './vec.js';

export interface TrainExpertOptions {
  envId: string;
  algo: 'ppo';
  /** Total env steps. */
  steps: number;
  seed: number;
  /** Where the checkpoint, metrics and final policy go. */
  outDir: string;
  /** Continue from `outDir/checkpoint.ckpt` if it exists. */
  resume?: boolean;
  /** Builds the vector env (same-step auto-reset) with n copies. */
  makeVecEnv: (numEnvs: number) => VectorEnvLike | Promise<VectorEnvLike>;
  overrides?: Partial<PPOConfig>;
  /** Iterations between checkpoints. */
  checkpointEvery?: number;
  /** The command line, recorded with the run. */
  command?: string;
  /** Stop after this many iterations in this sitting (tests of resume); the run stays resumable. */
  maxIterationsThisSitting?: number;
  onIteration?: (s: IterationStats) => void;
  quiet?: boolean;
}

export interface TrainExpertResult {
  policy: Policy;
  globalStep: number;
  iterations: number;
  finished: boolean;
  /** Mean return of the last 20 finished training episodes (stochastic actions). */
  recentReturn: number;
}

/**
 * Trains an RL expert with checkpoints every few iterations, so a run longer than a sitting
 * continues with `resume` to the same total step count. Writes `config.json`, `metrics.jsonl`,
 * `metrics.csv`, `checkpoint.ckpt` (full learner state) and, at the end, `policy.ckpt`.
 */
export async function trainExpert(o: TrainExpertOptions): Promise<TrainExpertResult> {
  const config = ppoConfig(o.envId, o.overrides ?? {});
  fs.mkdirSync(o.outDir, { recursive: true });
  const ckpt = path.join(o.outDir, 'checkpoint.ckpt');
  const venv = await o.makeVecEnv(config.numEnvs);
  const ppo = new PPO(venv, config, { seed: o.seed, totalSteps: o.steps });
  let resumedFrom = 0;
  if (o.resume && fs.existsSync(ckpt)) {
    ppo.load(ckpt);
    resumedFrom = ppo.globalStep;
  } else if (fs.existsSync(ckpt) && !o.resume) {
    throw new Error(`${o.outDir} already holds a training checkpoint; pass resume to continue it or choose another directory`);
  }
  writeJsonAtomic(path.join(o.outDir, 'config.json'), { algo: o.algo, env: o.envId, seed: o.seed, steps: o.steps, command: o.command, config });
  const metrics = new MetricsWriter(o.outDir, resumedFrom ? { resumeFromStep: resumedFrom } : {});
  const progress = new Progress(`${o.algo} ${o.envId}`, o.steps, o.quiet ? { write: () => {} } : {});
  const recent: number[] = [];
  const every = o.checkpointEvery ?? 10;
  let sitting = 0;
  try {
    while (ppo.globalStep < o.steps) {
      if (o.maxIterationsThisSitting !== undefined && sitting >= o.maxIterationsThisSitting) break;
      const s = await ppo.iterate();
      sitting++;
      recent.push(...s.episodeReturns);
      if (recent.length > 20) recent.splice(0, recent.length - 20);
      const m: Record<string, number> = {
        'losses/policy': s.policyLoss, 'losses/value': s.valueLoss, 'losses/entropy': s.entropy,
        'charts/approx_kl': s.approxKl, 'charts/clipfrac': s.clipFrac, 'charts/learning_rate': s.lr, 'time/sps': s.sps,
      };
      if (s.episodeReturns.length) {
        m['charts/episodic_return'] = s.episodeReturns.reduce((a, b) => a + b, 0) / s.episodeReturns.length;
        m['charts/episodic_length'] = s.episodeLengths.reduce((a, b) => a + b, 0) / s.episodeLengths.length;
      }
      metrics.log(s.globalStep, m);
      o.onIteration?.(s);
      progress.update(s.globalStep, { return: recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined, sps: Math.round(s.sps) });
      if (ppo.iteration % every === 0) ppo.save(ckpt);
    }
    ppo.save(ckpt);
    const finished = ppo.globalStep >= o.steps;
    if (finished) savePolicy(path.join(o.outDir, 'policy.ckpt'), ppo.policy, { envId: o.envId, algo: o.algo, seed: o.seed, steps: ppo.globalStep, command: o.command });
    progress.done(ppo.globalStep, { return: recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined });
    const recentReturn = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
    return { policy: ppo.policy, globalStep: ppo.globalStep, iterations: ppo.iteration, finished, recentReturn };
  } finally {
    ppo.optimizer.dispose();
    ppo.value.dispose();
    await venv.close();
  }
}
