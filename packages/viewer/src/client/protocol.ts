// The JSON the server sends the page. Types only, so the server (tsconfig.json) and the page
// (tsconfig.client.json) share one definition and nothing of it reaches the browser at run time.

/** How the page draws an env: a 3D MuJoCo scene, a 2D classic-control sketch, or observation bars. */
export type ReplayKind = 'mujoco' | 'classic' | 'generic';

export interface EpisodeSummary {
  index: number;
  /** Transitions (the page shows length + 1 frames: every state, the last one included). */
  length: number;
  return: number;
  terminated: boolean;
  truncated: boolean;
}

/** What `GET /api/replay` returns: everything the page needs before it fetches an episode. */
export interface ReplayInfo {
  envId: string;
  kind: ReplayKind;
  /** The file the episodes came from (demos) or the checkpoint they were rolled out with. */
  source: string;
  origin: 'demos' | 'rollout';
  episodes: EpisodeSummary[];
  /** The episode the page opens first (`--episode`). */
  initialEpisode: number;
  /** Env steps per second of real time (Gymnasium's render_fps: 1 / dt). */
  fps: number;
  obsDim: number;
  actDim: number;
  discrete: boolean;
  /** MuJoCo only: sizes of the recorded state. */
  nq?: number;
  nv?: number;
}

/** What `GET /api/episode/K` returns. Frame f is the state before action f; frame `length` is the final state. */
export interface EpisodeData extends EpisodeSummary {
  observations: number[][];
  actions: number[][];
  /** Recorded reward of each transition (float32 in the file). */
  rewards: number[];
  /** MuJoCo: generalized positions of every frame (length + 1). */
  qpos?: number[][];
  /**
   * MuJoCo: the env's `reward_*` info terms of each transition, from re-simulating it
   * (setState(qpos_t, qvel_t), step(a_t)); their sum is the env's reward.
   */
  terms?: Record<string, number[]>;
  /** MuJoCo: the other scalar info values of each transition (x_position, x_velocity, ...). */
  info?: Record<string, number[]>;
  /** MuJoCo: largest |re-simulated reward - recorded reward| over the episode. */
  resimRewardError?: number;
}
