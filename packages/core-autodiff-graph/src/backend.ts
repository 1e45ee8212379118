/**
 * One tfjs instance and one backend choice for the whole library.
 *
 * Every package imports `tf` from here rather than from `@tensorflow/tfjs`, so kernels,
 * gradients and variables all live in the same engine. `@tensorflow/tfjs` (not tfjs-core alone)
 * is loaded because under CommonJS only the full bundle registers the gradient functions.
 */
import * as tf from './tf.js';
import { installWasmKernels } from './wasm_kernels.js';

// Loaded for their side effects (the full bundle's gradients and cpu backend, and the 'wasm'
// backend, registered with the engine above: the same tfjs-core instance). Dynamic imports keep
// them out of the published .d.ts files, which name only tfjs-core (see tf.ts).
await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-wasm');

export { tf };

/** Backend names as the library spells them ('node' is tfjs' 'tensorflow' backend). */
export type BackendName = 'node' | 'wasm' | 'cpu';

/** What `initBackend` takes. */
export interface BackendOptions {
  /** Use this backend instead of the automatic choice (the env var TFJS_BACKEND still wins). */
  backend?: BackendName;
  /** Do not log the chosen backend to stderr. */
  quiet?: boolean;
}

/** The backend `initBackend` chose, and why. */
export interface BackendInfo {
  backend: BackendName;
  /** Why this backend was chosen, e.g. 'TFJS_BACKEND=cpu' or 'tfjs-node unavailable: ...'. */
  reason: string;
}

/** The backends `initBackend` and `TFJS_BACKEND` accept, in the order the automatic choice tries them. */
export const BACKEND_NAMES: readonly BackendName[] = ['node', 'wasm', 'cpu'];

const TF_NAME: Record<BackendName, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

let current: Promise<BackendInfo> | null = null;
let currentRequest: BackendName | undefined;

function parseBackendEnv(): BackendName | undefined {
  const raw = process.env.TFJS_BACKEND;
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'tensorflow') return 'node';
  if ((BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(
    `TFJS_BACKEND=${raw} is not a backend: use one of ${BACKEND_NAMES.join(', ')} (or unset it for automatic choice)`,
  );
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // tfjs-node's own message is a long path; say what it means.
  if (/tfjs_binding\.node/.test(msg) && /can ?not be found|cannot find/i.test(msg)) {
    return 'its native binding (tfjs_binding.node) is not built';
  }
  if (/Cannot find (package|module) '@tensorflow\/tfjs-node'/.test(msg)) return '@tensorflow/tfjs-node is not installed';
  const line = msg.split('\n')[0] ?? '';
  return line.length > 240 ? `${line.slice(0, 240)}...` : line;
}

/** Loads tfjs-node; resolves to null on success or the reason it is unusable. */
async function loadNode(): Promise<string | null> {
  if (tf.engine().registryFactory[TF_NAME.node] !== undefined) return null;
  try {
    // A variable specifier keeps bundlers and tsc from requiring the optional package.
    const spec = '@tensorflow/tfjs-node';
    await import(spec);
  } catch (e) {
    return firstLine(e);
  }
  if (tf.engine().registryFactory[TF_NAME.node] === undefined) {
    return 'tfjs-node loaded but registered no "tensorflow" backend (is it a different tfjs-core instance?)';
  }
  return null;
}

async function activate(name: BackendName): Promise<string | null> {
  if (name === 'node') {
    const why = await loadNode();
    if (why !== null) return why;
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(TF_NAME[name]);
    await tf.ready();
  } catch (e) {
    return firstLine(e);
  }
  if (!ok || tf.getBackend() !== TF_NAME[name]) return `tf.setBackend('${TF_NAME[name]}') failed`;
  // Faster matmuls for the backward pass and the fused training kernels (wasm_kernels.ts, fused.ts).
  if (name === 'wasm') installWasmKernels();
  return null;
}

async function choose(requested: BackendName | undefined, source: string): Promise<BackendInfo> {
  if (requested !== undefined) {
    const why = await activate(requested);
    if (why !== null) {
      throw new Error(
        `tfjs backend '${requested}' (${source}) could not start: ${why}. ` +
          `Pick another with TFJS_BACKEND=${BACKEND_NAMES.filter((b) => b !== requested).join('|')}`,
      );
    }
    return { backend: requested, reason: source };
  }
  const nodeWhy = await activate('node');
  if (nodeWhy === null) return { backend: 'node', reason: 'tfjs-node native binding loaded' };
  const wasmWhy = await activate('wasm');
  if (wasmWhy === null) {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
    return { backend: 'wasm', reason: `tfjs-node unavailable: ${nodeWhy}; wasm ${simd}` };
  }
  const cpuWhy = await activate('cpu');
  if (cpuWhy === null) {
    return { backend: 'cpu', reason: `tfjs-node unavailable: ${nodeWhy}; wasm failed: ${wasmWhy}` };
  }
  throw new Error(`no tfjs backend could start: node: ${nodeWhy}; wasm: ${wasmWhy}; cpu: ${cpuWhy}`);
}

/**
 * Selects and readies the tfjs backend. Must be awaited before creating any tensor.
 *
 * Order: env var `TFJS_BACKEND=node|wasm|cpu` > `opts.backend` > automatic
 * (tfjs-node when its native binding loads, else wasm, else cpu). An explicitly requested
 * backend that cannot start is an error, never a silent fallback.
 * Idempotent: later calls return the first result, unless they explicitly ask for a different
 * backend (and the env var does not pin one), which switches to it.
 */
export function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  let requested: BackendName | undefined;
  let source: string;
  try {
    const fromEnv = parseBackendEnv();
    requested = fromEnv ?? opts.backend;
    source = fromEnv !== undefined ? `TFJS_BACKEND=${process.env.TFJS_BACKEND}` : 'requested by caller';
  } catch (e) {
    return Promise.reject(e);
  }
  if (opts.backend !== undefined && !BACKEND_NAMES.includes(opts.backend)) {
    return Promise.reject(
      new Error(`initBackend: backend '${String(opts.backend)}' is not one of ${BACKEND_NAMES.join(', ')}`),
    );
  }
  if (current !== null && (requested === undefined || requested === currentRequest)) return current;
  if (current !== null && requested !== undefined) {
    // Switching from an automatically chosen backend that already is the requested one.
    const prev = current;
    current = prev.then((info) => (info.backend === requested ? info : choose(requested, source)));
  } else {
    current = choose(requested, source);
  }
  currentRequest = requested;
  const quiet = opts.quiet ?? false;
  const p = current;
  current = p.then(
    (info) => {
      if (!quiet) process.stderr.write(`[mgail] tfjs backend: ${info.backend} (${info.reason})\n`);
      return info;
    },
    (e: unknown) => {
      current = null;
      currentRequest = undefined;
      throw e;
    },
  );
  return current;
}

/**
 * The active backend as the library names it ('node' | 'wasm' | 'cpu', or tfjs' own name for
 * others), or null before any backend was initialised.
 */
export function getBackendName(): string | null {
  // engine().backendName does not trigger tfjs' implicit (synchronous) backend initialisation.
  const name: string | null = tf.engine().backendName;
  if (name == null) return null;
  return name === 'tensorflow' ? 'node' : name;
}
