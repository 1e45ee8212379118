import fs from 'node:fs';
import { Rng, writeFileAtomic } from '@mgail/core-autodiff-graph';
import { describeSpace, flatDim, spaceFromJSON, type Discrete, type Env, type Space, type SpaceJSON } from '@mgail/envs-classic';
import { decodeNpz, encodeNpz, type NpyArray } from './npz.js';
import type { Policy } from './policy.js';
import { meanStd } from './evaluate.js';
import { LIBRARY_VERSION } from './version.js';

/** The `format` in a demonstrations file's metadata. */
export const DEMOS_FORMAT = 'mgail-demos';

/** What a demonstration file says about itself (stored as JSON in its `metadata` array). */
export interface DemoMetadata {
  format: typeof DEMOS_FORMAT;
  formatVersion: 1;
  libraryVersion: string;
  envId: string;
  observationSpace: SpaceJSON;
  actionSpace: SpaceJSON;
  numEpisodes: number;
  numTransitions: number;
  /** Undiscounted return of each episode, in file order. */
  returns: number[];
  lengths: number[];
  meanReturn: number;
  stdReturn: number;
  /** Seed of the first reset; later episodes continue the env's stream. */
  seed?: number;
  deterministic?: boolean;
  /** How the expert chose each action: its mode (`deterministic`) or a sample of its distribution (`stochastic`). */
  actionSelection?: 'stochastic' | 'deterministic';
  /** Set on a view made by `selectEpisodes`: which episodes and pairs it holds. */
  selection?: Selection;
  /** The policy that produced the episodes (a checkpoint path or a description). */
  source?: string;
  command?: string;
  created: string;
  [key: string]: unknown;
}

/**
 * Expert demonstrations: N transitions of E whole episodes, row-major.
 * On disk (`.npz`): observations f4[N,obs], actions f4[N,act] (int64[N] for Discrete),
 * rewards f4[N], next_observations f4[N,obs], terminated b1[N], truncated b1[N],
 * episode_starts i8[E], episode_lengths i8[E], optional qpos f8[N,nq] / qvel f8[N,nv]
 * (MuJoCo state before each action), metadata <U (JSON).
 */
export type Demonstrations = BoxDemonstrations | DiscreteDemonstrations;

/** Demonstrations of a `Box` action space: `actions` holds N × actDim floats. */
export interface BoxDemonstrations extends DemonstrationsBase {
  discrete: false;
  actions: Float32Array;
}

/** Demonstrations of a `Discrete` action space: `actions` holds N integers (`actDim` is 1). */
export interface DiscreteDemonstrations extends DemonstrationsBase {
  discrete: true;
  actions: Int32Array;
}

/** What both kinds share; `discrete` tells them apart (`if (d.discrete) d.actions` is an Int32Array). */
export interface DemonstrationsBase {
  obsDim: number;
  /** Action size (Box) or 1 (Discrete: actions are integers). */
  actDim: number;
  discrete: boolean;
  observations: Float32Array;
  actions: Float32Array | Int32Array;
  rewards: Float32Array;
  nextObservations: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  episodeStarts: number[];
  episodeLengths: number[];
  qpos?: Float64Array;
  qvel?: Float64Array;
  nq?: number;
  nv?: number;
  metadata: DemoMetadata;
  /**
   * Set by `readDemos`: how many Box action values of the file lay outside the action space and
   * were clipped into it on load (the env executed them clipped, as Gymnasium's ClipAction does).
   */
  clippedActions?: number;
}

/** Number of whole episodes in the demonstrations. */
export function numEpisodes(d: Demonstrations): number {
  return d.episodeStarts.length;
}

/** Number of transitions (steps) over all episodes. */
export function numTransitions(d: Demonstrations): number {
  return d.rewards.length;
}

/** [start, end) transition ranges of each episode. */
export function episodeSlices(d: Demonstrations): Array<[number, number]> {
  return d.episodeStarts.map((s, i) => [s, s + d.episodeLengths[i]]);
}

/** Which expert data a run sees: the first `trajectories` episodes, every `subsample`-th pair of each. */
export interface SelectOptions {
  /** Keep the first N episodes (the paper's "number of trajectories"); all of them when absent. */
  trajectories?: number;
  /**
   * Keep every K-th (observation, action) pair of each kept episode, from a random offset in
   * [0, K) drawn per episode (Ho & Ermon's `data_subsamp_freq`); 1 keeps every pair.
   */
  subsample?: number;
  /** Seed of the per-episode offsets (a run passes its own seed). */
  seed?: number;
}

/** What `selectEpisodes` kept, recorded in the view's metadata (and so in a run's config.json). */
export interface Selection {
  trajectories: number;
  subsample: number;
  /** Seed of the offsets (null when `subsample` is 1: nothing was drawn). */
  offsetSeed: number | null;
  /** Offset of each kept episode's first pair. */
  offsets: number[];
  /** Pairs the run sees, over all kept episodes. */
  keptPairs: number;
  /** Pairs the kept episodes have in the file. */
  episodePairs: number;
}

/**
 * A view of the demonstrations that holds only the pairs a run may read: the first N episodes,
 * and of each every K-th pair from a seeded random offset. Every array (observations, actions,
 * rewards, next observations, flags, qpos/qvel) is cut the same way, so BC's pairs, the
 * discriminator's expert batches, normalization statistics and expert restarts all see the same
 * kept pairs. `episodeLengths` become the kept counts; `metadata.returns` and `metadata.lengths`
 * keep the whole episodes' returns and lengths (the expert's level), and `metadata.selection`
 * says what was kept. A number is `{ trajectories: k }`.
 */
export function selectEpisodes(d: Demonstrations, sel: number | SelectOptions): Demonstrations {
  const o: SelectOptions = typeof sel === 'number' ? { trajectories: sel } : sel;
  const e = numEpisodes(d);
  const k = o.trajectories ?? e;
  const every = o.subsample ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new Error(`selectEpisodes: the number of trajectories must be a positive integer, got ${k}`);
  if (k > e) throw new Error(`demonstrations hold ${e} trajectories, ${k} were asked for`);
  if (!Number.isInteger(every) || every < 1) throw new Error(`selectEpisodes: subsample must be a positive integer (keep every K-th pair), got ${every}`);
  // offsets drawn over a view would compound: subsample the file's whole episodes
  if (every > 1 && (d.metadata.selection?.subsample ?? 1) > 1) throw new Error(`selectEpisodes: these demonstrations are already subsampled (every ${d.metadata.selection!.subsample}); select from the file's whole episodes`);
  if (k === e && every === 1) return d;
  const seed = o.seed ?? 0;
  const rng = new Rng(seed);
  const rows: number[] = [];
  const offsets: number[] = [];
  const lengths: number[] = [];
  const starts: number[] = [];
  let episodePairs = 0;
  for (let i = 0; i < k; i++) {
    const s = d.episodeStarts[i], len = d.episodeLengths[i];
    episodePairs += len;
    // an offset past a short episode's end would keep nothing of it: at least its first pair
    const off = every > 1 ? Math.min(rng.int(every), len - 1) : 0;
    offsets.push(off);
    starts.push(rows.length);
    for (let t = off; t < len; t += every) rows.push(s + t);
    lengths.push(rows.length - starts[i]);
  }
  const take = <T extends Float32Array | Int32Array | Uint8Array | Float64Array>(a: T, w: number): T => {
    const out = new (a.constructor as new (n: number) => T)(rows.length * w);
    rows.forEach((r, j) => out.set(a.subarray(r * w, (r + 1) * w), j * w));
    return out;
  };
  const returns = d.metadata.returns.slice(0, k);
  const ms = meanStd(returns);
  const selection: Selection = { trajectories: k, subsample: every, offsetSeed: every > 1 ? seed : null, offsets, keptPairs: rows.length, episodePairs };
  return {
    ...d,
    observations: take(d.observations, d.obsDim),
    actions: take(d.actions, d.actDim),
    rewards: take(d.rewards, 1),
    nextObservations: take(d.nextObservations, d.obsDim),
    terminated: take(d.terminated, 1),
    truncated: take(d.truncated, 1),
    episodeStarts: starts,
    episodeLengths: lengths,
    qpos: d.qpos && d.nq ? take(d.qpos, d.nq) : undefined,
    qvel: d.qvel && d.nv ? take(d.qvel, d.nv) : undefined,
    metadata: {
      ...d.metadata, numEpisodes: k, numTransitions: rows.length, returns, lengths: d.metadata.lengths.slice(0, k), meanReturn: ms.mean, stdReturn: ms.std,
      selection,
    },
  } as Demonstrations; // actions keep d's kind
}

/** How the expert chose its actions: the metadata's `actionSelection` (older files: their `deterministic` flag). */
export function actionSelection(d: Demonstrations | DemoMetadata): 'stochastic' | 'deterministic' | 'unknown' {
  const m: DemoMetadata = (d as Demonstrations).observations ? (d as Demonstrations).metadata : (d as DemoMetadata);
  if (m.actionSelection === 'stochastic' || m.actionSelection === 'deterministic') return m.actionSelection;
  if (typeof m.deterministic === 'boolean') return m.deterministic ? 'deterministic' : 'stochastic';
  return 'unknown';
}

/** What a run records of the expert data it read (config.json, Table 1 cells). */
export function demosProvenance(d: Demonstrations): Record<string, unknown> {
  const s = d.metadata.selection as Selection | undefined;
  return {
    trajectories: numEpisodes(d),
    subsample: s?.subsample ?? 1,
    subsampleOffsetSeed: s?.offsetSeed ?? null,
    keptPairs: numTransitions(d),
    actionSelection: actionSelection(d),
  };
}

/** Writes a demonstrations file (atomically), after the check every reader makes: a file no reader would accept is never written. */
export function writeDemos(file: string, d: Demonstrations): void {
  validateDemos(d, file);
  const n = numTransitions(d);
  const e = numEpisodes(d);
  const arrays: Record<string, NpyArray> = {
    observations: { dtype: '<f4', shape: [n, d.obsDim], data: d.observations },
    actions: d.discrete ? { dtype: '<i8', shape: [n], data: d.actions } : { dtype: '<f4', shape: [n, d.actDim], data: d.actions },
    rewards: { dtype: '<f4', shape: [n], data: d.rewards },
    next_observations: { dtype: '<f4', shape: [n, d.obsDim], data: d.nextObservations },
    terminated: { dtype: '|b1', shape: [n], data: d.terminated },
    truncated: { dtype: '|b1', shape: [n], data: d.truncated },
    episode_starts: { dtype: '<i8', shape: [e], data: Float64Array.from(d.episodeStarts) },
    episode_lengths: { dtype: '<i8', shape: [e], data: Float64Array.from(d.episodeLengths) },
  };
  if (d.qpos && d.nq) arrays.qpos = { dtype: '<f8', shape: [n, d.nq], data: d.qpos };
  if (d.qvel && d.nv) arrays.qvel = { dtype: '<f8', shape: [n, d.nv], data: d.qvel };
  const json = JSON.stringify(d.metadata);
  arrays.metadata = { dtype: `<U${Math.max(1, Array.from(json).length)}`, shape: [], data: json };
  writeFileAtomic(file, encodeNpz(arrays));
}

/** Checks `readDemos` makes against what the caller expects, and a cap on the episodes kept. */
export interface ReadDemosOptions extends ValidateDemosOptions {
  /** Keep only the first k episodes. */
  maxEpisodes?: number;
}

/** Reads and validates a demonstrations file written by `writeDemos` (or by Python, same layout). */
export function readDemos(file: string, opts: ReadDemosOptions = {}): Demonstrations {
  if (!fs.existsSync(file)) throw new Error(`demonstrations file ${file} not found`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read demonstrations file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; pass a readable .npz file`);
  }
  const a = decodeNpz(bytes, file);
  const need = (name: string): NpyArray => {
    const x = a[name];
    if (!x) throw new Error(`${file}: missing array "${name}" (has ${Object.keys(a).join(', ')})`);
    return x;
  };
  const numeric = (name: string, x: NpyArray): ArrayLike<number> => {
    if (typeof x.data === 'string') throw new Error(`${file}: ${name} holds text (dtype ${x.dtype}), expected numbers`);
    return x.data;
  };
  let metadata: DemoMetadata;
  const metaArr = need('metadata');
  try {
    if (typeof metaArr.data !== 'string') throw new Error('not text');
    metadata = JSON.parse(metaArr.data);
  } catch {
    throw new Error(`${file}: "metadata" is not valid JSON`);
  }
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) throw new Error(`${file}: "metadata" is not a JSON object`);
  const obs = need('observations');
  if (obs.shape.length !== 2) throw new Error(`${file}: observations must be 2-D [N, obs_dim], got shape [${obs.shape}]`);
  const [n, obsDim] = obs.shape;
  const act = need('actions');
  if (act.shape.length !== 1 && act.shape.length !== 2) throw new Error(`${file}: actions must be [N] (Discrete) or [N, act_dim] (Box), got shape [${act.shape}]`);
  const discrete = act.shape.length === 1;
  const actDim = discrete ? 1 : act.shape[1];
  const check = (name: string, x: NpyArray, shape: number[]) => {
    if (x.shape.length !== shape.length || x.shape.some((s, i) => s !== shape[i])) {
      throw new Error(`${file}: ${name} has shape [${x.shape}], expected [${shape}]`);
    }
  };
  if (act.shape[0] !== n) throw new Error(`${file}: actions have ${act.shape[0]} rows, observations ${n}`);
  const rewards = need('rewards');
  check('rewards', rewards, [n]);
  const next = need('next_observations');
  check('next_observations', next, [n, obsDim]);
  const term = need('terminated');
  const trunc = need('truncated');
  check('terminated', term, [n]);
  check('truncated', trunc, [n]);
  const startsA = need('episode_starts');
  const lengthsA = need('episode_lengths');
  if (startsA.shape.length !== 1 || lengthsA.shape.length !== 1) throw new Error(`${file}: episode_starts and episode_lengths must be 1-D`);
  const starts = Array.from(numeric('episode_starts', startsA));
  const lengths = Array.from(numeric('episode_lengths', lengthsA));
  const qposA = a.qpos;
  const qvelA = a.qvel;
  for (const [name, x] of [['qpos', qposA], ['qvel', qvelA]] as const) {
    if (x && (x.shape.length !== 2 || x.shape[0] !== n)) throw new Error(`${file}: ${name} has shape [${x.shape}], expected [${n}, n${name === 'qpos' ? 'q' : 'v'}]`);
  }
  const raw = {
    obsDim,
    actDim,
    discrete,
    observations: numeric('observations', obs),
    actions: numeric('actions', act),
    rewards: numeric('rewards', rewards),
    nextObservations: numeric('next_observations', next),
    terminated: numeric('terminated', term),
    truncated: numeric('truncated', trunc),
    episodeStarts: starts,
    episodeLengths: lengths,
    qpos: qposA ? numeric('qpos', qposA) : undefined,
    qvel: qvelA ? numeric('qvel', qvelA) : undefined,
    nq: qposA?.shape[1],
    nv: qvelA?.shape[1],
    metadata,
  };
  // a Box action outside the space is what a Gaussian sample recorded unclipped (files written
  // before collect clipped them, or by other tools): the env executed it clipped, so it loads clipped
  const clippedActions = discrete ? 0 : clipBoxActions(raw as unknown as Demonstrations);
  // the raw values are checked before conversion: Int32Array.from would turn 1.5 into 1 and 2^40 into 0
  validateDemos(raw as unknown as Demonstrations, file, opts);
  let d: Demonstrations = {
    ...raw,
    observations: Float32Array.from(raw.observations),
    actions: discrete ? Int32Array.from(raw.actions) : Float32Array.from(raw.actions),
    rewards: Float32Array.from(raw.rewards),
    nextObservations: Float32Array.from(raw.nextObservations),
    terminated: Uint8Array.from(raw.terminated),
    truncated: Uint8Array.from(raw.truncated),
    qpos: raw.qpos ? Float64Array.from(raw.qpos) : undefined,
    qvel: raw.qvel ? Float64Array.from(raw.qvel) : undefined,
    ...(clippedActions ? { clippedActions } : {}),
  } as Demonstrations; // Int32Array exactly when discrete
  if (opts.maxEpisodes !== undefined) d = selectEpisodes(d, Math.min(opts.maxEpisodes, numEpisodes(d)));
  return d;
}

/**
 * Clips the Box actions of `d` into its metadata's action space in place (Gymnasium's
 * ClipAction: what the env executed) and returns how many values moved; 0 when the metadata
 * names no Box space (`validateDemos` then says what is wrong). NaN stays NaN, for it to refuse.
 */
export function clipBoxActions(d: Pick<Demonstrations, 'actions' | 'actDim' | 'metadata'>): number {
  let space: Space;
  try {
    space = spaceFromJSON((d.metadata as DemoMetadata).actionSpace);
  } catch {
    return 0;
  }
  if (space.kind !== 'box' || space.low.length !== d.actDim) return 0;
  const { low, high } = space;
  let moved = 0;
  const a = d.actions as unknown as { length: number; [i: number]: number };
  if (ArrayBuffer.isView(a) && !(a instanceof Float32Array || a instanceof Float64Array)) return 0;
  for (let i = 0; i < a.length; i++) {
    const j = i % d.actDim, v = a[i];
    if (v < low[j]) (a[i] = low[j]), moved++;
    else if (v > high[j]) (a[i] = high[j]), moved++;
  }
  return moved;
}

/** What the demonstrations must agree with, beyond their own consistency. */
export interface ValidateDemosOptions {
  /** Refuse demonstrations of another env. */
  envId?: string;
  obsDim?: number;
  actDim?: number;
  /** The env's spaces: the metadata's spaces and every action must fit them. */
  observationSpace?: Space;
  actionSpace?: Space;
}

/**
 * The one check of demonstration contents, run by `readDemos` and by every trainer on the
 * demonstrations it is handed (a library caller may build them in memory): shapes agree,
 * episodes tile the transitions, every observation, reward and Box action is finite, discrete
 * actions are integers inside the action space, flags are 0/1, and the metadata's spaces agree
 * with the data and with the env's. A value that fails would train without a word into a wrong
 * policy (one NaN observation poisons the normalizer), so each failure names the array, the
 * row and what to do. `where` names the file (or "demonstrations") in the message.
 */
export function validateDemos(d: Demonstrations, where = 'demonstrations', opts: ValidateDemosOptions = {}): void {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}; re-record them with \`mgail collect\` or fix the file`);
  };
  const m = d.metadata as DemoMetadata | undefined;
  if (!m || typeof m !== 'object') fail('no metadata');
  if (m!.format !== DEMOS_FORMAT) throw new Error(`${where}: metadata format is ${String(m!.format)}, expected ${DEMOS_FORMAT}`);
  if (opts.envId && m!.envId !== opts.envId) {
    throw new Error(`${where} holds demonstrations of ${m!.envId}, not ${opts.envId}; pass demonstrations recorded on ${opts.envId}`);
  }
  let metaObs: Space, metaAct: Space;
  try {
    metaObs = spaceFromJSON(m!.observationSpace);
    metaAct = spaceFromJSON(m!.actionSpace);
  } catch (e) {
    return fail(`the metadata's spaces are unreadable (${(e as Error).message})`);
  }
  const { obsDim, actDim } = d;
  const n = d.rewards?.length ?? 0;
  if (!Number.isInteger(obsDim) || obsDim < 1) fail(`observation size ${obsDim} is not a positive integer`);
  if (!Number.isInteger(actDim) || actDim < 1) fail(`action size ${actDim} is not a positive integer`);
  const spaceObsDim = flatDim(metaObs);
  if (spaceObsDim !== obsDim) throw new Error(`${where}: observations have ${obsDim} columns but the metadata's observation space has ${spaceObsDim}`);
  if (metaAct.kind === 'discrete' ? !d.discrete : d.discrete || flatDim(metaAct) !== actDim) {
    fail(`the actions are ${d.discrete ? 'discrete' : `${actDim}-dimensional`} but the metadata's action space is ${describeSpace(metaAct)}`);
  }
  if (opts.obsDim !== undefined && opts.obsDim !== obsDim) throw new Error(`${where}: observations have ${obsDim} dimensions, the env has ${opts.obsDim}`);
  if (opts.actDim !== undefined && opts.actDim !== actDim) throw new Error(`${where}: actions have ${actDim} dimensions, the env has ${opts.actDim}`);
  if (opts.observationSpace && flatDim(opts.observationSpace) !== obsDim) {
    throw new Error(`${where}: observations have ${obsDim} dimensions, the env has ${flatDim(opts.observationSpace)}`);
  }
  if (opts.actionSpace) {
    const env = opts.actionSpace;
    // bounds may differ (an --xml model with other gains), the kind and size may not
    const agree = env.kind === metaAct.kind && (env.kind === 'discrete' ? env.n === (metaAct as Discrete).n : flatDim(env) === flatDim(metaAct));
    if (!agree) throw new Error(`${where}: the demonstrations act in ${describeSpace(metaAct)}, the env in ${describeSpace(env)}; pass demonstrations recorded on this env`);
  }
  const len = (name: string, a: ArrayLike<number> | undefined, want: number) => {
    if (!a || a.length !== want) fail(`${name} holds ${a?.length ?? 0} values, expected ${want}`);
  };
  len('observations', d.observations, n * obsDim);
  len('next_observations', d.nextObservations, n * obsDim);
  len('actions', d.actions, n * actDim);
  len('terminated', d.terminated, n);
  len('truncated', d.truncated, n);
  if (n < 1) fail('no transitions');
  const starts = d.episodeStarts, lengths = d.episodeLengths;
  if (!starts || !lengths || starts.length !== lengths.length || !starts.length) throw new Error(`${where}: episode_starts and episode_lengths disagree or are empty`);
  let expect = 0;
  for (let i = 0; i < starts.length; i++) {
    if (starts[i] !== expect || !Number.isInteger(lengths[i]) || lengths[i] < 1) throw new Error(`${where}: episode ${i} starts at ${starts[i]}, expected ${expect} (episodes must be contiguous)`);
    expect += lengths[i];
  }
  if (expect !== n) throw new Error(`${where}: episodes cover ${expect} transitions, the arrays hold ${n}`);
  const finite = (name: string, a: ArrayLike<number>, width: number) => {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) fail(`${name} row ${Math.floor(i / width)} holds ${a[i]}`);
    }
  };
  finite('observations', d.observations, obsDim);
  finite('next_observations', d.nextObservations, obsDim);
  /** Every value inside the Box's bounds, give or take `tol` (relative: float32 rounding of a bound). */
  const inside = (name: string, a: ArrayLike<number>, box: Extract<Space, { kind: 'box' }>, tol: number, what = 'were they recorded on this env?') => {
    const w = box.low.length;
    for (let i = 0; i < a.length; i++) {
      const j = i % w, lo = box.low[j], hi = box.high[j];
      if (a[i] < lo - tol * Math.max(1, Math.abs(lo)) || a[i] > hi + tol * Math.max(1, Math.abs(hi))) {
        throw new Error(`${where}: ${name} row ${Math.floor(i / w)} column ${j} is ${a[i]}, outside [${lo}, ${hi}] of ${describeSpace(box)}; ${what}`);
      }
    }
  };
  finite('rewards', d.rewards, 1);
  if (d.discrete) {
    const k = (metaAct as Discrete).n;
    for (let i = 0; i < n; i++) {
      const v = d.actions[i];
      if (!Number.isInteger(v) || v < 0 || v >= k) fail(`action ${i} is ${v}, not an integer in [0, ${k}) of ${describeSpace(metaAct)}`);
    }
  } else {
    finite('actions', d.actions, actDim);
    // the env executes a Box action clipped: one outside the space is not what it did (readDemos clips a file's)
    if (metaAct.kind === 'box') inside('actions', d.actions, metaAct, 0, 'clip them into the space as the env executed them (clipBoxActions; readDemos does so)');
  }
  // an env's observations lie inside its declared space (Gymnasium's checker asserts it): values
  // outside it were not recorded on this env, or were corrupted since
  if (metaObs.kind === 'box') {
    inside('observations', d.observations, metaObs, 1e-5);
    inside('next_observations', d.nextObservations, metaObs, 1e-5);
  }
  for (const [name, a] of [['terminated', d.terminated], ['truncated', d.truncated]] as const) {
    for (let i = 0; i < n; i++) if (a[i] !== 0 && a[i] !== 1) fail(`${name}[${i}] is ${a[i]}, expected 0 or 1`);
  }
  for (const [name, a, w] of [['qpos', d.qpos, d.nq], ['qvel', d.qvel, d.nv]] as const) {
    if (!a) continue;
    if (!Number.isInteger(w) || w! < 1) fail(`${name} has no width`);
    len(name, a, n * w!);
    finite(name, a, w!);
  }
}

type MaybeMujoco = { getState?: () => unknown };

function mujocoState(env: Env): { qpos: Float64Array; qvel: Float64Array } | null {
  const g = (env as unknown as MaybeMujoco).getState;
  if (typeof g !== 'function') return null;
  const s = g.call(env) as { qpos?: ArrayLike<number>; qvel?: ArrayLike<number> };
  if (s && typeof s === 'object' && 'qpos' in s && 'qvel' in s && s.qpos && s.qvel) {
    return { qpos: Float64Array.from(s.qpos), qvel: Float64Array.from(s.qvel) };
  }
  return null;
}

/** How many episodes `collectDemos` records, from which seed, and the provenance it writes. */
export interface CollectOptions {
  episodes: number;
  seed: number;
  /**
   * Expert demonstrations use the deterministic action (the mode) by default; `false` samples
   * each action from the policy's distribution, as Ho & Ermon's demonstrations were.
   */
  deterministic?: boolean;
  source?: string;
  command?: string;
}

/** A scripted controller: observation in, action out (a hand-written expert, a baseline). */
export type Controller = (observation: Float32Array | Float64Array) => number | ArrayLike<number>;

/**
 * Rolls out a policy (or a scripted controller) for whole episodes and records them, with
 * MuJoCo qpos/qvel when the env has them.
 */
export function collectDemos(env: Env, policy: Policy | Controller, opts: CollectOptions): Demonstrations {
  const deterministic = opts.deterministic ?? true;
  const rng = new Rng(opts.seed);
  const obsDim = env.observationSpace.size;
  const discrete = env.actionSpace.kind === 'discrete';
  const actDim = discrete ? 1 : flatDim(env.actionSpace);
  // a Box action is recorded as the env receives it: clipped to the space (a Gaussian sample may leave it)
  const box = env.actionSpace.kind === 'box' ? env.actionSpace : null;
  const obs: number[] = [], acts: number[] = [], rews: number[] = [], nexts: number[] = [];
  const term: number[] = [], trunc: number[] = [], qpos: number[] = [], qvel: number[] = [];
  const starts: number[] = [], lengths: number[] = [], returns: number[] = [];
  let nq: number | undefined, nv: number | undefined;
  for (let ep = 0; ep < opts.episodes; ep++) {
    let o = env.reset(ep === 0 ? { seed: opts.seed } : {}).observation;
    starts.push(rews.length);
    let ret = 0, len = 0;
    for (;;) {
      const st = mujocoState(env);
      if (st) {
        nq = st.qpos.length;
        nv = st.qvel.length;
        qpos.push(...st.qpos);
        qvel.push(...st.qvel);
      }
      let actions: ArrayLike<number>;
      if (typeof policy === 'function') {
        const a = policy(o);
        actions = typeof a === 'number' ? [a] : a;
      } else actions = policy.act(o, { deterministic, rng }).actions;
      if (box) actions = Float32Array.from(actions, (v, i) => Math.min(box.high[i], Math.max(box.low[i], v)));
      const r = env.step(discrete ? actions[0] : actions);
      obs.push(...o);
      acts.push(...Array.from(actions));
      rews.push(r.reward);
      nexts.push(...r.observation);
      term.push(r.terminated ? 1 : 0);
      trunc.push(r.truncated ? 1 : 0);
      ret += r.reward;
      len++;
      o = r.observation;
      if (r.terminated || r.truncated) break;
    }
    lengths.push(len);
    returns.push(ret);
  }
  const ms = meanStd(returns);
  return {
    obsDim,
    actDim,
    discrete,
    observations: Float32Array.from(obs),
    actions: discrete ? Int32Array.from(acts) : Float32Array.from(acts),
    rewards: Float32Array.from(rews),
    nextObservations: Float32Array.from(nexts),
    terminated: Uint8Array.from(term),
    truncated: Uint8Array.from(trunc),
    episodeStarts: starts,
    episodeLengths: lengths,
    qpos: nq ? Float64Array.from(qpos) : undefined,
    qvel: nv ? Float64Array.from(qvel) : undefined,
    nq,
    nv,
    metadata: {
      format: DEMOS_FORMAT,
      formatVersion: 1,
      libraryVersion: LIBRARY_VERSION,
      envId: env.spec.id,
      observationSpace: env.observationSpace.toJSON(),
      actionSpace: env.actionSpace.toJSON(),
      numEpisodes: opts.episodes,
      numTransitions: rews.length,
      returns,
      lengths,
      meanReturn: ms.mean,
      stdReturn: ms.std,
      seed: opts.seed,
      deterministic,
      actionSelection: deterministic ? 'deterministic' : 'stochastic',
      source: opts.source,
      command: opts.command,
      created: new Date().toISOString(),
    },
  } as Demonstrations; // Int32Array exactly when discrete
}
