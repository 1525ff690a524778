#!/usr/bin/env node
// Entry point of the `tickwatch` command. It runs the compiled JavaScript in dist/ (written by
// `npm run build`, and by `npm install` through the `prepare` script), which starts in a fraction of
// the time on-the-fly compilation takes. When dist/ is missing, or older than any TypeScript source
// of exporters/ or alert-rules/ (edited since the last build), or TICKWATCH_FROM_SOURCE=1, it runs
// the TypeScript sources through tsx instead, so it never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = new URL('../dist/exporters/cli.js', import.meta.url);
const stamp = new URL('../dist/.build-stamp', import.meta.url);

/** Newest modification time (ms) of the .ts files under `dir`. */
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function compiledIsFresh() {
  if (process.env.TICKWATCH_FROM_SOURCE === '1' || !existsSync(compiled) || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return newestSource(`${root}exporters`) <= built && newestSource(`${root}alert-rules`) <= built;
}

if (compiledIsFresh()) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../exporters/cli.ts');
}
