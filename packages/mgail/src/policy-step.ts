/**
 * One MGAIL policy step (Algorithm 1, lines 9–14): ∇_θ J of J = Σ_t γ^t c(s_t, a_t), c = −log D,
 * through T-step unrolls in which s_{t+1} takes the real env's value and the gradient of the
 * forward model f (eq. 9–11), averaged over the real unrolls (from the live envs' current states,
 * shared out with the unroll workers) and the imagined ones (from agent-buffer states, in f
 * alone); then the BC term of mgail+bc, then an Adam or a natural step, then iterate averaging.
 */
import { Adam, assignFlat, conjugateGradient, dot, flattenTensors, tf, type Rng } from '@mgail/core-autodiff-graph';
import type { Discriminator } from '@mgail/discriminator';
import type { ForwardModel } from '@mgail/forward-model';
import { FisherVectorProduct, PolicyKlAnchor, type Policy } from '@mgail/policies';
import { bcGradients } from './bc-term.js';
import type { ReplayBuffer } from './buffer.js';
import type { MGAILConfig } from './config.js';
import type { ExpertPairs } from './expert.js';
import type { IterateAverage } from './iterate-average.js';
import { addGradients, mixSeed, sumUnrollGradients, type LiveView } from './shard.js';
import type { WorkerPool } from './worker-pool.js';

export interface PolicyStepParts {
  policy: Policy;
  /** π's trained variables by name (a fixed-noise log-std is left out). */
  vars: Map<string, tf.Variable>;
  model: ForwardModel;
  disc: Discriminator;
  buffer: ReplayBuffer;
  expert: ExpertPairs;
  /** The trainer's live envs (the real unrolls start from their current states). */
  live: LiveView;
  /** The unroll workers, once started (null without). */
  pool: () => WorkerPool | null;
  average: IterateAverage;
  /** The iteration's random stream (replaced every iteration). */
  rng: () => Rng;
  seed: number;
}

export class PolicyStep {
  readonly optimizer: Adam;
  /** Where the step-size schedule (policyLrFinalFraction) stands: policyLr and policyMaxKl are scaled by it. */
  lrScale = 1;
  /** J of the last step (the mean over its unrolls), ‖∇‖, the BC term's NLL and the natural step's measured KL. */
  j = NaN;
  gradNorm = NaN;
  bcNll = NaN;
  kl = NaN;

  constructor(private readonly p: PolicyStepParts, private readonly c: MGAILConfig) {
    this.optimizer = new Adam(p.vars, { lr: c.policyLr, maxGradNorm: c.policyMaxGradNorm || undefined });
  }

  /** The linear step-size decay over the post-prep iterations, at iteration `it`. */
  schedule(it: number): void {
    const c = this.c;
    const frac = (it - c.prepIterations) / Math.max(1, c.iterations - c.prepIterations);
    this.lrScale = 1 - (1 - c.policyLrFinalFraction) * frac;
    this.optimizer.lr = c.policyLr * this.lrScale;
  }

  /** Policy step `k` of iteration `it`. */
  async step(it: number, k: number): Promise<void> {
    const { policy, model, disc, live, seed } = this.p;
    const pool = this.p.pool();
    const c = this.c;
    const rng = this.p.rng();
    const vars = [...this.p.vars.values()];
    const nets = { policy, vars, model, disc };
    // the real unrolls are shared out: the first share here, the others to the workers, all at once
    const U = c.unrollsPerUpdate;
    const K = c.imaginedUnrolls ?? 0;
    const threads = 1 + (pool?.size ?? 0);
    const share = (w: number) => Math.floor(U / threads) + (w < U % threads ? 1 : 0);
    // with fewer unrolls than threads the workers have nothing to do (and get no weights)
    const remote = pool && share(1) > 0 ? pool.gradients((w) => (k === 0 ? mixSeed(seed, it, 4, w) : mixSeed(seed, it, 4, w, k)), (w) => share(w + 1)) : null;
    let { sum, jSum } = sumUnrollGradients(nets, live, c, rng, share(0));
    for (let u = 0; u < K; u++) {
      const im = sumUnrollGradients(nets, this.imaginedStarts(c.imaginedBatch), { ...c, imagination: true }, rng, 1);
      sum = addGradients(sum, im.sum!);
      jSum += im.jSum;
    }
    if (remote) {
      for (const r of await pool!.receive(remote)) {
        if (!r.sum) continue;
        jSum += r.jSum ?? 0;
        sum = addGradients(sum, r.sum);
      }
    }
    let avg = sum!.map((x) => { const y = tf.div(x, U + K); x.dispose(); return y; });
    if (c.bcWeight > 0) {
      // the auxiliary BC term (bcWeight): its gradient joins J's before the clip and the Adam step
      const bc = bcGradients(policy, vars, this.p.expert, rng, c.bcBatchSize, c.bcWeight);
      avg = addGradients(avg, bc.grads);
      this.bcNll = bc.nll;
    }
    if (c.policyOptimizer === 'natural') this.gradNorm = this.naturalStep(avg, c.policyMaxKl * this.lrScale, rng);
    else {
      this.optimizer.applyGradients(avg);
      this.gradNorm = this.optimizer.lastGradNorm ?? NaN;
    }
    this.p.average.add(it);
    tf.dispose(avg);
    this.j = jSum / (U + K);
  }

  /** The policy's row of the metrics. */
  metrics(): Record<string, number> {
    const c = this.c;
    return {
      'losses/policy': this.j,
      'losses/policy_grad_norm': this.gradNorm,
      ...(c.bcWeight > 0 ? { 'losses/bc_nll': this.bcNll } : {}),
      ...(c.policyOptimizer === 'natural' ? { 'charts/policy_max_kl': c.policyMaxKl * this.lrScale, 'losses/policy_kl': this.kl } : { 'charts/policy_lr': this.optimizer.lr }),
    };
  }

  dispose(): void {
    this.optimizer.dispose();
  }

  /** Start states of an imagined unroll: uniform agent-buffer states; the recurrent model starts from its initial state. */
  private imaginedStarts(n: number): LiveView {
    const { buffer, model, live } = this.p;
    const { obsDim, actDim, discrete } = live;
    const d = obsDim + actDim;
    const rows = buffer.samplePairs(this.p.rng(), n);
    const obs = Array.from({ length: n }, (_, k) => rows.slice(k * d, k * d + obsDim));
    return {
      size: n, obsDim, actDim, discrete, obs: () => obs,
      warmState: () => model.initialState(n),
      terminatesAt: live.terminatesAt,
      step: () => {
        throw new Error('an imagined unroll steps no env');
      },
    };
  }

  /**
   * The `natural` policy step: x = F⁻¹g (F on agent states from the buffer and as many expert
   * states, where π acts and where it should), then θ ← θ − βx with ½β²xᵀ(F + damping·I)x = δ.
   * Returns ‖g‖.
   */
  private naturalStep(grads: tf.Tensor[], maxKl: number, rng: Rng): number {
    const { policy, buffer, expert } = this.p;
    const c = this.c;
    const { obsDim, actDim } = expert;
    const n = c.naturalFisherStates;
    const d = obsDim + actDim;
    const rows = [buffer.samplePairs(rng, n), expert.sample(rng, n)];
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
      const byVar = new Map([...this.p.vars.values()].map((v, i) => [v, grads[i]]));
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
      this.kl = kl.dataSync()[0];
      kl.dispose();
      return Math.sqrt(dot(g, g));
    } finally {
      fvp.dispose();
      anchor.dispose();
      obsT.dispose();
    }
  }
}
