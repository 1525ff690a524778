// Whether the `tickwatch` command runs the compiled JavaScript in dist/ or the TypeScript sources.
// Plain JavaScript, so that scripts/tickwatch.mjs can decide before any loader for TypeScript is
// registered; scripts/bench/overhead.ts asks the same question to say which one it measured.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

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

/** `dist/exporters/cli.js`, the compiled entry point. */
export const COMPILED_CLI = new URL('../../dist/exporters/cli.js', import.meta.url);

/**
 * Whether dist/ is fresh: present, with a build stamp newer than every TypeScript source of
 * exporters/ and alert-rules/, and TICKWATCH_FROM_SOURCE is not 1.
 * @returns {boolean}
 */
export function compiledIsFresh() {
  const stamp = new URL('../../dist/.build-stamp', import.meta.url);
  if (process.env.TICKWATCH_FROM_SOURCE === '1' || !existsSync(COMPILED_CLI) || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return newestSource(`${root}/exporters`) <= built && newestSource(`${root}/alert-rules`) <= built;
}
