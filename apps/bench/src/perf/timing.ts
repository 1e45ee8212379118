/** Repeated timing of a synchronous step: warm-up calls, then `reps` timed calls. */
export interface Timing {
  median_ms: number;
  min_ms: number;
  reps: number;
  warmup: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median: no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(times: readonly number[], warmup: number): Timing {
  return { median_ms: round(median(times)), min_ms: round(Math.min(...times)), reps: times.length, warmup };
}

export function timeSteps(step: () => unknown, warmup: number, reps: number): Timing {
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`timeSteps: reps must be a positive integer, got ${reps}`);
  for (let i = 0; i < warmup; i++) step();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    step();
    ts.push(performance.now() - t0);
  }
  return summarize(ts, warmup);
}

/** Four significant digits are more than the noise of a shared machine allows. */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}
