import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, clipByGlobalNorm } from './adam.js';
import { initBackend, tf } from './backend.js';
import { VariableStore } from './variables.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** Adam as written in Kingma & Ba, Algorithm 1, in float64 (torch's eps placement). */
function adamRef(p: number[], grads: number[][], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8, maxNorm?: number): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  p = [...p];
  grads.forEach((g0, k) => {
    let g = g0;
    if (maxNorm !== undefined) {
      const n = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
      const c = Math.min(1, maxNorm / (n + 1e-6));
      g = g.map((x) => x * c);
    }
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      const mh = m[i]! / (1 - b1 ** t);
      const vh = v[i]! / (1 - b2 ** t);
      p[i] = p[i]! - (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return p;
}

describe('Adam', () => {
  const p0 = [0.5, -1.5, 2.0, 0.1];
  const gs = [
    [0.1, -0.2, 0.3, 0.0],
    [-0.5, 0.4, 0.05, 1e-3],
    [2.0, -3.0, 0.5, -0.25],
  ];

  it('matches a hand-written reference for 3 steps (array and record gradients)', () => {
    const s = new VariableStore('a');
    const w = s.add('w', { data: new Float32Array(p0.slice(0, 2)), shape: [2] });
    const b = s.add('b', { data: new Float32Array(p0.slice(2)), shape: [2] });
    const opt = new Adam(s, { lr: 0.01 });
    gs.forEach((g, k) => {
      const gw = tf.tensor1d(g.slice(0, 2));
      const gb = tf.tensor1d(g.slice(2));
      // Alternate the two accepted gradient forms.
      opt.applyGradients(k % 2 === 0 ? [gw, gb] : { [w.name]: gw, [b.name]: gb });
      tf.dispose([gw, gb]);
    });
    const ref = adamRef(p0, gs, 0.01);
    [...w.dataSync(), ...b.dataSync()].forEach((x, i) => expect(x).toBeCloseTo(ref[i]!, 6));
    opt.dispose();
    s.dispose();
  });

  it('clips by global norm like clip_grad_norm_', () => {
    const s = new VariableStore('c');
    const w = s.add('w', { data: new Float32Array(p0), shape: [4] });
    const opt = new Adam(s, { lr: 0.1, maxGradNorm: 0.5 });
    for (const g of gs) {
      const t = tf.tensor1d(g);
      opt.applyGradients([t]);
      t.dispose();
    }
    expect(opt.lastGradNorm).toBeCloseTo(Math.hypot(...gs[2]!), 5);
    const ref = adamRef(p0, gs, 0.1, 0.9, 0.999, 1e-8, 0.5);
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(ref[i]!, 5));
    opt.dispose();
    s.dispose();

    const g = [tf.tensor1d([3, 0]), tf.tensor1d([4])];
    const { clipped, norm } = clipByGlobalNorm(g, 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(Array.from(clipped[0]!.dataSync())[0]).toBeCloseTo(0.6, 5);
    tf.dispose([...g, ...clipped]);
  });

  it('state round-trips: a resumed optimizer continues exactly', () => {
    const make = () => {
      const s = new VariableStore('r');
      s.add('w', { data: new Float32Array(p0), shape: [2, 2] });
      return s;
    };
    const step = (opt: Adam, g: number[]) => {
      const t = tf.tensor2d(g, [2, 2]);
      opt.applyGradients([t]);
      t.dispose();
    };
    const sa = make();
    const a = new Adam(sa, { lr: 0.05 });
    gs.forEach((g) => step(a, g));

    const sb = make();
    const b1 = new Adam(sb, { lr: 0.05 });
    step(b1, gs[0]!);
    step(b1, gs[1]!);
    const state = JSON.parse(JSON.stringify({ meta: b1.getState().meta })).meta;
    const b2 = new Adam(sb, { lr: 0.05 });
    b2.setState({ meta: state, tensors: b1.getState().tensors });
    step(b2, gs[2]!);
    expect(Array.from(sb.get('w').dataSync())).toEqual(Array.from(sa.get('w').dataSync()));
    expect(() => new Adam(sa, { lr: 1 }).setState({ ...b1.getState(), meta: { ...b1.getState().meta, names: ['x'] } }))
      .toThrow(/state is for variables x/);
    [a, b1, b2].forEach((o) => o.dispose());
    sa.dispose();
    sb.dispose();
  });

  it('lr is settable and unknown gradient names are rejected', () => {
    const s = new VariableStore('l');
    const w = s.add('w', { data: new Float32Array([1]), shape: [1] });
    const opt = new Adam(s, { lr: 0 });
    const g = tf.tensor1d([1]);
    opt.applyGradients([g]);
    expect(w.dataSync()[0]).toBe(1);
    opt.lr = 0.5;
    opt.applyGradients({ 'l/w': g });
    expect(w.dataSync()[0]).toBeCloseTo(0.5, 5);
    expect(() => opt.applyGradients({ nope: g })).toThrow(/unknown variables nope/);
    g.dispose();
    opt.dispose();
    s.dispose();
  });
});

describe('Adam lifetime', () => {
  it('leaves no tensors behind after construction, a step and dispose', () => {
    const w = tf.variable(tf.ones([3, 2]));
    const before = tf.memory().numTensors;
    const opt = new Adam([w], { lr: 1e-2 });
    const g = tf.onesLike(w);
    opt.applyGradients([g]);
    g.dispose();
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});
