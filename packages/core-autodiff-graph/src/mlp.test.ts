import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { checkGradients } from './gradcheck.js';
import { MLP } from './mlp.js';
import { Rng, randomNormalTensor } from './random.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('MLP', () => {
  it('names layers and variables uniquely', () => {
    const m = new MLP({ inDim: 3, hidden: [5, 6], outDim: 2, activation: 'tanh', rng: new Rng(0), name: 'policy' });
    expect([...m.namedVariables.keys()]).toEqual([
      'policy/l1/kernel', 'policy/l1/bias', 'policy/l2/kernel', 'policy/l2/bias', 'policy/out/kernel', 'policy/out/bias',
    ]);
    expect(m.apply(tf.zeros([7, 3])).shape).toEqual([7, 2]);
    m.dispose();
  });

  it('same seed gives the same weights; setWeights round-trips', () => {
    const opts = { inDim: 4, hidden: [8], outDim: 3, activation: 'relu' as const, name: 'q' };
    const a = new MLP({ ...opts, rng: new Rng(42) });
    const b = new MLP({ ...opts, rng: new Rng(42) });
    const c = new MLP({ ...opts, rng: new Rng(43) });
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(a.getWeights()['q/l1/kernel']).not.toEqual(c.getWeights()['q/l1/kernel']);
    c.setWeights(a.getWeights());
    expect(c.getWeights()).toEqual(a.getWeights());
    [a, b, c].forEach((m) => m.dispose());
  });

  it('outputInitScale scales the output layer', () => {
    const base = { inDim: 4, hidden: [8], outDim: 3, activation: 'tanh' as const, name: 'p', init: 'orthogonal' as const };
    const a = new MLP({ ...base, rng: new Rng(5) });
    const b = new MLP({ ...base, rng: new Rng(5), outputInitScale: 0.01 });
    const wa = a.getWeights()['p/out/kernel']!;
    const wb = b.getWeights()['p/out/kernel']!;
    wa.forEach((v, i) => expect(wb[i]).toBeCloseTo(0.01 * v, 6));
    a.dispose();
    b.dispose();
  });

  it.each(['tanh', 'elu'] as const)('%s gradients match finite differences', (activation) => {
    const rng = new Rng(11);
    const m = new MLP({ inDim: 3, hidden: [6, 5], outDim: 2, activation, outputActivation: 'sigmoid', rng, name: 'g' });
    const x = randomNormalTensor(rng, [4, 3], 0, 0.5) as tf.Tensor2D;
    const proj = randomNormalTensor(rng, [4, 2]);
    const loss = () => tf.sum(tf.mul(m.apply(x), proj)) as tf.Scalar;
    const res = checkGradients(m, loss, { rng, coordsPerVariable: 3, eps: 1e-2 });
    expect(res.entries.length).toBe(17); // the 2-wide output bias has only 2 coordinates
    expect(res.maxRelError).toBeLessThan(2e-2);
    tf.dispose([x, proj]);
    m.dispose();
  });

  it('fused relu gradients equal the unfused relu(xW + b) gradients', () => {
    // Finite differences are unreliable across ReLU kinks, so compare against tf's own ops.
    const rng = new Rng(12);
    const m = new MLP({ inDim: 3, hidden: [6, 5], outDim: 2, activation: 'relu', rng, name: 'r' });
    const x = randomNormalTensor(rng, [4, 3]) as tf.Tensor2D;
    const proj = randomNormalTensor(rng, [4, 2]);
    const unfused = () =>
      tf.tidy(() => {
        let h: tf.Tensor2D = x;
        m.layers.forEach((l, i) => {
          const z = tf.add(tf.matMul(h, l.kernel), l.bias!) as tf.Tensor2D;
          h = i < m.layers.length - 1 ? tf.relu(z) : z;
        });
        return tf.sum(tf.mul(h, proj)) as tf.Scalar;
      });
    const fused = () => tf.sum(tf.mul(m.apply(x), proj)) as tf.Scalar;
    const a = tf.variableGrads(fused, m.variables);
    const b = tf.variableGrads(unfused, m.variables);
    expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0]!, 5);
    for (const v of m.variables) {
      const ga = a.grads[v.name]!.dataSync();
      const gb = b.grads[v.name]!.dataSync();
      ga.forEach((g, i) => expect(g).toBeCloseTo(gb[i]!, 5));
    }
    tf.dispose([a.value, b.value, x, proj]);
    tf.dispose(a.grads);
    tf.dispose(b.grads);
    m.dispose();
  });
});
