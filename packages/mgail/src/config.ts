import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CostKind } from '@mgail/discriminator';
import type { ForwardModelKind } from '@mgail/forward-model';

/**
 * Every knob of MGAIL. Defaults follow the authors' setup (horizon 10, γ 0.99, D batch 70,
 * learning rates policy 1e-4 / model 1e-3 / discriminator 1e-4) where the paper gives them;
 * per-env overrides live in `configs/<env-id>.json`.
 */
export interface MGAILConfig {
  // ---- schedule
  /** Training iterations; each has model, discriminator and (after warm-up) policy updates. */
  iterations: number;
  /** Iterations of model and discriminator updates before the policy starts learning. */
  discWarmupIterations: number;
  /** Random-action env steps that pre-fill the replay buffer. */
  initialRandomSteps: number;
  /** Model updates on the pre-filled buffer before the loop. */
  modelPretrainSteps: number;
  /** Deterministic evaluation every N iterations (logging only: never used for selection). */
  evalEvery: number;
  evalEpisodes: number;
  /** Checkpoint every N iterations (0 = only at the end). */
  checkpointEvery: number;

  // ---- policy
  policyHidden: number[];
  policyActivation: 'relu' | 'tanh';
  policyLr: number;
  /** Linear decay of the policy learning rate to this fraction of policyLr at the end (1 = constant). */
  policyLrFinalFraction: number;
  policyMaxGradNorm: number;
  /** Initial log-std of a Gaussian policy. */
  logStdInit: number;
  /** Gumbel-softmax temperature (discrete actions). */
  temperature: number;
  /** Straight-through hard Gumbel samples (one-hot forward pass). */
  hardGumbel: boolean;

  // ---- policy objective
  /** Unroll length T. */
  horizon: number;
  /** Discount γ of the unrolled cost. */
  gamma: number;
  /** Live envs unrolled together: each policy step averages over this many start states. */
  unrollBatch: number;
  /** Unrolls whose gradients are accumulated into one policy step (each from the current real state). */
  unrollsPerUpdate: number;
  costKind: CostKind;
  /** Ablation: s_{t+1} = f(s_t, a_t) without the real env's correction. */
  imagination: boolean;
  /** Ablation: block the gradient through the forward model (only ∂D/∂a). */
  cutModelGradient: boolean;

  // ---- forward model
  forwardModel: ForwardModelKind;
  modelHidden: number[];
  modelEncoderDim: number;
  /** Advanced model: states in each training window (the GRU's history). */
  modelHistory: number;
  modelLr: number;
  modelBatchSize: number;
  modelUpdatesPerIteration: number;

  // ---- discriminator
  discHidden: number[];
  discLr: number;
  /** Expert and agent pairs per discriminator step (each). */
  discBatchSize: number;
  discUpdatesPerIteration: number;
  discWeightDecay: number;
  discLabelSmoothing: number;
  discGradientPenalty: number;
  /** Floor on the expert std that standardizes D's inputs. */
  discStdFloor: number;

  // ---- data
  bufferSize: number;
  /** Probability that a live env restarts from a random expert state (needs qpos/qvel demos). */
  expertRestartProb: number;
}

export const DEFAULT_MGAIL_CONFIG: MGAILConfig = {
  iterations: 2000,
  discWarmupIterations: 200,
  initialRandomSteps: 2000,
  modelPretrainSteps: 500,
  evalEvery: 100,
  evalEpisodes: 5,
  checkpointEvery: 500,
  policyHidden: [100, 100],
  policyActivation: 'relu',
  policyLr: 1e-4,
  policyLrFinalFraction: 1,
  policyMaxGradNorm: 10,
  logStdInit: -0.5,
  temperature: 1,
  hardGumbel: true,
  horizon: 10,
  gamma: 0.99,
  unrollBatch: 4,
  unrollsPerUpdate: 1,
  costKind: 'neg-log-d',
  imagination: false,
  cutModelGradient: false,
  forwardModel: 'basic',
  modelHidden: [128, 128],
  modelEncoderDim: 100,
  modelHistory: 4,
  modelLr: 1e-3,
  modelBatchSize: 64,
  modelUpdatesPerIteration: 1,
  discHidden: [200, 100],
  discLr: 1e-4,
  discBatchSize: 70,
  discUpdatesPerIteration: 1,
  discWeightDecay: 0,
  discLabelSmoothing: 0,
  discGradientPenalty: 0,
  discStdFloor: 1e-3,
  bufferSize: 10_000,
  expertRestartProb: 0,
};

export function configDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'configs');
}

/** Defaults, then `configs/<env>.json`, then overrides; unknown or mistyped fields are errors naming the field. */
export function mgailConfig(envId?: string, overrides: Record<string, unknown> = {}, source = 'overrides'): MGAILConfig {
  const out: Record<string, unknown> = { ...DEFAULT_MGAIL_CONFIG };
  const apply = (o: Record<string, unknown>, where: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (k.startsWith('$')) continue;
      if (!(k in DEFAULT_MGAIL_CONFIG)) throw new Error(`${where}: unknown mgail config field "${k}"`);
      const d = (DEFAULT_MGAIL_CONFIG as unknown as Record<string, unknown>)[k];
      if (Array.isArray(d) ? !Array.isArray(v) : typeof v !== typeof d) {
        throw new Error(`${where}: mgail config field "${k}" must be a ${Array.isArray(d) ? 'list' : typeof d}, got ${JSON.stringify(v)}`);
      }
      out[k] = v;
    }
  };
  if (envId) {
    const file = path.join(configDir(), `${envId}.json`);
    if (fs.existsSync(file)) apply(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  }
  apply(overrides, source);
  return out as unknown as MGAILConfig;
}
