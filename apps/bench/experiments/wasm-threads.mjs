// Experiment, not part of the bench suite: can tfjs-backend-wasm 4.22 run its threaded SIMD
// binary under Node? (tfjs disables it in Node: WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to
// false there, tensorflow/tfjs#3830.) This forces it on and works around the three things that
// break, then times a matmul and one MLP training step.
//
//   node apps/bench/experiments/wasm-threads.mjs [THREADS=2] [--fake-cpus]
//
// THREADS=0 uses the ordinary single-threaded SIMD binary. tfjs caps the pool at
// (logical cores / 2) (it assumes hyper-threading), so on a 2-vCPU machine it stays at one
// thread unless --fake-cpus doubles what os.cpus() reports while the module initialises.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

import { tf, initBackend, Rng, MLP, Adam, trainStep, randomNormalTensor } from '@mgail/core-autodiff-graph';

// The wasm backend module as the library resolves it (apps/bench does not depend on it directly).
const require = createRequire(import.meta.resolve('@mgail/core-autodiff-graph'));
const wasm = require('@tensorflow/tfjs-backend-wasm');
const threads = Number(process.argv[2] ?? 2);

if (threads > 0) {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  // 1. Node's worker_threads cannot start a blob: URL, which is how tfjs hands emscripten its
  //    pthread worker: write the worker source to a file and hand that over instead.
  let src = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js').wasmWorkerContents;
  // 2. The worker receives the main script as a Blob and loads it with a synchronous
  //    importScripts of an object URL, which Node cannot read: read the Blob asynchronously.
  // 3. The bundled factory refers to rollup's require$$N bindings: define them in the worker.
  const from = 'else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}WasmBackendModuleThreadedSimd(Module)';
  if (!src.includes(from)) throw new Error('the tfjs worker source changed; this experiment targets tfjs-backend-wasm 4.22');
  src = src.replace(from, () =>
    'else{e.data.urlOrBlob.text().then(t=>{Object.assign(global,{require$$0:require("fs"),require$$1:require("path"),' +
      'require$$3:require("perf_hooks"),require$$4:require("os"),commonjsGlobal:global});(0,eval)(t);' +
      'WasmBackendModuleThreadedSimd(Module)});return}WasmBackendModuleThreadedSimd(Module)');
  const file = path.join(os.tmpdir(), `mgail-wasm-worker-${process.pid}.cjs`);
  fs.writeFileSync(file, src.replace(/\n/g, '\\n'));
  process.on('exit', () => fs.rmSync(file, { force: true }));
  URL.createObjectURL = () => file;
}
const realCpus = os.cpus;
if (process.argv.includes('--fake-cpus')) os.cpus = () => [...realCpus(), ...realCpus()];
await initBackend({ backend: 'wasm', quiet: true });
os.cpus = realCpus;
if (tf.getBackend() !== 'wasm') throw new Error(`backend is ${tf.getBackend()}, not wasm`);

function time(label, f, n) {
  for (let i = 0; i < 10; i++) f();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  const wall = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  ts.sort((a, b) => a - b);
  console.log(JSON.stringify({ label, threads: wasm.getThreadsCount(), median_ms: +ts[n >> 1].toFixed(3), min_ms: +ts[0].toFixed(3), cpu_per_wall: +((cu.user + cu.system) / 1000 / wall).toFixed(2), load1: os.loadavg()[0] }));
}
const a = tf.randomNormal([1024, 100]);
const b = tf.randomNormal([100, 100]);
// (Not returned from tf.tidy: tidy walks a returned typed array element by element.)
time('matmul 1024x100 @ 100x100', () => {
  const c = tf.matMul(a, b);
  c.dataSync();
  c.dispose();
}, 200);
// Workload A of the perf suite at batch 1024 (the library's MLP, Adam and trainStep).
const rng = new Rng(0);
const net = new MLP({ inDim: 20, hidden: [100, 100], outDim: 1, activation: 'relu', rng, name: 'a' });
const opt = new Adam(net, { lr: 1e-3 });
const x = randomNormalTensor(rng, [1024, 20]);
const y = randomNormalTensor(rng, [1024, 1]);
time('workload A, batch 1024', () => trainStep(net, () => tf.mean(tf.squaredDifference(net.apply(x), y)), opt), 30);
process.exit(0);
