/**
 * Per-env training budgets of the Table 1 bench, merged over each algorithm's own defaults and
 * per-env config files. They are small on purpose: the classic rows finish in minutes on two
 * cores. `--budget-steps N` replaces the GAIL and MGAIL env-step budgets.
 */
export interface Table1Budget {
  bc?: Record<string, unknown>;
  gail?: Record<string, unknown>;
  mgail?: Record<string, unknown>;
  /** MGAIL stops once it has taken this many env steps (it counts iterations, not steps). */
  mgailEnvSteps?: number;
}

export const TABLE1_BUDGETS: Record<string, Table1Budget> = {
  'CartPole-v1': { gail: { totalSteps: 20_480, evalEvery: 4 }, mgail: { iterations: 600, evalEvery: 100 }, mgailEnvSteps: 20_000 },
  'Acrobot-v1': { gail: { totalSteps: 60_000 }, mgail: { iterations: 1500, evalEvery: 100 }, mgailEnvSteps: 60_000 },
  'MountainCar-v0': { gail: { totalSteps: 60_000 }, mgail: { iterations: 1500, evalEvery: 100 }, mgailEnvSteps: 60_000 },
};

/** Env-step budget used when neither the table nor `--budget-steps` gives one (MuJoCo rows). */
export const DEFAULT_ENV_STEPS = 1_000_000;
