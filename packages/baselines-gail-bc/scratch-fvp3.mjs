import { initBackend, tf, Rng } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { makePolicy } from '@mgail/policies';
await initBackend({ quiet: true });
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
  const { grads } = tf.variableGrads(() => {
    const { grads: g } = tf.variableGrads(kl, vars);
    console.log('inner', vars.map(v => v.name + ':' + (g[v.name] ? 'ok' : 'null')).join(' '));
    return tf.addN(vars.map((v, i) => tf.sum(tf.mul(g[v.name], vs[i]))));
  }, vars);
  console.log(id, vars.map(v => v.name + ':' + (grads[v.name] ? tf.norm(grads[v.name]).dataSync()[0].toFixed(4) : 'null')).join(' '));
}
