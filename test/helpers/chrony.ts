/**
 * Real chronyd instances (Debian's `chrony`) for tests, in a mode that never touches this machine's
 * clock and never sends a packet off 127.0.0.1:
 *
 * - `chronyd -x`: no control of the system clock at all (chronyd tracks a virtual clock instead;
 *   its `System time` then keeps the offset it would have corrected);
 * - `-d`: in the foreground, its log on stderr; `-u root`: no switch to the `_chrony` user, so it
 *   can use the test's temp folder; `-f <conf>`: our configuration only;
 * - NTP only on loopback (`bindaddress`, `bindacqaddress`, `allow 127.0.0.1`), a command port on
 *   127.0.0.1 or none, no Unix command socket (`bindcmdaddress /`: the system one in /run/chrony
 *   stays untouched), no drift file, PID file and logs in the temp folder.
 *
 * Two roles: a *server* (`local stratum 1`: it serves its own clock as a stratum-1 reference on a
 * loopback UDP port) and a *client* that synchronises to it, with chrony's per-source `offset`
 * correction to make the client see a chosen offset (this machine's clock against itself is a few
 * µs off at most). The client's command port answers the host exporter's `chrony` collector.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A running chronyd. */
export interface Chronyd {
  readonly process: ChildProcess;
  /** Its configuration file's text. */
  readonly config: string;
  /** What it printed. */
  output(): string;
  stop(): Promise<void>;
}

/** A UDP port on 127.0.0.1 that is free now (bound and released). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts chronyd with `lines` (plus the loopback-only and no-clock lines above) as its configuration.
 * @param dir - its own folder (PID file, logs)
 */
export function startChronyd(dir: string, name: string, lines: readonly string[]): Chronyd {
  const config = [
    ...lines,
    'bindcmdaddress /', // no Unix command socket: /run/chrony is the system's
    `pidfile ${join(dir, `${name}.pid`)}`,
    `logdir ${dir}`,
    '',
  ].join('\n');
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, config);
  let out = '';
  const child = spawn('chronyd', ['-x', '-d', '-u', 'root', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('error', (err) => (out += `spawn failed: ${err.message} (scripts/setup.sh installs Debian's chrony)\n`));
  return {
    process: child,
    config,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A local stratum-1 NTP server on 127.0.0.1:`port` (no command port). */
export function startChronyServer(dir: string, port: number): Chronyd {
  return startChronyd(dir, 'server', ['local stratum 1', 'allow 127.0.0.1', `port ${port}`, 'bindaddress 127.0.0.1', 'cmdport 0']);
}

/**
 * A client of the server on 127.0.0.1:`serverPort` polled 4 times a second, with its measurements
 * corrected by `offsetSeconds` (chrony.conf `offset`), answering commands on 127.0.0.1:`cmdPort`.
 * With `-x` the offset is never corrected: its System time keeps it.
 */
export function startChronyClient(dir: string, o: { serverPort: number; cmdPort: number; offsetSeconds: number; name?: string }): Chronyd {
  return startChronyd(dir, o.name ?? 'client', [
    `server 127.0.0.1 port ${o.serverPort} iburst minpoll -2 maxpoll -2 offset ${o.offsetSeconds}`,
    'port 0', // no NTP server socket
    'bindacqaddress 127.0.0.1',
    `cmdport ${o.cmdPort}`,
    'bindcmdaddress 127.0.0.1',
    'cmdallow 127.0.0.1',
    'log tracking',
  ]);
}
