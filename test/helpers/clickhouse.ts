/**
 * Starts Debian's clickhouse-server (18.16) for tests: loopback only, free ports, data under a
 * temp folder; it can be stopped and started again on the same data (outage drills).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './prometheus.js';

/** A clickhouse-server process. */
export interface ClickHouseServer {
  readonly url: string;
  readonly dir: string;
  /** Starts the server (again) and waits until it answers /ping. */
  start(): Promise<void>;
  /** Stops it (SIGKILL by default: an outage, not a shutdown). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/** Writes a minimal config and starts the server. @throws Error when it does not answer in 30 s */
export async function startClickHouse(): Promise<ClickHouseServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tickwatch-ch-'));
  for (const d of ['log', 'data', 'tmp', 'user_files']) mkdirSync(join(dir, d));
  const http = await freePort();
  const tcp = await freePort();
  writeFileSync(
    join(dir, 'config.xml'),
    `<yandex>
  <logger><level>warning</level><log>${dir}/log/clickhouse.log</log><errorlog>${dir}/log/err.log</errorlog><console>0</console></logger>
  <http_port>${http}</http_port><tcp_port>${tcp}</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path><tmp_path>${dir}/tmp/</tmp_path><user_files_path>${dir}/user_files/</user_files_path>
  <users_config>${dir}/users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    '<yandex><profiles><default></default></profiles><users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users><quotas><default></default></quotas></yandex>',
  );
  const url = `http://127.0.0.1:${http}`;
  let child: ChildProcess | undefined;
  const server: ClickHouseServer = {
    url,
    dir,
    async start() {
      child = spawn('clickhouse-server', [`--config-file=${join(dir, 'config.xml')}`], { stdio: 'ignore' });
      const t0 = Date.now();
      for (;;) {
        if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode}; see ${dir}/log/err.log`);
        const ok = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
        if (ok) return;
        if (Date.now() - t0 > 30_000) throw new Error(`clickhouse-server did not answer in 30 s; see ${dir}/log/err.log`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop(signal = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill(signal);
      await exited;
    },
    async destroy() {
      await server.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
