// PointMass-v0: a point in the unit square moves toward a goal. Load it with
//   mgail <verb> --env-module examples/custom-env/point-mass.mjs --env PointMass-v0 ...
//
// Convention: the default export receives { register, Box, Discrete, Rng, TimeLimit, checkAction, ... }
// from the CLI (the same registry `make` reads), so this file needs no imports and no install.

const MAX_STEPS = 50;
const DT = 0.1;

export default function registerPointMass({ register, Box, Rng, checkAction }) {
  class PointMassEnv {
    constructor({ maxEpisodeSteps = MAX_STEPS, goalRadius = 0.05 } = {}) {
      this.spec = { id: 'PointMass-v0', maxEpisodeSteps, entryPoint: 'examples/custom-env/point-mass.mjs', kwargs: { goalRadius } };
      this.goalRadius = goalRadius;
      // [x, y, goal_x - x, goal_y - y]
      this.observationSpace = new Box([-1, -1, -2, -2], [1, 1, 2, 2]);
      // velocity command, clipped to the box (as Gymnasium's continuous envs clip)
      this.actionSpace = new Box(-1, 1, [2]);
      this.rng = new Rng(0);
      this.pos = [0, 0];
      this.goal = [0, 0];
      this.t = 0;
    }
    reset(options = {}) {
      if (options.seed !== undefined) this.rng = new Rng(options.seed);
      this.pos = [this.rng.uniform(-1, 1), this.rng.uniform(-1, 1)];
      this.goal = [this.rng.uniform(-1, 1), this.rng.uniform(-1, 1)];
      this.t = 0;
      return { observation: this.obs(), info: {} };
    }
    step(action) {
      const a = checkAction(this.spec.id, this.actionSpace, action); // throws on bad length / NaN
      for (let i = 0; i < 2; i++) {
        const v = Math.min(1, Math.max(-1, a[i]));
        this.pos[i] = Math.min(1, Math.max(-1, this.pos[i] + DT * v));
      }
      this.t++;
      const dist = Math.hypot(this.goal[0] - this.pos[0], this.goal[1] - this.pos[1]);
      const terminated = dist < this.goalRadius;
      return { observation: this.obs(), reward: -dist, terminated, truncated: !terminated && this.t >= this.spec.maxEpisodeSteps, info: { distance: dist } };
    }
    close() {}
    obs() {
      return Float32Array.of(this.pos[0], this.pos[1], this.goal[0] - this.pos[0], this.goal[1] - this.pos[1]);
    }
  }

  register('PointMass-v0', (options) => new PointMassEnv(options), { maxEpisodeSteps: MAX_STEPS, kwargs: { goalRadius: 0.05 }, entryPoint: 'examples/custom-env/point-mass.mjs' });
}

/** The scripted expert: head straight for the goal at full speed. */
export function expert(obs) {
  return [Math.max(-1, Math.min(1, obs[2] / DT)), Math.max(-1, Math.min(1, obs[3] / DT))];
}
