/**
 * A hand-written CartPole controller that balances for 500 steps from every start: push right
 * when θ + 0.5·θ̇ + 0.01·x + 0.1·ẋ > 0. Tests and examples use it as an expert that needs no training.
 */
export function cartPoleLinearExpert(obs: ArrayLike<number>): number {
  return obs[2] + 0.5 * obs[3] + 0.01 * obs[0] + 0.1 * obs[1] > 0 ? 1 : 0;
}
