// The vitest settings every package uses; each package's vitest.config.ts re-exports this file, so
// `vitest run` inside one package (what turbo runs) still finds its config.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // tfjs-wasm and mujoco-wasm keep module-level state; separate processes keep tests independent.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
