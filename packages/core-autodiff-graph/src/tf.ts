/**
 * The `tf` namespace of the library, typed as tfjs-core's: the library uses no tfjs-layers API,
 * and naming `@tensorflow/tfjs` in a public type would drag tfjs-layers' type files (which fail
 * `skipLibCheck: false`) into every user's compile. At run time this is the one tfjs-core
 * instance that `@tensorflow/tfjs` and the wasm backend register with (backend.ts loads both).
 */
export * from '@tensorflow/tfjs-core';
