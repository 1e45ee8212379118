import { EpisodeStatistics, INSPECT, type Box } from '@mgail/envs-classic';
import { SharedModel, type MujocoEnv } from './mujoco-env.js';
import { construct, resolveDefinition } from './registry.js';
import { allocateBuffers, checkAutoresetMode, layoutOf, VectorCore, VectorSession, type AutoresetMode, type MujocoVectorResetResult, type MujocoVectorStepResult } from './vector-core.js';

/** How a `MujocoVectorEnv` resets finished sub-envs and how many episode records it keeps. */
export interface MujocoVectorEnvOptions {
  /** Gymnasium 1.x autoreset: `'next-step'` (default) or `'same-step'`. */
  autoresetMode?: AutoresetMode;
  /** How many finished episodes `episodeStatistics` keeps (default 100). */
  statsBufferLength?: number;
}

/**
 * N MuJoCo envs stepped one after the other in this thread, sharing one compiled model
 * (N `MjData`), with envs-classic's `SyncVectorEnv` API: batched float64 observations and
 * rewards, auto-reset, episode statistics. Create with `makeVec(id, n, options)`.
 *
 * Memory: each MjData takes the model's `<size memory>` arena plus ~0.5 MB, all inside one
 * 2 GiB WASM heap per thread (bundled models: 1.5-4.5 MB per env).
 */
export class MujocoVectorEnv {
  readonly numEnvs: number;
  readonly envs: readonly MujocoEnv[];
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Box;
  readonly autoresetMode: AutoresetMode;
  readonly obsDim: number;
  readonly actDim: number;
  readonly episodeStatistics: EpisodeStatistics;
  private readonly session: VectorSession;
  private readonly core: VectorCore;
  private closed = false;

  /** `MujocoVectorEnv(Hopper-v5, num_envs=8)`. */
  toString(): string {
    return `MujocoVectorEnv(${this.envs[0]?.spec.id}, num_envs=${this.numEnvs})`;
  }

  [INSPECT](): string {
    return this.toString();
  }

  /** Wraps envs that are already built (same id and spaces); the vector env owns them from now on. */
  constructor(envs: readonly MujocoEnv[], options: MujocoVectorEnvOptions = {}) {
    if (!Array.isArray(envs) || envs.length === 0) throw new Error('MujocoVectorEnv: needs at least one env');
    const mode = checkAutoresetMode('MujocoVectorEnv', options.autoresetMode ?? 'next-step');
    const e0 = envs[0];
    for (let i = 1; i < envs.length; i++) {
      const e = envs[i];
      if (e.id !== e0.id || e.obsDim !== e0.obsDim || e.nu !== e0.nu || e.infoSize !== e0.infoSize) {
        throw new Error(`MujocoVectorEnv: env ${i} (${e.id}, obs ${e.obsDim}, action ${e.nu}) differs from env 0 (${e0.id}, obs ${e0.obsDim}, action ${e0.nu})`);
      }
    }
    this.numEnvs = envs.length;
    this.envs = [...envs];
    this.autoresetMode = mode;
    this.singleObservationSpace = e0.observationSpace;
    this.singleActionSpace = e0.actionSpace;
    this.obsDim = e0.obsDim;
    this.actDim = e0.nu;
    const layout = layoutOf(e0, this.numEnvs);
    this.core = new VectorCore(this.envs, 0, layout, mode);
    this.episodeStatistics = new EpisodeStatistics(this.numEnvs, options.statsBufferLength ?? 100);
    this.session = new VectorSession(layout, allocateBuffers(layout, false), this.episodeStatistics);
  }

  get id(): string {
    return this.envs[0].id;
  }

  /** Resets every sub-env: seed n seeds env i with n + i, an array gives each its own seed. */
  reset(options: { seed?: number | number[] } = {}): MujocoVectorResetResult {
    this.assertOpen();
    this.session.prepareReset(`MujocoVectorEnv(${this.id})`, options.seed);
    this.core.reset(this.session.buffers);
    return this.session.finishReset();
  }

  /** Steps every sub-env: `numEnvs * actDim` numbers env-major, or one action per env. */
  step(actions: ArrayLike<number> | ArrayLike<ArrayLike<number>>): MujocoVectorStepResult {
    this.assertOpen();
    const what = `MujocoVectorEnv(${this.id})`;
    this.session.prepareStep(what, actions);
    try {
      this.core.step(this.session.buffers);
    } catch (e) {
      throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
    }
    return this.session.finishStep();
  }

  /** Frees every MjData and the shared model. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.core.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`MujocoVectorEnv(${this.id}): the vector env is closed`);
  }
}

/**
 * `numEnvs` copies of a built-in env sharing one compiled model (Gymnasium's
 * `make_vec(id, num_envs, vectorization_mode="sync")`). Options: the env's own plus
 * `autoresetMode` and `statsBufferLength`.
 */
export async function makeVec(id: string, numEnvs: number, options: Record<string, unknown> & MujocoVectorEnvOptions = {}): Promise<MujocoVectorEnv> {
  if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new Error(`makeVec(${id}): numEnvs must be a positive integer, got ${numEnvs}`);
  const { autoresetMode, statsBufferLength, ...envOptions } = options;
  const r = resolveDefinition(id, envOptions);
  const shared = await SharedModel.load(id, r.parsed.xmlFile as string);
  const envs = buildEnvs(r, shared, numEnvs);
  return new MujocoVectorEnv(envs, { autoresetMode, statsBufferLength });
}

/** @internal Builds `n` envs on one model, closing the ones already built if one fails. */
export function buildEnvs(r: ReturnType<typeof resolveDefinition>, shared: SharedModel, n: number): MujocoEnv[] {
  const envs: MujocoEnv[] = [];
  try {
    for (let i = 0; i < n; i++) envs.push(construct(r, shared));
  } catch (e) {
    for (const env of envs) env.close();
    throw new Error(`cannot create ${n} x ${r.definition.id} (created ${envs.length}): ${(e as Error)?.message ?? e}`, { cause: e });
  }
  return envs;
}
