/**
 * The trainer's side of its unroll workers (`policyWorkers`, the second core): starting them with
 * their own live envs, sending them the current weights with each request, and taking their
 * transitions into the agent buffer as if they were stepped on the trainer's thread.
 */
import { moduleToTensors } from '@mgail/core-autodiff-graph';
import type { Discriminator } from '@mgail/discriminator';
import type { ForwardModel } from '@mgail/forward-model';
import type { Policy } from '@mgail/policies';
import { mixSeed } from './shard.js';
import type { PhaseTimers } from './timing.js';
import { UnrollWorkers, type WorkerResult } from './unroll-workers.js';
import type { NetSnapshot, UnrollWorkerInit, UnrollWorkerRequest } from './workers-protocol.js';

/** A request sent to every worker, answered by `WorkerPool.receive`. */
export type PendingReplies = Promise<WorkerResult[]>;

export interface WorkerPoolOptions {
  /** The trainer's networks, copied into the workers with every request. */
  nets: { policy: Policy; model: ForwardModel; disc: Discriminator };
  /** Records a worker's real transition on buffer env `bufferEnv`, as the trainer's own are. */
  record: (bufferEnv: number, s: Float32Array, a: Float32Array, s2: Float32Array, done: boolean) => void;
  /** Where the returns of the workers' finished episodes go (logged only). */
  returns: number[];
  timers: PhaseTimers;
}

export class WorkerPool {
  private constructor(
    private readonly workers: UnrollWorkers,
    private readonly dims: { liveEnvs: number; obsDim: number; actDim: number },
    private readonly o: WorkerPoolOptions,
  ) {}

  /**
   * Starts `count` workers, each with `init.numEnvs` live envs; worker w's env i is buffer env
   * B·(w + 1) + i (the trainer's own are 0..B−1), reset with seeds of (seed, iteration, that index).
   */
  static async start(
    count: number,
    init: Omit<UnrollWorkerInit, 'index' | 'resetSeeds' | 'restartSeed'>,
    seeds: { seed: number; iteration: number },
    o: WorkerPoolOptions,
  ): Promise<WorkerPool> {
    const B = init.numEnvs;
    const workers = await UnrollWorkers.start(Array.from({ length: count }, (_, w) => ({
      ...init,
      index: w,
      resetSeeds: Array.from({ length: B }, (_, i) => mixSeed(seeds.seed, seeds.iteration, B * (w + 1) + i)),
      restartSeed: mixSeed(seeds.seed, seeds.iteration, 0x5eed, w),
    })));
    return new WorkerPool(workers, { liveEnvs: B, obsDim: init.obsDim, actDim: init.actDim }, o);
  }

  get size(): number {
    return this.workers.size;
  }

  /** Every worker steps its live envs `steps` times with π (a collection roll). */
  roll(seed: (w: number) => number, steps: number): PendingReplies {
    const nets = this.snapshot(false);
    return this.workers.request((w) => ({ type: 'roll', seed: seed(w), steps, nets }));
  }

  /** Every worker sums ∇J over `unrolls(w)` unrolls from its live envs' current states. */
  gradients(seed: (w: number) => number, unrolls: (w: number) => number): PendingReplies {
    const nets = this.snapshot(true);
    return this.workers.request((w): UnrollWorkerRequest => ({ type: 'grad', seed: seed(w), unrolls: unrolls(w), nets }));
  }

  /** Waits for the replies (timed as the trainer's wait) and records their transitions. */
  async receive(pending: PendingReplies): Promise<WorkerResult[]> {
    const T = this.o.timers.ms;
    const t0 = performance.now();
    const results = await pending;
    T.workerWait += performance.now() - t0;
    results.forEach((r, w) => {
      const t = r.transitions;
      const { liveEnvs, obsDim, actDim } = this.dims;
      for (let k = 0; k < t.n; k++) {
        this.o.record(liveEnvs * (w + 1) + t.env[k], t.s.subarray(k * obsDim, (k + 1) * obsDim), t.a.subarray(k * actDim, (k + 1) * actDim),
          t.s2.subarray(k * obsDim, (k + 1) * obsDim), t.done[k] === 1);
      }
      this.o.returns.push(...r.returns);
      T.workerBusy += r.busyMs;
      T.workerEnvStep += r.envStepMs;
    });
    return results;
  }

  close(): Promise<void> {
    return this.workers.close();
  }

  /** The trainer's weights for the workers' copies (f and D only when they may have changed). */
  private snapshot(withModelAndDisc: boolean): NetSnapshot {
    const { policy, model, disc } = this.o.nets;
    return {
      policy: policy.weightTensors(), normalizer: policy.normalizer.toJSON(),
      ...(withModelAndDisc ? { model: moduleToTensors(model.store), modelStatistics: model.statistics(), disc: moduleToTensors(disc.net) } : {}),
    };
  }

}
