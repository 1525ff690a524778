/**
 * Starts a real Prometheus (Debian's `prometheus`) on a loopback port with data under a temp folder,
 * for tests; and finds free loopback ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, waitForHttp } from '../../scripts/lib/net.js';

/** A running Prometheus. */
export interface Prom {
  readonly url: string;
  /** Instant query; returns the result vector. */
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
  /** Everything Prometheus printed, for failure messages. */
  output(): string;
}

/**
 * Starts Prometheus with `config` (an object, written as YAML) and waits until it is ready.
 * @throws Error with Prometheus' output when it does not become ready in 30 s
 */
export async function startPrometheus(config: unknown, extraArgs: readonly string[] = []): Promise<Prom> {
  const dir = mkdtempSync(join(tmpdir(), 'tickwatch-prom-'));
  const port = await freePort();
  const cfg = join(dir, 'prometheus.yml');
  writeFileSync(cfg, stringify(config));
  let out = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${cfg}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--rules.alert.resend-delay=1s', '--log.level=warn', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/-/ready`, 30_000, { child, name: 'prometheus', output: () => out });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    output: () => out,
    async query(q) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`query ${q}: ${body.error}`);
      return body.data.result;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
