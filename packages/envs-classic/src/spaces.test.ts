import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { Box, Discrete, RecordEpisodeStatistics, SyncVectorEnv, TimeLimit, checkAction, describeSpace, flatDim, make, spaceFromJSON, spacesEqual } from './index.js';

describe('Box', () => {
  const box = new Box([-1, -2], [1, 2]);

  it('contains checks length, bounds (in float32) and type', () => {
    expect(box.contains([0, 0])).toBe(true);
    expect(box.contains(Float32Array.of(1, -2))).toBe(true);
    expect(box.contains([1.5, 0])).toBe(false);
    expect(box.contains([0])).toBe(false);
    expect(box.contains([0, NaN])).toBe(false);
    expect(box.contains(['0', 0])).toBe(false);
    expect(box.contains(null)).toBe(false);
    expect(box.contains(3)).toBe(false);
  });

  it('samples reproducibly after seeding, inside the box', () => {
    box.seed(7);
    const a = Array.from({ length: 5 }, () => Array.from(box.sample()));
    box.seed(7);
    const b = Array.from({ length: 5 }, () => Array.from(box.sample()));
    expect(a).toEqual(b);
    for (const x of a) expect(box.contains(x)).toBe(true);
    box.seed(8);
    expect(Array.from(box.sample())).not.toEqual(a[0]);
  });

  it('samples unbounded dimensions finitely', () => {
    const s = new Box([-Infinity, 0, -Infinity], [Infinity, Infinity, 0], undefined, 3);
    for (let i = 0; i < 20; i++) {
      const x = s.sample();
      expect(x.every(Number.isFinite)).toBe(true);
      expect(x[1]).toBeGreaterThanOrEqual(0);
      expect(x[2]).toBeLessThanOrEqual(0);
    }
  });

  it('round-trips through JSON, infinities included', () => {
    const s = new Box([-4.8, -Infinity], [4.8, Infinity]);
    const text = JSON.stringify(s.toJSON());
    expect(text).toContain('"inf"');
    const back = spaceFromJSON(JSON.parse(text));
    expect(back.kind).toBe('box');
    expect(spacesEqual(back, s)).toBe(true);
    expect((back as Box).high[1]).toBe(Infinity);
    expect((back as Box).low[0]).toBe(Math.fround(-4.8));
  });

  it('rejects bad bounds', () => {
    expect(() => new Box([1], [0])).toThrow(/low\[0\]=1 > high\[0\]=0/);
    expect(() => new Box([0, 0], [1])).toThrow(/shape/);
  });
});

describe('Discrete', () => {
  it('contains integers in [0, n)', () => {
    const d = new Discrete(3);
    expect([0, 1, 2].every((x) => d.contains(x))).toBe(true);
    expect(d.contains(3)).toBe(false);
    expect(d.contains(-1)).toBe(false);
    expect(d.contains(1.5)).toBe(false);
    expect(d.contains('1')).toBe(false);
  });

  it('samples reproducibly after seeding', () => {
    const d = new Discrete(5);
    d.seed(1);
    const a = Array.from({ length: 20 }, () => d.sample());
    d.seed(1);
    expect(Array.from({ length: 20 }, () => d.sample())).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
    expect(a.every((x) => d.contains(x))).toBe(true);
  });

  it('round-trips through JSON', () => {
    const back = spaceFromJSON(JSON.parse(JSON.stringify(new Discrete(4).toJSON())));
    expect(spacesEqual(back, new Discrete(4))).toBe(true);
    expect(spacesEqual(back, new Discrete(3))).toBe(false);
  });
});

describe('helpers', () => {
  it('flatDim, describeSpace, spacesEqual', () => {
    expect(flatDim(new Discrete(2))).toBe(1);
    expect(flatDim(new Box(0, 1, [3]))).toBe(3);
    expect(describeSpace(new Box(0, 1, [3]))).toBe('Box(3,)');
    expect(describeSpace(new Discrete(2))).toBe('Discrete(2)');
    expect(spacesEqual(new Box(0, 1, [2]), new Discrete(2))).toBe(false);
    expect(() => spaceFromJSON({ kind: 'tuple' } as never)).toThrow(/unknown space/);
  });

  it('checkAction names the env and the problem', () => {
    expect(() => checkAction('X-v0', new Discrete(2), 2)).toThrow('X-v0: invalid action 2; expected an integer in [0, 1] (Discrete(2))');
    expect(checkAction('X-v0', new Discrete(2), [1])).toBe(1);
    expect(() => checkAction('X-v0', new Box(0, 1, [1]), [0, 0])).toThrow('X-v0: action has length 2, expected 1 (Box(1,))');
    expect(() => checkAction('X-v0', new Box(0, 1, [1]), [NaN])).toThrow(/action\[0\] is NaN/);
    expect(Array.from(checkAction('X-v0', new Box(0, 1, [1]), 5) as Float64Array)).toEqual([5]);
  });
});

describe('printing', () => {
  it('spaces print as Gymnasium prints them, in String() and console.log (no RNG state)', () => {
    expect(String(new Box(-1, 1, [2]))).toBe('Box(-1.0, 1.0, (2,), float32)');
    expect(String(new Box([-1, -1, -2, -2], [1, 1, 2, 2]))).toBe('Box([-1.0, -1.0, -2.0, -2.0], [1.0, 1.0, 2.0, 2.0], (4,), float32)');
    expect(`${new Box([-Infinity, 0.07], [Infinity, 0.07])}`).toBe('Box([-inf, 0.07], [inf, 0.07], (2,), float32)');
    expect(String(new Discrete(3))).toBe('Discrete(3)');
    expect(inspect(new Discrete(3))).toBe('Discrete(3)');
    expect(inspect({ space: new Box(0, 1, [3]) })).toBe('{ space: Box(0.0, 1.0, (3,), float32) }');
  });

  it('envs, wrappers and vector envs print their class and id', () => {
    const env = make('CartPole-v1');
    expect(String(env)).toBe('CartPoleEnv<CartPole-v1>');
    expect(inspect(env)).toBe('CartPoleEnv<CartPole-v1>');
    expect(String(new RecordEpisodeStatistics(new TimeLimit(env, 10)))).toBe('RecordEpisodeStatistics<TimeLimit<CartPoleEnv<CartPole-v1>>>');
    // a user env without toString prints as ClassName<id>, not [object Object]
    class MyEnv { spec = { id: 'My-v0', maxEpisodeSteps: 5 }; }
    expect(String(new TimeLimit(new MyEnv() as never, 5))).toBe('TimeLimit<MyEnv<My-v0>>');
    const venv = new SyncVectorEnv(2, () => make('Pendulum-v1'));
    expect(inspect(venv)).toBe('SyncVectorEnv(Pendulum-v1, num_envs=2)');
    venv.close();
    env.close();
  });
});
