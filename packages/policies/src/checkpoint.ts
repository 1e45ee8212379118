import fs from 'node:fs';
import path from 'node:path';
import { decodeTensors, encodeTensors, firstNonFiniteTensor, writeFileAtomic, Rng, type RunningMeanStdJSON, type TensorData } from '@mgail/core-autodiff-graph';
import { describeSpace, spaceFromJSON, spacesEqual, type Box, type Space, type SpaceJSON } from '@mgail/envs-classic';
import { DEFAULT_POLICY_CONFIG, makePolicy, type Policy, type PolicyConfig, type PolicyKind } from './policy.js';
import { LIBRARY_VERSION } from './version.js';

/** The `format` a policy checkpoint's metadata names; `loadPolicy` refuses other files. */
export const POLICY_CHECKPOINT_FORMAT = 'mgail-policy';

/** Everything besides the weights that a policy checkpoint carries. */
export interface PolicyCheckpointMeta {
  format: typeof POLICY_CHECKPOINT_FORMAT;
  formatVersion: 1;
  libraryVersion: string;
  policyKind: PolicyKind;
  envId?: string;
  config: PolicyConfig;
  observationSpace: SpaceJSON;
  actionSpace: SpaceJSON;
  normalizer: RunningMeanStdJSON;
  /** Caller-provided fields: algorithm, seed, command, return, ... */
  extra: Record<string, unknown>;
}

/**
 * Writes one self-contained file (safetensors layout: weights as tensors, the rest as JSON
 * metadata), atomically, so a killed run never leaves a half-written checkpoint.
 */
export function savePolicy(file: string, policy: Policy, extra: Record<string, unknown> & { envId?: string } = {}): void {
  const { envId, ...rest } = extra;
  const meta: PolicyCheckpointMeta = {
    format: POLICY_CHECKPOINT_FORMAT,
    formatVersion: 1,
    libraryVersion: LIBRARY_VERSION,
    policyKind: policy.kind,
    envId: typeof envId === 'string' ? envId : undefined,
    config: policy.config,
    observationSpace: policy.observationSpace.toJSON(),
    actionSpace: policy.actionSpace.toJSON(),
    normalizer: policy.normalizer.toJSON(),
    extra: rest,
  };
  const tensors = policy.weightTensors();
  // a checkpoint with NaN weights would replace a good one and evaluate as garbage later
  const problem = policyContentsProblem(tensors, meta.normalizer, policy.obsDim);
  if (problem) throw new Error(`savePolicy: refusing to write ${file}: ${problem} (the policy diverged; keep the last good checkpoint)`);
  writeFileAtomic(file, encodeTensors(tensors, meta as unknown as Record<string, unknown>));
}

/**
 * The one check of a policy's saved contents, used on save and on load: every weight finite,
 * and normalizer statistics of the observation size with finite means, finite non-negative
 * variances and a finite non-negative count. Returns what is wrong, or undefined.
 */
export function policyContentsProblem(tensors: Record<string, TensorData | Float32Array>, normalizer: RunningMeanStdJSON | undefined, obsDim: number): string | undefined {
  const bad = firstNonFiniteTensor(tensors);
  if (bad !== undefined) return `weight ${bad} holds NaN or Inf`;
  const n = normalizer;
  if (!n || n.kind !== 'RunningMeanStd' || !Array.isArray(n.mean) || !Array.isArray(n.var)) return 'the observation normalizer is missing';
  if (n.mean.length !== obsDim || n.var.length !== obsDim) return `the observation normalizer has ${n.mean.length} means and ${n.var.length} variances, the observations ${obsDim} values`;
  for (let i = 0; i < obsDim; i++) {
    if (typeof n.mean[i] !== 'number' || !Number.isFinite(n.mean[i])) return `normalizer mean[${i}] is ${n.mean[i]}`;
    if (typeof n.var[i] !== 'number' || !Number.isFinite(n.var[i]) || n.var[i] < 0) return `normalizer variance[${i}] is ${n.var[i]}, expected a finite value >= 0`;
  }
  if (typeof n.count !== 'number' || !Number.isFinite(n.count) || n.count < 0) return `normalizer count is ${n.count}`;
  if (typeof n.epsilon !== 'number' || !Number.isFinite(n.epsilon) || n.epsilon < 0) return `normalizer epsilon is ${n.epsilon}`;
  return undefined;
}

/** What a loaded checkpoint must match; each given field is checked and a mismatch names both sides. */
export interface LoadPolicyOptions {
  /** Refuse a checkpoint trained on another env. */
  envId?: string;
  observationSpace?: Box;
  actionSpace?: Space;
}

/**
 * Resolves a policy argument: a checkpoint file, or a run/expert folder holding exactly one
 * `*.ckpt` (preferring `policy.ckpt`).
 */
export function resolvePolicyPath(p: string): string {
  if (!fs.existsSync(p)) throw new Error(`policy checkpoint ${p} not found`);
  if (!fs.statSync(p).isDirectory()) return p;
  const preferred = path.join(p, 'policy.ckpt');
  if (fs.existsSync(preferred)) return preferred;
  const ckpts = fs.readdirSync(p).filter((f) => f.endsWith('.ckpt'));
  // a run folder without policy.ckpt is a run still going (or stopped): checkpoint.ckpt is its training state, not a policy
  if (ckpts.length === 1 && ckpts[0] === 'checkpoint.ckpt' && fs.existsSync(path.join(p, 'config.json'))) {
    throw new Error(`${p} is a run that has not finished: it has no policy.ckpt yet (checkpoint.ckpt is its training state); let it finish, or continue it with --resume`);
  }
  if (ckpts.length === 1) return path.join(p, ckpts[0]);
  if (ckpts.length === 0) throw new Error(`${p} is a folder without a policy checkpoint (*.ckpt); pass the checkpoint file`);
  throw new Error(`${p} holds several checkpoints (${ckpts.join(', ')}); pass one of them`);
}

/** Loads a checkpoint written by `savePolicy`; the policy acts exactly as the saved one. */
export function loadPolicy(file: string, opts: LoadPolicyOptions = {}): { policy: Policy; meta: PolicyCheckpointMeta } {
  const resolved = resolvePolicyPath(file);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(resolved);
  } catch (e) {
    throw new Error(`cannot read policy checkpoint ${resolved}: ${(e as Error).message}`);
  }
  let decoded;
  try {
    decoded = decodeTensors(bytes, resolved);
  } catch (e) {
    throw new Error(`${resolved} is not a valid policy checkpoint (${(e as Error).message}); re-save it or pass another file`);
  }
  const meta = decoded.metadata as unknown as PolicyCheckpointMeta;
  if (meta?.format !== POLICY_CHECKPOINT_FORMAT) {
    throw new Error(`${resolved} is a tensor file but not a policy checkpoint (format ${String(meta?.format)})`);
  }
  if (opts.envId && meta.envId && meta.envId !== opts.envId) {
    throw new Error(`policy checkpoint ${resolved} was trained on ${meta.envId}, not ${opts.envId}; pass a checkpoint for ${opts.envId}`);
  }
  let obsSpace: Box, actSpace: Space, policy: Policy;
  try {
    obsSpace = spaceFromJSON(meta.observationSpace) as Box;
    actSpace = spaceFromJSON(meta.actionSpace);
    if (obsSpace.kind !== 'box') throw new Error(`its observation space is ${describeSpace(obsSpace)}, not a Box`);
    if (!meta.config || typeof meta.config !== 'object') throw new Error('it has no policy config');
  } catch (e) {
    throw new Error(`policy checkpoint ${resolved} does not describe a policy: ${(e as Error).message}; re-save it or pass another file`);
  }
  if (opts.observationSpace && opts.observationSpace.size !== obsSpace.size) {
    throw new Error(`policy checkpoint ${resolved} expects observations of size ${obsSpace.size}, the env gives ${opts.observationSpace.size}`);
  }
  if (opts.actionSpace && !spacesEqual(opts.actionSpace, actSpace)) {
    throw new Error(`policy checkpoint ${resolved} acts in ${describeSpace(actSpace)}, the env expects ${describeSpace(opts.actionSpace)}`);
  }
  const problem = policyContentsProblem(decoded.tensors, meta.normalizer, obsSpace.size);
  if (problem) throw new Error(`policy checkpoint ${resolved} is corrupt: ${problem}; re-save it or pass another file`);
  // options an older library wrote and this one no longer has do not change the network
  const config = Object.fromEntries(Object.entries(meta.config).filter(([k]) => k in DEFAULT_POLICY_CONFIG)) as Partial<PolicyConfig>;
  try {
    // The initial weights are overwritten right away; the seed only fixes shapes.
    policy = makePolicy(obsSpace, actSpace, config, new Rng(0));
  } catch (e) {
    throw new Error(`policy checkpoint ${resolved} does not describe a policy: ${(e as Error).message}; re-save it or pass another file`);
  }
  try {
    policy.setWeights(decoded.tensors);
    policy.normalizer.load(meta.normalizer);
  } catch (e) {
    policy.dispose();
    throw new Error(`policy checkpoint ${resolved} does not match its own description: ${(e as Error).message}`);
  }
  return { policy, meta };
}
