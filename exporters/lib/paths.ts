/**
 * Where tickwatch's own files are, whether it runs from the TypeScript sources (tsx, vitest) or
 * from the compiled JavaScript in `dist/`: the repository root is the nearest folder above this
 * module holding tickwatch's `package.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; ) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tickwatch') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`tickwatch: no package.json of tickwatch above ${from}`);
    dir = up;
  }
}

/** The repository root (absolute path, no trailing slash). */
export const REPO_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));

/** An absolute path under the repository root. */
export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

/** The `tickwatch` command's entry script (`scripts/tickwatch.mjs`), for starting tickwatch subcommands as child processes. */
export const CLI_ENTRY: string = repoPath('scripts', 'tickwatch.mjs');
