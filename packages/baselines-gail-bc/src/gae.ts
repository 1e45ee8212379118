/**
 * Generalized advantage estimation (Schulman et al. 2016) over a [T, N] rollout, time-major.
 * `dones[t]` marks that the episode ended at step t (terminated or truncated); truncated
 * episodes are bootstrapped by the caller, who adds γ·V(s_final) to the reward at that step.
 */
export function computeGAE(
  rewards: Float32Array,
  values: Float32Array,
  dones: Uint8Array,
  nextValues: Float32Array,
  numSteps: number,
  numEnvs: number,
  gamma: number,
  lambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const adv = new Float32Array(numSteps * numEnvs);
  const ret = new Float32Array(numSteps * numEnvs);
  for (let e = 0; e < numEnvs; e++) {
    let last = 0;
    for (let t = numSteps - 1; t >= 0; t--) {
      const i = t * numEnvs + e;
      const nonTerminal = dones[i] ? 0 : 1;
      const nextV = t === numSteps - 1 ? nextValues[e] : values[i + numEnvs];
      const delta = rewards[i] + gamma * nextV * nonTerminal - values[i];
      last = delta + gamma * lambda * nonTerminal * last;
      adv[i] = last;
      ret[i] = last + values[i];
    }
  }
  return { advantages: adv, returns: ret };
}
