/**
 * A real Debian redis-server (7.0) for the tests: a free loopback port, its folder under a temp
 * folder, no persistence (`--save '' --appendonly no`: a restart starts empty, as a lost cache
 * does). It can be stopped (an outage) and started again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../../scripts/lib/net.js';
import { signalAndWait } from '../../scripts/lib/process.js';

/** The server binary: on PATH, else where Debian puts it. */
function serverBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin'];
  return dirs.map((d) => join(d, 'redis-server')).find((p) => existsSync(p)) ?? 'redis-server';
}

/** A redis-server process. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Its working folder (`--dir`). */
  readonly dir: string;
  /** The running process (the last one started). */
  readonly process: ChildProcess;
  /**
   * Starts the server (again, on the same port) and waits until PING answers PONG.
   * @throws Error when it exits, cannot start, or does not answer within 30 s (with what it printed)
   */
  start(): Promise<void>;
  /** Stops it and waits for it to go: SIGKILL by default (an outage, not a shutdown). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it (SIGTERM) and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * Sends one inline PING over a fresh connection (1 s deadline).
 * @returns true when the server answered `+PONG`
 */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let said = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      said += d.toString();
      if (said.includes('\r\n')) done(said.startsWith('+PONG'));
    });
  });
}

/**
 * Starts redis-server on a free loopback port with its folder under `dir` (default: a new temp
 * folder) and waits until it answers PING.
 * @throws Error when the binary is missing (scripts/setup.sh installs it) or it does not come up
 */
export async function startRedis(dir: string = mkdtempSync(join(tmpdir(), 'tickwatch-redis-'))): Promise<RedisServer> {
  // Its working folder: a missing cwd would make spawn fail with ENOENT, as if the binary were missing.
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get process(): ChildProcess {
      if (!child) throw new Error('redis-server was never started');
      return child;
    },
    async start() {
      output = '';
      const c = spawn(serverBinary(), ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', ''], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      for (const s of [c.stdout, c.stderr]) s?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
      let spawnError: Error | undefined;
      c.once('error', (err) => (spawnError = err));
      const timeoutMs = 30_000;
      const t0 = Date.now();
      for (;;) {
        if (spawnError) throw new Error(`redis-server could not start (${spawnError.message}); scripts/setup.sh installs it (apt-get install redis-server)`);
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`redis-server exited (${c.signalCode ?? c.exitCode}) before answering PING on 127.0.0.1:${port}:\n${output}`);
        if (await ping(port)) return;
        if (Date.now() - t0 > timeoutMs) throw new Error(`redis-server on 127.0.0.1:${port} did not answer PING within ${timeoutMs / 1000} s:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(signal = 'SIGKILL') {
      await signalAndWait(child, signal);
    },
    async destroy() {
      await server.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
