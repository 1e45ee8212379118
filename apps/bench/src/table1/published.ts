/**
 * Published returns (mean ± std) from Ho & Ermon (2016), "Generative Adversarial Imitation
 * Learning", NeurIPS, Table 1 / Figure 1 data — the expert, BC and GAIL figures the MGAIL paper's
 * Table 1 (Baram et al. 2017) reuses. Copied here so the bench needs nothing outside the repo.
 *
 * Env versions differ from ours: they used gym 2016 (MuJoCo tasks v1 on mujoco-py; CartPole
 * with a 200-step limit, so its expert scores 200 where CartPole-v1 scores 500). Our rows run
 * Gymnasium's v1/v0 classic envs and MuJoCo v5, so compare shapes, not digits. GAIL's sample
 * cost there: 50,000 state-action pairs per iteration, 501 iterations (1,501 for Humanoid).
 * The MGAIL paper's own MGAIL figures were not available to us, so there is no MGAIL column.
 */
export interface PublishedStat {
  mean: number;
  /** Absent where the source gives only the mean. */
  std?: number;
}

export interface PublishedRow {
  /** The task's name in the paper. */
  task: string;
  /** The env id our bench runs for that task. */
  envId: string;
  expert: PublishedStat;
  trajectories: number[];
  /** Per trajectory count, aligned with `trajectories`; null where the source gives none. */
  bc: (PublishedStat | null)[];
  gail: (PublishedStat | null)[];
  /** What differs between their env and ours. */
  versionNote: string;
}

export const PUBLISHED_SOURCE = 'Ho & Ermon (2016), Generative Adversarial Imitation Learning, NeurIPS (Table 1 data, as reused by Baram et al. 2017)';

const s = (mean: number, std?: number): PublishedStat => (std === undefined ? { mean } : { mean, std });

export const PUBLISHED: readonly PublishedRow[] = [
  {
    task: 'CartPole', envId: 'CartPole-v1', expert: s(200, 0), trajectories: [1, 4, 7, 10],
    bc: [s(72.02, 35.82), s(169.18, 59.81), s(188.6, 29.61), s(177.19, 52.83)],
    gail: [s(200, 0), s(200, 0), s(200, 0), s(200, 0)],
    versionNote: 'gym 2016 CartPole, 200-step limit (CartPole-v1: 500)',
  },
  {
    task: 'Acrobot', envId: 'Acrobot-v1', expert: s(-75.25, 10.94), trajectories: [1, 4, 7, 10],
    bc: [s(-130.6, 55.08), null, null, null],
    gail: [s(-77.26, 18.03), s(-83.12), s(-82.56), s(-78.91)],
    versionNote: 'gym 2016 Acrobot',
  },
  {
    task: 'MountainCar', envId: 'MountainCar-v0', expert: s(-98.75, 8.71), trajectories: [1, 4, 7, 10],
    bc: [s(-136.76, 34.44), s(-133.25), s(-127.34), s(-123.14)],
    gail: [s(-101.55, 10.32), s(-101.35), s(-99.9), s(-100.83)],
    versionNote: 'gym 2016 MountainCar',
  },
  {
    task: 'Hopper', envId: 'Hopper-v5', expert: s(3571.38, 184.2), trajectories: [4, 11, 18, 25],
    bc: [s(50.57, 0.95), s(1025.84, 266.86), s(1949.09, 500.61), s(3383.96, 657.61)],
    gail: [s(3614.22, 7.17), s(3615.0, 4.32), s(3600.7, 4.24), s(3560.85, 3.09)],
    versionNote: 'Hopper-v1 (mujoco-py); ours is Hopper-v5',
  },
  {
    task: 'Walker', envId: 'Walker2d-v5', expert: s(6717.08, 845.62), trajectories: [4, 11, 18, 25],
    bc: [s(32.18, 1.25), s(5946.81, 1733.73), s(1263.82, 1347.74), s(1599.36, 1456.59)],
    gail: [s(4877.98, 2848.37), s(6850.27, 39.19), s(6964.68, 46.3), s(6832.01, 254.64)],
    versionNote: 'Walker2d-v1 (mujoco-py); ours is Walker2d-v5',
  },
  {
    task: 'Ant', envId: 'Ant-v5', expert: s(4228.37, 424.16), trajectories: [4, 11, 18, 25],
    bc: [s(1611.75, 359.54), s(3065.59, 635.19), s(2597.22, 1366.57), s(3235.73, 1186.38)],
    gail: [s(3186.8, 903.57), s(3306.67, 988.39), s(3033.87, 1460.96), s(4132.9, 878.67)],
    versionNote: 'Ant-v1 (mujoco-py, contact forces in the observation); ours is Ant-v5',
  },
  {
    task: 'HalfCheetah', envId: 'HalfCheetah-v5', expert: s(4463.46, 105.83), trajectories: [4, 11, 18, 25],
    bc: [s(-493.62, 246.58), s(637.57, 1708.1), s(2705.01, 2273.0), s(3718.58, 1856.22)],
    gail: [s(4515.7, 549.49), s(4280.65, 1119.93), s(4749.43, 149.04), s(4840.07, 95.36)],
    versionNote: 'HalfCheetah-v1 (mujoco-py); ours is HalfCheetah-v5',
  },
  {
    task: 'Humanoid', envId: 'Humanoid-v5', expert: s(9575.4, 1750.8), trajectories: [80, 160, 240],
    bc: [s(1397.06, 1057.84), s(3655.14, 3714.28), s(5660.53, 3600.7)],
    gail: [s(10200.73, 1324.47), s(10119.8, 1254.73), s(10361.94, 61.28)],
    versionNote: 'Humanoid-v1 (mujoco-py); ours is Humanoid-v5',
  },
];

/** The published row for an env id, if any. */
export function publishedFor(envId: string): PublishedRow | undefined {
  return PUBLISHED.find((r) => r.envId === envId);
}
