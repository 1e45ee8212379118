import { idleCollectStepsOf, policyStepsEnvs, type MGAILConfig } from '@mgail/mgail';
/**
 * Per-env training budgets of the Table 1 bench, merged over each algorithm's own defaults and
 * per-env config files (configs/gail/<env>.json, packages/mgail/configs/<env>.json), so the
 * tuned configs decide everything but the length of a run. They keep the committed report's
 * cells affordable on two cores; `--budget-steps N` replaces the GAIL and MGAIL env-step
 * budgets, and `--config FILE` can lift any of them.
 */
export interface Table1Budget {
  bc?: Record<string, unknown>;
  gail?: Record<string, unknown>;
  mgail?: Record<string, unknown>;
  /** MGAIL stops once it has taken this many env steps (its config counts iterations, not steps). */
  mgailEnvSteps?: number;
}

/** MuJoCo GAIL: no tuned per-env file yet; TRPO, 8 envs × 512 steps a round, (64, 64) networks. */
const MUJOCO_GAIL_PLAIN = { numEnvs: 8, numSteps: 512, hidden: [64, 64], evalEpisodes: 3 };
/** The full protocol's MuJoCo GAIL: from a BC warm start (that report's GAIL column was gail+bc in effect; table1-full/NOTES.md). */
const MUJOCO_GAIL = { ...MUJOCO_GAIL_PLAIN, totalSteps: 200_000, bcWarmStart: true, evalEvery: 5 };

export const TABLE1_BUDGETS: Record<string, Table1Budget> = {
  // GAIL: the per-env config's own budget (30k). MGAIL: the shipped config reaches 500 by iteration 300-800 (packages/mgail/README.md); 1000 of its 2000 iterations.
  'CartPole-v1': { gail: { evalEvery: 2 }, mgail: { iterations: 1000, evalEvery: 50 } },
  // GAIL: 60k of the per-env configs' 100k. MGAIL: the shipped config as it is (Acrobot 1500 iterations, about 108k env
  // steps; MountainCar 2000, about 278k), the runs packages/mgail/README.md reports; an env-step cap equal to GAIL's
  // would stop it a few hundred iterations after its 200 discriminator-only prep iterations.
  'Acrobot-v1': { gail: { totalSteps: 60_000, evalEvery: 3 }, mgail: { evalEvery: 50 } },
  'MountainCar-v0': { gail: { totalSteps: 60_000, evalEvery: 3 }, mgail: { evalEvery: 50 } },
  // MGAIL: Hopper's tuned config as it is (20,000 iterations, about 1.4M env steps; packages/mgail/README.md);
  // Walker2d and HalfCheetah: the same config untuned, 10,000 iterations (their configs/<env>.json say so)
  'Hopper-v5': { gail: MUJOCO_GAIL },
  'Walker2d-v5': { gail: MUJOCO_GAIL },
  'HalfCheetah-v5': { gail: MUJOCO_GAIL },
  'Ant-v5': { gail: MUJOCO_GAIL, mgailEnvSteps: 200_000 },
  'Humanoid-v5': { gail: MUJOCO_GAIL, mgailEnvSteps: 200_000 },
};

/**
 * The ho-ermon protocol's budgets: one env-step budget per env that GAIL and MGAIL both get
 * (GAIL's totalSteps; MGAIL's iterations sized to it by `mgailIterationsFor`, and a stop at it),
 * chosen where GAIL's learning curve has flattened on the tuning seeds (apps/bench/results/
 * table1-ho-ermon/NOTES.md has the curves and the commands). Ho & Ermon used 1.5M on classic
 * control and 25M on MuJoCo; here MuJoCo gets at least 1M.
 */
export const HO_ERMON_BUDGETS: Record<string, Table1Budget & { envSteps: number }> = {
  // CartPole and Acrobot: GAIL evaluates after every round (CartPole, 1k env steps) or every 5th
  // (Acrobot, 10k), MGAIL every 25 iterations (250 env steps with their imagined-unroll configs),
  // so "first reaches 90%" is read finer than either method's learning moves (evaluations never
  // touch training's random streams). MountainCar, whose MGAIL config still unrolls the real
  // envs: both about every 10k env steps.
  'CartPole-v1': { envSteps: 200_000, gail: { evalEvery: 1 }, mgail: { evalEvery: 25 } },
  'Acrobot-v1': { envSteps: 300_000, gail: { evalEvery: 5 }, mgail: { evalEvery: 25 } },
  'MountainCar-v0': { envSteps: 600_000, gail: { evalEvery: 5 }, mgail: { evalEvery: 25 } },
  'Hopper-v5': { envSteps: 1_000_000, gail: { ...MUJOCO_GAIL_PLAIN, evalEvery: 20 }, mgail: { evalEvery: 1000 } },
  'Walker2d-v5': { envSteps: 1_000_000, gail: { ...MUJOCO_GAIL_PLAIN, evalEvery: 20 }, mgail: { evalEvery: 1000 } },
  'HalfCheetah-v5': { envSteps: 1_000_000, gail: { ...MUJOCO_GAIL_PLAIN, evalEvery: 20 }, mgail: { evalEvery: 1000 } },
  'Ant-v5': { envSteps: 1_000_000, gail: { ...MUJOCO_GAIL_PLAIN, evalEvery: 20 }, mgail: { evalEvery: 1000 } },
  'Humanoid-v5': { envSteps: 1_000_000, gail: { ...MUJOCO_GAIL_PLAIN, evalEvery: 20 }, mgail: { evalEvery: 1000 } },
};

/**
 * MGAIL iterations that spend at most `envSteps`: after the initial random steps, each iteration
 * steps `unrollBatch` live envs for `horizon` steps per real unroll (`unrollsPerUpdate` unrolls,
 * `policyUpdatesPerIteration` times), or `idleCollectSteps` (−1: `horizon`) when its policy
 * update steps no env (imagination or no real unrolls), plus `collectSteps` every `collectEvery`
 * iterations. Prep iterations also roll the idle steps, so this is an upper bound's floor: the
 * bench also stops MGAIL at the budget.
 */
export function mgailIterationsFor(
  c: Pick<
    MGAILConfig,
    'initialRandomSteps' | 'unrollBatch' | 'horizon' | 'unrollsPerUpdate' | 'collectEvery' | 'collectSteps' | 'policyUpdatesPerIteration' | 'idleCollectSteps' | 'imagination'
  >,
  envSteps: number,
): number {
  // the trainer's own rules for what steps the env in an iteration
  const perUpdate = policyStepsEnvs(c) ? c.horizon * c.unrollsPerUpdate * (c.policyUpdatesPerIteration ?? 1) : idleCollectStepsOf(c);
  const perIteration = c.unrollBatch * (perUpdate + (c.collectEvery > 0 ? c.collectSteps / c.collectEvery : 0));
  return Math.max(1, Math.floor((envSteps - c.initialRandomSteps) / Math.max(1e-9, perIteration)));
}

/** Env-step budget used when neither the table nor `--budget-steps` gives one. */
export const DEFAULT_ENV_STEPS = 1_000_000;

/** A plain-words line per env for the report's notes. */
export function describeBudget(env: string, protocol: 'ho-ermon' | 'full' = 'full', budgetSteps?: number): string {
  if (protocol === 'ho-ermon') {
    const h = HO_ERMON_BUDGETS[env];
    const steps = budgetSteps ?? h?.envSteps;
    return h && steps ? `${env}: GAIL and MGAIL ${steps.toLocaleString('en-US')} env steps each (GAIL ${JSON.stringify(h.gail ?? {})}; MGAIL ${JSON.stringify(h.mgail ?? {})}, its iterations capped at the budget) over each algorithm's per-env config.` : `${env}: each algorithm's own defaults and per-env config.`;
  }
  const b = TABLE1_BUDGETS[env];
  if (!b) return `${env}: each algorithm's own defaults and per-env config.`;
  const parts: string[] = [];
  if (b.gail) parts.push(`GAIL ${JSON.stringify(b.gail)}`);
  if (b.mgail) parts.push(`MGAIL ${JSON.stringify(b.mgail)}`);
  if (b.mgailEnvSteps) parts.push(`MGAIL stops at ${b.mgailEnvSteps} env steps`);
  return `${env}: ${parts.join('; ')} over each algorithm's per-env config.`;
}
