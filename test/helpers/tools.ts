/**
 * Runs the real command-line tools the tests use (promtool, amtool, tickwatch itself) with generous
 * deadlines, and says exactly what went wrong when one does not finish: not installed, timed out
 * (after how long), or killed by a signal. These machines are shared: `promtool test rules` over
 * every rule test takes ~20 s on a quiet one and several times that beside other work.
 */
import { execFile, spawnSync } from 'node:child_process';

/** Result of one tool run. */
export interface ToolResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Deadline of one tool run unless the caller gives another: 10 minutes. */
export const TOOL_TIMEOUT_MS = 600_000;

/**
 * Runs `cmd args`, feeding `stdin`, and waits for it to exit.
 * @param timeoutMs - deadline; past it the tool is killed (SIGKILL) and this throws
 * @throws Error saying the tool is not installed (with the setup command), that it timed out and
 *   after how many seconds, or which signal killed it
 */
export function runTool(cmd: string, args: readonly string[], o: { stdin?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): ToolResult {
  const timeoutMs = o.timeoutMs ?? TOOL_TIMEOUT_MS;
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { input: o.stdin, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: o.env });
  const took = ((Date.now() - t0) / 1000).toFixed(1);
  const what = `${cmd} ${args.slice(0, 3).join(' ')}${args.length > 3 ? ' ...' : ''}`;
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ENOENT') throw new Error(`${cmd} is not installed (${err.message}); scripts/setup.sh installs it (npm run setup)`);
  if (err?.code === 'ETIMEDOUT' || (r.signal === 'SIGKILL' && Date.now() - t0 >= timeoutMs)) {
    throw new Error(`${what} timed out after ${timeoutMs / 1000} s (ran ${took} s) and was killed; output so far:\n${(r.stdout ?? '').slice(-2000)}${(r.stderr ?? '').slice(-2000)}`);
  }
  if (err) throw new Error(`${what} could not run: ${err.message}`);
  if (r.signal) throw new Error(`${what} was killed by ${r.signal} after ${took} s; output so far:\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `promtool` with `args`, feeding `stdin` (see {@link runTool} for the deadline and errors). */
export function promtool(args: readonly string[], stdin?: string, timeoutMs?: number): ToolResult {
  return runTool('promtool', args, { stdin, timeoutMs });
}

/** Runs `amtool` with `args` (see {@link runTool}). */
export function amtool(args: readonly string[], timeoutMs?: number): ToolResult {
  return runTool('amtool', args, { timeoutMs });
}

/**
 * Runs `cmd args` without blocking this process's event loop (for a tool that talks to a server
 * running in this same process, which a synchronous run would starve), with the same deadline and
 * errors as {@link runTool}.
 */
export function runToolAsync(cmd: string, args: readonly string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  const timeoutMs = o.timeoutMs ?? TOOL_TIMEOUT_MS;
  const what = `${cmd} ${args.slice(0, 3).join(' ')}${args.length > 3 ? ' ...' : ''}`;
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: o.env }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string; signal?: string }) | null;
      if (e?.code === 'ENOENT') return reject(new Error(`${cmd} is not installed (${e.message}); scripts/setup.sh installs it (npm run setup)`));
      if (e?.killed && Date.now() - t0 >= timeoutMs) return reject(new Error(`${what} timed out after ${timeoutMs / 1000} s and was killed; output so far:\n${stdout.slice(-2000)}${stderr.slice(-2000)}`));
      if (e?.signal) return reject(new Error(`${what} was killed by ${e.signal}; output so far:\n${stdout.slice(-2000)}${stderr.slice(-2000)}`));
      resolve({ status: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
    });
  });
}
