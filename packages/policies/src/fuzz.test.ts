import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTensors, encodeTensors, initBackend, Rng } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { loadPolicy, savePolicy } from './checkpoint.js';
import { collectDemos, readDemos, writeDemos, type Demonstrations } from './demos.js';
import { decodeNpz, encodeNpz } from './npz.js';
import { makePolicy } from './policy.js';

/**
 * Seeded corruption of the two file readers users hand files to: every truncation, bit flip,
 * overwritten byte range and edited field must end in a clean one-line error naming the file,
 * or in a load equal to the original (byte damage) or one that passes validation (field edits).
 * Never a crash (TypeError, RangeError), a hang or a silently different value.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-fuzz-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend({ quiet: true });
});

type Mutation = { kind: 'bytes' | 'field'; bytes: Uint8Array };

/** Byte-level damage: truncation, 1-4 flipped bits, or a range overwritten with random bytes. */
function damage(rng: Rng, good: Uint8Array): Uint8Array {
  const op = rng.int(3);
  if (op === 0) return good.slice(0, rng.int(good.length));
  const b = good.slice();
  if (op === 1) {
    for (let k = 1 + rng.int(4); k > 0; k--) {
      const i = rng.int(b.length);
      b[i] ^= 1 << rng.int(8);
    }
  } else {
    const at = rng.int(b.length), len = 1 + rng.int(16);
    for (let i = at; i < Math.min(b.length, at + len); i++) b[i] = rng.int(256);
  }
  return b;
}

const WEIRD: unknown[] = [NaN, Infinity, -1, 0, 1.5, 2 ** 40, -(2 ** 31), 1e308, null, 'x', '', true, [], {}, [1, 2], { kind: 'box' }, { kind: 'discrete', n: 0 }, { kind: 'discrete', n: 3 }];

/** Sets a random (possibly nested) field of a JSON value to a weird value, or deletes it. */
function editJson(rng: Rng, value: unknown): unknown {
  const v = JSON.parse(JSON.stringify(value));
  let node = v as Record<string, unknown>;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    if (!keys.length) break;
    const k = keys[rng.int(keys.length)];
    const child = node[k];
    if (child && typeof child === 'object' && rng.random() < 0.6) {
      node = child as Record<string, unknown>;
      continue;
    }
    if (rng.random() < 0.15) delete node[k];
    else node[k] = WEIRD[rng.int(WEIRD.length)];
    return v;
  }
  return v;
}

function cleanError(e: unknown, file: string): void {
  expect(e).toBeInstanceOf(Error);
  const err = e as Error;
  // a crash of the reader itself, not a message about the file
  expect(err, err.stack).not.toBeInstanceOf(TypeError);
  expect(err, err.stack).not.toBeInstanceOf(RangeError);
  expect(err.message.split('\n')).toHaveLength(1);
  expect(err.message, err.message).toContain(file);
}

function sameDemos(a: Demonstrations, b: Demonstrations): void {
  for (const k of ['observations', 'actions', 'rewards', 'nextObservations', 'terminated', 'truncated'] as const) {
    expect(Array.from(a[k]), k).toEqual(Array.from(b[k]));
  }
  expect(a.episodeStarts).toEqual(b.episodeStarts);
  expect(a.metadata).toEqual(b.metadata);
}

describe('fuzz: the demonstrations (.npz) reader', () => {
  it('3000 seeded corruptions each end in a clean error or a load equal to the original (or valid, for field edits)', () => {
    const env = make('CartPole-v1');
    const p = makePolicy(env.observationSpace, env.actionSpace, { hidden: [4] }, new Rng(1));
    const d = collectDemos(env, p, { episodes: 2, seed: 0 });
    p.dispose();
    const goodFile = path.join(dir, 'good.npz');
    writeDemos(goodFile, d);
    const good = new Uint8Array(fs.readFileSync(goodFile));
    const original = readDemos(goodFile);
    const arrays = decodeNpz(good, goodFile);
    const file = path.join(dir, 'fuzz.npz');
    const rng = new Rng(20);
    let errors = 0, loads = 0;
    for (let i = 0; i < 3000; i++) {
      let m: Mutation;
      if (rng.random() < 0.7) m = { kind: 'bytes', bytes: damage(rng, good) };
      else {
        // a well-formed file whose contents lie: the metadata JSON, or an array's shape or values
        const a = { ...arrays };
        const names = Object.keys(a);
        const name = names[rng.int(names.length)];
        if (name === 'metadata') a.metadata = { ...a.metadata, data: JSON.stringify(editJson(rng, JSON.parse(a.metadata.data as string))) };
        else if (rng.random() < 0.5) {
          const x = a[name];
          const vals = Float64Array.from(x.data as ArrayLike<number>);
          if (vals.length) vals[rng.int(vals.length)] = WEIRD[rng.int(8)] as number;
          a[name] = { ...x, dtype: x.dtype === '|b1' ? '<f8' : x.dtype, data: x.dtype === '<f4' ? Float32Array.from(vals) : vals } as typeof x;
        } else {
          const x = a[name];
          a[name] = { ...x, shape: x.shape.length ? [...x.shape.slice(0, -1), Math.max(0, x.shape.at(-1)! - 1)] : [1], data: (x.data as Float32Array).subarray?.(0, 0) ?? x.data } as typeof x;
        }
        let bytes: Uint8Array;
        try {
          bytes = encodeNpz(a);
        } catch {
          continue; // the edit is not even writable
        }
        m = { kind: 'field', bytes };
      }
      fs.writeFileSync(file, m.bytes);
      let r: Demonstrations;
      try {
        r = readDemos(file);
      } catch (e) {
        cleanError(e, file);
        errors++;
        continue;
      }
      loads++;
      if (m.kind === 'bytes') sameDemos(r, original);
      else {
        // what loaded passed validation: finite values, actions in the space it names
        for (const v of r.observations) expect(Number.isFinite(v)).toBe(true);
        const n = (r.metadata.actionSpace as { n?: number }).n!;
        for (const a of r.actions) expect(Number.isInteger(a) && a >= 0 && a < n).toBe(true);
      }
    }
    expect(errors).toBeGreaterThan(1000);
    expect(loads).toBeGreaterThan(0);
  }, 60_000);
});

describe('fuzz: the policy checkpoint reader', () => {
  it('3000 seeded corruptions each end in a clean error or a load that acts exactly as the original', () => {
    const env = make('Pendulum-v1');
    const p = makePolicy(env.observationSpace, env.actionSpace, { hidden: [4] }, new Rng(1));
    p.normalizer.update(Float32Array.of(0.1, 0.2, 0.3, 0.5, 0.1, 0.9));
    const goodFile = path.join(dir, 'good.ckpt');
    savePolicy(goodFile, p, { envId: 'Pendulum-v1' });
    const good = new Uint8Array(fs.readFileSync(goodFile));
    const obs = Float32Array.of(0.3, -0.2, 1.1);
    const want = Array.from(p.act(obs, { deterministic: true }).actions);
    p.dispose();
    const dec = decodeTensors(good, goodFile);
    const file = path.join(dir, 'fuzz.ckpt');
    const rng = new Rng(21);
    let errors = 0, loads = 0;
    for (let i = 0; i < 3000; i++) {
      let m: Mutation;
      if (rng.random() < 0.7) m = { kind: 'bytes', bytes: damage(rng, good) };
      else {
        const tensors = Object.fromEntries(Object.entries(dec.tensors).map(([k, t]) => [k, { data: Float32Array.from(t.data), shape: [...t.shape] }]));
        let meta = dec.metadata;
        if (rng.random() < 0.5) meta = editJson(rng, meta) as Record<string, unknown>;
        else {
          const names = Object.keys(tensors);
          const t = tensors[names[rng.int(names.length)]];
          t.data[rng.int(t.data.length)] = WEIRD[rng.int(4)] as number;
        }
        m = { kind: 'field', bytes: encodeTensors(tensors, meta) };
      }
      fs.writeFileSync(file, m.bytes);
      let loaded;
      try {
        loaded = loadPolicy(file, { envId: 'Pendulum-v1', observationSpace: env.observationSpace, actionSpace: env.actionSpace });
      } catch (e) {
        cleanError(e, file);
        errors++;
        continue;
      }
      loads++;
      try {
        const got = Array.from(loaded.policy.act(obs, { deterministic: true }).actions);
        if (m.kind === 'bytes') expect(got).toEqual(want);
        else for (const v of got) expect(Number.isFinite(v)).toBe(true);
      } finally {
        loaded.policy.dispose();
      }
    }
    expect(errors).toBeGreaterThan(1000);
    expect(loads).toBeGreaterThan(0);
  }, 60_000);
});
