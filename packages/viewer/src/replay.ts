import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '@mgail/core-autodiff-graph';
import { listEnvs as listClassicEnvs, make as makeClassic, type Env } from '@mgail/envs-classic';
import { collectDemos, episodeSlices, loadPolicy, readDemos, resolvePolicyPath, type Demonstrations } from '@mgail/policies';
import type { EpisodeData, ReplayInfo, ReplayKind } from './client/protocol.js';

export type { EpisodeData, EpisodeSummary, ReplayInfo, ReplayKind } from './client/protocol.js';

/** The classic-control ids the page has a 2D drawing for. */
export const CLASSIC_RENDERERS = ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1'] as const;

/** Makes an env by id (with `make`'s options); the CLI passes its own so `--env-module` envs work too. */
export type MakeEnv = (id: string, options?: Record<string, unknown>) => Promise<Env> | Env;

export interface LoadReplayOptions {
  /** Episodes to roll out when the input holds a checkpoint and no demos (default 3). */
  rollouts?: number;
  /** Seed of the first rollout reset (default 0). */
  seed?: number;
  /** Sample actions in rollouts instead of the deterministic mean/argmax. */
  stochastic?: boolean;
  /** First episode the page shows (default 0). */
  episode?: number;
  /**
   * MuJoCo: the MJCF file the episodes were recorded on (`--xml` of train/collect), used for
   * drawing, re-simulating and rolling out instead of the env's bundled model.
   */
  xml?: string;
  makeEnv?: MakeEnv;
}

type MujocoModule = typeof import('@mgail/envs-mujoco-wasm');
let mujocoModule: Promise<MujocoModule> | undefined;
/** Loaded on first use, so replays of classic envs never load the WASM module. */
function loadMujocoModule(): Promise<MujocoModule> {
  mujocoModule ??= import('@mgail/envs-mujoco-wasm');
  return mujocoModule;
}

const MUJOCO_IDS = new Set(['Hopper-v5', 'Walker2d-v5', 'HalfCheetah-v5', 'Ant-v5', 'Humanoid-v5']);

/** Gymnasium's `metadata["render_fps"]` of each env (MuJoCo: 1 / (timestep * frame_skip)). */
const FPS: Record<string, number> = {
  'CartPole-v1': 50,
  'Acrobot-v1': 15,
  'MountainCar-v0': 30,
  'MountainCarContinuous-v0': 30,
  'Pendulum-v1': 30,
  'Hopper-v5': 125,
  'Walker2d-v5': 125,
  'HalfCheetah-v5': 20,
  'Ant-v5': 20,
  'Humanoid-v5': 67,
};

async function defaultMakeEnv(id: string, options?: Record<string, unknown>): Promise<Env> {
  if (listClassicEnvs().includes(id)) return makeClassic(id, options);
  const mj = await loadMujocoModule();
  if (mj.listEnvs().includes(id)) return (await mj.make(id, options)) as unknown as Env;
  throw new Error(`unknown env "${id}" (known: ${[...listClassicEnvs(), ...mj.listEnvs()].join(', ')})`);
}

/** Episodes to replay, read from a demos file or rolled out from a checkpoint, served by `startViewer`. */
export class Replay {
  private readonly cache = new Map<number, Promise<EpisodeData>>();
  private readonly slices: Array<[number, number]>;

  private constructor(
    readonly info: ReplayInfo,
    readonly demos: Demonstrations,
    private readonly makeEnv: (id: string) => Promise<Env> | Env,
    private readonly xmlFile: string | undefined,
  ) {
    this.slices = episodeSlices(demos);
  }

  /**
   * `input`: a demos `.npz`, an expert folder (uses its `demos.npz`), or a run/expert folder
   * holding a policy checkpoint and no demos (rolls out `rollouts` episodes with it).
   */
  static async load(input: string, opts: LoadReplayOptions = {}): Promise<Replay> {
    const make = opts.makeEnv ?? defaultMakeEnv;
    const xmlFile = opts.xml === undefined ? undefined : path.resolve(opts.xml);
    if (xmlFile && !fs.existsSync(xmlFile)) throw new Error(`--xml ${opts.xml}: file not found (resolved to ${xmlFile})`);
    const makeEnv = (id: string) => make(id, xmlFile ? { xmlFile } : undefined);
    if (!fs.existsSync(input)) throw new Error(`${input} not found; pass a demos .npz, an expert folder or a run folder`);
    let demos: Demonstrations;
    let origin: ReplayInfo['origin'];
    let source: string;
    const dir = fs.statSync(input).isDirectory();
    const demosFile = dir ? path.join(input, 'demos.npz') : input;
    if (!dir || fs.existsSync(demosFile)) {
      demos = readDemos(demosFile);
      origin = 'demos';
      source = demosFile;
    } else {
      let ckpt: string;
      try {
        ckpt = resolvePolicyPath(input);
      } catch (e) {
        throw new Error(`${input} holds neither demos.npz nor a policy checkpoint (${(e as Error).message})`);
      }
      demos = await rollOut(input, ckpt, makeEnv, opts);
      origin = 'rollout';
      source = ckpt;
    }
    const envId = demos.metadata.envId;
    const episodes = episodeSlices(demos).map(([s, e], index) => ({
      index,
      length: e - s,
      return: sumRange(demos.rewards, s, e),
      terminated: demos.terminated[e - 1] === 1,
      truncated: demos.truncated[e - 1] === 1,
    }));
    const initialEpisode = opts.episode ?? 0;
    if (!Number.isInteger(initialEpisode) || initialEpisode < 0 || initialEpisode >= episodes.length) {
      throw new Error(`--episode ${initialEpisode} is out of range: ${source} holds ${episodes.length} episodes (0 to ${episodes.length - 1})`);
    }
    const mujoco = MUJOCO_IDS.has(envId);
    if (xmlFile && !mujoco) throw new Error(`--xml needs a MuJoCo env; ${source} holds ${envId} episodes`);
    if (mujoco && !demos.qpos) {
      throw new Error(`${source} holds ${envId} episodes without qpos/qvel, which the 3D view needs; record them with \`mgail collect\``);
    }
    const kind: ReplayKind = mujoco ? 'mujoco' : (CLASSIC_RENDERERS as readonly string[]).includes(envId) ? 'classic' : 'generic';
    const info: ReplayInfo = {
      envId,
      kind,
      source,
      origin,
      episodes,
      initialEpisode,
      fps: FPS[envId] ?? 30,
      obsDim: demos.obsDim,
      actDim: demos.actDim,
      discrete: demos.discrete,
      ...(mujoco ? { nq: demos.nq, nv: demos.nv } : {}),
    };
    return new Replay(info, demos, makeEnv, xmlFile);
  }

  /** Builds (once) the JSON of episode k. */
  episode(k: number): Promise<EpisodeData> {
    if (!Number.isInteger(k) || k < 0 || k >= this.slices.length) {
      return Promise.reject(new Error(`episode ${k} is out of range (0 to ${this.slices.length - 1})`));
    }
    let p = this.cache.get(k);
    if (!p) {
      p = this.buildEpisode(k);
      // a failed build is retried on the next request rather than cached
      p.catch(() => this.cache.delete(k));
      this.cache.set(k, p);
    }
    return p;
  }

  /** The MJCF text of a MuJoCo replay (the env's bundled model), for the page's WASM engine. */
  async modelXml(): Promise<string> {
    if (this.info.kind !== 'mujoco') throw new Error(`${this.info.envId} is not a MuJoCo env`);
    if (this.xmlFile) return fs.readFileSync(this.xmlFile, 'utf8');
    const mj = await loadMujocoModule();
    const entry = mj.mujocoRegistry.get(this.info.envId);
    const xmlFile = entry?.spec.kwargs?.xmlFile;
    if (typeof xmlFile !== 'string') throw new Error(`${this.info.envId}: no xmlFile in its registry entry`);
    return fs.readFileSync(mj.resolveXmlFile(xmlFile), 'utf8');
  }

  private async buildEpisode(k: number): Promise<EpisodeData> {
    const d = this.demos;
    const [s, e] = this.slices[k];
    const n = e - s;
    const rows = (a: ArrayLike<number>, dim: number, from: number, to: number): number[][] => {
      const out: number[][] = [];
      for (let i = from; i < to; i++) out.push(Array.from({ length: dim }, (_, j) => a[i * dim + j]));
      return out;
    };
    const observations = rows(d.observations, d.obsDim, s, e);
    observations.push(rows(d.nextObservations, d.obsDim, e - 1, e)[0]);
    const data: EpisodeData = {
      ...this.info.episodes[k],
      observations,
      actions: rows(d.actions, d.actDim, s, e),
      rewards: Array.from(d.rewards.subarray(s, e)),
    };
    if (this.info.kind === 'mujoco') Object.assign(data, await this.resimulate(s, n));
    return data;
  }

  /**
   * Steps the env from every recorded state with the recorded action: gives the reward terms
   * the file does not store, and the final state (the file stores states before each action).
   */
  private async resimulate(s: number, n: number): Promise<Pick<EpisodeData, 'qpos' | 'terms' | 'info' | 'resimRewardError'>> {
    const d = this.demos;
    const nq = d.nq!, nv = d.nv!, act = d.actDim;
    const env = (await this.makeEnv(this.info.envId)) as unknown as MujocoLike;
    try {
      env.reset({ seed: 0 });
      const qpos: number[][] = [];
      const terms: Record<string, number[]> = {};
      const info: Record<string, number[]> = {};
      let maxErr = 0;
      for (let t = 0; t < n; t++) {
        const i = s + t;
        const q = d.qpos!.subarray(i * nq, (i + 1) * nq);
        qpos.push(Array.from(q));
        env.setState(q, d.qvel!.subarray(i * nv, (i + 1) * nv));
        const r = env.step(d.actions.subarray(i * act, (i + 1) * act));
        maxErr = Math.max(maxErr, Math.abs(r.reward - d.rewards[i]));
        for (const [key, v] of Object.entries(r.info)) {
          if (typeof v !== 'number') continue;
          const into = key.startsWith('reward_') ? terms : info;
          (into[key] ??= new Array(n).fill(0))[t] = v;
        }
      }
      qpos.push(Array.from(env.getState().qpos));
      return { qpos, terms, info, resimRewardError: maxErr };
    } finally {
      env.close();
    }
  }
}

/** The part of `MujocoEnv` the re-simulation uses (typed structurally: the CLI's envs are `Env`). */
interface MujocoLike {
  reset(opts: { seed?: number }): unknown;
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): unknown;
  step(action: ArrayLike<number>): { reward: number; info: Record<string, unknown> };
  getState(): { qpos: Float64Array; qvel: Float64Array };
  close(): void;
}

async function rollOut(dir: string, ckpt: string, makeEnv: (id: string) => Promise<Env> | Env, opts: LoadReplayOptions): Promise<Demonstrations> {
  await initBackend();
  // The env id: the checkpoint's own, else the run's config.json.
  const probe = loadPolicy(ckpt);
  let envId = probe.meta.envId;
  probe.policy.dispose();
  if (!envId) {
    const cfg = path.join(dir, 'config.json');
    try {
      envId = (JSON.parse(fs.readFileSync(cfg, 'utf8')) as { env?: string }).env;
    } catch {
      envId = undefined;
    }
  }
  if (!envId) throw new Error(`${ckpt} does not name its env and ${dir} has no config.json with "env"; record demos with \`mgail collect\` and view those`);
  if (opts.xml !== undefined && !MUJOCO_IDS.has(envId)) throw new Error(`--xml needs a MuJoCo env; ${ckpt} is a ${envId} policy`);
  const env = await makeEnv(envId);
  const { policy } = loadPolicy(ckpt, { envId, observationSpace: env.observationSpace, actionSpace: env.actionSpace });
  try {
    const rollouts = opts.rollouts ?? 3;
    const seed = opts.seed ?? 0;
    return collectDemos(env, policy, { episodes: rollouts, seed, deterministic: !opts.stochastic, source: ckpt });
  } finally {
    policy.dispose();
    env.close();
  }
}

function sumRange(a: Float32Array, s: number, e: number): number {
  let sum = 0;
  for (let i = s; i < e; i++) sum += a[i];
  return sum;
}
