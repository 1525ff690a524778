/** A real Debian clickhouse-server (18.16) for the tests: own config, loopback ports, data in a temp folder. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort, waitForHttp } from '../host/support.js';

/** The server binary: on PATH, else where Debian puts it (/usr/sbin, often not on a user's PATH). */
function serverBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin'];
  return dirs.map((d) => join(d, 'clickhouse-server')).find((p) => existsSync(p)) ?? 'clickhouse-server';
}

/** A running test server. */
export interface TestClickHouse {
  /** HTTP interface URL. */
  readonly url: string;
  /** The data path (`<path>`), with a trailing slash. */
  readonly dataPath: string;
  readonly process: ChildProcess;
  /**
   * Runs SQL over HTTP and returns the body.
   * @throws Error with the server's message on a non-200 answer
   */
  query(sql: string): Promise<string>;
  /** SIGKILLs the server and waits for it to go. */
  kill(): Promise<void>;
}

/**
 * Writes a minimal config.xml and users.xml under `dir` and starts `clickhouse-server` on free
 * loopback ports.
 * @throws Error when the binary is missing (scripts/setup.sh installs it) or it does not answer within 60 s
 */
export async function startClickHouse(dir: string): Promise<TestClickHouse> {
  const [http, tcp, interserver] = await Promise.all([freePort(), freePort(), freePort()]);
  const dataPath = join(dir, 'data') + '/';
  for (const d of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <interserver_http_port>${interserver}</interserver_http_port>
  <path>${dataPath}</path>
  <tmp_path>${join(dir, 'tmp')}/</tmp_path>
  <user_files_path>${join(dir, 'user_files')}/</user_files_path>
  <format_schema_path>${join(dir, 'format_schemas')}/</format_schema_path>
  <users_config>${join(dir, 'users.xml')}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>
`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`,
  );
  const child = spawn(serverBinary(), [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`clickhouse-server could not start (${err.message}); run scripts/setup.sh`)));
    child.once('exit', (code, sig) => reject(new Error(`clickhouse-server exited (${sig ?? code}): ${stderr}`)));
  });
  failed.catch(() => undefined);
  const url = `http://127.0.0.1:${http}`;
  await Promise.race([waitForHttp(`${url}/ping`, 60_000), failed]);
  const query = async (sql: string): Promise<string> => {
    const r = await fetch(`${url}/`, { method: 'POST', body: sql, signal: AbortSignal.timeout(10_000) });
    const body = await r.text();
    if (!r.ok) throw new Error(`ClickHouse: ${body.trim()}`);
    return body;
  };
  return {
    url,
    dataPath,
    process: child,
    query,
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }),
  };
}
