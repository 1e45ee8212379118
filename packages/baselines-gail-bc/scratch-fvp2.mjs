import { initBackend, tf } from '@mgail/core-autodiff-graph';
await initBackend({ quiet: true });
// simple: f(w) = sum(tanh(x w)^2); Hv via nested
const x = tf.tensor2d([[1, 2], [3, -1]]);
const w = tf.variable(tf.tensor2d([[0.1], [0.2]]), true, 'w');
const v = tf.tensor2d([[1], [0]]);
const f = () => tf.sum(tf.square(tf.tanh(tf.matMul(x, w))));
try {
  const r = tf.variableGrads(() => { const { grads } = tf.variableGrads(f, [w]); return tf.sum(tf.mul(grads.w, v)); }, [w]);
  console.log('nested variableGrads', r.grads.w?.arraySync());
} catch (e) { console.log('nested variableGrads failed', e.message); }
// with tf.grad over a plain tensor
const g = tf.grad((wt) => tf.sum(tf.square(tf.tanh(tf.matMul(x, wt)))));
const hv = tf.grad((wt) => tf.sum(tf.mul(g(wt), v)));
console.log('nested grad', hv(w).arraySync());
const gf = tf.grad((wt) => tf.sum(tf.square(tf.tanh(tf.fused.matMul({a: x, b: wt, bias: tf.tensor1d([0.1])})))));
const hvf = tf.grad((wt) => tf.sum(tf.mul(gf(wt), v)));
try { console.log('nested grad fused', hvf(w).arraySync()); } catch (e) { console.log('fused failed', e.message); }
