/**
 * Ho & Ermon's (2016) data protocol, the one the MGAIL paper's Table 1 reuses (openai/imitation,
 * `pipelines/im_pipeline.yaml` and `im_classic_pipeline.yaml`): demonstrations sampled from the
 * stochastic expert, every trajectory subsampled (`data_subsamp_freq`) from a random offset,
 * datasets of 50 MuJoCo / 10 classic trajectories of which the first N are used, 50 evaluation
 * episodes. This is the one table of its per-env values; the CLI, the trainers' callers and
 * the bench read it from here.
 */
export const HO_ERMON_SUBSAMPLE: Readonly<Record<string, number>> = {
  'CartPole-v1': 10,
  'Acrobot-v1': 5,
  'MountainCar-v0': 5,
  'Hopper-v5': 20,
  'Walker2d-v5': 20,
  'HalfCheetah-v5': 20,
  'Ant-v5': 20,
  'Humanoid-v5': 20,
};

/** Evaluation episodes of the protocol. */
export const HO_ERMON_EVAL_EPISODES = 50;

/** The protocol's `data_subsamp_freq` for an env: 20 on MuJoCo, 10 CartPole, 5 Acrobot and MountainCar. */
export function hoErmonSubsample(envId: string): number {
  const k = HO_ERMON_SUBSAMPLE[envId];
  if (k === undefined) throw new Error(`the ho-ermon protocol has no subsampling rate for ${envId} (it covers ${Object.keys(HO_ERMON_SUBSAMPLE).join(', ')}); pass --subsample K`);
  return k;
}
