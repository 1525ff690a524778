#!/usr/bin/env node
// Entry point of the `tickwatch` command. It runs the compiled JavaScript in dist/ (written by
// `npm run build`, and by `npm install` through the `prepare` script), which starts in a fraction of
// the time on-the-fly compilation takes. When dist/ is missing, or older than any TypeScript source
// of exporters/ or alert-rules/ (edited since the last build), or TICKWATCH_FROM_SOURCE=1, it runs
// the TypeScript sources through tsx instead, so it never runs stale code.
import { setFlagsFromString } from 'node:v8';
import { COMPILED_CLI, compiledIsFresh } from './lib/compiled.mjs';

// V8's memory reducer runs full mark-compact collections when a process allocates slowly, to give
// memory back: an idle tickwatch is such a process, and paid for them. Issue 19: tickwatch start at
// about 375 lines/s, 30 s /proc windows, alternating, 3 December 2026: 6.13, 5.97, 5.00 and 5.57 % of
// a core with it; 4.43 and 4.33 % with --no-memory-reducer on the command line, 4.37, 5.00, 4.17
// and 5.33 % with it set here (V8's helper threads about 2 % -> 1 %). The cost: the heap is not
// shrunk at rest, and resident memory stayed about 30 MiB higher (257 -> 289 MiB, 204 -> 237 MiB;
// the peak is unchanged). Set before any service starts; Node documents flags set after start-up as
// possibly unpredictable, and this one was measured to take effect (the figures above).
setFlagsFromString('--no-memory-reducer');

if (compiledIsFresh()) {
  await import(COMPILED_CLI.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../exporters/cli.ts');
}
