#!/usr/bin/env node
// Entry point of the `tickwatch` command. It runs the compiled JavaScript in dist/ (written by
// `npm run build`, and by `npm install` through the `prepare` script), which starts in a fraction of
// the time on-the-fly compilation takes. When dist/ is missing, or older than any TypeScript source
// of exporters/ or alert-rules/ (edited since the last build), or TICKWATCH_FROM_SOURCE=1, it runs
// the TypeScript sources through tsx instead, so it never runs stale code.
import { COMPILED_CLI, compiledIsFresh } from './lib/compiled.mjs';
import { setV8Flags } from './lib/v8-flags.mjs';

// V8 flags, set before any service starts (lib/v8-flags.mjs says why, with the figures).
setV8Flags();

if (compiledIsFresh()) {
  await import(COMPILED_CLI.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../exporters/cli.ts');
}
