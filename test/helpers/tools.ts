/** Runs the real Prometheus tools the setup script installs. */
import { spawnSync } from 'node:child_process';

/** Result of one tool run. */
export interface ToolResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `promtool` with `args`, feeding `stdin`.
 * @throws Error when promtool is not installed (run `npm run setup`)
 */
export function promtool(args: readonly string[], stdin?: string): ToolResult {
  const r = spawnSync('promtool', args, { input: stdin, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`promtool could not run (${r.error.message}); scripts/setup.sh installs it`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
