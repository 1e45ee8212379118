import { tf, Rng } from '@mgail/core-autodiff-graph';
import { Box } from '@mgail/envs-classic';
import { SAC, sacConfig, type VectorEnvLike } from '@mgail/baselines-gail-bc';
import { timeSteps, type Timing } from './timing.js';

/**
 * Workload SAC: the updates of one env step of the MuJoCo experts' SAC (actor and twin critics
 * 256×256, batch 256, CleanRL's schedule: a critic step every env step, the actor and α twice
 * every second step, Polyak targets every step). Timed over two env steps and halved, so the
 * number is per env step whatever the step's parity. Mirrors bench_sac of the PyTorch reference.
 */
export const WORKLOAD_SAC = { obsDim: 17, actDim: 6, batch: 256, hidden: [256, 256] } as const;

export function benchWorkloadSAC(batch: number, warmup: number, reps: number, seed = 0): Timing {
  const { obsDim, actDim } = WORKLOAD_SAC;
  // The learner needs spaces only: the buffer is filled with random transitions, no env is stepped.
  const venv: VectorEnvLike = {
    numEnvs: 1,
    singleObservationSpace: new Box(-Infinity, Infinity, [obsDim]),
    singleActionSpace: new Box(-1, 1, [actDim]),
    reset: () => {
      throw new Error('workload SAC steps no env');
    },
    step: () => {
      throw new Error('workload SAC steps no env');
    },
    close: () => undefined,
  };
  const config = sacConfig(undefined, { batchSize: batch, bufferSize: 10_000, hidden: [...WORKLOAD_SAC.hidden], qHidden: [...WORKLOAD_SAC.hidden] });
  const sac = new SAC(venv, config, { seed, totalSteps: 1 });
  const rng = new Rng(seed + 1);
  const s = new Float32Array(obsDim), s2 = new Float32Array(obsDim), a = new Float32Array(actDim);
  for (let i = 0; i < config.bufferSize; i++) {
    rng.fillNormal(s);
    rng.fillNormal(s2);
    for (let j = 0; j < actDim; j++) a[j] = rng.uniform(-1, 1);
    sac.buffer.add(s, a, rng.normal(), s2, rng.uniform(0, 1) < 0.01);
  }
  const twoSteps = () => {
    for (let k = 0; k < 2 * config.updatesPerStep; k++) sac.update(rng);
  };
  try {
    twoSteps();
    const before = tf.memory().numTensors;
    const t = timeSteps(twoSteps, warmup, reps);
    const after = tf.memory().numTensors;
    if (after !== before) throw new Error(`workload SAC leaked ${after - before} tensors over ${warmup + reps} steps`);
    return { ...t, median_ms: t.median_ms / 2, min_ms: t.min_ms / 2 };
  } finally {
    sac.dispose();
  }
}
