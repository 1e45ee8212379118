import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeTensors, encodeTensors, initBackend, Rng } from '@mgail/core-autodiff-graph';
import { Box, Discrete, make } from '@mgail/envs-classic';
import { loadPolicy, savePolicy } from './checkpoint.js';
import { collectDemos, readDemos, validateDemos, writeDemos, type Demonstrations } from './demos.js';
import { decodeNpz, encodeNpz } from './npz.js';
import { makePolicy } from './policy.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mgail-valid-'));

function demosOf(id: string, episodes = 2): Demonstrations {
  const env = make(id);
  const p = makePolicy(env.observationSpace, env.actionSpace, { hidden: [8] }, new Rng(1));
  return collectDemos(env, p, { episodes, seed: 4, deterministic: false });
}

/** Writes `d`, then rewrites one array of the file with `edit` applied to its raw values. */
function writeEdited(d: Demonstrations, name: string, edit: (a: Float32Array | Float64Array) => void, dtype?: '<f4' | '<f8'): string {
  const file = path.join(tmp(), 'demos.npz');
  writeDemos(file, d);
  const arrays = decodeNpz(fs.readFileSync(file), file);
  const x = arrays[name];
  const data = dtype === '<f4' ? Float32Array.from(x.data as ArrayLike<number>) : Float64Array.from(x.data as ArrayLike<number>);
  edit(data);
  arrays[name] = { ...x, dtype: dtype ?? (x.dtype === '<f4' ? '<f4' : x.dtype), data } as typeof x;
  fs.writeFileSync(file, encodeNpz(arrays));
  return file;
}

describe('demonstration contents', () => {
  it('refuses NaN or infinite observations, rewards and Box actions, naming the array and row', () => {
    const cart = demosOf('CartPole-v1');
    expect(() => readDemos(writeEdited(cart, 'observations', (a) => (a[9] = NaN)))).toThrow(/observations row 2 holds NaN/);
    expect(() => readDemos(writeEdited(cart, 'next_observations', (a) => (a[0] = Infinity)))).toThrow(/next_observations row 0 holds Infinity/);
    expect(() => readDemos(writeEdited(cart, 'rewards', (a) => (a[3] = -Infinity)))).toThrow(/rewards row 3/);
    const pend = demosOf('Pendulum-v1', 1);
    expect(() => readDemos(writeEdited(pend, 'actions', (a) => (a[5] = NaN)))).toThrow(/actions row 5 holds NaN/);
  });

  it('refuses discrete actions that are fractional or outside the action space', () => {
    const cart = demosOf('CartPole-v1');
    expect(() => readDemos(writeEdited(cart, 'actions', (a) => (a[4] = 2)))).toThrow(/action 4 is 2, not an integer in \[0, 2\) of Discrete\(2\)/);
    expect(() => readDemos(writeEdited(cart, 'actions', (a) => (a[1] = -1)))).toThrow(/action 1 is -1/);
    expect(() => readDemos(writeEdited(cart, 'actions', (a) => (a[0] = 0.5), '<f4'))).toThrow(/action 0 is 0.5/);
    expect(() => readDemos(writeEdited(cart, 'actions', (a) => (a[0] = 2 ** 40)))).toThrow(/action 0 is 1099511627776/);
  });

  it('refuses flags other than 0/1, and metadata spaces that disagree with the data or the env', () => {
    const cart = demosOf('CartPole-v1');
    expect(() => readDemos(writeEdited(cart, 'terminated', (a) => (a[0] = 0), '<f8'))).not.toThrow();
    const d = demosOf('CartPole-v1');
    const file = path.join(tmp(), 'demos.npz');
    writeDemos(file, { ...d, metadata: { ...d.metadata, actionSpace: new Discrete(3).toJSON() } });
    // the file is self-consistent (3 actions, all of them 0 or 1) but CartPole has 2
    expect(() => readDemos(file, { actionSpace: new Discrete(2) })).toThrow(/act in Discrete\(3\), the env in Discrete\(2\)/);
    const boxMeta = { ...d.metadata, actionSpace: new Box(-1, 1, [1]).toJSON() };
    // the writer refuses what no reader would accept; a file another tool wrote so is refused on read
    expect(() => writeDemos(file, { ...d, metadata: boxMeta })).toThrow(/the actions are discrete but the metadata's action space is Box\(1,\)/);
    const arrays = decodeNpz(fs.readFileSync(file), file);
    const json = JSON.stringify(boxMeta);
    arrays.metadata = { dtype: `<U${Array.from(json).length}`, shape: [], data: json };
    fs.writeFileSync(file, encodeNpz(arrays));
    expect(() => readDemos(file)).toThrow(/the actions are discrete but the metadata's action space is Box\(1,\)/);
    writeDemos(file, d);
    expect(() => readDemos(file, { actionSpace: new Box(-1, 1, [1]) })).toThrow(/act in Discrete\(2\), the env in Box\(1,\)/);
    expect(() => readDemos(file, { observationSpace: new Box(-1, 1, [6]) })).toThrow(/observations have 4 dimensions, the env has 6/);
    expect(readDemos(file, { observationSpace: make('CartPole-v1').observationSpace, actionSpace: new Discrete(2) }).actions).toEqual(d.actions);
  });

  it('is the same check for demonstrations built in memory (what trainers call)', () => {
    const d = demosOf('CartPole-v1');
    expect(() => validateDemos(d, 'demonstrations', { actionSpace: new Discrete(2) })).not.toThrow();
    const bad = { ...d, observations: Float32Array.from(d.observations) };
    bad.observations[7] = NaN;
    expect(() => validateDemos(bad)).toThrow(/^demonstrations: observations row 1 holds NaN; re-record them/);
    const cut = { ...d, actions: d.actions.subarray(1) } as Demonstrations;
    expect(() => validateDemos(cut)).toThrow(/actions holds \d+ values, expected/);
  });
});

describe('policy checkpoint contents', () => {
  const env = make('CartPole-v1');
  const policy = () => makePolicy(env.observationSpace, env.actionSpace, { hidden: [4] }, new Rng(2));

  /** Saves a good checkpoint, then rewrites it with `edit` applied to its tensors and metadata. */
  function edited(edit: (t: Record<string, { data: Float32Array }>, meta: Record<string, any>) => void): string {
    const file = path.join(tmp(), 'policy.ckpt');
    const p = policy();
    savePolicy(file, p, { envId: 'CartPole-v1' });
    p.dispose();
    const dec = decodeTensors(fs.readFileSync(file), file);
    edit(dec.tensors as never, dec.metadata as Record<string, any>);
    fs.writeFileSync(file, encodeTensors(dec.tensors, dec.metadata));
    return file;
  }

  it('refuses non-finite weights, negative or non-finite variances and a wrong-sized normalizer on load', () => {
    expect(() => loadPolicy(edited((t) => (Object.values(t)[0].data[0] = NaN)))).toThrow(/is corrupt: weight .* holds NaN or Inf; re-save it/);
    expect(() => loadPolicy(edited((t) => (Object.values(t)[1].data[0] = Infinity)))).toThrow(/holds NaN or Inf/);
    expect(() => loadPolicy(edited((_, m) => (m.normalizer.var[2] = -1)))).toThrow(/normalizer variance\[2\] is -1, expected a finite value >= 0/);
    expect(() => loadPolicy(edited((_, m) => (m.normalizer.mean[0] = null)))).toThrow(/normalizer mean\[0\] is null/);
    expect(() => loadPolicy(edited((_, m) => m.normalizer.var.pop()))).toThrow(/4 means and 3 variances/);
    expect(() => loadPolicy(edited((_, m) => (m.normalizer.count = -5)))).toThrow(/normalizer count is -5/);
    expect(() => loadPolicy(edited((_, m) => (m.actionSpace = { kind: 'discrete', n: 0 })))).toThrow(/does not describe a policy/);
    const ok = loadPolicy(edited(() => {}));
    ok.policy.dispose();
  });

  it('savePolicy refuses to write non-finite weights and leaves the last good file in place', () => {
    const file = path.join(tmp(), 'policy.ckpt');
    const p = policy();
    savePolicy(file, p);
    const good = fs.readFileSync(file);
    const w = p.getWeights();
    const k = Object.keys(w)[0];
    const bad = Float32Array.from(w[k]);
    bad[0] = NaN;
    p.setWeights({ ...w, [k]: bad });
    expect(() => savePolicy(file, p)).toThrow(/refusing to write .*policy.ckpt: weight .* holds NaN or Inf/);
    expect(fs.readFileSync(file)).toEqual(good);
    p.dispose();
  });
});

describe('policy library surface', () => {
  const env = make('CartPole-v1');
  it('act refuses NaN and infinite observations', () => {
    const p = makePolicy(env.observationSpace, env.actionSpace, { hidden: [4] }, new Rng(2));
    expect(() => p.act(Float32Array.of(0, NaN, 0, 0), { deterministic: true })).toThrow(/observation 0 holds NaN at index 1/);
    expect(() => p.act(Float32Array.of(0, 0, 0, 0, 0, 0, 0, Infinity), { deterministic: true })).toThrow(/observation 1 holds Infinity at index 3/);
    expect(p.act(Float32Array.of(0, 0, 0, 0), { deterministic: true }).actions.length).toBe(1);
    p.dispose();
  });
  it('makePolicy refuses unknown option names', () => {
    expect(() => makePolicy(env.observationSpace, env.actionSpace, { hiden: [4] } as never, new Rng(2))).toThrow(/unknown option "hiden"; known: hidden, /);
  });

  it('loads Box actions outside the action space clipped (as the env executed them) and says how many; refuses them in memory', () => {
    const pend = demosOf('Pendulum-v1', 1);
    const file = writeEdited(pend, 'actions', (a) => {
      a[0] = 7;
      a[3] = -2.5;
    }, '<f4');
    const d = readDemos(file);
    expect(d.clippedActions).toBe(2);
    expect([d.actions[0], d.actions[3]]).toEqual([2, -2]);
    expect(readDemos(writeEdited(pend, 'actions', () => {}, '<f4')).clippedActions).toBeUndefined();
    const wide = { ...pend, actions: Float32Array.from(pend.actions) };
    wide.actions[2] = 2.5;
    expect(() => validateDemos(wide)).toThrow(/actions row 2 column 0 is 2.5, outside \[-2, 2\] of Box\(1,\); clip them into the space as the env executed them/);
  });

  it('refuses observations outside a bounded observation space', () => {
    const cart = demosOf('CartPole-v1');
    // CartPole declares |x| <= 4.8: a cart at 10 was not recorded on CartPole
    expect(() => readDemos(writeEdited(cart, 'observations', (a) => (a[4] = 10)))).toThrow(/observations row 1 column 0 is 10, outside \[-4.8\d*, 4.8\d*\] of Box\(4,\); were they recorded on this env\?/);
    expect(() => readDemos(writeEdited(demosOf('Pendulum-v1', 1), 'next_observations', (a) => (a[2] = -9)))).toThrow(/next_observations row 0 column 2 is -9, outside \[-8, 8\]/);
  });
});
