/**
 * A real PostgreSQL server for the tests (Debian's `postgresql` package, which scripts/setup.sh
 * installs): `initdb` into a temp folder, `postgres` on a free loopback port with its Unix socket in
 * that folder, trust authentication for the `postgres` superuser. It can be killed and started again
 * on the same data (outage drills), and is stopped with SIGINT (fast shutdown: open sessions are
 * ended) and removed after.
 *
 * PostgreSQL refuses to run as root. When the tests run as root, the server runs as Debian's
 * `postgres` user (the package creates it): the temp folder is handed to that user and the server
 * process is started with its uid and gid (Node's `spawn` `uid`/`gid`, so the process we signal is
 * the postmaster itself, with no `runuser` or `su` in between to forward or swallow signals).
 *
 * Settings for a shared test machine: `fsync=off` (the drills kill processes, never the machine: a
 * killed server still finds every write in the page cache) and small shared buffers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../scripts/lib/net.js';
import { signalAndWait } from '../../scripts/lib/process.js';

/** A PostgreSQL server process. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, no password). */
  readonly url: string;
  readonly port: number;
  /** The temp folder: `data/` (the cluster), `sock/` (the Unix socket), `server.log`. */
  readonly dir: string;
  /** The running postmaster (the last one started). */
  readonly process: ChildProcess;
  /** The URL of database `name` on this server. */
  urlOf(name: string): string;
  /**
   * Creates database `name` (a fresh one per test) and returns its URL.
   * @throws Error when the server refuses (the name is taken, say)
   */
  createDatabase(name: string): Promise<string>;
  /**
   * Runs SQL on database `db` (default `postgres`) with a fresh connection and returns the rows.
   * @throws Error with the server's message
   */
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[], db?: string): Promise<T[]>;
  /** Whether the server process is running. */
  readonly running: boolean;
  /**
   * Starts the server (again, on the same data and port) and waits until it accepts connections;
   * a no-op while it runs.
   * @throws Error naming what timed out (with the server's log tail) or that the server exited
   */
  start(): Promise<void>;
  /** Stops it and waits for it to go: SIGINT (fast shutdown) by default, SIGKILL for a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it (SIGINT) and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * The folder of Debian's PostgreSQL binaries (`/usr/lib/postgresql/<version>/bin`, the newest
 * version), else the folder of an `initdb` on PATH.
 * @throws Error when neither is there (scripts/setup.sh installs `postgresql`)
 */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(root, versions[0], 'bin');
  const onPath = (process.env.PATH ?? '').split(delimiter).find((d) => d && existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
  if (onPath) return onPath;
  throw new Error('PostgreSQL is not installed: no /usr/lib/postgresql/<version>/bin and no initdb on PATH; scripts/setup.sh installs it (npm run setup)');
}

/** The uid and gid to run the server as: ours, or the `postgres` user's when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error("running as root, and there is no 'postgres' user to run PostgreSQL as (root cannot run it); install Debian's postgresql package, which creates it");
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Hands `path` and everything under it to `user`. */
function chownTree(path: string, user: { uid: number; gid: number }): void {
  chownSync(path, user.uid, user.gid);
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) chownTree(p, user);
    else chownSync(p, user.uid, user.gid);
  }
}

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** How long to wait for the server to accept connections, ms (default 90 s: the machine is shared). */
  readonly startTimeoutMs?: number;
}

/**
 * Makes a cluster in a new temp folder (`initdb -U postgres --auth=trust`) and starts the server on
 * a free loopback port.
 * @throws Error when PostgreSQL is not installed, initdb fails (with its output), or the server
 *   does not come up (see {@link PostgresServer.start})
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'tickwatch-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  if (user) chownTree(dir, user);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  // Debian's postgres user has no access to our working directory: run from the temp folder.
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'], {
    ...as,
    cwd: dir,
    encoding: 'utf8',
    timeout: 180_000,
    killSignal: 'SIGKILL',
  });
  if (init.error || init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb -D ${data} failed (${init.error?.message ?? `exit ${init.status}${init.signal ? `, ${init.signal}` : ''}`}):\n${(init.stdout ?? '').slice(-2000)}${(init.stderr ?? '').slice(-2000)}`);
  }
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const urlOf = (name: string) => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  let log = '';
  let child: ChildProcess | undefined;

  const query = async <T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = [], db = 'postgres'): Promise<T[]> => {
    const c = new pg.Client({ connectionString: urlOf(db), connectionTimeoutMillis: 10_000 });
    c.on('error', () => undefined); // a server stopped under it: the query fails and says so
    await c.connect();
    try {
      return (await c.query<T>(sql, params as unknown[])).rows;
    } finally {
      await c.end();
    }
  };

  const server: PostgresServer = {
    url,
    port,
    dir,
    get process(): ChildProcess {
      if (!child) throw new Error('postgres was never started');
      return child;
    },
    get running(): boolean {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    urlOf,
    async createDatabase(name) {
      await query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      return urlOf(name);
    },
    query,
    async start() {
      if (server.running) return;
      log = '';
      const c = spawn(
        join(bin, 'postgres'),
        ['-D', data, '-p', String(port), '-k', sock, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=32MB', '-c', 'max_connections=40', '-c', 'log_min_messages=warning'],
        { ...as, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = c;
      const keep = (d: Buffer) => (log = (log + d.toString()).slice(-8000));
      c.stdout!.on('data', keep);
      c.stderr!.on('data', keep);
      let spawnError: Error | undefined;
      c.once('error', (err) => (spawnError = err));
      const t0 = Date.now();
      for (;;) {
        if (spawnError) throw new Error(`postgres (${join(bin, 'postgres')}) could not start: ${spawnError.message}`);
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`postgres exited (${c.signalCode ?? c.exitCode}) before accepting connections on 127.0.0.1:${port}:\n${log}`);
        const ok = await query('SELECT 1').then(
          () => true,
          () => false,
        );
        if (ok) return;
        if (Date.now() - t0 > startTimeoutMs) throw new Error(`PostgreSQL on 127.0.0.1:${port} (data ${data}) did not accept connections within ${startTimeoutMs} ms; its output:\n${log}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async stop(signal = 'SIGINT') {
      await signalAndWait(child, signal);
    },
    async destroy() {
      await server.stop('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (err) {
    await server.stop('SIGKILL').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return server;
}
