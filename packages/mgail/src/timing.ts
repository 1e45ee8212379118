/**
 * Where an MGAIL sitting's wall time goes: phase timers, the per-row `time/...` metrics and the
 * `MGAILTiming` summary of the result.
 */

/**
 * Wall time of this sitting's iterations by phase, in ms (totals and per-iteration means).
 * `policy` is the whole policy update including the env steps its unrolls take; `envStep` counts
 * every env step wherever it happens (collection, unrolls), so `policy − policyEnvStep` is the
 * policy's own compute (unroll graph, backward pass, Adam).
 */
export interface MGAILTiming {
  iterations: number;
  /** Setup before the first iteration: buffer pre-fill, statistics, model pre-training. */
  prepMs: number;
  totalMs: number;
  collectMs: number;
  modelMs: number;
  discMs: number;
  policyMs: number;
  /** Env steps inside the policy's unrolls (part of policyMs). */
  policyEnvStepMs: number;
  /** Every env step of the iterations (collection and unrolls). */
  envStepMs: number;
  evalMs: number;
  checkpointMs: number;
  /**
   * `policyWorkers` > 0: time the worker threads spent computing (summed over workers; it runs
   * while this thread works, on the other core), of which env steps, and time this thread
   * waited for them. Busy − wait is the work the second core took off this thread.
   */
  workerBusyMs: number;
  workerEnvStepMs: number;
  workerWaitMs: number;
  /** Means per iteration of the fields above. */
  perIteration: {
    totalMs: number; collectMs: number; modelMs: number; discMs: number; policyMs: number; policyEnvStepMs: number; envStepMs: number; evalMs: number;
    checkpointMs: number; workerBusyMs: number; workerEnvStepMs: number; workerWaitMs: number;
  };
}

const PHASES = ['total', 'collect', 'model', 'disc', 'policy', 'policyEnvStep', 'envStep', 'eval', 'checkpoint', 'workerBusy', 'workerWait', 'workerEnvStep'] as const;
export type Phase = (typeof PHASES)[number];

/** Milliseconds per phase, summed over a sitting; `mark` splits an iteration into its phases. */
export class PhaseTimers {
  readonly ms = Object.fromEntries(PHASES.map((k) => [k, 0])) as Record<Phase, number>;
  /** Env steps are timed inside the live envs; those of the policy's unrolls count twice (envStep and policyEnvStep). */
  inUnroll = false;
  private tp = 0;
  private iterationStarted = 0;
  private lastRow = { ...this.ms };
  private lastRowIteration = 0;
  private lastRowPerf = performance.now();

  /** The iterations start at `firstIteration`: what the setup spent (env steps of the pre-fill) is not theirs. */
  begin(firstIteration: number): void {
    this.ms.envStep = 0;
    this.lastRow = { ...this.ms };
    this.lastRowIteration = firstIteration;
    this.lastRowPerf = performance.now();
  }

  /** An env step of `ms` wherever it happened. */
  envStep(ms: number): void {
    this.ms.envStep += ms;
    if (this.inUnroll) this.ms.policyEnvStep += ms;
  }

  startIteration(): void {
    this.iterationStarted = this.tp = performance.now();
  }

  /** Adds the time since the last mark to phase k. */
  mark(k: Phase): void {
    const now = performance.now();
    this.ms[k] += now - this.tp;
    this.tp = now;
  }

  /** Times `f` into phase k (eval and checkpoint, outside the marked phases). */
  time<T>(k: Phase, f: () => T): T {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      this.ms[k] += performance.now() - t0;
    }
  }

  endIteration(): void {
    this.ms.total += performance.now() - this.iterationStarted;
  }

  /** Mean ms per iteration of each phase since the previous row (`time/..._ms`), for the row ending after iteration `done`. */
  rowMetrics(done: number, workers: boolean): Record<string, number> {
    const nIt = Math.max(1, done - this.lastRowIteration);
    const per = (k: Phase) => (this.ms[k] - this.lastRow[k]) / nIt;
    const m: Record<string, number> = {
      // mean ms per iteration since the last row: where an iteration's time goes
      'time/iteration_ms': (performance.now() - this.lastRowPerf) / nIt,
      'time/collect_ms': per('collect'),
      'time/model_ms': per('model'),
      'time/disc_ms': per('disc'),
      'time/policy_ms': per('policy'),
      'time/policy_env_step_ms': per('policyEnvStep'),
      'time/env_step_ms': per('envStep'),
      'time/eval_ms': per('eval'),
      'time/checkpoint_ms': per('checkpoint'),
      ...(workers ? { 'time/worker_busy_ms': per('workerBusy'), 'time/worker_wait_ms': per('workerWait'), 'time/worker_env_step_ms': per('workerEnvStep') } : {}),
    };
    return m;
  }

  /** The next row's means start here (called before the row's evaluation, whose time counts in the next row). */
  rowLogged(done: number): void {
    this.lastRow = { ...this.ms };
    this.lastRowIteration = done;
    this.lastRowPerf = performance.now();
  }

  summary(iterations: number, prepMs: number): MGAILTiming {
    const T = this.ms;
    const n = Math.max(1, iterations);
    return {
      iterations, prepMs, totalMs: T.total, collectMs: T.collect, modelMs: T.model, discMs: T.disc, policyMs: T.policy,
      policyEnvStepMs: T.policyEnvStep, envStepMs: T.envStep, evalMs: T.eval, checkpointMs: T.checkpoint,
      workerBusyMs: T.workerBusy, workerEnvStepMs: T.workerEnvStep, workerWaitMs: T.workerWait,
      perIteration: {
        totalMs: T.total / n, collectMs: T.collect / n, modelMs: T.model / n, discMs: T.disc / n, policyMs: T.policy / n,
        policyEnvStepMs: T.policyEnvStep / n, envStepMs: T.envStep / n, evalMs: T.eval / n, checkpointMs: T.checkpoint / n,
        workerBusyMs: T.workerBusy / n, workerEnvStepMs: T.workerEnvStep / n, workerWaitMs: T.workerWait / n,
      },
    };
  }
}
