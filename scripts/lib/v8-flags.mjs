// The V8 flags every tickwatch process sets before any service starts (scripts/tickwatch.mjs), and
// that `npm run bench` sets too, so that its in-process figures are of the code as tickwatch runs
// it. Plain JavaScript, for scripts/tickwatch.mjs, which runs before any loader for TypeScript.
// Node documents flags set after start-up as possibly unpredictable; each of these was measured to
// take effect (the figures below).
import { setFlagsFromString } from 'node:v8';

/**
 * The flags, each with why:
 *
 * - `--no-memory-reducer`: V8's memory reducer runs full mark-compact collections when a process
 *   allocates slowly, to give memory back: an idle tickwatch is such a process, and paid for them.
 *   Issue 19: tickwatch start at about 375 lines/s, 30 s /proc windows, alternating, 3 December
 *   2026: 6.13, 5.97, 5.00 and 5.57 % of a core with it; 4.43 and 4.33 % with --no-memory-reducer
 *   on the command line, 4.37, 5.00, 4.17 and 5.33 % with it set here (V8's helper threads about
 *   2 % -> 1 %). The cost: the heap is not shrunk at rest, and resident memory stayed about 30 MiB
 *   higher (257 -> 289 MiB, 204 -> 237 MiB; the peak is unchanged).
 * - `--no-use-osr`: no on-stack replacement. In Node 20's V8 (11.3), a per-line function with a
 *   loop inside (the flat JSON reader's `read`, exporters/ingest/flat.ts), deoptimized once and
 *   then compiled by OSR in the middle of a call, was left running its baseline (Sparkplug) code
 *   on every later call, entering the OSR code at the loop each time, and was never optimized
 *   again: `%GetOptimizationStatus` said baseline, and the reader took 1,212-1,927 ns a line instead
 *   of about 410-740 (issue 19, 7 December 2026: in 4 of 50 runs reading `npm run bench -- ingest`'s
 *   1,032,692 lines 6 times after a worker thread had started, as in tickwatch start; in none of 40
 *   runs with this flag, 20 set on the command line and 20 set here). Without OSR a
 *   function is optimized at its next call instead; a long loop in a single call (none on
 *   tickwatch's hot paths, which are called per line, per chunk or per batch) runs unoptimized to
 *   its end.
 */
export const V8_FLAGS = ['--no-memory-reducer', '--no-use-osr'];

/** Sets {@link V8_FLAGS} in this process (and so in every worker thread it starts). */
export function setV8Flags() {
  for (const flag of V8_FLAGS) setFlagsFromString(flag);
}
