/**
 * Worker thread of `ParallelVectorEnv`: loads its own MuJoCo module, builds its share of the
 * sub-envs on one model, then serves reset/step commands over SharedArrayBuffers. It blocks in
 * `Atomics.wait` between commands, so a command costs no message round trip.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadMujoco } from './binding.js';
import { SharedModel } from './mujoco-env.js';
import { resolveDefinition } from './registry.js';
import { buildEnvs } from './vector.js';
import { layoutOf, VectorCore, type AutoresetMode, type VectorBuffers } from './vector-core.js';
import { CMD_CLOSE, CMD_RESET, CMD_STEP, CTL_CMD, CTL_DONE, CTL_ERRLEN, CTL_SEQ, CTL_STRIDE, ERRBUF_BYTES, type WorkerInit, type WorkerReady } from './parallel-protocol.js';

const SPIN_MS = 0.2;

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('parallel-worker.js must run in a worker thread');
  const init = workerData as WorkerInit;
  let core: VectorCore;
  try {
    const r = resolveDefinition(init.id, init.envOptions);
    const shared = await SharedModel.load(init.id, r.parsed.xmlFile as string);
    const envs = buildEnvs(r, shared, init.count);
    const layout = layoutOf(envs[0], init.numEnvs);
    core = new VectorCore(envs, init.start, layout, init.autoresetMode as AutoresetMode);
    const e0 = envs[0];
    const ready: WorkerReady = {
      type: 'ready',
      obsDim: layout.obsDim,
      actDim: layout.actDim,
      infoFields: layout.infoFields.map((f) => ({ name: f.name, size: f.size })),
      resetInfoCount: layout.resetInfoCount,
      infoSize: layout.infoSize,
      spec: e0.spec,
      low: Array.from(e0.actionSpace.low),
      high: Array.from(e0.actionSpace.high),
      mujocoVersion: (await loadMujoco()).version,
    };
    port.postMessage(ready);
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error)?.message ?? String(e) });
    port.close();
    return;
  }

  port.once('message', (msg: { buffers: VectorBuffers; ctl: Int32Array; err: Uint8Array; index: number }) => {
    const { buffers, ctl, err, index } = msg;
    const base = index * CTL_STRIDE;
    const errView = err.subarray(index * ERRBUF_BYTES, (index + 1) * ERRBUF_BYTES);
    let seen = 0;
    for (;;) {
      // The next command usually follows within microseconds (the caller only turns the
      // results around): a short spin avoids a futex wake-up, then sleep.
      const t0 = performance.now();
      while (Atomics.load(ctl, base + CTL_SEQ) === seen && performance.now() - t0 < SPIN_MS);
      Atomics.wait(ctl, base + CTL_SEQ, seen);
      seen = Atomics.load(ctl, base + CTL_SEQ);
      const cmd = Atomics.load(ctl, base + CTL_CMD);
      let errLen = 0;
      try {
        if (cmd === CMD_RESET) core.reset(buffers);
        else if (cmd === CMD_STEP) core.step(buffers);
        else if (cmd === CMD_CLOSE) core.close();
        else throw new Error(`unknown command ${cmd}`);
      } catch (e) {
        const bytes = new TextEncoder().encode((e as Error)?.message ?? String(e)).subarray(0, ERRBUF_BYTES);
        errView.set(bytes);
        errLen = bytes.length;
      }
      Atomics.store(ctl, base + CTL_ERRLEN, errLen);
      Atomics.store(ctl, base + CTL_DONE, seen);
      Atomics.notify(ctl, base + CTL_DONE);
      if (cmd === CMD_CLOSE) break;
    }
    port.close();
  });
}

void main();
