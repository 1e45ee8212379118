// Behavioural cloning on CartPole-v1 with the @mgail packages as a user installs them: only
// their public exports, resolved from this project's node_modules (see run.sh).
import { initBackend } from '@mgail/core-autodiff-graph';
import { make } from '@mgail/envs-classic';
import { readDemos, evaluatePolicy } from '@mgail/policies';
import { bcConfig, trainBC } from '@mgail/baselines-gail-bc';

const [demosFile, minReturnArg = '400'] = process.argv.slice(2);
if (!demosFile) {
  console.error('usage: node train-bc.mjs DEMOS.npz [MIN_MEAN_RETURN]');
  process.exit(2);
}
const minReturn = Number(minReturnArg);
const episodes = 10;

await initBackend();
console.log(`@mgail/baselines-gail-bc from ${new URL(import.meta.resolve('@mgail/baselines-gail-bc')).pathname}`);
const env = make('CartPole-v1');
const demos = readDemos(demosFile, { envId: 'CartPole-v1' });
const t0 = performance.now();
const { policy, bestEpoch, history } = trainBC(
  demos,
  { observationSpace: env.observationSpace, actionSpace: env.actionSpace },
  bcConfig('CartPole-v1'),
  { seed: 0 },
);
const trainSeconds = (performance.now() - t0) / 1000;
const evaluation = evaluatePolicy(env, policy, { episodes, seed: 1 });
policy.dispose();
console.log(JSON.stringify({
  transitions: demos.rewards.length,
  epochs: history.length,
  bestEpoch,
  trainSeconds: Number(trainSeconds.toFixed(1)),
  meanReturn: evaluation.mean,
  stdReturn: evaluation.std,
  episodes,
}));
if (!(evaluation.mean >= minReturn)) {
  console.error(`BC on CartPole-v1: mean return ${evaluation.mean} over ${episodes} episodes is below ${minReturn}`);
  process.exit(1);
}
console.log(`ok: mean return ${evaluation.mean} >= ${minReturn} over ${episodes} episodes`);
