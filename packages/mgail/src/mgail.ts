import path from 'node:path';
import { Adam, MetricsWriter, Progress, Rng, tf, unroll, writeJsonAtomic } from '@mgail/core-autodiff-graph';
import type { Env } from '@mgail/envs-classic';
import { Discriminator, pairs, type DiscriminatorStats } from '@mgail/discriminator';
import { ForwardModel } from '@mgail/forward-model';
import { CategoricalPolicy, GaussianPolicy, evaluatePolicy, gumbelNoise, makePolicy, savePolicy, type Demonstrations, type Policy } from '@mgail/policies';
import { ReplayBuffer } from './buffer.js';
import type { MGAILConfig } from './config.js';

export interface MGAILOptions {
  envId: string;
  /** Makes one env (called for each live env and the evaluation env). */
  makeEnv: () => Env | Promise<Env>;
  demos: Demonstrations;
  config: MGAILConfig;
  seed: number;
  /** Where metrics, config and checkpoints go (omit to write nothing). */
  runDir?: string;
  /** Print a progress line. */
  progress?: boolean;
  /** Called after every logged iteration. */
  onLog?: (iteration: number, metrics: Record<string, number>) => void;
}

export interface MGAILResult {
  /** The final policy (never selected by reward: imitation has none). */
  policy: Policy;
  envSteps: number;
  iterations: number;
  wallClockSeconds: number;
  /** Deterministic evaluation returns logged during training (for plots, not selection). */
  evalHistory: { iteration: number; envSteps: number; mean: number; std: number }[];
}

type MujocoLike = Env & { setState?: (qpos: ArrayLike<number>, qvel: ArrayLike<number>) => ArrayLike<number> };

/**
 * MGAIL, Algorithm 1 of Baram et al. (2017): alternate (1) a forward-model update on agent
 * transitions, (2) a discriminator update on expert vs agent pairs, (3) a policy update by the
 * exact gradient of the discounted discriminator cost through T-step unrolls that start from
 * the current real states; the unrolls step the real envs, which is also how data is collected.
 */
export async function trainMGAIL(o: MGAILOptions): Promise<MGAILResult> {
  const c = o.config;
  const started = Date.now();
  const rng = new Rng(o.seed);
  const B = c.unrollBatch;
  const envs: MujocoLike[] = [];
  for (let i = 0; i < B; i++) envs.push((await o.makeEnv()) as MujocoLike);
  const evalEnv = await o.makeEnv();
  const obsSpace = envs[0].observationSpace;
  const actSpace = envs[0].actionSpace;
  const obsDim = obsSpace.size;
  const discrete = actSpace.kind === 'discrete';
  const actDim = discrete ? actSpace.n : actSpace.size;
  if (o.demos.obsDim !== obsDim) throw new Error(`MGAIL: demonstrations have ${o.demos.obsDim}-dimensional observations, ${o.envId} has ${obsDim}`);
  actSpace.seed(rng.seed());

  // ---------------------------------------------------------------- networks
  const policy = makePolicy(obsSpace, actSpace, { hidden: c.policyHidden, activation: c.policyActivation, logStdInit: c.logStdInit }, rng.spawn());
  const expertPairs = pairs(o.demos.observations, o.demos.actions, obsDim, actDim, discrete);
  const nExpert = o.demos.rewards.length;
  const disc = new Discriminator(obsDim, actDim, {
    hidden: c.discHidden, activation: 'relu', lr: c.discLr, weightDecay: c.discWeightDecay, expertWeight: 1,
    labelSmoothing: c.discLabelSmoothing, gradientPenalty: c.discGradientPenalty, stdFloor: c.discStdFloor, maxGradNorm: 0,
  }, expertPairs, rng.spawn());
  const model = new ForwardModel(obsDim, actDim, {
    kind: c.forwardModel, hidden: c.modelHidden, encoderDim: c.modelEncoderDim, historyLength: c.modelHistory, lr: c.modelLr, maxGradNorm: 0,
  }, rng.spawn());
  const policyOpt = new Adam(policy.namedVariables, { lr: c.policyLr, maxGradNorm: c.policyMaxGradNorm || undefined });
  const buffer = new ReplayBuffer(B, c.bufferSize, obsDim, actDim);
  const windowLength = c.forwardModel === 'advanced' ? c.modelHistory : 1;

  // ---------------------------------------------------------------- live envs
  const canRestartFromExpert = c.expertRestartProb > 0 && o.demos.qpos && o.demos.qvel && o.demos.nq && o.demos.nv;
  let envSteps = 0;
  let episodeReturn = new Float64Array(B);
  const finishedReturns: number[] = [];
  const resetEnv = (i: number, seed?: number): Float32Array => {
    let ob: ArrayLike<number> = envs[i].reset(seed === undefined ? {} : { seed }).observation;
    if (canRestartFromExpert && typeof envs[i].setState === 'function' && rng.random() < c.expertRestartProb) {
      const k = rng.int(nExpert);
      ob = envs[i].setState!(o.demos.qpos!.subarray(k * o.demos.nq!, (k + 1) * o.demos.nq!), o.demos.qvel!.subarray(k * o.demos.nv!, (k + 1) * o.demos.nv!));
    }
    return Float32Array.from(ob);
  };
  const obs = envs.map((_, i) => resetEnv(i, o.seed * 1000 + i));
  const oneHot = (a: number) => {
    const v = new Float32Array(actDim);
    v[a] = 1;
    return v;
  };
  /** Steps live env i, records the transition, resets on episode end; returns the real next state. */
  const stepLive = (i: number, action: number | Float32Array): { next: Float32Array; done: boolean } => {
    const r = envs[i].step(action);
    const next = Float32Array.from(r.observation);
    const done = r.terminated || r.truncated;
    buffer.add(i, obs[i], typeof action === 'number' ? oneHot(action) : action, next, done);
    envSteps++;
    episodeReturn[i] += r.reward; // the env's reward is only logged, never learned from
    if (done) {
      finishedReturns.push(episodeReturn[i]);
      episodeReturn[i] = 0;
      obs[i] = resetEnv(i);
    } else obs[i] = next;
    return { next, done };
  };

  // ---------------------------------------------------------------- pre-fill and pre-train the model
  for (let k = 0; k < c.initialRandomSteps; k++) {
    const i = k % B;
    const a = actSpace.sample();
    stepLive(i, typeof a === 'number' ? a : Float32Array.from(a));
  }
  // Policy inputs: standardized with statistics of expert and early agent states, fixed afterwards.
  policy.normalizer.update(o.demos.observations);
  const pre = buffer.sampleWindows(rng, Math.min(4096, buffer.length), 1);
  policy.normalizer.update(pre.states);
  model.updateStatistics(pre.states, pre.nextStates);
  for (let k = 0; k < c.modelPretrainSteps; k++) model.train(buffer.sampleWindows(rng, c.modelBatchSize, windowLength));

  const metrics = o.runDir ? new MetricsWriter(o.runDir) : null;
  const progress = o.progress ? new Progress(`mgail ${o.envId}`, c.iterations) : null;
  const evalHistory: MGAILResult['evalHistory'] = [];
  const sampleExpert = (n: number) => {
    const d = obsDim + actDim;
    const out = new Float32Array(n * d);
    for (let k = 0; k < n; k++) {
      const j = rng.int(nExpert);
      out.set(expertPairs.subarray(j * d, (j + 1) * d), k * d);
    }
    return out;
  };
  /** Steps every live env T times with the current stochastic policy (collection without gradients). */
  const rollLive = (steps: number) => {
    for (let t = 0; t < steps; t++) {
      const { actions } = policy.act(concat(obs), { rng });
      for (let i = 0; i < B; i++) stepLive(i, discrete ? actions[i] : (actions as Float32Array).slice(i * actDim, (i + 1) * actDim));
    }
  };

  let lastModelLoss = NaN, lastJ = NaN, lastD: DiscriminatorStats | null = null;
  let lastLog = Date.now(), lastLogSteps = envSteps;
  try {
    for (let it = 0; it < c.iterations; it++) {
      // ---------------------------------------------------------- forward model update
      for (let k = 0; k < c.modelUpdatesPerIteration; k++) {
        const w = buffer.sampleWindows(rng, c.modelBatchSize, windowLength);
        model.updateStatistics(w.states, w.nextStates);
        lastModelLoss = model.train(w);
      }

      // ---------------------------------------------------------- discriminator update
      for (let k = 0; k < c.discUpdatesPerIteration; k++) {
        lastD = disc.train(sampleExpert(c.discBatchSize), buffer.samplePairs(rng, c.discBatchSize));
      }

      // ---------------------------------------------------------- policy update (or warm-up collection)
      if (it < c.discWarmupIterations) {
        rollLive(c.horizon);
      } else {
        const progressFrac = (it - c.discWarmupIterations) / Math.max(1, c.iterations - c.discWarmupIterations);
        policyOpt.lr = c.policyLr * (1 - (1 - c.policyLrFinalFraction) * progressFrac);
        let sum: tf.Tensor[] | null = null;
        let jSum = 0;
        const vars = policy.variables;
        for (let u = 0; u < c.unrollsPerUpdate; u++) {
          // Each unroll starts from the live envs' CURRENT real states (not stale ones).
          const start = tf.tensor2d(concat(obs), [B, obsDim]);
          const finished = new Uint8Array(B);
          const terminal: Float32Array[] = obs.map((x) => x);
          const { value, grads } = tf.variableGrads(() => unroll({
            horizon: c.horizon,
            gamma: c.gamma,
            startStates: start,
            initialModelState: model.initialState(B),
            policyAction: (s) => {
              if (discrete) {
                const g = tf.tensor2d(gumbelNoise(rng, B * actDim), [B, actDim]);
                const a = (policy as CategoricalPolicy).gumbelSoftmax(s, g, { temperature: c.temperature, hard: c.hardGumbel });
                return { action: a, envAction: tf.argMax(a, 1).toInt() };
              }
              const eps = tf.tensor2d(rng.fillNormal(new Float32Array(B * actDim)) as Float32Array, [B, actDim]);
              const a = (policy as GaussianPolicy).rsample(s, eps);
              return { action: a, envAction: a };
            },
            cost: (s, a) => disc.cost(s, a, c.costKind),
            model: (s, a, h) => model.predict(s, a, h),
            cutModelGradient: c.cutModelGradient,
            envStep: c.imagination ? undefined : (ea) => {
              const next = new Float32Array(B * obsDim);
              const dones = new Uint8Array(B);
              for (let i = 0; i < B; i++) {
                // a row whose episode ended inside this unroll stays at its terminal state
                if (!finished[i]) {
                  const r = stepLive(i, discrete ? ea[i] : Float32Array.from(ea.subarray(i * actDim, (i + 1) * actDim)));
                  terminal[i] = r.next;
                  if (r.done) finished[i] = 1;
                }
                next.set(terminal[i], i * obsDim);
                dones[i] = finished[i];
              }
              return { nextStates: next, dones };
            },
          }).objective, vars);
          jSum += value.dataSync()[0];
          const g = vars.map((v) => grads[v.name]);
          if (!sum) sum = g.map((x) => x.clone());
          else sum = sum.map((x, k) => { const y = tf.add(x, g[k]); x.dispose(); return y; });
          tf.dispose([value, start, ...Object.values(grads)]);
        }
        const avg = sum!.map((x) => { const y = tf.div(x, c.unrollsPerUpdate); x.dispose(); return y; });
        policyOpt.applyGradients(avg);
        tf.dispose(avg);
        lastJ = jSum / c.unrollsPerUpdate;
        if (c.imagination) rollLive(c.horizon);
      }

      // ---------------------------------------------------------- logging and evaluation
      const evalNow = c.evalEvery > 0 && ((it + 1) % c.evalEvery === 0 || it === c.iterations - 1);
      if (evalNow || (it + 1) % 10 === 0) {
        const now = Date.now();
        const m: Record<string, number> = {
          'losses/forward_model': lastModelLoss,
          'losses/discriminator': lastD?.loss ?? NaN,
          'disc/expert_accuracy': lastD?.expertAccuracy ?? NaN,
          'disc/agent_accuracy': lastD?.agentAccuracy ?? NaN,
          'disc/agent_d': lastD?.agentD ?? NaN,
          'losses/policy': lastJ,
          'charts/policy_lr': policyOpt.lr,
          'charts/env_steps': envSteps,
          'time/sps': ((envSteps - lastLogSteps) / Math.max(1, now - lastLog)) * 1000,
        };
        lastLog = now;
        lastLogSteps = envSteps;
        if (finishedReturns.length) {
          m['charts/episodic_return'] = finishedReturns.reduce((a, b) => a + b, 0) / finishedReturns.length;
          finishedReturns.length = 0;
        }
        if (evalNow) {
          const ev = evaluatePolicy(evalEnv, policy, { episodes: c.evalEpisodes, seed: 100_000 + it });
          m['charts/eval_return'] = ev.mean;
          m['charts/eval_return_std'] = ev.std;
          evalHistory.push({ iteration: it + 1, envSteps, mean: ev.mean, std: ev.std });
        }
        metrics?.log(it + 1, m);
        o.onLog?.(it + 1, m);
        progress?.update(it + 1, {
          eval: evalHistory.at(-1)?.mean, 'D acc': lastD ? `${lastD.expertAccuracy.toFixed(2)}/${lastD.agentAccuracy.toFixed(2)}` : undefined,
          model: lastModelLoss, steps: envSteps, sps: Math.round(m['time/sps']),
        });
      }
      if (o.runDir && c.checkpointEvery > 0 && (it + 1) % c.checkpointEvery === 0) {
        savePolicy(path.join(o.runDir, 'policy.ckpt'), policy, { envId: o.envId, algo: 'mgail', seed: o.seed, iteration: it + 1, envSteps });
      }
    }
    progress?.done(c.iterations, { eval: evalHistory.at(-1)?.mean, steps: envSteps });
    if (o.runDir) writeJsonAtomic(path.join(o.runDir, 'eval_history.json'), evalHistory);
    return { policy, envSteps, iterations: c.iterations, wallClockSeconds: (Date.now() - started) / 1000, evalHistory };
  } finally {
    disc.dispose();
    model.dispose();
    policyOpt.dispose();
    for (const e of envs) e.close();
    evalEnv.close();
    episodeReturn = new Float64Array(0);
  }
}

function concat(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
  let k = 0;
  for (const r of rows) {
    out.set(r, k);
    k += r.length;
  }
  return out;
}
