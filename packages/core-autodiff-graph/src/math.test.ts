import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { assignFlat, flattenVariables, logSigmoid, numParameters, sumSquares, unflattenLike } from './math.js';
import { VariableStore } from './variables.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('logSigmoid', () => {
  it('is stable and differentiable', () => {
    const x = tf.tensor1d([-100, -1, 0, 1, 100]);
    const y = Array.from(logSigmoid(x).dataSync());
    const ref = [-100, -Math.log1p(Math.E), -Math.LN2, -Math.log1p(Math.exp(-1)), 0];
    y.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 4));
    const g = tf.grad((t: tf.Tensor) => tf.sum(logSigmoid(t)))(x);
    // d/dx log σ(x) = 1 − σ(x)
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(1 - 1 / (1 + Math.exp(-[-100, -1, 0, 1, 100][i]!)), 5));
    tf.dispose([x, g]);
  });
});

describe('flat parameters', () => {
  it('flatten, unflatten and assignFlat are inverse; sumSquares sums', () => {
    const s = new VariableStore('p');
    s.add('a', { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] });
    s.add('b', { data: new Float32Array([5]), shape: [1] });
    expect(numParameters(s.variables)).toBe(5);
    const flat = flattenVariables(s.variables);
    expect(Array.from(flat.dataSync())).toEqual([1, 2, 3, 4, 5]);
    const parts = unflattenLike(flat, s.variables);
    expect(parts[0]!.shape).toEqual([2, 2]);
    expect(sumSquares(s.variables).dataSync()[0]).toBe(55);
    assignFlat(s.variables, new Float32Array([5, 4, 3, 2, 1]));
    expect(Array.from(s.get('a').dataSync())).toEqual([5, 4, 3, 2]);
    expect(() => assignFlat(s.variables, new Float32Array(4))).toThrow(/has 4 values, the tensors need 5/);
    tf.dispose([flat, ...parts]);
    s.dispose();
  });
});

describe('stopGradient', () => {
  it('passes values and blocks gradients', async () => {
    const { tf, initBackend, stopGradient } = await import('./index.js');
    await initBackend({ quiet: true });
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(v, v), stopGradient(tf.mul(v, 10)))))(x);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
  });
});
