/**
 * A real ZooKeeper (Debian's `zookeeperd`, 3.8) for the tests: the coordination a replicated
 * ClickHouse 18.16 cluster needs (18.16 has no ClickHouse Keeper). Its Java server is started
 * straight from Debian's jars (`/usr/share/java/zookeeper.jar`, whose manifest names the jars it
 * needs) with a zoo.cfg in a temp folder: standalone, one free loopback port, no admin server, not
 * the system service the package installs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/net.js';
import { signalAndWait } from '../../scripts/lib/process.js';

/** Where Debian's zookeeper package puts the server jar (scripts/setup.sh installs zookeeperd). */
export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';

/** A ZooKeeper server process. */
export interface ZooKeeperServer {
  /** Its client port on 127.0.0.1. */
  readonly port: number;
  /** Its folder: zoo.cfg, data, out.log. */
  readonly dir: string;
  /** The running process (the last one started). */
  readonly process: ChildProcess;
  /**
   * Starts it (again, on the same port and data) and waits until it serves: `srvr` answers with its
   * `Mode:`. `ruok` says `imok` 150-210 ms earlier, while the server still closes a client's handshake
   * ("This ZooKeeper instance is not currently serving requests"); a ClickHouse 18.16 replica started
   * then had its DDLWorker fail to connect ("Cannot read all data ... while receiving handshake from
   * ZooKeeper", 5 of 24 cluster starts; none of 32 since), and 18.16 can then segfault in
   * `zkutil::ZooKeeper::createImpl` (twice on 7 December 2026, each failing the cluster test).
   * @throws Error when it exits or does not serve within 90 s (with the tail of its output)
   */
  start(): Promise<void>;
  /** Stops it and waits for it to go: SIGKILL by default. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it (SIGTERM) and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * Sends one four-letter word over a fresh connection (2 s deadline).
 * @returns what the server said before closing, '' when it did not answer
 */
function fourLetters(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let said = '';
    const done = () => {
      s.destroy();
      resolve(said);
    };
    s.setTimeout(2000, done);
    s.on('error', done);
    s.on('connect', () => s.write(word));
    s.on('data', (d) => (said += d.toString()));
    s.on('end', done);
  });
}

/**
 * Writes zoo.cfg under `dir` (default a new temp folder) and starts ZooKeeper on a free loopback port.
 * @throws Error when the jar is missing (naming scripts/setup.sh) or the server does not come up
 */
export async function startZooKeeper(dir: string = mkdtempSync(join(tmpdir(), 'tickwatch-zk-'))): Promise<ZooKeeperServer> {
  if (!existsSync(ZOOKEEPER_JAR)) throw new Error(`${ZOOKEEPER_JAR} is missing: run scripts/setup.sh (it installs Debian's zookeeperd)`);
  const port = await freePort();
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(
    join(dir, 'zoo.cfg'),
    [
      'tickTime=500',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      // 3.8 starts an admin HTTP server on 8080 by default: not here.
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr',
      // ClickHouse asks for 30 s sessions (session_timeout_ms); the default cap, 20 ticks, would be 10 s.
      'maxSessionTimeout=60000',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'out.log');
  const tail = (): string => {
    try {
      return readFileSync(out, 'utf8').slice(-4000);
    } catch {
      return '(no output)';
    }
  };
  let child: ChildProcess | undefined;
  const server: ZooKeeperServer = {
    port,
    dir,
    get process(): ChildProcess {
      if (!child) throw new Error('zookeeper was never started');
      return child;
    },
    async start() {
      const fd = openSync(out, 'a');
      // Small heap: the machine is shared; ZooKeeper's default would take a quarter of its memory.
      child = spawn('java', ['-Xmx256m', '-Dzookeeper.4lw.commands.whitelist=ruok,srvr', '-cp', ZOOKEEPER_JAR, 'org.apache.zookeeper.server.ZooKeeperServerMain', join(dir, 'zoo.cfg')], { cwd: dir, stdio: ['ignore', fd, fd] });
      closeSync(fd);
      const c = child;
      const deadline = Date.now() + 90_000;
      for (;;) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`zookeeper exited (${c.exitCode ?? c.signalCode}) before answering on 127.0.0.1:${port}:\n${tail()}`);
        if ((await fourLetters(port, 'srvr')).includes('\nMode: ')) return;
        if (Date.now() > deadline) throw new Error(`zookeeper did not serve on 127.0.0.1:${port} within 90 s (srvr never gave its Mode):\n${tail()}`);
        await new Promise((r) => setTimeout(r, 300));
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
