/** Loopback plumbing shared by the local stack, the benchmarks and the tests. */
import getPort from 'get-port';

/**
 * A TCP port on 127.0.0.1 that is free now. get-port also keeps it from being handed out again
 * in this process for 15 s, so two servers started in a row do not get the same port.
 */
export function freePort(): Promise<number> {
  return getPort({ host: '127.0.0.1' });
}

/**
 * Polls `url` every 100 ms (each GET with a 2 s deadline) until it answers 2xx.
 * @throws Error when it has not within `timeoutMs` milliseconds
 */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
