/**
 * An unroll worker (`policyWorkers` > 0): its own live envs and copies of π, f and D. Per request
 * it takes the trainer's current weights, runs its share of the policy update's unrolls (or a
 * collection roll) on its envs, and sends back the summed gradients and its transitions.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { assignFromTensors, initBackend, Rng, tf, type BackendName } from '@mgail/core-autodiff-graph';
import { Discriminator } from '@mgail/discriminator';
import { makeForwardModel } from '@mgail/forward-model';
import { makePolicy, type Policy } from '@mgail/policies';
import type { Env } from '@mgail/envs-classic';
import { ReplayBuffer } from './buffer.js';
import { concatRows, LiveEnvs, sumUnrollGradients, warmModelState, type LiveTransition, type MujocoLike } from './shard.js';
import type { NetSnapshot, PackedTransitions, UnrollWorkerInit, UnrollWorkerReply, UnrollWorkerRequest } from './workers-protocol.js';

const port = parentPort;
if (!port) throw new Error('unroll-worker.js must run in a worker thread');
const init = workerData as UnrollWorkerInit;

async function main(): Promise<void> {
  await initBackend({ backend: (init.backend ?? undefined) as BackendName | undefined, quiet: true });
  const mod = (await import(init.env.module)) as Record<string, unknown>;
  const factory = mod[init.env.exportName ?? 'make'];
  if (typeof factory !== 'function') throw new Error(`${init.env.module} has no export ${init.env.exportName ?? 'make'}`);
  const envs: MujocoLike[] = [];
  for (let i = 0; i < init.numEnvs; i++) envs.push((await (factory as (...a: unknown[]) => Env | Promise<Env>)(...init.env.args)) as MujocoLike);
  const { obsDim, actDim, discrete } = init;
  const o0 = envs[0].observationSpace, a0 = envs[0].actionSpace;
  if (o0.kind !== 'box' || o0.size !== obsDim || (discrete ? a0.kind !== 'discrete' || a0.n !== actDim : a0.kind === 'discrete' || a0.size !== actDim)) {
    throw new Error(`the worker's env (${init.env.args.map(String).join(', ')}) does not have the trainer's spaces`);
  }

  const rng0 = new Rng(1);
  const policy: Policy = makePolicy(o0, a0, init.policy, rng0.spawn());
  const model = makeForwardModel({ ...init.model, obsDim, actDim, rng: rng0.spawn() });
  const disc = new Discriminator({ ...init.disc, obsDim, actDim, expertInputs: init.expertPairs, rng: rng0.spawn() });
  const vars = init.varNames.map((n) => {
    const v = policy.namedVariables.get(n);
    if (!v) throw new Error(`the worker's policy has no variable ${n}`);
    return v;
  });
  // only for the recurrent model's warm start: the last few transitions of each env
  const history = new ReplayBuffer(init.numEnvs, init.numEnvs * Math.max(2, init.historyLength + 1), obsDim, actDim);

  let rng = new Rng(init.restartSeed);
  let out: LiveTransition[] = [];
  let envStepMs = 0;
  const live = new LiveEnvs(envs, {
    obsDim, actDim, discrete, restarts: init.restarts, rng: () => rng, deterministicProb: init.deterministicProb,
    warmState: () => warmModelState(model, envs.map((_, i) => history.recentHistory(i, init.historyLength - 1)), obsDim, actDim),
    record: (t, ms) => {
      envStepMs += ms;
      history.add(t.env, t.s, t.a, t.s2, t.done);
      out.push(t);
    },
  });
  init.resetSeeds.forEach((seed, i) => live.reset(i, seed));
  const load = (n: NetSnapshot) => {
    policy.setWeights(n.policy);
    policy.normalizer.load(n.normalizer as Parameters<Policy['normalizer']['load']>[0]);
    if (n.model) assignFromTensors(model.store, n.model, { source: 'trainer' });
    if (n.modelStatistics) model.loadStatistics(n.modelStatistics);
    if (n.disc) assignFromTensors(disc.net, n.disc, { source: 'trainer' });
  };
  const pack = (): PackedTransitions => {
    const p: PackedTransitions = {
      n: out.length, env: Int32Array.from(out, (t) => t.env), s: concatRows(out.map((t) => t.s)), a: concatRows(out.map((t) => t.a)),
      s2: concatRows(out.map((t) => t.s2)), done: Uint8Array.from(out, (t) => (t.done ? 1 : 0)),
    };
    out = [];
    return p;
  };

  port!.on('message', (req: UnrollWorkerRequest) => {
    if (req.type === 'close') {
      policy.dispose();
      model.dispose();
      disc.dispose();
      live.close();
      process.exit(0); // ends this worker thread only

    }
    const t0 = performance.now();
    envStepMs = 0;
    try {
      load(req.nets);
      rng = new Rng(req.seed);
      const reply: UnrollWorkerReply = { type: req.type };
      if (req.type === 'grad') {
        const { sum, jSum } = sumUnrollGradients({ policy, vars, model, disc }, live, init.unroll, rng, req.unrolls);
        reply.sum = sum ? sum.map((t) => ({ data: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] })) : null;
        reply.jSum = jSum;
        if (sum) tf.dispose(sum);
      } else {
        live.roll(policy, req.steps);
      }
      reply.transitions = pack();
      reply.returns = live.returns.splice(0);
      reply.envStepMs = envStepMs;
      reply.busyMs = performance.now() - t0;
      reply.numTensors = tf.memory().numTensors;
      const transfer = [reply.transitions.env.buffer, reply.transitions.s.buffer, reply.transitions.a.buffer, reply.transitions.s2.buffer, reply.transitions.done.buffer];
      port!.postMessage(reply, transfer as ArrayBuffer[]);
    } catch (e) {
      port!.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies UnrollWorkerReply);
    }
  });
  port!.postMessage({ type: 'ready' } satisfies UnrollWorkerReply);
}

main().catch((e) => port!.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies UnrollWorkerReply));
