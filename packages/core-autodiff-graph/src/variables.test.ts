import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { VariableStore, assignFromTensors, moduleToTensors } from './variables.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('VariableStore', () => {
  it('keeps logical names while engine names stay unique', () => {
    const a = new VariableStore('policy');
    const b = new VariableStore('policy');
    const va = a.add('l1/kernel', tf.zeros([2, 3]));
    const vb = b.add('l1/kernel', tf.ones([2, 3]));
    expect(a.names).toEqual(['policy/l1/kernel']);
    expect(b.names).toEqual(['policy/l1/kernel']);
    expect(va.name).not.toBe(vb.name);
    expect(() => a.add('l1/kernel', tf.zeros([1]))).toThrow(/already used/);
    a.dispose();
    b.dispose();
  });

  it('round-trips through moduleToTensors / assignFromTensors with clear errors', () => {
    const s = new VariableStore('m');
    s.add('w', { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] });
    s.add('b', { data: new Float32Array([5]), shape: [1] });
    const saved = moduleToTensors(s);
    expect(saved['m/w']).toEqual({ data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] });
    assignFromTensors(s, { 'm/w': { data: new Float32Array([9, 9, 9, 9]), shape: [2, 2] }, 'm/b': new Float32Array([7]) });
    expect(Array.from(s.get('w').dataSync())).toEqual([9, 9, 9, 9]);
    expect(() => assignFromTensors(s, { 'm/w': { data: new Float32Array(4), shape: [4, 1] }, 'm/b': new Float32Array(1) }, { source: 'ckpt.safetensors' }))
      .toThrow('ckpt.safetensors: m/w: shape [4, 1], expected [2, 2]');
    expect(() => assignFromTensors(s, { 'm/w': new Float32Array(4) })).toThrow(/missing weights for m\/b/);
    expect(() => assignFromTensors(s, { ...saved, extra: new Float32Array(1) })).toThrow(/unexpected weights extra/);
    // A failed assignment changes nothing.
    expect(Array.from(s.get('w').dataSync())).toEqual([9, 9, 9, 9]);
    s.dispose();
  });
});
