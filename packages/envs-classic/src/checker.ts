import type { Env } from './types.js';

/** How long and with which seed `checkEnv` exercises an env. */
export interface CheckEnvOptions {
  /** Random-action steps to take (more when needed to reach the time limit once). Default 1000. */
  steps?: number;
  /** Seed for `reset`, the action space and the checker's own choices. Default 0. */
  seed?: number;
}

/** What `checkEnv` found: contract violations and likely mistakes. */
export interface CheckEnvReport {
  /** No problems (warnings do not count). */
  ok: boolean;
  /** Contract violations, one sentence each. */
  problems: string[];
  /** Things that are legal but likely mistakes, one sentence each. */
  warnings: string[];
}

/** Episodes longer than this are not followed to their time limit (keeps the check fast). */
const MAX_LIMIT_CHECK = 10_000;

type Rec = Record<string, unknown>;
const isObj = (x: unknown): x is Rec => x != null && typeof x === 'object';
const isFn = (x: unknown): boolean => typeof x === 'function';

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

function show(x: unknown): string {
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}[${Array.from(x as unknown as ArrayLike<number>).slice(0, 8).join(', ')}${(x as unknown as ArrayLike<number>).length > 8 ? ', ...' : ''}]`;
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/**
 * Checks that an env follows the library's env contract (Gymnasium's `check_env`): spec, spaces,
 * `reset`/`step` types, seeding, finite observations, the time limit, and that invalid actions
 * throw. Returns every problem found rather than stopping at the first. The env is reset and
 * stepped (not closed); check a throwaway instance if its state matters.
 */
export function checkEnv(env: Env, opts: CheckEnvOptions = {}): CheckEnvReport {
  const problems: string[] = [];
  const warnings: string[] = [];
  const seed = opts.seed ?? 0;
  const steps = opts.steps ?? 1000;
  const report = (): CheckEnvReport => ({ ok: problems.length === 0, problems, warnings });

  if (!isObj(env)) {
    problems.push(`the env is ${show(env)}, not an object.`);
    return report();
  }

  // spec
  const spec = (env as unknown as Rec).spec;
  let limit: number | undefined;
  if (!isObj(spec)) problems.push('env.spec is missing; it must be an object with id and maxEpisodeSteps.');
  else {
    if (typeof spec.id !== 'string' || spec.id.length === 0) problems.push(`env.spec.id is ${show(spec.id)}; it must be a non-empty string.`);
    if (!Number.isInteger(spec.maxEpisodeSteps) || (spec.maxEpisodeSteps as number) <= 0) {
      problems.push(`env.spec.maxEpisodeSteps is ${show(spec.maxEpisodeSteps)}; it must be a positive integer (the time limit).`);
    } else limit = spec.maxEpisodeSteps as number;
  }

  // spaces (duck-typed: a user module may carry its own copy of Box/Discrete)
  const os = (env as unknown as Rec).observationSpace;
  let obsDim: number | undefined;
  if (!isObj(os) || os.kind !== 'box') {
    problems.push(`env.observationSpace must be a Box, got ${isObj(os) ? `a space of kind ${show(os.kind)}` : show(os)}.`);
  } else if (!isFn(os.contains) || !(os.low instanceof Float32Array) || !(os.high instanceof Float32Array)) {
    problems.push('env.observationSpace is not a Box (it lacks contains() or Float32Array low/high).');
  } else obsDim = (os.low as Float32Array).length;

  const as = (env as unknown as Rec).actionSpace;
  let actOk = false;
  if (!isObj(as) || (as.kind !== 'box' && as.kind !== 'discrete')) {
    problems.push(`env.actionSpace must be a Box or a Discrete, got ${isObj(as) ? `a space of kind ${show(as.kind)}` : show(as)}.`);
  } else {
    const missing = ['contains', 'sample', 'seed'].filter((m) => !isFn(as[m]));
    if (missing.length) problems.push(`env.actionSpace lacks ${missing.map((m) => `${m}()`).join(', ')}.`);
    else if (as.kind === 'discrete' && !(Number.isInteger(as.n) && (as.n as number) > 0)) problems.push(`env.actionSpace is Discrete with n = ${show(as.n)}; n must be a positive integer.`);
    else if (as.kind === 'box' && !(as.low instanceof Float32Array && as.high instanceof Float32Array && as.low.length > 0)) problems.push('env.actionSpace is a Box without Float32Array low/high.');
    else actOk = true;
  }

  for (const m of ['reset', 'step', 'close']) if (!isFn((env as unknown as Rec)[m])) problems.push(`env.${m} is not a function.`);
  if (!isFn(env.reset) || !isFn(env.step)) return report();

  const observationProblem = (where: string, o: unknown): string | null => {
    if (!(o instanceof Float32Array || o instanceof Float64Array)) return `${where} returned an observation that is ${o == null ? show(o) : `a ${(o as object).constructor?.name ?? typeof o}`}, not a Float32Array or Float64Array.`;
    if (obsDim !== undefined && o.length !== obsDim) return `${where} returned an observation of length ${o.length}; the observation space has ${obsDim} dimensions.`;
    for (let i = 0; i < o.length; i++) if (!Number.isFinite(o[i])) return `${where} returned a non-finite observation (observation[${i}] = ${o[i]}).`;
    if (obsDim !== undefined && !(os as { contains(x: unknown): boolean }).contains(o)) return `${where} returned an observation outside the observation space: ${show(o)}.`;
    return null;
  };

  const tryReset = (where: string, options?: { seed?: number }): unknown => {
    try {
      const r = options ? env.reset(options) : env.reset();
      if (!isObj(r) || !('observation' in r)) {
        problems.push(`${where} returned ${show(r)}; it must return { observation, info }.`);
        return undefined;
      }
      if (!isObj(r.info)) problems.push(`${where} returned info ${show(r.info)}; it must be an object.`);
      const p = observationProblem(where, r.observation);
      if (p) {
        problems.push(p);
        return undefined;
      }
      return r.observation;
    } catch (e) {
      problems.push(`${where} threw: ${errMsg(e)}.`);
      return undefined;
    }
  };

  // reset and its seeding
  const o1 = tryReset(`reset({ seed: ${seed} })`, { seed });
  if (o1 === undefined) return report();
  const first = Float64Array.from(o1 as ArrayLike<number>);
  const o2 = tryReset(`reset({ seed: ${seed} }) (second call)`, { seed });
  if (o2 === undefined) return report();
  if (!sameArray(first, o2 as ArrayLike<number>)) problems.push(`reset({ seed: ${seed} }) is not deterministic: two calls returned ${show(first)} and ${show(o2)}; seed the env's random generator from the seed.`);
  const o3 = tryReset(`reset({ seed: ${seed + 1} })`, { seed: seed + 1 });
  if (o3 !== undefined && sameArray(first, o3 as ArrayLike<number>)) warnings.push(`reset({ seed: ${seed} }) and reset({ seed: ${seed + 1} }) returned the same observation; is the start state random?`);
  if (!actOk) return report();
  const space = as as unknown as { kind: 'box' | 'discrete'; n?: number; low?: Float32Array; contains(x: unknown): boolean; sample(): unknown; seed(s: number): void };

  // action space seeding
  try {
    space.seed(seed);
    const a = Array.from({ length: 5 }, () => show(space.sample()));
    space.seed(seed);
    const b = Array.from({ length: 5 }, () => show(space.sample()));
    if (a.join() !== b.join()) problems.push(`env.actionSpace.seed(${seed}) does not make sample() repeat its sequence.`);
  } catch (e) {
    problems.push(`env.actionSpace.seed()/sample() threw: ${errMsg(e)}.`);
    return report();
  }

  // random-action episodes: types, finiteness, the time limit
  const budget = Math.max(steps, limit !== undefined && limit < MAX_LIMIT_CHECK ? limit + 1 : 0);
  space.seed(seed);
  tryReset(`reset({ seed: ${seed} })`, { seed });
  let len = 0, episodes = 0, stepProblem = false;
  for (let t = 0; t < budget && !stepProblem; t++) {
    const action = space.sample();
    if (!space.contains(action)) {
      problems.push(`env.actionSpace.sample() returned ${show(action)}, which env.actionSpace.contains() rejects.`);
      break;
    }
    let r: unknown;
    try {
      r = env.step(action as number);
    } catch (e) {
      problems.push(`step(${show(action)}) with a sampled valid action threw: ${errMsg(e)}.`);
      break;
    }
    len++;
    const where = `step() at step ${len} of an episode`;
    if (!isObj(r)) {
      problems.push(`${where} returned ${show(r)}; it must return { observation, reward, terminated, truncated, info }.`);
      break;
    }
    const p = observationProblem(where, r.observation);
    if (p) {
      problems.push(p);
      stepProblem = true;
    }
    if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) {
      problems.push(`${where} returned reward ${show(r.reward)}; it must be a finite number.`);
      stepProblem = true;
    }
    for (const k of ['terminated', 'truncated']) {
      if (typeof r[k] !== 'boolean') {
        problems.push(`${where} returned ${k} = ${show(r[k])}; it must be a boolean.`);
        stepProblem = true;
      }
    }
    if (!isObj(r.info)) {
      problems.push(`${where} returned info ${show(r.info)}; it must be an object.`);
      stepProblem = true;
    }
    if (stepProblem) break;
    if (limit !== undefined) {
      if (len === limit && !r.terminated && !r.truncated) {
        problems.push(`the episode did not end at the time limit: step ${limit} (spec.maxEpisodeSteps) returned truncated = false; apply the limit in the env (or wrap it in TimeLimit).`);
        break;
      }
      if (r.truncated && !r.terminated && len < limit) warnings.push(`the episode was truncated at step ${len}, before the time limit of ${limit} steps.`);
    }
    if (r.terminated || r.truncated) {
      episodes++;
      len = 0;
      tryReset('reset()');
    }
  }
  if (!stepProblem && episodes === 0 && !problems.length) warnings.push(`no episode ended within ${budget} random steps, so the time limit was not checked.`);

  // invalid actions must throw rather than reach the dynamics
  const invalid: unknown[] = space.kind === 'discrete'
    ? [space.n, -1, 0.5, Number.NaN, 'a']
    : [new Float32Array(space.low!.length + 1), new Float32Array(space.low!.length).fill(Number.NaN), 'a'];
  for (const a of invalid) {
    tryReset(`reset({ seed: ${seed} })`, { seed });
    let threw = false;
    try {
      env.step(a as number);
    } catch {
      threw = true;
    }
    if (!threw) problems.push(`step(${typeof a === 'string' ? JSON.stringify(a) : show(a)}) did not throw; invalid actions must be rejected with an error.`);
  }
  tryReset(`reset({ seed: ${seed} })`, { seed });
  return report();
}

/** Throws one error listing every problem `checkEnv` finds (warnings are ignored). */
export function assertEnv(env: Env, opts: CheckEnvOptions = {}): void {
  const r = checkEnv(env, opts);
  if (!r.ok) {
    const id = isObj(env) && isObj((env as unknown as Rec).spec) ? String((env as unknown as { spec: Rec }).spec.id) : 'env';
    throw new Error(`${id} fails the env checks: ${r.problems.join(' ')}`);
  }
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
