/**
 * Small timing helpers for the benchmarks. Every figure is printed beside a baseline measured in
 * the same run, because these machines are shared and absolute numbers drift.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Nanoseconds per operation of `loop(n)` (which must run its operation `n` times), the median of
 * `rounds` timed runs after one warm-up run.
 */
export function nsPerOp(loop: (n: number) => void, n: number, rounds = 7): number {
  loop(Math.min(n, 100_000));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    loop(n);
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return median(samples);
}

/**
 * A full garbage collection, from V8's `gc` (exposed here at run time: `--expose-gc` set, then a new
 * context's global `gc`, which V8 adds to contexts made after the flag).
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/**
 * Milliseconds taken by `fn`, median of `rounds` runs after one warm-up, each run after a full
 * garbage collection (not timed), so that no run pays for the garbage of what ran before it: in one
 * process, the render bench's 1,000 histograms took 1.7-3.3 ms a render in most runs, and in 8 of
 * 15 runs (7 December 2026) 6.4-23.2 ms in one of the two formats (one run: 1.1x prom-client, under
 * the 2x target), its renders caught by 5-10 ms scavenges of a young generation the prom-client
 * measurements before them had filled (`--trace-gc`). With the collections: 1.86-2.05 ms in 5 of 5
 * runs (12.0x-20.4x).
 */
export async function msPerRun(fn: () => unknown, rounds = 5): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    collect();
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(samples);
}

/** Prints an aligned table. */
export function table(title: string, header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  console.log(`\n${title}`);
  for (const [i, r] of cells.entries()) {
    console.log(r.map((c, j) => String(c).padEnd(widths[j]!)).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Formats a number with 3 significant digits (integers as they are). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) >= 100) return String(x);
  return x.toPrecision(3);
}

/** Pass/fail mark for a target. */
export function verdict(ok: boolean): string {
  return ok ? 'meets target' : 'MISSES target';
}
