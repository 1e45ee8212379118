/**
 * The only module that touches `mujoco-js` (MuJoCo 3.3.8 compiled to WebAssembly). Everything
 * else in the package talks to the small `Mujoco` interface below, so another MuJoCo WASM build
 * can be swapped in by rewriting this file alone.
 *
 * Facts about mujoco-js@0.0.7 this file relies on (measured):
 * - array fields (`data.qpos`, `model.body_mass`, ...) are zero-copy views on the WASM heap; they
 *   are detached (length 0) when the heap grows, so callers re-fetch them after any allocation
 *   (`viewsStale`).
 * - an invalid XML throws a C++ exception object (`mjXError` / `mjCError`) with no JS message;
 *   the message is the first field of the thrown object, read here from the heap. Malformed XML
 *   (tinyxml parse error, unreadable file) returns `null` and prints "Loading error: ...".
 * - `data.warning` goes through embind copies (~1.5 us per read), so the warning counters are
 *   read through a view at their offset in `mjData` (right after `solver_fwdinv`), checked once
 *   against the embind accessor when the module loads.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import loadMujocoModule from 'mujoco-js';
import type { MainModule } from 'mujoco-js';

/** The compiled model fields the envs use (views on the WASM heap; see `viewsStale`). */
export interface MjModel {
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly na: number;
  readonly nbody: number;
  readonly njnt: number;
  readonly ngeom: number;
  readonly ntendon: number;
  readonly qpos0: Float64Array;
  readonly body_mass: Float64Array;
  readonly body_inertia: Float64Array;
  readonly body_pos: Float64Array;
  readonly body_quat: Float64Array;
  readonly jnt_type: Int32Array;
  readonly jnt_qposadr: Int32Array;
  readonly jnt_range: Float64Array;
  readonly jnt_limited: Uint8Array;
  readonly dof_damping: Float64Array;
  readonly dof_armature: Float64Array;
  readonly actuator_gear: Float64Array;
  readonly actuator_ctrlrange: Float64Array;
  readonly geom_size: Float64Array;
  readonly geom_friction: Float64Array;
  readonly geom_pos: Float64Array;
  delete(): void;
}

/** The simulation state fields the envs use (views on the WASM heap; see `viewsStale`). */
export interface MjData {
  readonly qpos: Float64Array;
  readonly qvel: Float64Array;
  readonly qacc: Float64Array;
  readonly act: Float64Array;
  readonly ctrl: Float64Array;
  readonly xpos: Float64Array;
  readonly xipos: Float64Array;
  readonly cinert: Float64Array;
  readonly cvel: Float64Array;
  readonly qfrc_actuator: Float64Array;
  readonly cfrc_ext: Float64Array;
  readonly ten_length: Float64Array;
  readonly ten_velocity: Float64Array;
  readonly time: number;
  delete(): void;
}

/** MuJoCo's `mjtWarning`, in order. */
export const MJ_WARNINGS = [
  'mjWARN_INERTIA',
  'mjWARN_CONTACTFULL',
  'mjWARN_CNSTRFULL',
  'mjWARN_VGEOMFULL',
  'mjWARN_BADQPOS',
  'mjWARN_BADQVEL',
  'mjWARN_BADQACC',
  'mjWARN_BADCTRL',
] as const;
/** The name of one of MuJoCo's `mjtWarning` codes. */
export type MjWarningName = (typeof MJ_WARNINGS)[number];
export const MJ_NWARNING = MJ_WARNINGS.length;

/** `mjtObj` values used by the envs. */
export const MJ_OBJ_BODY = 1;

/** Thrown when MuJoCo rejects a model; `message` names the file and carries MuJoCo's text. */
export class MujocoXmlError extends Error {
  readonly file: string;
  readonly mujocoMessage: string;
  constructor(file: string, mujocoMessage: string, options?: { cause?: unknown }) {
    const detail = mujocoMessage.trim() || 'MuJoCo gave no details';
    super(`invalid MuJoCo XML ${file}: ${detail}`, options);
    this.name = 'MujocoXmlError';
    this.file = file;
    this.mujocoMessage = mujocoMessage;
  }
}

/** The loaded MuJoCo WebAssembly module (`loadMujoco()`): the functions and classes the envs use. */
export interface Mujoco {
  /** `mj_versionString()`, e.g. `3.3.8`. */
  readonly version: string;
  /** Which binding is in use (for benchmark tables and bug reports). */
  readonly binding: string;
  /**
   * Compiles a model from XML text. `file` is the name used in errors and as the file's name in
   * the module's virtual file system. Throws `MujocoXmlError` when MuJoCo rejects the model.
   */
  loadModel(xml: string, file: string): MjModel;
  /** `mj_makeData`. */
  makeData(m: MjModel): MjData;
  step(m: MjModel, d: MjData): void;
  forward(m: MjModel, d: MjData): void;
  resetData(m: MjModel, d: MjData): void;
  rnePostConstraint(m: MjModel, d: MjData): void;
  /** `m.opt.timestep`. */
  timestep(m: MjModel): number;
  /** `mj_name2id`; -1 when absent. */
  name2id(m: MjModel, objType: number, name: string): number;
  /**
   * A view of `d.warning` as int32 pairs `[lastinfo, number]` per `mjtWarning`, writable, or
   * `null` when this build's layout could not be verified (use `warningCounts` then).
   * Detached like every other view when the heap grows.
   */
  warningView(d: MjData): Int32Array | null;
  /** `d.warning[i].number` for every warning, through the (slow) embind accessor. */
  warningCounts(d: MjData): Int32Array;
  /** True when views fetched before are detached because the heap grew since. */
  viewsStale(view: ArrayBufferView): boolean;
}

/** Receives MuJoCo's printed output (warnings, loading errors). Default: kept, not printed. */
export type MujocoLogger = (line: string) => void;

let logger: MujocoLogger | null = null;
const recent: string[] = [];
const RECENT_MAX = 32;

/**
 * Routes MuJoCo's printed output (e.g. `WARNING: Nan, Inf or huge value in QACC ...`) to `fn`,
 * or silences it with `null` (the default: the envs report instabilities in `info` instead).
 */
export function setMujocoLogger(fn: MujocoLogger | null): void {
  logger = fn;
}

function onPrint(line: string): void {
  recent.push(line);
  if (recent.length > RECENT_MAX) recent.shift();
  if (logger) logger(line);
}

let loading: Promise<Mujoco> | null = null;

/** Loads the WASM module once per process (per worker thread) and caches it. */
export function loadMujoco(): Promise<Mujoco> {
  if (!loading) {
    loading = createBinding().catch((e: unknown) => {
      loading = null;
      throw new Error(`cannot load the MuJoCo WebAssembly module (mujoco-js): ${(e as Error)?.message ?? String(e)}`, { cause: e });
    });
  }
  return loading;
}

type Raw = MainModule & { FS: { writeFile(p: string, s: string): void; unlink(p: string): void; mkdir(p: string): void; analyzePath(p: string): { exists: boolean } } };

// C++ exceptions MuJoCo's XML reader and compiler throw; both start with `char message[500]`.
const MUJOCO_EXCEPTIONS = new Set(['mjXError', 'mjCError']);
const VFS_DIR = '/mgail-xml';

/**
 * The XML loader of one module instance. MuJoCo's reader leaks ~100 kB of WASM heap on every
 * model it refuses (the parser's state on the C++ exception path); `checkModelXml` keeps those
 * failures out of the module the envs live in.
 */
function makeLoader(mj: Raw): (xml: string, file: string) => MjModel {
  let fileCounter = 0;
  const heapBytes = (): Uint8Array => {
    const b = new mj.DoubleBuffer(1);
    const view = b.GetView() as Float64Array;
    const bytes = new Uint8Array(view.buffer);
    b.delete();
    return bytes;
  };
  const cString = (ptr: number, max: number): string => {
    const h = heapBytes();
    let end = ptr;
    while (end < ptr + max && end < h.length && h[end] !== 0) end++;
    return new TextDecoder().decode(h.subarray(ptr, end));
  };

  return (xml: string, file: string): MjModel => {
    const base = file.split(/[\\/]/).pop() || 'model.xml';
    const dir = `${VFS_DIR}/${fileCounter++}`;
    mj.FS.mkdir(dir);
    const vfsPath = `${dir}/${base}`;
    mj.FS.writeFile(vfsPath, xml);
    recent.length = 0;
    try {
      const m = mj.MjModel.loadFromXML(vfsPath);
      if (!m) throw new MujocoXmlError(file, recent.join('\n').replace(/^Loading error:\s*/, ''));
      return m as unknown as MjModel;
    } catch (e) {
      if (e instanceof MujocoXmlError) throw e;
      const ex = e as { name?: string; excPtr?: number };
      if (ex && typeof ex.excPtr === 'number' && MUJOCO_EXCEPTIONS.has(ex.name ?? '')) {
        const text = cString(ex.excPtr, 500);
        try {
          (mj as unknown as { decrementExceptionRefcount(x: unknown): void }).decrementExceptionRefcount(e);
        } catch {
          /* the message is what matters; a leaked exception object is a few hundred bytes */
        }
        throw new MujocoXmlError(file, text.replace(vfsPath, file), { cause: e });
      }
      throw new MujocoXmlError(file, `${ex?.name ?? 'exception'} ${(e as Error)?.message ?? ''}`, { cause: e });
    } finally {
      try {
        mj.FS.unlink(vfsPath);
        (mj.FS as unknown as { rmdir(p: string): void }).rmdir(dir);
      } catch {
        /* already gone */
      }
    }
  };
}

/** The worker thread that compiles untrusted XML, replaced after this many refusals. */
let checker: { worker: Worker; failures: number; pending: Map<number, (r: XmlCheckReply) => void>; next: number } | null = null;
const CHECKER_MAX_FAILURES = 100;

/** What the XML-check worker answers: ok, or MuJoCo's refusal (or another error's message). */
export interface XmlCheckReply {
  id: number;
  ok: boolean;
  xmlError?: boolean;
  mujocoMessage?: string;
  message?: string;
}

function checkerScript(): URL {
  const here = new URL('./xml-check-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(here))) return here;
  // tests run src/ (TypeScript): the built worker
  const built = new URL('../dist/xml-check-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(built))) return built;
  throw new Error(`checkModelXml: worker script not found (${fileURLToPath(here)}); build the package first`);
}

function startChecker(): NonNullable<typeof checker> {
  const worker = new Worker(checkerScript());
  worker.unref();
  const c = { worker, failures: 0, pending: new Map<number, (r: XmlCheckReply) => void>(), next: 0 };
  const failAll = (message: string) => {
    for (const done of c.pending.values()) done({ id: -1, ok: false, message });
    c.pending.clear();
    if (checker === c) checker = null;
  };
  worker.on('message', (r: XmlCheckReply) => {
    const done = c.pending.get(r.id);
    c.pending.delete(r.id);
    done?.(r);
  });
  worker.on('error', (e) => failAll(`the XML check worker failed: ${e.message}`));
  worker.on('exit', () => failAll('the XML check worker exited'));
  return c;
}

/**
 * Compiles `xml` in a worker thread and throws a `MujocoXmlError` if MuJoCo refuses it. MuJoCo
 * leaks ~100 kB of WASM heap inside the module that read a refused model (the reader's state on
 * its C++ exception path); here that heap belongs to a worker that is terminated after
 * `CHECKER_MAX_FAILURES` refusals, which frees it all, so making thousands of envs from bad XML
 * keeps the process's memory bounded. Call it before loading a model that did not come with the
 * package.
 */
export async function checkModelXml(xml: string, file: string): Promise<void> {
  const c = checker ?? (checker = startChecker());
  const id = c.next++;
  const r = await new Promise<XmlCheckReply>((resolve) => {
    c.pending.set(id, resolve);
    c.worker.ref();
    c.worker.postMessage({ id, xml, file });
  });
  if (!c.pending.size) c.worker.unref();
  if (r.ok) return;
  if (++c.failures >= CHECKER_MAX_FAILURES && checker === c) {
    checker = null;
    void c.worker.terminate();
  }
  if (r.xmlError) throw new MujocoXmlError(file, r.mujocoMessage ?? '');
  throw new Error(r.message ?? 'the XML check failed');
}

/** The loader the XML-check worker runs: a fresh module instance of its own. @internal */
export async function isolatedXmlLoader(): Promise<(xml: string, file: string) => MjModel> {
  const mj = (await loadMujocoModule({ print: onPrint, printErr: onPrint })) as Raw;
  mj.FS.mkdir(VFS_DIR);
  return makeLoader(mj);
}

async function createBinding(): Promise<Mujoco> {
  const mj = (await loadMujocoModule({ print: onPrint, printErr: onPrint })) as Raw;
  mj.FS.mkdir(VFS_DIR);
  const loadModel = makeLoader(mj);

  const rawData = (d: MjData) => d as unknown as { solver_fwdinv: Float64Array; warning: { get(i: number): { number: number; delete(): void } | undefined; delete(): void } };

  const warningCounts = (d: MjData): Int32Array => {
    const out = new Int32Array(MJ_NWARNING);
    const vec = rawData(d).warning;
    for (let i = 0; i < MJ_NWARNING; i++) {
      const w = vec.get(i);
      out[i] = w?.number ?? 0;
      w?.delete();
    }
    vec.delete();
    return out;
  };

  // mjData: ... mjtNum solver_fwdinv[2]; mjWarningStat warning[mjNWARNING] {int lastinfo; int number;} ...
  const warningAt = (d: MjData): Int32Array => {
    const fw = rawData(d).solver_fwdinv;
    return new Int32Array(fw.buffer, fw.byteOffset + 2 * 8, 2 * MJ_NWARNING);
  };

  // Verify the offset on a throwaway model: provoke mjWARN_BADQVEL and compare with embind.
  let fastWarnings = false;
  try {
    const m = loadModel('<mujoco><worldbody><body><joint type="slide"/><geom size=".1"/></body></worldbody></mujoco>', 'probe.xml');
    const d = mj.MjData ? (new mj.MjData(m as never) as unknown as MjData) : null;
    if (d) {
      const saved = logger;
      logger = null;
      (d.qvel as Float64Array)[0] = NaN;
      mj.mj_step(m as never, d as never);
      logger = saved;
      const slow = warningCounts(d);
      const fast = warningAt(d);
      fastWarnings = slow[5] === 1 && fast[2 * 5 + 1] === 1 && slow.every((n, i) => fast[2 * i + 1] === n);
      if (fastWarnings) {
        fast.fill(0);
        fastWarnings = warningCounts(d).every((n) => n === 0);
      }
      d.delete();
    }
    m.delete();
  } catch {
    fastWarnings = false;
  }
  recent.length = 0;

  const version = mj.mj_versionString();
  return {
    version,
    binding: `mujoco-js (MuJoCo ${version})`,
    loadModel,
    makeData: (m) => new mj.MjData(m as never) as unknown as MjData,
    // The embind functions themselves (no wrapper closure on the hot path).
    step: mj.mj_step as unknown as Mujoco['step'],
    forward: mj.mj_forward as unknown as Mujoco['forward'],
    resetData: mj.mj_resetData as unknown as Mujoco['resetData'],
    rnePostConstraint: mj.mj_rnePostConstraint as unknown as Mujoco['rnePostConstraint'],
    timestep: (m) => (m as unknown as { opt: { timestep: number } }).opt.timestep,
    name2id: (m, t, name) => mj.mj_name2id(m as never, t, name),
    warningView: fastWarnings ? warningAt : () => null,
    warningCounts,
    viewsStale: (v) => v.buffer.byteLength === 0,
  };
}
