import fs from 'node:fs';
import path from 'node:path';
import { decodeTensors, encodeTensors, writeFileAtomic, Rng, type RunningMeanStdJSON } from '@mgail/core-autodiff-graph';
import { describeSpace, spaceFromJSON, spacesEqual, type Box, type Space, type SpaceJSON } from '@mgail/envs-classic';
import { makePolicy, type Policy, type PolicyConfig, type PolicyKind } from './policy.js';
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
  writeFileAtomic(file, encodeTensors(policy.weightTensors(), meta as unknown as Record<string, unknown>));
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
  const obsSpace = spaceFromJSON(meta.observationSpace) as Box;
  const actSpace = spaceFromJSON(meta.actionSpace);
  if (opts.observationSpace && opts.observationSpace.size !== obsSpace.size) {
    throw new Error(`policy checkpoint ${resolved} expects observations of size ${obsSpace.size}, the env gives ${opts.observationSpace.size}`);
  }
  if (opts.actionSpace && !spacesEqual(opts.actionSpace, actSpace)) {
    throw new Error(`policy checkpoint ${resolved} acts in ${describeSpace(actSpace)}, the env expects ${describeSpace(opts.actionSpace)}`);
  }
  // The initial weights are overwritten right away; the seed only fixes shapes.
  const policy = makePolicy(obsSpace, actSpace, meta.config, new Rng(0));
  try {
    policy.setWeights(decoded.tensors);
    policy.normalizer.load(meta.normalizer);
  } catch (e) {
    policy.dispose();
    throw new Error(`policy checkpoint ${resolved} does not match its own description: ${(e as Error).message}`);
  }
  return { policy, meta };
}
