import fs from 'node:fs';
import path from 'node:path';
import {
  Adam,
  assertFiniteLosses,
  assertFiniteTensors,
  assignFlat,
  assignFromTensors,
  conjugateGradient,
  readTensorFile,
  dot,
  encodeTensors,
  flattenTensors,
  MetricsWriter,
  moduleToTensors,
  Progress,
  Rng,
  tf,
  writeFileAtomic,
  writeJsonAtomic,
  firstNonFiniteTensor,
  openRunDir,
  type AdamState,
  type TensorRecord,
  type ConfigLayer,
} from '@mgail/core-autodiff-graph';
import type { Env } from '@mgail/envs-classic';
import { Discriminator, pairs, type DiscriminatorStats } from '@mgail/discriminator';
import { makeForwardModel, type ForwardModel, type ForwardModelStatistics } from '@mgail/forward-model';
import {
  demosProvenance,
  FisherVectorProduct,
  GaussianPolicy,
  evaluatePolicy,
  makePolicy,
  PolicyKlAnchor,
  validateDemos,
  type Demonstrations,
  type Policy,
} from '@mgail/policies';
import { ReplayBuffer, type ReplayBufferState } from './buffer.js';
import { effectiveMGAILConfig, idleCollectStepsOf, mgailAlgoName, policyStepsEnvs, type MGAILConfig } from './config.js';
import { addGradients, LiveEnvs, mixSeed, sumUnrollGradients, warmModelState as warmFromHistory, type ExpertRestarts, type LiveView, type MujocoLike } from './shard.js';
import { UnrollWorkers, type WorkerResult } from './unroll-workers.js';
import type { NetSnapshot, WorkerEnvSpec } from './workers-protocol.js';

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
  evalHistory: { iteration: number; envSteps: number; mean: number; std: number }[];
  /** Where this sitting's wall time went (prep before the first iteration excluded). */
  timing: MGAILTiming;
}

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

export const MGAIL_CHECKPOINT_FORMAT = 'mgail-training-checkpoint';

/** The config (or a resumed checkpoint's config) asks for unroll workers, and no `workerEnv` says how they make their envs. */
export class MissingWorkerEnvError extends Error {
  constructor(readonly policyWorkers: number) {
    super(`MGAIL: policyWorkers ${policyWorkers} > 0 needs the workerEnv option (how a worker thread makes its envs)`);
    this.name = 'MissingWorkerEnvError';
  }
}

interface CheckpointMeta {
  format: typeof MGAIL_CHECKPOINT_FORMAT;
  formatVersion: 1;
  envId: string;
  seed: number;
  iteration: number;
  envSteps: number;
  elapsedSeconds: number;
  expertTransitions: number;
  config: MGAILConfig;
  policyNormalizer: ReturnType<Policy['normalizer']['toJSON']>;
  modelStatistics: ForwardModelStatistics;
  optimizers: Record<'policy' | 'disc' | 'model', AdamState['meta']>;
  buffer: ReplayBufferState;
  evalHistory: MGAILResult['evalHistory'];
  /** Iterates in the running policy average (`policyAverageFraction`); absent when none yet. */
  policyAverageCount?: number;
  /** Policy steps so far (absent in older checkpoints). */
  policyUpdates?: number;
}


/** What a training checkpoint says about its run (iteration, config, seed, env). */
export function readMGAILCheckpointMeta(file: string): { iteration: number; config: MGAILConfig; seed: number; envId: string } {
  const { metadata } = readTensorFile(file);
  const m = metadata as unknown as CheckpointMeta;
  if (m?.format !== MGAIL_CHECKPOINT_FORMAT) throw new Error(`${file} is not an MGAIL training checkpoint (format ${JSON.stringify(m?.format)})`);
  return { iteration: m.iteration, config: m.config, seed: m.seed, envId: m.envId };
}

/**
 * MGAIL, Algorithm 1 of Baram et al. (2017). After pre-filling an agent buffer with random
 * actions, each iteration
 *   1. collects: the unrolls below step the real envs (recorded), plus periodic extra steps;
 *   2. updates the forward model f on agent transitions (MSE of the standardized change);
 *   3. updates the discriminator D (expert vs agent pairs, BCE);
 *   4. updates the policy by the exact gradient of J = Σ_t γ^t c(s_t, a_t), c = −log D, through
 *      T-step unrolls from the live envs' CURRENT real states, where s_{t+1} takes the real
 *      env's value and the gradient of f (eq. 9–11);
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
  const started = Date.now();
  const ckptFile = o.runDir ? path.join(o.runDir, 'checkpoint.ckpt') : null;
  const resuming = Boolean(o.resume && ckptFile && fs.existsSync(ckptFile));
  if (!resuming && ckptFile && fs.existsSync(ckptFile)) {
    throw new Error(`${o.runDir} already holds an MGAIL training checkpoint; resume it or choose another directory`);
  }
  let saved: { tensors: TensorRecord; meta: CheckpointMeta } | null = null;
  if (resuming) {
    const { tensors, metadata } = readTensorFile(ckptFile!);
    const meta = metadata as unknown as CheckpointMeta;
    if (meta?.format !== MGAIL_CHECKPOINT_FORMAT) throw new Error(`${ckptFile} is not an MGAIL training checkpoint`);
    if (meta.envId !== o.envId) throw new Error(`${ckptFile} is a run on ${meta.envId}, not ${o.envId}`);
    if (meta.seed !== o.seed) throw new Error(`${ckptFile} is a run with seed ${meta.seed}, not ${o.seed}`);
    if (meta.expertTransitions !== o.demos.rewards.length) {
      throw new Error(`${ckptFile} was trained on ${meta.expertTransitions} expert transitions, these demonstrations have ${o.demos.rewards.length}; resume with the same demonstrations`);
    }
    // a checkpoint holding NaN would resume into a run that diverges at once, blamed on training
    const bad = firstNonFiniteTensor(tensors);
    if (bad !== undefined) throw new Error(`${ckptFile} is corrupt: ${bad} holds NaN or Inf; resume from another copy or start over with --force`);
    // the checkpoint's config wins; a field the caller asked for explicitly and would not get is refused, not ignored
    const asked = new Map<string, string>();
    for (const { source, values } of o.configLayers ?? []) {
      for (const [k, v] of Object.entries(values ?? {})) if (v !== undefined && !k.startsWith('$') && k !== 'comment') asked.set(k, source);
    }
    for (const [k, source] of asked) {
      const want = (o.config as unknown as Record<string, unknown>)[k], have = (meta.config as unknown as Record<string, unknown>)[k];
      if (JSON.stringify(want) !== JSON.stringify(have)) {
        throw new Error(`${source} sets ${k} to ${JSON.stringify(want)}, but ${ckptFile} is a run with ${k} ${JSON.stringify(have)}; a resumed run keeps its config: drop the field, or start over with --force`);
      }
    }
    saved = { tensors, meta };
  }
  const given = saved ? saved.meta.config : o.config;
  const c = effectiveMGAILConfig(given, o.demos.episodeStarts.length);
  const B = c.unrollBatch;
  // older checkpoints have no policyWorkers
  const W = c.policyWorkers ?? 0;
  if (W > 0 && !o.workerEnv) throw new MissingWorkerEnvError(W);

  // ================================================================ envs, spaces, demonstrations
  const envs: MujocoLike[] = [];
  for (let i = 0; i < B; i++) envs.push((await o.makeEnv()) as MujocoLike);
  const evalEnv = await o.makeEnv();
  const obsSpace = envs[0].observationSpace;
  const actSpace = envs[0].actionSpace;
  if (obsSpace.kind !== 'box') throw new Error(`MGAIL: ${o.envId} has a non-Box observation space`);
  const obsDim = obsSpace.size;
  const discrete = actSpace.kind === 'discrete';
  const actDim = discrete ? actSpace.n : actSpace.size;
  if (o.demos.obsDim !== obsDim) throw new Error(`MGAIL: the demonstrations have ${o.demos.obsDim}-dimensional observations, ${o.envId} has ${obsDim}`);
  if (o.demos.discrete !== discrete) throw new Error(`MGAIL: the demonstrations have ${o.demos.discrete ? 'discrete' : 'continuous'} actions, ${o.envId} does not`);
  validateDemos(o.demos, 'demonstrations', { observationSpace: obsSpace, actionSpace: actSpace });
  const nExpert = o.demos.rewards.length;
  const expertPairs = pairs(o.demos.observations, o.demos.actions, obsDim, actDim, discrete);

  // ================================================================ networks and optimizers
  const initRng = new Rng(mixSeed(o.seed, 0xfeed));
  const policy = makePolicy(obsSpace, actSpace, { hidden: c.policyHidden, activation: c.policyActivation, logStdInit: c.logStdInit }, initRng.spawn());
  const fixedNoise = !discrete && c.actionNoise === 'expert';
  if (fixedNoise) {
    // σ in raw action units: a fraction of the expert's own action spread (the authors' noise)
    const std = expertActionStd(o.demos.actions as Float32Array, actDim);
    (policy as GaussianPolicy).logStd.assign(tf.tensor1d(std.map((s) => Math.log(Math.max(s, 1e-3) / c.noiseIntensity))));
  }
  const policyVars = new Map([...policy.namedVariables].filter(([, v]) => !(fixedNoise && v === (policy as GaussianPolicy).logStd)));
  const discOptions = {
    hidden: c.discHidden, activation: 'relu' as const, lr: c.discLr, weightDecay: c.discWeightDecay, dropout: c.discDropout,
    expertWeight: c.discExpertWeight, labelSmoothing: c.discLabelSmoothing, gradientPenalty: c.discGradientPenalty, inputNoise: c.discInputNoise, stdFloor: c.discStdFloor,
  };
  const disc = new Discriminator({ ...discOptions, obsDim, actDim, expertInputs: expertPairs, rng: initRng.spawn() });
  const modelOptions = { kind: c.forwardModel, hidden: c.modelHidden, encoderDim: c.modelEncoderDim, historyLength: c.modelHistory, lr: c.modelLr };
  const model = makeForwardModel({ ...modelOptions, obsDim, actDim, rng: initRng.spawn() });
  const policyOpt = new Adam(policyVars, { lr: c.policyLr, maxGradNorm: c.policyMaxGradNorm || undefined });
  // iterate averaging: policy steps from averageFrom on are averaged into copies of π's variables
  const averageFrom = c.iterations - Math.floor((c.policyAverageFraction ?? 0) * Math.max(0, c.iterations - c.prepIterations));
  let policyAverage: Map<string, tf.Variable> | null = null;
  let policyAverageCount = 0;
  const addToAverage = () => {
    if (!policyAverage) policyAverage = new Map([...policyVars].map(([k, v]) => [k, variableFrom(v)]));
    policyAverageCount++;
    tf.tidy(() => {
      for (const [k, v] of policyVars) {
        const a = policyAverage!.get(k)!;
        a.assign(tf.add(a, tf.div(tf.sub(v, a), policyAverageCount)));
      }
    });
  };
  // the workers' live envs follow the trainer's in the buffer: worker w's env i is B·(w + 1) + i
  const buffer = new ReplayBuffer(B * (1 + W), c.bufferSize, obsDim, actDim);
  const windowLength = model.recurrent ? c.modelHistory : 1;

  // ================================================================ live envs
  const canRestartFromExpert = c.expertRestartProb > 0 && Boolean(o.demos.qpos && o.demos.qvel && o.demos.nq && o.demos.nv) && typeof envs[0].setState === 'function';
  let envSteps = 0;
  /** Policy steps so far: with envSteps, the replay ratio. */
  let policyUpdates = 0;
  // phase timers (ms); `envStepMs` accumulates inside stepLive wherever it is called from
  const T = { total: 0, collect: 0, model: 0, disc: 0, policy: 0, policyEnvStep: 0, envStep: 0, eval: 0, checkpoint: 0, workerBusy: 0, workerWait: 0, workerEnvStep: 0 };
  let inUnroll = false;
  let pendingStates: number[] = [], pendingNext: number[] = [];
  let rng = new Rng(mixSeed(o.seed, 0xc0ffee));
  // restarts inside the expert's state distribution (MuJoCo): qpos/qvel of a random expert state
  const restarts: ExpertRestarts | null = canRestartFromExpert
    ? { prob: c.expertRestartProb, qpos: o.demos.qpos!, qvel: o.demos.qvel!, nq: o.demos.nq!, nv: o.demos.nv! }
    : null;
  /** ∇ of weight · E[−log π(a_E | s_E)] over a random batch of expert pairs (in policyVars order; the caller disposes) and the mean NLL. */
  const bcGradients = (weight: number): { grads: tf.Tensor[]; nll: number } => {
    const n = c.bcBatchSize;
    const ob = new Float32Array(n * obsDim);
    const ac = discrete ? new Int32Array(n) : new Float32Array(n * actDim);
    for (let k = 0; k < n; k++) {
      const j = rng.int(nExpert);
      for (let d = 0; d < obsDim; d++) ob[k * obsDim + d] = o.demos.observations[j * obsDim + d];
      if (discrete) ac[k] = o.demos.actions[j];
      else for (let d = 0; d < actDim; d++) ac[k * actDim + d] = o.demos.actions[j * actDim + d];
    }
    const obsT = tf.tensor2d(ob, [n, obsDim]);
    const actT = discrete ? tf.tensor1d(ac, 'int32') : tf.tensor2d(ac, [n, actDim]);
    const vars = [...policyVars.values()];
    const { value, grads } = tf.variableGrads(() => tf.mul(-weight, tf.mean(policy.logProb(obsT, actT))) as tf.Scalar, vars);
    const nll = value.dataSync()[0] / weight;
    tf.dispose([value, obsT, actT]);
    return { grads: vars.map((v) => grads[v.name]), nll };
  };
  /**
   * The `natural` policy step: x = F⁻¹g (F on agent states from the buffer and as many expert
   * states, where π acts and where it should), then θ ← θ − βx with ½β²xᵀ(F + damping·I)x = δ.
   * Returns ‖g‖.
   */
  let lastKl = NaN;
  const naturalStep = (grads: tf.Tensor[], maxKl: number): number => {
    const n = c.naturalFisherStates;
    const d = obsDim + actDim;
    const rows = [buffer.samplePairs(rng, n), sampleExpert(n)];
    const ob = new Float32Array(2 * n * obsDim);
    rows.forEach((r, h) => {
      for (let k = 0; k < n; k++) ob.set(r.subarray(k * d, k * d + obsDim), (h * n + k) * obsDim);
    });
    const obsT = tf.tensor2d(ob, [2 * n, obsDim]);
    const fvp = new FisherVectorProduct(policy, obsT);
    // π before the step, for the KL the step actually reached (logged; δ is its damped second-order estimate)
    const anchor = new PolicyKlAnchor(policy, obsT);
    try {
      // F is over all of π's variables; a fixed log-std gets a zero gradient, and F has no cross terms to it, so it does not move
      const all = policy.variables;
      const byVar = new Map([...policyVars.values()].map((v, i) => [v, grads[i]]));
      const flatG = tf.tidy(() => flattenTensors(all.map((v) => byVar.get(v) ?? tf.zerosLike(v))));
      const g = Float64Array.from(flatG.dataSync());
      flatG.dispose();
      const cg = conjugateGradient((v) => fvp.apply(v, c.naturalDamping), g, { iterations: c.naturalCgIterations });
      const xFx = dot(cg.x, fvp.apply(cg.x, c.naturalDamping));
      if (xFx > 0 && Number.isFinite(xFx) && maxKl > 0) {
        const beta = Math.sqrt((2 * maxKl) / xFx);
        const flatTheta = flattenTensors(all);
        const theta = Float32Array.from(flatTheta.dataSync());
        flatTheta.dispose();
        for (let i = 0; i < theta.length; i++) theta[i] -= beta * cg.x[i];
        assignFlat(all, theta);
      }
      const kl = anchor.meanKl();
      lastKl = kl.dataSync()[0];
      kl.dispose();
      return Math.sqrt(dot(g, g));
    } finally {
      fvp.dispose();
      anchor.dispose();
      obsT.dispose();
    }
  };
  /** The recurrent model's state after the last n − 1 real transitions of each live env (null for the basic model). */
  const warmModelState = (): tf.Tensor2D | null =>
    warmFromHistory(model, envs.map((_, i) => buffer.recentHistory(i, c.modelHistory - 1)), obsDim, actDim);
  /** Every real transition, here or in a worker, lands in the agent buffer (env `bufferEnv`) and the model's statistics. */
  const recordTransition = (bufferEnv: number, s: Float32Array, a: Float32Array, s2: Float32Array, done: boolean) => {
    buffer.add(bufferEnv, s, a, s2, done);
    for (let j = 0; j < obsDim; j++) {
      pendingStates.push(s[j]);
      pendingNext.push(s2[j]);
    }
    envSteps++;
  };
  const live = new LiveEnvs(envs, {
    obsDim, actDim, discrete, restarts, rng: () => rng, warmState: warmModelState,
    record: (t, ms) => {
      T.envStep += ms;
      if (inUnroll) T.policyEnvStep += ms;
      recordTransition(t.env, t.s, t.a, t.s2, t.done);
    },
  });
  const finishedReturns = live.returns; // the env's reward is only logged, never learned from
  const randomAction = (): number | Float32Array => {
    if (actSpace.kind === 'discrete') return rng.int(actSpace.n);
    const a = new Float32Array(actDim);
    for (let j = 0; j < actDim; j++) {
      const lo = actSpace.low[j], hi = actSpace.high[j];
      a[j] = Number.isFinite(lo) && Number.isFinite(hi) ? rng.uniform(lo, hi) : rng.normal();
    }
    return a;
  };
  const updateModelStatistics = () => {
    if (!pendingStates.length) return;
    model.updateStatistics(Float32Array.from(pendingStates), Float32Array.from(pendingNext));
    pendingStates = [];
    pendingNext = [];
  };

  let startIteration = 0;
  let elapsedBefore = 0;
  const prepStarted = performance.now();
  const evalHistory: MGAILResult['evalHistory'] = [];
  if (saved) {
    // ============================================================ resume: restore everything but the envs' physical state
    const { tensors, meta } = saved;
    const pick = (prefix: string): TensorRecord =>
      Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    policy.setWeights(pick('policy:'));
    policy.normalizer.load(meta.policyNormalizer);
    assignFromTensors(disc.net, pick('disc:'), { source: ckptFile! });
    assignFromTensors(model.store, pick('model:'), { source: ckptFile! });
    model.loadStatistics(meta.modelStatistics);
    policyOpt.setState({ tensors: pick('opt/policy:'), meta: meta.optimizers.policy });
    disc.optimizer.setState({ tensors: pick('opt/disc:'), meta: meta.optimizers.disc });
    model.optimizer.setState({ tensors: pick('opt/model:'), meta: meta.optimizers.model });
    buffer.load(pick('buffer:'), meta.buffer, ckptFile!);
    startIteration = meta.iteration;
    if (meta.policyAverageCount) {
      const avg = pick('policyAvg:');
      policyAverage = new Map([...policyVars].map(([k, v]) => {
        if (!avg[k]) throw new Error(`${ckptFile}: the policy average has no ${k}`);
        return [k, variableFrom(tf.tensor(Float32Array.from(avg[k].data), v.shape), true)];
      }));
      policyAverageCount = meta.policyAverageCount;
    }
    envSteps = meta.envSteps;
    policyUpdates = meta.policyUpdates ?? 0;
    elapsedBefore = meta.elapsedSeconds;
    evalHistory.push(...meta.evalHistory);
    rng = new Rng(mixSeed(o.seed, startIteration, 0xbeef));
    // episodes in progress at the checkpoint are dropped: the live envs restart, seeded by (seed, iteration)
    for (let i = 0; i < B; i++) live.reset(i, mixSeed(o.seed, startIteration, i));
  } else {
    // ============================================================ pre-fill the buffer, fix the policy's input statistics, pre-train f
    for (let i = 0; i < B; i++) live.reset(i, o.seed * 1000 + i);
    for (let k = 0; k < c.initialRandomSteps; k++) live.step(k % B, randomAction());
    // π's inputs are standardized with expert and early agent states, then kept fixed
    policy.normalizer.update(o.demos.observations);
    if (pendingStates.length) policy.normalizer.update(Float32Array.from(pendingStates));
    updateModelStatistics();
    if (buffer.length > 0) for (let k = 0; k < c.modelPretrainSteps; k++) model.train(buffer.sampleWindows(rng, c.modelBatchSize, windowLength));
    // optional BC warm start (not in the paper, which starts from a random π)
    if (c.bcPretrainSteps > 0) {
      const bcOpt = new Adam(policyVars, { lr: c.bcLr });
      try {
        for (let k = 0; k < c.bcPretrainSteps; k++) {
          const { grads } = bcGradients(1);
          bcOpt.applyGradients(grads);
          tf.dispose(grads);
        }
      } finally {
        bcOpt.dispose();
      }
    }
  }

  const prepMs = performance.now() - prepStarted;
  T.envStep = 0;
  const metrics = o.runDir ? new MetricsWriter(o.runDir, { resumeFromStep: startIteration }) : null;
  if (o.runDir && !resuming) {
    writeJsonAtomic(path.join(o.runDir, 'config.json'), {
      algo: mgailAlgoName(given), env: o.envId, seed: o.seed, ...o.runInfo, ...demosProvenance(o.demos), expertTransitions: nExpert, config: c,
      ...(c !== given ? { bcAnchorOff: `${o.demos.episodeStarts.length} ${o.demos.episodeStarts.length === 1 ? 'trajectory' : 'trajectories'} < bcMinTrajectories ${given.bcMinTrajectories}: bcPretrainSteps ${given.bcPretrainSteps} and bcWeight ${given.bcWeight} set to 0` } : {}),
    });
  }
  const progress = o.progress ? new Progress(`mgail ${o.envId}`, c.iterations) : null;
  const sampleExpert = (n: number) => {
    const d = obsDim + actDim;
    const out = new Float32Array(n * d);
    for (let k = 0; k < n; k++) {
      const j = rng.int(nExpert);
      out.set(expertPairs.subarray(j * d, (j + 1) * d), k * d);
    }
    return out;
  };
  // ================================================================ unroll workers (the second core)
  const pool = W > 0
    ? await UnrollWorkers.start(Array.from({ length: W }, (_, w) => ({
      index: w, backend: tf.getBackend(), env: o.workerEnv!, numEnvs: B, obsDim, actDim, discrete,
      policy: { hidden: c.policyHidden, activation: c.policyActivation, logStdInit: c.logStdInit }, varNames: [...policyVars.keys()],
      model: modelOptions, disc: discOptions, expertPairs, restarts,
      unroll: c, historyLength: windowLength,
      resetSeeds: Array.from({ length: B }, (_, i) => mixSeed(o.seed, startIteration, B * (w + 1) + i)),
      restartSeed: mixSeed(o.seed, startIteration, 0x5eed, w),
    })))
    : null;
  /** The trainer's weights for the workers' copies (f and D only when they changed). */
  const snapshot = (withModelAndDisc: boolean): NetSnapshot => ({
    policy: policy.weightTensors(), normalizer: policy.normalizer.toJSON(),
    ...(withModelAndDisc ? { model: moduleToTensors(model.store), modelStatistics: model.statistics(), disc: moduleToTensors(disc.net) } : {}),
  });
  /** A worker's transitions join the buffer and the statistics as if stepped here. */
  const absorb = (results: WorkerResult[]) => {
    results.forEach((r, w) => {
      const t = r.transitions;
      for (let k = 0; k < t.n; k++) {
        recordTransition(B * (w + 1) + t.env[k], t.s.subarray(k * obsDim, (k + 1) * obsDim), t.a.subarray(k * actDim, (k + 1) * actDim),
          t.s2.subarray(k * obsDim, (k + 1) * obsDim), t.done[k] === 1);
      }
      finishedReturns.push(...r.returns);
      T.workerBusy += r.busyMs;
      T.workerEnvStep += r.envStepMs;
    });
  };

  const save = (iteration: number) => {
    if (!ckptFile) return;
    const tensors: TensorRecord = {};
    const put = (prefix: string, rec: TensorRecord) => {
      for (const [k, v] of Object.entries(rec)) tensors[`${prefix}${k}`] = v;
    };
    put('policy:', policy.weightTensors());
    put('disc:', moduleToTensors(disc.net));
    put('model:', moduleToTensors(model.store));
    const po = policyOpt.getState(), dopt = disc.optimizer.getState(), mo = model.optimizer.getState();
    put('opt/policy:', po.tensors);
    put('opt/disc:', dopt.tensors);
    put('opt/model:', mo.tensors);
    const b = buffer.save();
    put('buffer:', b.tensors);
    if (policyAverage) put('policyAvg:', Object.fromEntries([...policyAverage].map(([k, v]) => [k, { data: Float32Array.from(v.dataSync() as Float32Array), shape: [...v.shape] }])));
    const meta: CheckpointMeta = {
      format: MGAIL_CHECKPOINT_FORMAT, formatVersion: 1, envId: o.envId, seed: o.seed, iteration, envSteps,
      elapsedSeconds: elapsedBefore + (Date.now() - started) / 1000, expertTransitions: nExpert, config: c,
      policyNormalizer: policy.normalizer.toJSON(), modelStatistics: model.statistics(),
      optimizers: { policy: po.meta, disc: dopt.meta, model: mo.meta }, buffer: b.state, evalHistory,
      ...(policyAverage ? { policyAverageCount } : {}),
      policyUpdates,
    };
    assertFiniteTensors(iteration, tensors, 'mgail');
    writeFileAtomic(ckptFile, encodeTensors(tensors, meta as unknown as Record<string, unknown>));
  };

  /** Where the step-size schedule (policyLrFinalFraction) stands: policyLr and policyMaxKl are scaled by it. */
  let lrScale = 1;
  let lastModelLoss = NaN, lastJ = NaN, lastGradNorm = NaN, lastBc = NaN, lastD: DiscriminatorStats | null = null;
  let lastLog = Date.now(), lastLogSteps = envSteps;
  let lastT = { ...T }, lastTIt = startIteration, lastRowPerf = performance.now();
  const timing = (): MGAILTiming => {
    const n = Math.max(1, sitting);
    return {
      iterations: sitting, prepMs, totalMs: T.total, collectMs: T.collect, modelMs: T.model, discMs: T.disc, policyMs: T.policy,
      policyEnvStepMs: T.policyEnvStep, envStepMs: T.envStep, evalMs: T.eval, checkpointMs: T.checkpoint,
      workerBusyMs: T.workerBusy, workerEnvStepMs: T.workerEnvStep, workerWaitMs: T.workerWait,
      perIteration: {
        totalMs: T.total / n, collectMs: T.collect / n, modelMs: T.model / n, discMs: T.disc / n, policyMs: T.policy / n,
        policyEnvStepMs: T.policyEnvStep / n, envStepMs: T.envStep / n, evalMs: T.eval / n, checkpointMs: T.checkpoint / n,
        workerBusyMs: T.workerBusy / n, workerEnvStepMs: T.workerEnvStep / n, workerWaitMs: T.workerWait / n,
      },
    };
  };
  /**
   * One policy step: ∇J averaged over the real unrolls (eq. 9–11, from the live envs' current
   * states, shared with the workers) and the imagined ones (from agent-buffer states, in the model
   * alone), then Adam or the natural step.
   */
  const policyStep = async (p: number) => {
    const vars = [...policyVars.values()];
    // the unrolls are shared out: the first share here, the others to the workers, all at once
    const U = c.unrollsPerUpdate;
    const K = c.imaginedUnrolls ?? 0;
    const share = (k: number) => Math.floor(U / (1 + W)) + (k < U % (1 + W) ? 1 : 0);
    // with fewer unrolls than threads the workers have nothing to do (and get no weights)
    const nets = pool && share(1) > 0 ? snapshot(true) : null;
    const remote = nets ? pool!.request((w) => ({ type: 'grad', seed: p === 0 ? mixSeed(o.seed, it, 4, w) : mixSeed(o.seed, it, 4, w, p), unrolls: share(w + 1), nets })) : null;
    let { sum, jSum } = sumUnrollGradients({ policy, vars, model, disc }, live, c, rng, share(0));
    for (let k = 0; k < K; k++) {
      const im = sumUnrollGradients({ policy, vars, model, disc }, imaginedStarts(c.imaginedBatch), { ...c, imagination: true }, rng, 1);
      sum = addGradients(sum, im.sum!);
      jSum += im.jSum;
    }
    if (remote) {
      const t0 = performance.now();
      const results = await remote;
      T.workerWait += performance.now() - t0;
      absorb(results);
      for (const r of results) {
        if (!r.sum) continue;
        jSum += r.jSum ?? 0;
        sum = addGradients(sum, r.sum);
      }
    }
    let avg = sum!.map((x) => { const y = tf.div(x, U + K); x.dispose(); return y; });
    if (c.bcWeight > 0) {
      // the auxiliary BC term (bcWeight): its gradient joins J's before the clip and the Adam step
      const bc = bcGradients(c.bcWeight);
      avg = addGradients(avg, bc.grads);
      lastBc = bc.nll;
    }
    if (c.policyOptimizer === 'natural') lastGradNorm = naturalStep(avg, c.policyMaxKl * lrScale);
    else {
      policyOpt.applyGradients(avg);
      lastGradNorm = policyOpt.lastGradNorm ?? NaN;
    }
    if (c.policyAverageFraction > 0 && it >= averageFrom) addToAverage();
    tf.dispose(avg);
    lastJ = jSum / (U + K);
  };
  /** Start states of an imagined unroll: uniform agent-buffer states; the recurrent model starts from its initial state. */
  const imaginedStarts = (n: number): LiveView => {
    const d = obsDim + actDim;
    const rows = buffer.samplePairs(rng, n);
    const obs = Array.from({ length: n }, (_, k) => rows.slice(k * d, k * d + obsDim));
    return {
      size: n, obsDim, actDim, discrete, obs: () => obs,
      warmState: () => model.initialState(n),
      terminatesAt: live.terminatesAt,
      step: () => {
        throw new Error('an imagined unroll steps no env');
      },
    };
  };
  const logEvery = o.logEvery ?? 10;
  let it = startIteration;
  let sitting = 0;
  try {
    for (; it < c.iterations; it++) {
      if (o.maxIterationsThisSitting !== undefined && sitting >= o.maxIterationsThisSitting) break;
      sitting++;
      const itStarted = performance.now();
      let tp = itStarted;
      /** Adds the time since the last mark to phase k. */
      const mark = (k: keyof typeof T) => {
        const now = performance.now();
        T[k] += now - tp;
        tp = now;
      };
      rng = new Rng(mixSeed(o.seed, it, 1));
      const inPrep = it < c.prepIterations;
      const phase = c.discPolicyInterval > 0 ? Math.floor((it - c.prepIterations) / c.discPolicyInterval) % 2 : -1;
      const trainD = inPrep || phase !== 0;
      const trainPolicy = !inPrep && phase !== 1;

      // ---------------------------------------------------------- 1. collect
      // fresh agent data keeps flowing while the policy update steps no env
      const rollSteps = (trainPolicy && policyStepsEnvs(c) ? 0 : idleCollectStepsOf(c)) + (c.collectEvery > 0 && it % c.collectEvery === 0 ? c.collectSteps : 0);
      const nets = pool && rollSteps > 0 ? snapshot(false) : null;
      const rolled = nets ? pool!.request((w) => ({ type: 'roll', seed: mixSeed(o.seed, it, 3, w), steps: rollSteps, nets })) : null;
      live.roll(policy, rollSteps);
      if (rolled) {
        const t0 = performance.now();
        absorb(await rolled);
        T.workerWait += performance.now() - t0;
      }
      mark('collect');

      // ---------------------------------------------------------- 2. forward model update
      updateModelStatistics();
      for (let k = 0; k < c.modelUpdatesPerIteration; k++) lastModelLoss = model.train(buffer.sampleWindows(rng, c.modelBatchSize, windowLength));
      mark('model');

      // ---------------------------------------------------------- 3. discriminator update
      if (trainD) for (let k = 0; k < c.discUpdatesPerIteration; k++) lastD = disc.train(sampleExpert(c.discBatchSize), buffer.samplePairs(rng, c.discBatchSize));
      mark('disc');

      // ---------------------------------------------------------- 4. policy update
      if (trainPolicy) {
        inUnroll = true;
        const frac = (it - c.prepIterations) / Math.max(1, c.iterations - c.prepIterations);
        lrScale = 1 - (1 - c.policyLrFinalFraction) * frac;
        policyOpt.lr = c.policyLr * lrScale;
        for (let p = 0; p < (c.policyUpdatesPerIteration ?? 1); p++) await policyStep(p);
        policyUpdates += c.policyUpdatesPerIteration ?? 1;
        inUnroll = false;
      }
      mark('policy');
      // stop on NaN/Inf before anything is logged or checkpointed: the last good checkpoint stays
      assertFiniteLosses(it + 1, {
        'losses/forward_model': c.modelUpdatesPerIteration > 0 ? lastModelLoss : undefined,
        'losses/discriminator': trainD ? lastD?.loss : undefined,
        'losses/policy': trainPolicy ? lastJ : undefined,
      }, 'mgail', 'iteration');

      // ---------------------------------------------------------- logging, evaluation (never selection), checkpoints
      const done = it + 1;
      const evalNow = c.evalEvery > 0 && (done % c.evalEvery === 0 || done === c.iterations);
      if (evalNow || done % logEvery === 0 || done === c.iterations) {
        const now = Date.now();
        const nIt = Math.max(1, it + 1 - lastTIt);
        const per = (k: keyof typeof T) => (T[k] - lastT[k]) / nIt;
        const m: Record<string, number> = {
          'losses/forward_model': lastModelLoss,
          'losses/discriminator': lastD?.loss ?? NaN,
          'disc/expert_accuracy': lastD?.expertAccuracy ?? NaN,
          'disc/agent_accuracy': lastD?.agentAccuracy ?? NaN,
          'disc/expert_d': lastD?.expertD ?? NaN,
          'disc/agent_d': lastD?.agentD ?? NaN,
          'losses/policy': lastJ,
          'losses/policy_grad_norm': lastGradNorm,
          ...(c.bcWeight > 0 ? { 'losses/bc_nll': lastBc } : {}),
          ...(c.policyOptimizer === 'natural' ? { 'charts/policy_max_kl': c.policyMaxKl * lrScale, 'losses/policy_kl': lastKl } : { 'charts/policy_lr': policyOpt.lr }),
          'charts/env_steps': envSteps,
          'charts/replay_ratio': policyUpdates / Math.max(1, envSteps),
          'time/sps': ((envSteps - lastLogSteps) / Math.max(1, now - lastLog)) * 1000,
          // mean ms per iteration since the last row: where an iteration's time goes
          'time/iteration_ms': (performance.now() - lastRowPerf) / nIt,
          'time/collect_ms': per('collect'),
          'time/model_ms': per('model'),
          'time/disc_ms': per('disc'),
          'time/policy_ms': per('policy'),
          'time/policy_env_step_ms': per('policyEnvStep'),
          'time/env_step_ms': per('envStep'),
          'time/eval_ms': per('eval'),
          'time/checkpoint_ms': per('checkpoint'),
          ...(pool ? { 'time/worker_busy_ms': per('workerBusy'), 'time/worker_wait_ms': per('workerWait'), 'time/worker_env_step_ms': per('workerEnvStep') } : {}),
        };
        lastT = { ...T };
        lastTIt = it + 1;
        lastRowPerf = performance.now();
        lastLog = now;
        lastLogSteps = envSteps;
        if (finishedReturns.length) {
          m['charts/episodic_return'] = finishedReturns.reduce((a, b) => a + b, 0) / finishedReturns.length;
          finishedReturns.length = 0;
        }
        if (evalNow) {
          const te = performance.now();
          const ev = evaluatePolicy(evalEnv, policy, { episodes: c.evalEpisodes, seed: mixSeed(o.seed, done, 2), deterministic: true });
          m['charts/eval_return'] = ev.mean;
          m['charts/eval_return_std'] = ev.std;
          evalHistory.push({ iteration: done, envSteps, mean: ev.mean, std: ev.std });
          const w = buffer.sampleWindows(rng, 32, 1);
          m['model/one_step_error'] = model.multiStepError(w, 1)[0];
          T.eval += performance.now() - te;
        }
        metrics?.log(done, m);
        o.onLog?.(done, m);
        progress?.update(done, {
          eval: evalHistory.at(-1)?.mean,
          'D acc': lastD ? `${lastD.expertAccuracy.toFixed(2)}/${lastD.agentAccuracy.toFixed(2)}` : undefined,
          model: lastModelLoss,
          J: Number.isNaN(lastJ) ? undefined : lastJ,
          steps: envSteps,
          sps: Math.round(m['time/sps']),
        });
      }
      if (c.checkpointEvery > 0 && done % c.checkpointEvery === 0) {
        const tc = performance.now();
        save(done);
        T.checkpoint += performance.now() - tc;
      }
      T.total += performance.now() - itStarted;
      // without workers nothing here awaits: yield so a SIGINT/SIGTERM handler can set shouldStop
      await new Promise((r) => setImmediate(r));
      if (o.shouldStop?.()) {
        it++;
        break;
      }
    }
    save(it);
    // the finished run returns the averaged iterate (the checkpoint keeps the last one and the average)
    if (policyAverage && it >= c.iterations) for (const [k, v] of policyVars) v.assign(policyAverage.get(k)!);
    await o.onFinish?.({ model, disc, buffer, policy, rng: new Rng(mixSeed(o.seed, 0xf1)) });
    progress?.done(it, { eval: evalHistory.at(-1)?.mean, steps: envSteps });
    return { policy, envSteps, iterations: it, finished: it >= c.iterations, wallClockSeconds: elapsedBefore + (Date.now() - started) / 1000, evalHistory, timing: timing() };
  } catch (e) {
    policy.dispose();
    throw e;
  } finally {
    await pool?.close();
    disc.dispose();
    model.dispose();
    policyOpt.dispose();
    if (policyAverage) for (const v of (policyAverage as Map<string, tf.Variable>).values()) v.dispose();
    live.close();
    evalEnv.close();
  }
}


/** A non-trainable variable holding a copy of x (the copy's temporary tensor is disposed; `own` disposes x too). */
function variableFrom(x: tf.Tensor, own = false): tf.Variable {
  const t = x.clone();
  const v = tf.variable(t, false);
  t.dispose();
  if (own) x.dispose();
  return v;
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
