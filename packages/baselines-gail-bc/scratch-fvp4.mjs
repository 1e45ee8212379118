import { initBackend, tf, Rng, flattenTensors } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { makePolicy } from '@mgail/policies';
await initBackend({ quiet: true });
for (const id of ['CartPole-v1', 'Pendulum-v1']) {
  const env = make(id);
  const rng = new Rng(0);
  const pol = makePolicy(env.observationSpace, env.actionSpace, { hidden: [8, 8], logStdInit: -0.5 }, rng);
  // perturb so output layer is not tiny
  for (const v of pol.variables) v.assign(tf.add(v, tf.mul(0.3, tf.randomNormal(v.shape, 0, 1, 'float32', 3))));
  const B = 16;
  const obsArr = new Float32Array(B * pol.obsDim); rng.fillNormal(obsArr);
  const obs = tf.tensor2d(obsArr, [B, pol.obsDim]);
  const vars = pol.variables;
  const cat = pol.kind === 'categorical';
  const netVars = cat ? vars : vars.filter(v => v !== pol.logStd);
  const old = cat ? [pol.logits(obs)] : [pol.mean(obs), tf.clone(pol.logStd)];
  const out = () => cat ? pol.logits(obs) : pol.mean(obs);
  // KL written with plain ops
  const klMean = () => {
    if (cat) {
      const oldLp = tf.logSoftmax(old[0]); const newLp = tf.logSoftmax(pol.logits(obs));
      return tf.mean(tf.sum(tf.mul(tf.exp(oldLp), tf.sub(oldLp, newLp)), 1));
    }
    return tf.mean(pol.kl(obs, old[0], old[1]));
  };
  const vs = vars.map(v => { const a = new Float32Array(v.size); rng.fillNormal(a); return tf.tensor(a, v.shape); });
  const vOf = (x) => vs[vars.indexOf(x)];
  // Fisher via J^T M J v
  const t0 = Date.now();
  const fv = tf.tidy(() => {
    const z0 = out();
    const jv = tf.grad((u) => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(out(), u)), netVars);
      return tf.addN(netVars.map((x) => tf.sum(tf.mul(grads[x.name], vOf(x)))));
    })(tf.zerosLike(z0));
    let m;
    if (cat) { const p = tf.softmax(z0); m = tf.sub(tf.mul(p, jv), tf.mul(p, tf.sum(tf.mul(p, jv), 1, true))); }
    else m = tf.div(jv, tf.exp(tf.mul(2, pol.logStd)));
    const { grads } = tf.variableGrads(() => tf.div(tf.sum(tf.mul(out(), m)), B), netVars);
    return flattenTensors(vars.map(x => x === pol.logStd ? tf.mul(2, vOf(x)) : grads[x.name]));
  });
  console.log('fisher ms', Date.now() - t0);
  // finite differences of the KL gradient
  const eps = 1e-2;
  const gradAt = (s) => tf.tidy(() => {
    vars.forEach((x) => x.assign(tf.add(x, tf.mul(s * eps, vOf(x)))));
    const { grads } = tf.variableGrads(klMean, vars);
    const g = flattenTensors(vars.map(x => grads[x.name]));
    vars.forEach((x) => x.assign(tf.sub(x, tf.mul(s * eps, vOf(x)))));
    return g;
  });
  const fd = tf.div(tf.sub(gradAt(1), gradAt(-1)), 2 * eps);
  // naive double backprop
  let db; try { db = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const { grads: g } = tf.variableGrads(klMean, vars);
      return tf.addN(vars.map((x) => tf.sum(tf.mul(g[x.name] ?? tf.zeros(x.shape), vOf(x)))));
    }, vars);
    return flattenTensors(vars.map(x => grads[x.name] ?? tf.zeros(x.shape)));
  }); } catch (e) { console.log('db failed', e.message); db = tf.zerosLike(fd); }
  const rel = (a, b) => tf.div(tf.norm(tf.sub(a, b)), tf.norm(b)).dataSync()[0];
  console.log(id, '|fd|', tf.norm(fd).dataSync()[0], 'fisher vs fd', rel(fv, fd), 'doublebackprop vs fd', rel(db, fd));
}
