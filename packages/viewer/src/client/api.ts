import type { EpisodeData } from './protocol.js';
export type { EpisodeData, EpisodeSummary, ReplayInfo, ReplayKind } from './protocol.js';

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
