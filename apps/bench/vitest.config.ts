// The settings all packages share (pool, timeouts, test files) are in the repo root's vitest.shared.ts.
export { default } from '../../vitest.shared.ts';
