/** The JSON the server sends (mirrors `ReplayInfo` and `EpisodeData` in ../replay.ts). */
export interface EpisodeSummary {
  index: number;
  length: number;
  return: number;
  terminated: boolean;
  truncated: boolean;
}

export interface ReplayInfo {
  envId: string;
  kind: 'mujoco' | 'classic' | 'generic';
  source: string;
  origin: 'demos' | 'rollout';
  episodes: EpisodeSummary[];
  initialEpisode: number;
  fps: number;
  obsDim: number;
  actDim: number;
  discrete: boolean;
  nq?: number;
  nv?: number;
}

export interface EpisodeData extends EpisodeSummary {
  observations: number[][];
  actions: number[][];
  rewards: number[];
  qpos?: number[][];
  terms?: Record<string, number[]>;
  info?: Record<string, number[]>;
  resimRewardError?: number;
}

/** Draws frame f (0..length) of an episode. */
export interface Renderer {
  readonly element: HTMLElement;
  setEpisode(ep: EpisodeData): void;
  draw(frame: number): void;
  resize(width: number, height: number): void;
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${body}`);
  return JSON.parse(body) as T;
}
