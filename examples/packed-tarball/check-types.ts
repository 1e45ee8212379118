// The common path as a TypeScript user writes it, compiled by run.sh with `strict` and
// `skipLibCheck: false` (tsconfig.json): no casts, and no error from any package's type files.
import { Adam, MLP, Rng, initBackend, tf, trainStep } from '@mgail/core-autodiff-graph';
import { RecordEpisodeStatistics, make } from '@mgail/envs-classic';
import { readDemos } from '@mgail/policies';
import { bcConfig, trainBC } from '@mgail/baselines-gail-bc';

export async function cloneAndDescribe(demosFile: string): Promise<string> {
  await initBackend({ quiet: true });
  const env = new RecordEpisodeStatistics(make('CartPole-v1'));
  const demos = readDemos(demosFile, { envId: 'CartPole-v1' });
  // `discrete` tells the two kinds of demonstrations apart: Int32Array here, Float32Array otherwise
  const firstAction: number = demos.discrete ? demos.actions[0] : demos.actions[0];
  const discreteActions: Int32Array | null = demos.discrete ? demos.actions : null;

  const net = new MLP({ inDim: 4, hidden: [8], outDim: 1, activation: 'tanh', rng: new Rng(0), name: 'f' });
  const opt = new Adam(net, { lr: 1e-3 });
  const x = tf.tensor2d([[0.1, 0.2, 0.3, 0.4]]);
  const y = tf.tensor2d([[1]]);
  const loss: number = trainStep(net, () => tf.losses.meanSquaredError(y, net.apply(x)), opt);

  const { policy } = trainBC(demos, { observationSpace: env.observationSpace, actionSpace: env.actionSpace }, bcConfig('CartPole-v1', { maxEpochs: 1 }), { seed: 0 });
  policy.dispose();
  tf.dispose([x, y]);
  // spaces and envs print as Gymnasium prints them
  return `${env} acts in ${env.actionSpace}: loss ${loss}, first action ${firstAction}, ${discreteActions?.length} discrete actions`;
}
