import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Box, EpisodeStatistics, INSPECT, type EnvSpec } from '@mgail/envs-classic';
import {
  CMD_CLOSE,
  CMD_RESET,
  CMD_STEP,
  CTL_CMD,
  CTL_DONE,
  CTL_ERRLEN,
  CTL_SEQ,
  CTL_STRIDE,
  ERRBUF_BYTES,
  type WorkerInit,
  type WorkerReady,
} from './parallel-protocol.js';
import { SharedModel, type MujocoEnv } from './mujoco-env.js';
import { resolveDefinition } from './registry.js';
import { buildEnvs } from './vector.js';
import { allocateBuffers, checkAutoresetMode, VectorCore, VectorSession, type AutoresetMode, type MujocoVectorResetResult, type MujocoVectorStepResult, type VectorLayout } from './vector-core.js';

/** How a `ParallelVectorEnv` resets finished sub-envs and spreads them over worker threads. */
export interface ParallelVectorEnvOptions {
  /** Gymnasium 1.x autoreset: `'next-step'` (default) or `'same-step'`. */
  autoresetMode?: AutoresetMode;
  /**
   * Worker threads. Default: one per core, minus one when the calling thread steps a share
   * too (`useMainThread`), and at most the number of shares there are envs for.
   */
  numWorkers?: number;
  /**
   * The calling thread steps one share of the envs itself while the workers step theirs
   * (default true): on a machine with C cores, C - 1 workers + this thread keep every core on
   * physics with no idle thread to wake. Set false to keep the calling thread free during
   * `step` (all envs in workers, the promise resolves when they finish).
   */
  useMainThread?: boolean;
  /** How many finished episodes `episodeStatistics` keeps (default 100). */
  statsBufferLength?: number;
}

type WaitAsync = (a: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * How long the calling thread spins for workers to finish before it sleeps: it only spins when
 * it stepped a share itself and there is a core per thread, so the workers are about done.
 */
const MAIN_SPIN_MS = 2;

/**
 * `MujocoVectorEnv` with its sub-envs spread over `worker_threads` (and, by default, the calling
 * thread), so every core steps physics. Each thread owns a contiguous share of the envs (its own
 * WASM module and compiled model); actions, observations, rewards and info values travel through
 * SharedArrayBuffers and the threads synchronise with Atomics, so a step costs no message round
 * trip. Results equal `MujocoVectorEnv`'s for the same seeds and actions.
 *
 * The API is envs-classic's SyncVectorEnv's, async: `await venv.step(actions)`, one call at a
 * time. `close()` frees the envs and ends the workers.
 */
export class ParallelVectorEnv {
  readonly numEnvs: number;
  readonly numWorkers: number;
  /** How many envs the calling thread steps itself (0 with `useMainThread: false`). */
  readonly mainThreadEnvs: number;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Box;
  readonly autoresetMode: AutoresetMode;
  readonly obsDim: number;
  readonly actDim: number;
  readonly spec: EnvSpec;
  readonly episodeStatistics: EpisodeStatistics;
  /** MuJoCo version the workers run. */
  readonly mujocoVersion: string;
  private readonly session: VectorSession;
  private readonly ctl: Int32Array;
  private readonly err: Uint8Array;
  private readonly workers: Worker[];

  /** `ParallelVectorEnv(Hopper-v5, num_envs=8, workers=2)`. */
  toString(): string {
    return `ParallelVectorEnv(${this.spec.id}, num_envs=${this.numEnvs}, workers=${this.numWorkers})`;
  }

  [INSPECT](): string {
    return this.toString();
  }
  private readonly mainCore: VectorCore | null;
  private readonly spin: boolean;
  private readonly crashed: Promise<never>;
  private crash: Error | null = null;
  private busy = false;
  private closed = false;
  private closing = false;

  private constructor(init: {
    numEnvs: number;
    workers: Worker[];
    ready: WorkerReady;
    mode: AutoresetMode;
    session: VectorSession;
    ctl: Int32Array;
    err: Uint8Array;
    mainCore: VectorCore | null;
  }) {
    const { ready } = init;
    this.numEnvs = init.numEnvs;
    this.workers = init.workers;
    this.numWorkers = init.workers.length;
    this.mainCore = init.mainCore;
    this.mainThreadEnvs = init.mainCore?.envs.length ?? 0;
    this.spin = init.mainCore !== null && this.numWorkers + 1 <= os.availableParallelism();
    this.autoresetMode = init.mode;
    this.obsDim = ready.obsDim;
    this.actDim = ready.actDim;
    this.spec = ready.spec;
    this.mujocoVersion = ready.mujocoVersion;
    this.singleObservationSpace = new Box(-Infinity, Infinity, [ready.obsDim]);
    this.singleActionSpace = new Box(ready.low, ready.high);
    this.session = init.session;
    this.ctl = init.ctl;
    this.err = init.err;
    this.episodeStatistics = init.session.episodeStatistics;
    this.crashed = new Promise<never>((_, reject) => {
      for (const [w, worker] of this.workers.entries()) {
        const fail = (why: string) => {
          if (this.closing) return;
          this.crash ??= new Error(`ParallelVectorEnv(${this.id}): worker ${w} ${why}`);
          reject(this.crash);
        };
        worker.on('error', (e) => fail(`failed: ${e?.message ?? e}`));
        worker.on('exit', (code) => fail(`exited (code ${code})`));
      }
    });
    this.crashed.catch(() => {});
  }

  /** Starts the workers; every thread builds its envs before this resolves. */
  static async create(id: string, numEnvs: number, options: Record<string, unknown> & ParallelVectorEnvOptions = {}): Promise<ParallelVectorEnv> {
    const what = `ParallelVectorEnv(${id})`;
    if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new Error(`${what}: numEnvs must be a positive integer, got ${numEnvs}`);
    const { autoresetMode, numWorkers, useMainThread, statsBufferLength, ...envOptions } = options;
    const mode = checkAutoresetMode(what, autoresetMode ?? 'next-step');
    if (useMainThread !== undefined && typeof useMainThread !== 'boolean') throw new Error(`${what}: useMainThread must be true or false`);
    const inMain = useMainThread ?? true;
    const cores = os.availableParallelism();
    const nw = numWorkers ?? Math.max(1, Math.min(inMain ? numEnvs - 1 : numEnvs, inMain ? cores - 1 : cores));
    const maxWorkers = inMain ? numEnvs - 1 : numEnvs;
    if (!Number.isInteger(nw) || nw <= 0 || nw > maxWorkers) {
      throw new Error(`${what}: numWorkers must be an integer in [1, ${maxWorkers}] for ${numEnvs} envs${inMain ? ' with useMainThread' : ''}, got ${nw}`);
    }
    const r = resolveDefinition(id, envOptions); // option errors here, not in every worker
    const script = workerScript();

    // Shares: the calling thread's first (when it takes one), then each worker's, in env order.
    const parts = nw + (inMain ? 1 : 0);
    const counts = Array.from({ length: parts }, (_, k) => Math.floor(numEnvs / parts) + (k < numEnvs % parts ? 1 : 0));
    const mainCount = inMain ? counts.shift()! : 0;

    const workers: Worker[] = [];
    const readies: Promise<WorkerReady>[] = [];
    let start = mainCount;
    for (let w = 0; w < nw; w++) {
      const init: WorkerInit = { id, envOptions, start, count: counts[w], numEnvs, autoresetMode: mode };
      start += counts[w];
      const worker = new Worker(script, { workerData: init });
      workers.push(worker);
      const ready = new Promise<WorkerReady>((resolve, reject) => {
        worker.once('message', (m: WorkerReady | { type: 'error'; message: string }) => (m.type === 'ready' ? resolve(m) : reject(new Error(m.message))));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`worker exited (code ${code}) before it was ready`)));
      });
      ready.catch(() => {}); // awaited below; a failure elsewhere may terminate it first
      readies.push(ready);
    }
    let ready: WorkerReady;
    let mainEnvs: MujocoEnv[] = [];
    try {
      if (mainCount > 0) {
        const shared = await SharedModel.load(id, r.parsed.xmlFile as string);
        mainEnvs = buildEnvs(r, shared, mainCount);
      }
      ready = (await Promise.all(readies))[0];
    } catch (e) {
      for (const env of mainEnvs) env.close();
      await Promise.all(workers.map((w) => w.terminate()));
      throw new Error(`${what}: ${(e as Error)?.message ?? e}`, { cause: e });
    }
    for (const w of workers) w.removeAllListeners();

    const layout: VectorLayout = {
      numEnvs,
      obsDim: ready.obsDim,
      actDim: ready.actDim,
      infoFields: ready.infoFields,
      resetInfoCount: ready.resetInfoCount,
      infoSize: ready.infoSize,
    };
    const buffers = allocateBuffers(layout, true);
    const ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_STRIDE * nw));
    const err = new Uint8Array(new SharedArrayBuffer(ERRBUF_BYTES * nw));
    workers.forEach((w, index) => w.postMessage({ buffers, ctl, err, index }));
    const mainCore = mainCount > 0 ? new VectorCore(mainEnvs, 0, layout, mode) : null;
    const session = new VectorSession(layout, buffers, new EpisodeStatistics(numEnvs, statsBufferLength ?? 100));
    return new ParallelVectorEnv({ numEnvs, workers, ready, mode, session, ctl, err, mainCore });
  }

  get id(): string {
    return this.spec.id;
  }

  /** Resets every sub-env: seed n seeds env i with n + i, an array gives each its own seed. */
  async reset(options: { seed?: number | number[] } = {}): Promise<MujocoVectorResetResult> {
    this.assertIdle();
    this.session.prepareReset(`ParallelVectorEnv(${this.id})`, options.seed);
    return this.busyCommand(CMD_RESET, () => this.session.finishReset());
  }

  /** Steps every sub-env: `numEnvs * actDim` numbers env-major, or one action per env. */
  async step(actions: ArrayLike<number> | ArrayLike<ArrayLike<number>>): Promise<MujocoVectorStepResult> {
    this.assertIdle();
    const what = `ParallelVectorEnv(${this.id})`;
    this.session.prepareStep(what, actions);
    return this.busyCommand(CMD_STEP, () => this.session.finishStep());
  }

  /**
   * Runs `cmd`, then `finish` in the same turn as `busy` clears. Busy until the promise settles
   * (not just until the workers finish), so a second call that was not awaited is refused
   * deterministically.
   */
  private async busyCommand<T>(cmd: number, finish: () => T): Promise<T> {
    this.busy = true;
    try {
      await this.command(cmd);
    } finally {
      this.busy = false;
    }
    return finish();
  }

  /** Frees every env and ends the workers. */
  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    if (!this.crash && !this.busy) {
      try {
        this.busy = true;
        await this.command(CMD_CLOSE);
      } catch {
        /* terminating anyway */
      }
    } else {
      this.mainCore?.close();
    }
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private assertIdle(): void {
    if (this.closed || this.closing) throw new Error(`ParallelVectorEnv(${this.id}): the vector env is closed`);
    if (this.crash) throw this.crash;
    if (this.busy) throw new Error(`ParallelVectorEnv(${this.id}): a reset/step is still running; await it before the next call`);
  }

  private async command(cmd: number): Promise<void> {
    const ctl = this.ctl;
    const seqs: number[] = [];
    for (let w = 0; w < this.numWorkers; w++) {
      const base = w * CTL_STRIDE;
      Atomics.store(ctl, base + CTL_CMD, cmd);
      seqs.push(Atomics.add(ctl, base + CTL_SEQ, 1) + 1);
      Atomics.notify(ctl, base + CTL_SEQ);
    }
    let mainError: unknown = null;
    if (this.mainCore) {
      try {
        if (cmd === CMD_RESET) this.mainCore.reset(this.session.buffers);
        else if (cmd === CMD_STEP) this.mainCore.step(this.session.buffers);
        else this.mainCore.close();
      } catch (e) {
        mainError = e;
      }
    }
    const waits: Promise<void>[] = [];
    for (let w = 0; w < this.numWorkers; w++) {
      const base = w * CTL_STRIDE;
      if (!this.spinDone(base, seqs[w])) waits.push(this.waitDone(base, seqs[w]));
    }
    if (waits.length) await Promise.race([Promise.all(waits), this.crashed]);
    const errors: string[] = mainError ? [(mainError as Error)?.message ?? String(mainError)] : [];
    for (let w = 0; w < this.numWorkers; w++) {
      const len = Atomics.load(ctl, w * CTL_STRIDE + CTL_ERRLEN);
      if (len > 0) errors.push(new TextDecoder().decode(this.err.slice(w * ERRBUF_BYTES, w * ERRBUF_BYTES + len)));
    }
    if (errors.length) throw new Error(`ParallelVectorEnv(${this.id}): ${errors[0]}`);
  }

  /** After stepping its own share the workers are about done: a short spin beats a wake-up. */
  private spinDone(base: number, seq: number): boolean {
    if (!this.spin) return Atomics.load(this.ctl, base + CTL_DONE) === seq;
    const t0 = performance.now();
    do {
      if (Atomics.load(this.ctl, base + CTL_DONE) === seq) return true;
    } while (performance.now() - t0 < MAIN_SPIN_MS);
    return false;
  }

  private async waitDone(base: number, seq: number): Promise<void> {
    for (;;) {
      const cur = Atomics.load(this.ctl, base + CTL_DONE);
      if (cur === seq) return;
      const r = waitAsync(this.ctl, base + CTL_DONE, cur);
      if (r.async) await r.value;
    }
  }
}

/** `numEnvs` copies of a built-in env over worker threads (Gymnasium's `make_vec(..., "async")`). */
export function makeParallelVec(id: string, numEnvs: number, options: Record<string, unknown> & ParallelVectorEnvOptions = {}): Promise<ParallelVectorEnv> {
  return ParallelVectorEnv.create(id, numEnvs, options);
}

/**
 * The compiled worker script. Tests run this module from `src/` (TypeScript), where no JS
 * worker exists, so they use the built one in `dist/` (build first).
 */
function workerScript(): URL {
  const here = new URL('./parallel-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(here))) return here;
  const built = new URL('../dist/parallel-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(built))) return built;
  throw new Error(`ParallelVectorEnv: worker script not found (${fileURLToPath(here)}); build the package first (pnpm --filter @mgail/envs-mujoco-wasm build)`);
}
