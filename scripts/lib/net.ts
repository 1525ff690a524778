/** Loopback plumbing shared by the local stack, the benchmarks and the tests. */
import type { ChildProcess } from 'node:child_process';
import getPort from 'get-port';

/**
 * A TCP port on 127.0.0.1 that is free now. get-port also keeps it from being handed out again
 * in this process for 15 s, so two servers started in a row do not get the same port.
 */
export function freePort(): Promise<number> {
  return getPort({ host: '127.0.0.1' });
}

/** The process that is to serve a URL {@link waitForHttp} waits for. */
export interface ServingProcess {
  readonly child: ChildProcess;
  /** Its name in messages, e.g. `prometheus`. */
  readonly name: string;
  /** What it has said (its output or log tail), added to the error message. */
  readonly output?: () => string;
}

/**
 * Polls `url` every 100 ms (each GET with a 2 s deadline) until it answers 2xx.
 * @param timeoutMs - how long to wait, milliseconds (default 20 s)
 * @param serving - the process that serves `url`: waiting fails at once when it exits or cannot start
 * @param probe - how to ask `url` (resolves true when it answered 2xx); default a plain `fetch`. A
 *   server under a web configuration needs its CA and credentials (scripts/stack/access.ts).
 * @throws Error when it has not answered within `timeoutMs`, or `serving` exited first (with its output)
 */
export async function waitForHttp(url: string, timeoutMs = 20_000, serving?: ServingProcess, probe?: (url: string) => Promise<boolean>): Promise<void> {
  let spawnError: Error | undefined;
  serving?.child.once('error', (err) => (spawnError = err));
  const said = (): string => (serving?.output ? `:\n${serving.output()}` : '');
  const t0 = Date.now();
  for (;;) {
    if (serving) {
      const c = serving.child;
      if (spawnError) throw new Error(`${serving.name} could not start (${spawnError.message}); scripts/setup.sh installs it`);
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`${serving.name} exited (${c.signalCode ?? c.exitCode})${said()}`);
    }
    const ok = probe
      ? await probe(url).catch(() => false)
      : await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        );
    if (ok) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${serving ? `${serving.name}: ` : ''}${url} did not answer within ${timeoutMs} ms${said()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
