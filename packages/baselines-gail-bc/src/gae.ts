/** One rollout of `numSteps` × `numEnvs` transitions, time-major (index t·numEnvs + e). */
export interface GAEInput {
  rewards: ArrayLike<number>;
  /** V(s_t) of the observation each action was taken in. */
  values: ArrayLike<number>;
  /** 1 where the MDP reached a terminal state at step t: the future is worth 0. */
  terminated: ArrayLike<number>;
  /**
   * 1 where the time limit cut the episode at step t: the state was not terminal, so the
   * future is worth V(s_final), the value of the observation the episode was cut at.
   */
  truncated: ArrayLike<number>;
  /** V(s_final) at truncated steps (read only where `truncated` is set and `terminated` is not). */
  finalValues: ArrayLike<number>;
  /** V(s_T) of each env's observation after the last step, [numEnvs]. */
  lastValues: ArrayLike<number>;
  numSteps: number;
  numEnvs: number;
  gamma: number;
  lambda: number;
}

/**
 * Generalized advantage estimation (Schulman et al. 2016, eq. 16):
 *   δ_t = r_t + γ V(s_{t+1}) − V(s_t),   Â_t = Σ_l (γλ)^l δ_{t+l},
 * with the sum cut at every episode boundary. A terminated step bootstraps from 0, a
 * truncated one from V(s_final): a time limit is not part of the MDP (Pardo et al. 2018).
 * Returns the advantages and the λ-returns Â_t + V(s_t) (the value targets).
 */
export function computeGAE(x: GAEInput): { advantages: Float32Array; returns: Float32Array } {
  const { numSteps: T, numEnvs: N, gamma, lambda } = x;
  const size = T * N;
  for (const k of ['rewards', 'values', 'terminated', 'truncated', 'finalValues'] as const) {
    if (x[k].length !== size) throw new Error(`computeGAE: ${k} has ${x[k].length} entries, expected numSteps × numEnvs = ${size}`);
  }
  if (x.lastValues.length !== N) throw new Error(`computeGAE: lastValues has ${x.lastValues.length} entries, expected numEnvs = ${N}`);
  const adv = new Float32Array(size);
  const ret = new Float32Array(size);
  for (let e = 0; e < N; e++) {
    let next = 0; // Â_{t+1}
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + e;
      let nextValue: number;
      let continues: number; // whether Â_{t+1} belongs to the same episode
      if (x.terminated[i]) {
        nextValue = 0;
        continues = 0;
      } else if (x.truncated[i]) {
        nextValue = x.finalValues[i];
        continues = 0;
      } else {
        nextValue = t === T - 1 ? x.lastValues[e] : x.values[i + N];
        continues = 1;
      }
      const delta = x.rewards[i] + gamma * nextValue - x.values[i];
      next = delta + gamma * lambda * continues * next;
      adv[i] = next;
      ret[i] = next + x.values[i];
    }
  }
  return { advantages: adv, returns: ret };
}
