import fs from 'node:fs';
import path from 'node:path';
import { assertFiniteLosses, MetricsWriter, openRunDir, Progress, Rng, tf, writeJsonAtomic, type ConfigLayer } from '@mgail/core-autodiff-graph';
import type { Env } from '@mgail/envs-classic';
import { Discriminator, type DiscriminatorStats } from '@mgail/discriminator';
import { makeForwardModel, type ForwardModel } from '@mgail/forward-model';
import { demosProvenance, evaluatePolicy, makePolicy, validateDemos, type Demonstrations, type GaussianPolicy, type Policy } from '@mgail/policies';
import { bcWarmStart } from './bc-term.js';
import { ReplayBuffer } from './buffer.js';
import { readTrainingCheckpoint, restoreTraining, writeTrainingCheckpoint, type EvalPoint, type SavedTraining } from './checkpoint.js';
import { effectiveMGAILConfig, idleCollectStepsOf, mgailAlgoName, policyStepsEnvs, type MGAILConfig } from './config.js';
import { ExpertPairs } from './expert.js';
import { IterateAverage } from './iterate-average.js';
import { PolicyStep } from './policy-step.js';
import { LiveEnvs, mixSeed, warmModelState, type ExpertRestarts, type MujocoLike } from './shard.js';
import { PhaseTimers, type MGAILTiming } from './timing.js';
import { WorkerPool } from './worker-pool.js';
import type { WorkerEnvSpec } from './workers-protocol.js';

export { MGAIL_CHECKPOINT_FORMAT, readMGAILCheckpointMeta } from './checkpoint.js';
export type { MGAILTiming } from './timing.js';

export interface MGAILOptions {
  envId: string;
  /** Makes one env; called for each live env and for the evaluation env. */
  makeEnv: () => Env | Promise<Env>;
  demos: Demonstrations;
  config: MGAILConfig;
  seed: number;
  /** Where config.json, metrics.jsonl/.csv and checkpoint.ckpt go (omit to write nothing). */
  runDir?: string;
  /**
   * Continue from `runDir/checkpoint.ckpt` (its config wins); refused when there is none. Without
   * it, a `runDir` holding an earlier run's files is refused unless `force`.
   */
  resume?: boolean;
  /** Start over in `runDir`: the earlier run's own files are moved into `previous-run/` first (the run-folder guard, `openRunDir`). */
  force?: boolean;
  /**
   * The explicit layers `config` was resolved from (a config file, flags). On resume the
   * checkpoint's config wins, and a field one of them sets to another value is refused, naming
   * the field and the layer, instead of being silently ignored.
   */
  configLayers?: readonly ConfigLayer[];
  /** More fields for the run's config.json (the demonstrations' path, the command line). */
  runInfo?: Record<string, unknown>;
  /** Print a progress line to stderr. */
  progress?: boolean;
  /** Metrics are logged every N iterations (default 10). */
  logEvery?: number;
  /** Called with every logged row. */
  onLog?: (iteration: number, metrics: Record<string, number>) => void;
  /** Polled after each iteration: true checkpoints and stops (the run stays resumable). */
  shouldStop?: () => boolean;
  /** Stop after this many iterations in this sitting (the run stays resumable). */
  maxIterationsThisSitting?: number;
  /**
   * How `policyWorkers` threads make their envs (they cannot call `makeEnv`): a module the worker
   * imports and the export it calls, e.g. `{ module: import.meta.resolve('@mgail/envs-classic'),
   * args: ['CartPole-v1'] }`. Required when `config.policyWorkers` > 0.
   */
  workerEnv?: WorkerEnvSpec;
  /**
   * Called once after the last iteration, before the discriminator, the forward model and the
   * buffer are disposed: for measurements on the trained parts (the forward model's multi-step
   * error on the agent's own data, as in the paper's Figure 4). Do not keep references.
   */
  onFinish?: (parts: { model: ForwardModel; disc: Discriminator; buffer: ReplayBuffer; policy: Policy; rng: Rng }) => void | Promise<void>;
}

export interface MGAILResult {
  /** The final policy: never selected by reward, which imitation learning does not have. */
  policy: Policy;
  envSteps: number;
  /** Iterations done in total (including earlier sittings). */
  iterations: number;
  /** Whether all configured iterations ran. */
  finished: boolean;
  wallClockSeconds: number;
  /** Deterministic evaluation returns logged during training (plots, never selection). */
  evalHistory: EvalPoint[];
  /** Where this sitting's wall time went (prep before the first iteration excluded). */
  timing: MGAILTiming;
}

/** The config (or a resumed checkpoint's config) asks for unroll workers, and no `workerEnv` says how they make their envs. */
export class MissingWorkerEnvError extends Error {
  constructor(readonly policyWorkers: number) {
    super(`MGAIL: policyWorkers ${policyWorkers} > 0 needs the workerEnv option (how a worker thread makes its envs)`);
    this.name = 'MissingWorkerEnvError';
  }
}

/**
 * MGAIL, Algorithm 1 of Baram et al. (2017). After pre-filling an agent buffer B with random
 * actions (and pre-training the forward model f on it), each iteration
 *   1. collects: π acts on the live envs and every real transition goes into B (lines 3–6);
 *   2. trains the forward model f on B (line 7);
 *   3. trains the discriminator D on expert and agent pairs (line 8, the max over D of eq. 1);
 *   4. steps the policy by the exact gradient of J = Σ_t γ^t c(s_t, a_t), c = −log D, through
 *      T-step unrolls in which s_{t+1} takes the real env's value and the gradient of f
 *      (lines 9–14, eq. 9–11);
 * and logs a deterministic evaluation now and then (never used to choose a policy).
 */
export async function trainMGAIL(o: MGAILOptions): Promise<MGAILResult> {
  // the CLI's run-folder guard (it nests inside the verb's own): one writer, nothing to resume
  // refused, an earlier run never mixed with this one
  const lock = o.runDir ? openRunDir(o.runDir, { resume: o.resume, force: o.force, flag: 'runDir', verb: 'trainMGAIL' }) : null;
  try {
    return await trainMGAILHeld(o);
  } finally {
    lock?.release();
  }
}

async function trainMGAILHeld(o: MGAILOptions): Promise<MGAILResult> {
  const run = await MGAILRun.start(o, resumableCheckpoint(o));
  const c = run.c;
  let it = run.firstIteration;
  let sitting = 0;
  try {
    for (; it < c.iterations; it++) {
      if (o.maxIterationsThisSitting !== undefined && sitting >= o.maxIterationsThisSitting) break;
      sitting++;
      run.startIteration(it);
      const { trainD, trainPolicy } = phaseOf(c, it);
      await run.collect(it, trainPolicy); // lines 3–6: π acts, (s, a, s') go into B
      run.updateModel(); // line 7: f on B
      if (trainD) run.updateDiscriminator(); // line 8: D on τ_E and B (eq. 1)
      if (trainPolicy) await run.updatePolicy(it); // lines 9–14: ∇_θ J through f (eq. 9–11)
      run.assertFinite(it, trainD, trainPolicy);
      run.logIteration(it + 1);
      run.checkpointIteration(it + 1);
      run.endIteration();
      // without workers nothing here awaits: yield so a SIGINT/SIGTERM handler can set shouldStop
      await new Promise((r) => setImmediate(r));
      if (o.shouldStop?.()) {
        it++;
        break;
      }
    }
    return await run.finish(it, sitting);
  } catch (e) {
    run.policy.dispose();
    throw e;
  } finally {
    await run.close();
  }
}

/** Prep iterations train f and D only; after prep D and π train every iteration, or in alternating blocks of `discPolicyInterval`. */
function phaseOf(c: MGAILConfig, it: number): { trainD: boolean; trainPolicy: boolean } {
  const inPrep = it < c.prepIterations;
  const block = c.discPolicyInterval > 0 ? Math.floor((it - c.prepIterations) / c.discPolicyInterval) % 2 : -1;
  return { trainD: inPrep || block !== 0, trainPolicy: !inPrep && block !== 1 };
}

/** The checkpoint to resume (null for a fresh start); a fresh start refuses a folder holding one. */
function resumableCheckpoint(o: MGAILOptions): SavedTraining | null {
  const file = o.runDir ? path.join(o.runDir, 'checkpoint.ckpt') : null;
  if (!file || !fs.existsSync(file)) return null;
  if (!o.resume) throw new Error(`${o.runDir} already holds an MGAIL training checkpoint; resume it or choose another directory`);
  return readTrainingCheckpoint(file, { envId: o.envId, seed: o.seed, expertTransitions: o.demos.rewards.length, config: o.config, configLayers: o.configLayers });
}

/** One MGAIL run: its envs, networks and agent buffer, and the steps of Algorithm 1 on them. */
class MGAILRun {
  readonly c: MGAILConfig;
  readonly obsDim: number;
  readonly actDim: number;
  readonly discrete: boolean;
  readonly expert: ExpertPairs;
  readonly policy: Policy;
  /** π's trained variables (a fixed-noise log-std is left out). */
  readonly policyVars: Map<string, tf.Variable>;
  readonly disc: Discriminator;
  readonly model: ForwardModel;
  readonly average: IterateAverage;
  readonly policyStep: PolicyStep;
  /** The agent buffer B: one ring per live env, the trainer's first, then each worker's. */
  readonly buffer: ReplayBuffer;
  readonly live: LiveEnvs;
  readonly timers = new PhaseTimers();
  pool: WorkerPool | null = null;
  /** The current iteration's random stream (every draw of the iteration comes from it). */
  rng: Rng;
  envSteps = 0;
  policyUpdates = 0;
  firstIteration = 0;
  evalHistory: EvalPoint[] = [];
  private readonly ckptFile: string | null;
  private readonly actionSpace: Env['actionSpace'];
  private readonly expertRestarts: ExpertRestarts | null;
  private readonly windowLength: number;
  private readonly started = Date.now();
  private elapsedBefore = 0;
  private prepMs = 0;
  private modelLoss = NaN;
  private discStats: DiscriminatorStats | null = null;
  /** Real states (and next states) not yet in the model's statistics. */
  private pendingStates: number[] = [];
  private pendingNext: number[] = [];
  private metrics: MetricsWriter | null = null;
  private progress: Progress | null = null;
  private lastRow = { time: Date.now(), envSteps: 0 };

  /** Setup: the networks, B and the live envs, then a restored checkpoint or the pre-fill, then the workers. */
  static async start(o: MGAILOptions, saved: SavedTraining | null): Promise<MGAILRun> {
    const given = saved ? saved.meta.config : o.config;
    const c = effectiveMGAILConfig(given, o.demos.episodeStarts.length);
    // older checkpoints have no policyWorkers
    const W = c.policyWorkers ?? 0;
    if (W > 0 && !o.workerEnv) throw new MissingWorkerEnvError(W);
    const envs: MujocoLike[] = [];
    for (let i = 0; i < c.unrollBatch; i++) envs.push((await o.makeEnv()) as MujocoLike);
    const run = new MGAILRun(o, c, envs, await o.makeEnv());
    const prepStarted = performance.now();
    if (saved) run.restore(saved);
    else run.prepare();
    run.prepMs = performance.now() - prepStarted;
    run.openLogs(given, saved !== null);
    if (W > 0) run.pool = await run.startWorkers(W);
    run.timers.begin(run.firstIteration);
    run.lastRow = { time: Date.now(), envSteps: run.envSteps };
    return run;
  }

  private constructor(readonly o: MGAILOptions, c: MGAILConfig, envs: MujocoLike[], readonly evalEnv: Env) {
    this.c = c;
    this.ckptFile = o.runDir ? path.join(o.runDir, 'checkpoint.ckpt') : null;
    // ---------------------------------------------------------------- spaces, demonstrations
    const obsSpace = envs[0].observationSpace;
    const actSpace = envs[0].actionSpace;
    if (obsSpace.kind !== 'box') throw new Error(`MGAIL: ${o.envId} has a non-Box observation space`);
    this.obsDim = obsSpace.size;
    this.discrete = actSpace.kind === 'discrete';
    this.actDim = actSpace.kind === 'discrete' ? actSpace.n : actSpace.size;
    this.actionSpace = actSpace;
    const { obsDim, actDim, discrete } = this;
    if (o.demos.obsDim !== obsDim) throw new Error(`MGAIL: the demonstrations have ${o.demos.obsDim}-dimensional observations, ${o.envId} has ${obsDim}`);
    if (o.demos.discrete !== discrete) throw new Error(`MGAIL: the demonstrations have ${o.demos.discrete ? 'discrete' : 'continuous'} actions, ${o.envId} does not`);
    validateDemos(o.demos, 'demonstrations', { observationSpace: obsSpace, actionSpace: actSpace });
    this.expert = new ExpertPairs(o.demos, obsDim, actDim, discrete);

    // ---------------------------------------------------------------- networks
    const initRng = new Rng(mixSeed(o.seed, 0xfeed));
    this.policy = makePolicy(obsSpace, actSpace, { hidden: c.policyHidden, activation: c.policyActivation, logStdInit: c.logStdInit }, initRng.spawn());
    const fixedNoise = !discrete && c.actionNoise === 'expert';
    const logStd = (this.policy as GaussianPolicy).logStd;
    if (fixedNoise) {
      // σ in raw action units: a fraction of the expert's own action spread (the authors' noise)
      const std = expertActionStd(o.demos.actions as Float32Array, actDim);
      logStd.assign(tf.tensor1d(std.map((s) => Math.log(Math.max(s, 1e-3) / c.noiseIntensity))));
    }
    this.policyVars = new Map([...this.policy.namedVariables].filter(([, v]) => !(fixedNoise && v === logStd)));
    this.disc = new Discriminator({ ...this.discOptions(), obsDim, actDim, expertInputs: this.expert.pairs, rng: initRng.spawn() });
    this.model = makeForwardModel({ ...this.modelOptions(), obsDim, actDim, rng: initRng.spawn() });
    this.windowLength = this.model.recurrent ? c.modelHistory : 1;
    // the workers' live envs follow the trainer's in B: worker w's env i is B·(w + 1) + i
    this.buffer = new ReplayBuffer(c.unrollBatch * (1 + (c.policyWorkers ?? 0)), c.bufferSize, obsDim, actDim);

    // ---------------------------------------------------------------- live envs
    this.rng = new Rng(mixSeed(o.seed, 0xc0ffee));
    this.expertRestarts = this.restarts(envs[0]);
    this.live = new LiveEnvs(envs, {
      obsDim, actDim, discrete, restarts: this.expertRestarts, rng: () => this.rng, deterministicProb: c.collectDeterministicProb,
      // the recurrent model's state after the last n − 1 real transitions of each live env
      warmState: () => warmModelState(this.model, envs.map((_, i) => this.buffer.recentHistory(i, c.modelHistory - 1)), obsDim, actDim),
      record: (t, ms) => {
        this.timers.envStep(ms);
        this.record(t.env, t.s, t.a, t.s2, t.done);
      },
    });
    this.average = new IterateAverage(this.policyVars, c);
    this.policyStep = new PolicyStep({
      policy: this.policy, vars: this.policyVars, model: this.model, disc: this.disc, buffer: this.buffer, expert: this.expert,
      live: this.live, pool: () => this.pool, average: this.average, rng: () => this.rng, seed: o.seed,
    }, c);
  }

  // ================================================================== Algorithm 1

  /** A fresh start (line 1): B pre-filled by random actions, π's input statistics fixed, f pre-trained, the optional BC warm start. */
  private prepare(): void {
    const { c, o, live } = this;
    for (let i = 0; i < live.size; i++) live.reset(i, o.seed * 1000 + i);
    for (let k = 0; k < c.initialRandomSteps; k++) live.step(k % live.size, this.randomAction());
    // π's inputs are standardized with expert and early agent states, then kept fixed
    this.policy.normalizer.update(o.demos.observations);
    if (this.pendingStates.length) this.policy.normalizer.update(Float32Array.from(this.pendingStates));
    this.flushModelStatistics();
    if (this.buffer.length > 0) for (let k = 0; k < c.modelPretrainSteps; k++) this.model.train(this.buffer.sampleWindows(this.rng, c.modelBatchSize, this.windowLength));
    // the BC warm start of mgail+bc (the paper starts from a random π)
    bcWarmStart(this.policy, this.policyVars, this.expert, this.rng, c);
  }

  startIteration(it: number): void {
    this.timers.startIteration();
    this.rng = new Rng(mixSeed(this.o.seed, it, 1));
  }

  /**
   * Lines 3–6: π acts on the live envs and every real transition goes into B. The real unrolls of
   * the policy step are this collection when they step the envs; otherwise (prep, D-only blocks,
   * imagined unrolls) π takes `idleCollectSteps` steps here, plus `collectSteps` every `collectEvery`.
   */
  async collect(it: number, trainPolicy: boolean): Promise<void> {
    const c = this.c;
    const steps = (trainPolicy && policyStepsEnvs(c) ? 0 : idleCollectStepsOf(c)) + (c.collectEvery > 0 && it % c.collectEvery === 0 ? c.collectSteps : 0);
    const rolled = this.pool && steps > 0 ? this.pool.roll((w) => mixSeed(this.o.seed, it, 3, w), steps) : null;
    this.live.roll(this.policy, steps);
    if (rolled) await this.pool!.receive(rolled);
    this.timers.mark('collect');
  }

  /** Line 7: f on windows of B, the MSE of the standardized change of state (statistics of every real state so far). */
  updateModel(): void {
    const c = this.c;
    this.flushModelStatistics();
    for (let k = 0; k < c.modelUpdatesPerIteration; k++) this.modelLoss = this.model.train(this.buffer.sampleWindows(this.rng, c.modelBatchSize, this.windowLength));
    this.timers.mark('model');
  }

  /** Line 8: D by BCE on equal batches of expert pairs (τ_E) and agent pairs (B): the max over D of eq. 1. */
  updateDiscriminator(): void {
    const c = this.c;
    for (let k = 0; k < c.discUpdatesPerIteration; k++) this.discStats = this.disc.train(this.expert.sample(this.rng, c.discBatchSize), this.buffer.samplePairs(this.rng, c.discBatchSize));
    this.timers.mark('disc');
  }

  /** Lines 9–14: `policyUpdatesPerIteration` steps of π by ∇_θ J through f (eq. 9–11; `PolicyStep`). */
  async updatePolicy(it: number): Promise<void> {
    const n = this.c.policyUpdatesPerIteration ?? 1;
    this.timers.inUnroll = true;
    this.policyStep.schedule(it);
    for (let k = 0; k < n; k++) await this.policyStep.step(it, k);
    this.policyUpdates += n;
    this.timers.inUnroll = false;
    this.timers.mark('policy');
  }

  // ================================================================== bookkeeping

  /** Stops on NaN/Inf before anything is logged or checkpointed: the last good checkpoint stays. */
  assertFinite(it: number, trainD: boolean, trainPolicy: boolean): void {
    assertFiniteLosses(it + 1, {
      'losses/forward_model': this.c.modelUpdatesPerIteration > 0 ? this.modelLoss : undefined,
      'losses/discriminator': trainD ? this.discStats?.loss : undefined,
      'losses/policy': trainPolicy ? this.policyStep.j : undefined,
    }, 'mgail', 'iteration');
  }

  /** Logs a row every `logEvery` iterations, with a deterministic evaluation every `evalEvery` (never used for selection). */
  logIteration(done: number): void {
    const c = this.c;
    const evalNow = c.evalEvery > 0 && (done % c.evalEvery === 0 || done === c.iterations);
    if (!evalNow && done % (this.o.logEvery ?? 10) !== 0 && done !== c.iterations) return;
    const now = Date.now();
    const d = this.discStats;
    const m: Record<string, number> = {
      global_step: this.envSteps,
      'time/elapsed_s': this.elapsedSeconds(),
      'losses/forward_model': this.modelLoss,
      'losses/discriminator': d?.loss ?? NaN,
      'disc/expert_accuracy': d?.expertAccuracy ?? NaN,
      'disc/agent_accuracy': d?.agentAccuracy ?? NaN,
      'disc/expert_d': d?.expertD ?? NaN,
      'disc/agent_d': d?.agentD ?? NaN,
      ...this.policyStep.metrics(),
      'charts/replay_ratio': this.policyUpdates / Math.max(1, this.envSteps),
      'time/sps': ((this.envSteps - this.lastRow.envSteps) / Math.max(1, now - this.lastRow.time)) * 1000,
      ...this.timers.rowMetrics(done, this.pool !== null),
    };
    this.timers.rowLogged(done);
    this.lastRow = { time: now, envSteps: this.envSteps };
    const returns = this.live.returns; // the env's reward is only logged, never learned from
    if (returns.length) {
      m['charts/episodic_return'] = returns.reduce((a, b) => a + b, 0) / returns.length;
      returns.length = 0;
    }
    if (evalNow) this.timers.time('eval', () => Object.assign(m, this.evaluate(done)));
    this.metrics?.log(done, m);
    this.o.onLog?.(done, m);
    this.progress?.update(done, {
      eval: this.evalHistory.at(-1)?.mean,
      'D acc': d ? `${d.expertAccuracy.toFixed(2)}/${d.agentAccuracy.toFixed(2)}` : undefined,
      model: this.modelLoss,
      J: Number.isNaN(this.policyStep.j) ? undefined : this.policyStep.j,
      steps: this.envSteps,
      sps: Math.round(m['time/sps']),
    });
  }

  checkpointIteration(done: number): void {
    if (this.c.checkpointEvery > 0 && done % this.c.checkpointEvery === 0) this.timers.time('checkpoint', () => this.save(done));
  }

  endIteration(): void {
    this.timers.endIteration();
  }

  /** After the last iteration of this sitting: the checkpoint, the averaged iterate of a finished run, `onFinish`. */
  async finish(it: number, sitting: number): Promise<MGAILResult> {
    this.save(it);
    // the finished run returns the averaged iterate (the checkpoint keeps the last one and the average)
    if (it >= this.c.iterations) this.average.applyTo();
    await this.o.onFinish?.({ model: this.model, disc: this.disc, buffer: this.buffer, policy: this.policy, rng: new Rng(mixSeed(this.o.seed, 0xf1)) });
    this.progress?.done(it, { eval: this.evalHistory.at(-1)?.mean, steps: this.envSteps });
    return {
      policy: this.policy, envSteps: this.envSteps, iterations: it, finished: it >= this.c.iterations, wallClockSeconds: this.elapsedSeconds(),
      evalHistory: this.evalHistory, timing: this.timers.summary(sitting, this.prepMs),
    };
  }

  /** Frees everything but the policy (the caller's, or disposed by the caller on an error). */
  async close(): Promise<void> {
    await this.pool?.close();
    this.disc.dispose();
    this.model.dispose();
    this.policyStep.dispose();
    this.average.dispose();
    this.live.close();
    this.evalEnv.close();
  }

  /** The evaluation's metrics: π's deterministic return and f's one-step error on B. */
  private evaluate(done: number): Record<string, number> {
    const ev = evaluatePolicy(this.evalEnv, this.policy, { episodes: this.c.evalEpisodes, seed: mixSeed(this.o.seed, done, 2), deterministic: true });
    this.evalHistory.push({ iteration: done, envSteps: this.envSteps, mean: ev.mean, std: ev.std });
    const w = this.buffer.sampleWindows(this.rng, 32, 1);
    return { 'eval/return_mean': ev.mean, 'eval/return_std': ev.std, 'model/one_step_error': this.model.multiStepError(w, 1)[0] };
  }

  private save(iteration: number): void {
    if (!this.ckptFile) return;
    writeTrainingCheckpoint(
      this.ckptFile,
      { policy: this.policy, policyOptimizer: this.policyStep.optimizer, disc: this.disc, model: this.model, buffer: this.buffer, average: this.average },
      { envId: this.o.envId, seed: this.o.seed, expertTransitions: this.expert.size, config: this.c },
      { iteration, envSteps: this.envSteps, policyUpdates: this.policyUpdates, elapsedSeconds: this.elapsedSeconds(), evalHistory: this.evalHistory },
    );
  }

  /** Everything but the envs' physical state: episodes in progress at the checkpoint are dropped, the live envs restart seeded by (seed, iteration). */
  private restore(saved: SavedTraining): void {
    const p = restoreTraining(saved, { policy: this.policy, policyOptimizer: this.policyStep.optimizer, disc: this.disc, model: this.model, buffer: this.buffer, average: this.average });
    this.firstIteration = p.iteration;
    this.envSteps = p.envSteps;
    this.policyUpdates = p.policyUpdates;
    this.elapsedBefore = p.elapsedSeconds;
    this.evalHistory = p.evalHistory;
    this.rng = new Rng(mixSeed(this.o.seed, p.iteration, 0xbeef));
    for (let i = 0; i < this.live.size; i++) this.live.reset(i, mixSeed(this.o.seed, p.iteration, i));
  }

  /** metrics.jsonl/.csv (rows past the checkpoint dropped), config.json of a fresh run, the progress line. */
  private openLogs(given: MGAILConfig, resumed: boolean): void {
    const { o, c } = this;
    this.metrics = o.runDir ? new MetricsWriter(o.runDir, { resumeFromStep: this.firstIteration }) : null;
    if (o.runDir && !resumed) {
      const n = o.demos.episodeStarts.length;
      writeJsonAtomic(path.join(o.runDir, 'config.json'), {
        algo: mgailAlgoName(given), env: o.envId, seed: o.seed, ...o.runInfo, ...demosProvenance(o.demos), expertTransitions: this.expert.size, config: c,
        ...(c !== given ? { bcAnchorOff: `${n} ${n === 1 ? 'trajectory' : 'trajectories'} < bcMinTrajectories ${given.bcMinTrajectories}: bcPretrainSteps ${given.bcPretrainSteps} and bcWeight ${given.bcWeight} set to 0` } : {}),
      });
    }
    this.progress = o.progress ? new Progress(`mgail ${o.envId}`, c.iterations) : null;
  }

  /** The unroll workers (the second core), with copies of π, f and D and live envs of their own. */
  private startWorkers(count: number): Promise<WorkerPool> {
    const { c, o, obsDim, actDim, discrete } = this;
    return WorkerPool.start(count, {
      backend: tf.getBackend(), env: o.workerEnv!, numEnvs: c.unrollBatch, obsDim, actDim, discrete,
      policy: { hidden: c.policyHidden, activation: c.policyActivation, logStdInit: c.logStdInit }, varNames: [...this.policyVars.keys()],
      model: this.modelOptions(), disc: this.discOptions(), expertPairs: this.expert.pairs, restarts: this.expertRestarts,
      unroll: c, historyLength: this.windowLength, deterministicProb: c.collectDeterministicProb,
    }, { seed: o.seed, iteration: this.firstIteration }, {
      nets: { policy: this.policy, model: this.model, disc: this.disc },
      record: (bufferEnv, s, a, s2, done) => this.record(bufferEnv, s, a, s2, done),
      returns: this.live.returns,
      timers: this.timers,
    });
  }

  /** Every real transition, here or in a worker, lands in B (ring `bufferEnv`) and the model's pending statistics. */
  private record(bufferEnv: number, s: Float32Array, a: Float32Array, s2: Float32Array, done: boolean): void {
    this.buffer.add(bufferEnv, s, a, s2, done);
    for (let j = 0; j < this.obsDim; j++) {
      this.pendingStates.push(s[j]);
      this.pendingNext.push(s2[j]);
    }
    this.envSteps++;
  }

  private flushModelStatistics(): void {
    if (!this.pendingStates.length) return;
    this.model.updateStatistics(Float32Array.from(this.pendingStates), Float32Array.from(this.pendingNext));
    this.pendingStates = [];
    this.pendingNext = [];
  }

  private randomAction(): number | Float32Array {
    const actSpace = this.actionSpace;
    if (actSpace.kind === 'discrete') return this.rng.int(actSpace.n);
    const a = new Float32Array(this.actDim);
    for (let j = 0; j < this.actDim; j++) {
      const lo = actSpace.low[j], hi = actSpace.high[j];
      a[j] = Number.isFinite(lo) && Number.isFinite(hi) ? this.rng.uniform(lo, hi) : this.rng.normal();
    }
    return a;
  }

  /** Restarts inside the expert's state distribution (MuJoCo): qpos/qvel of a random expert state. */
  private restarts(env: MujocoLike): ExpertRestarts | null {
    const { c, o } = this;
    const d = o.demos;
    const can = c.expertRestartProb > 0 && Boolean(d.qpos && d.qvel && d.nq && d.nv) && typeof env.setState === 'function';
    return can ? { prob: c.expertRestartProb, qpos: d.qpos!, qvel: d.qvel!, nq: d.nq!, nv: d.nv! } : null;
  }

  private discOptions() {
    const c = this.c;
    return {
      hidden: c.discHidden, activation: 'relu' as const, lr: c.discLr, weightDecay: c.discWeightDecay, dropout: c.discDropout,
      expertWeight: c.discExpertWeight, labelSmoothing: c.discLabelSmoothing, gradientPenalty: c.discGradientPenalty, inputNoise: c.discInputNoise, stdFloor: c.discStdFloor,
    };
  }

  private modelOptions() {
    const c = this.c;
    return { kind: c.forwardModel, hidden: c.modelHidden, encoderDim: c.modelEncoderDim, historyLength: c.modelHistory, lr: c.modelLr };
  }

  private elapsedSeconds(): number {
    return this.elapsedBefore + (Date.now() - this.started) / 1000;
  }
}

function expertActionStd(actions: Float32Array, dim: number): number[] {
  const n = actions.length / dim;
  return Array.from({ length: dim }, (_, j) => {
    let m = 0, v = 0;
    for (let i = 0; i < n; i++) m += actions[i * dim + j];
    m /= n;
    for (let i = 0; i < n; i++) v += (actions[i * dim + j] - m) ** 2;
    return Math.sqrt(v / n);
  });
}
