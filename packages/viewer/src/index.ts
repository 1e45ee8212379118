export { startViewer } from './server.js';
export type { Viewer, ViewerOptions } from './server.js';
export { Replay, CLASSIC_RENDERERS } from './replay.js';
export type { ReplayKind, ReplayInfo, EpisodeSummary, EpisodeData, LoadReplayOptions, MakeEnv } from './replay.js';
