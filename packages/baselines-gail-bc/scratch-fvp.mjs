import { initBackend, tf, Rng, flattenTensors } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { makePolicy } from '@mgail/policies';
await initBackend({ quiet: true });
console.log(tf.getBackend());
for (const id of ['CartPole-v1', 'Pendulum-v1']) {
  const env = make(id);
  const rng = new Rng(0);
  const pol = makePolicy(env.observationSpace, env.actionSpace, { hidden: [8] }, rng);
  const obsArr = new Float32Array(16 * pol.obsDim); rng.fillNormal(obsArr);
  const obs = tf.tensor2d(obsArr, [16, pol.obsDim]);
  const vars = pol.variables;
  const old = pol.kind === 'categorical' ? [pol.logits(obs)] : [pol.mean(obs), tf.clone(pol.logStd)];
  const kl = () => tf.mean(pol.kind === 'categorical' ? pol.kl(obs, old[0]) : pol.kl(obs, old[0], old[1]));
  const vs = vars.map(v => { const a = new Float32Array(v.size); rng.fillNormal(a); return tf.tensor(a, v.shape); });
  const before = tf.memory().numTensors;
  for (let it = 0; it < 3; it++) {
    const t0 = Date.now();
    const hv = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const { grads: g } = tf.variableGrads(kl, vars);
        return tf.addN(vars.map((v, i) => tf.sum(tf.mul(g[v.name], vs[i]))));
      }, vars);
      return flattenTensors(vars.map(v => grads[v.name]));
    });
    const d = hv.dataSync(); hv.dispose();
    console.log(id, 'hv norm', Math.hypot(...d), 'tensors delta', tf.memory().numTensors - before, Date.now() - t0, 'ms');
  }
}
