import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, getBackendName, initBackend, tf } from './backend.js';

describe('initBackend', () => {
  const saved = process.env.TFJS_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.TFJS_BACKEND;
    else process.env.TFJS_BACKEND = saved;
  });

  let first: Awaited<ReturnType<typeof initBackend>>;
  beforeAll(async () => {
    first = await initBackend({ quiet: true });
  });

  it('picks a backend, honouring TFJS_BACKEND when set', () => {
    expect(BACKEND_NAMES).toContain(first.backend);
    expect(getBackendName()).toBe(first.backend);
    if (saved) expect(first.backend).toBe(saved);
    expect(first.reason.length).toBeGreaterThan(0);
  });

  it('is idempotent', async () => {
    const again = await initBackend({ quiet: true });
    expect(again).toBe(first);
  });

  it('rejects an invalid TFJS_BACKEND with the valid names', async () => {
    process.env.TFJS_BACKEND = 'gpu';
    await expect(initBackend({ quiet: true })).rejects.toThrow(/TFJS_BACKEND=gpu .*node, wasm, cpu/);
  });

  it('exports the tfjs namespace with gradients registered', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)));
    const dx = g(tf.tensor1d([1, -2]));
    expect(Array.from(dx.dataSync())).toEqual([2, -4]);
    dx.dispose();
  });

  it.skipIf(saved !== undefined && saved !== '')('switches when a different backend is asked for explicitly', async () => {
    const cpu = await initBackend({ backend: 'cpu', quiet: true });
    expect(cpu).toEqual({ backend: 'cpu', reason: 'requested by caller' });
    expect(getBackendName()).toBe('cpu');
    expect(await initBackend({ backend: 'cpu', quiet: true })).toBe(cpu);
  });
});
