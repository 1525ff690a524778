/**
 * `process`: CPU, resident memory, storage IO, count and start time of configured processes (the
 * trading engine, the recorder, the ClickHouse server), from /proc/<pid>/stat, /proc/<pid>/status
 * and /proc/<pid>/io.
 *
 * A process matches a spec `name` when its command name (/proc/<pid>/comm: the kernel keeps 15
 * characters, so a longer `name` matches a comm equal to its first 15, as `clickhouse-server` runs
 * as `clickhouse-serv`) or the base name of its argv[0] equals `name` (a binary started through a
 * symlink keeps the symlink's name there: current ClickHouse packages' /usr/bin/clickhouse-server
 * points at /usr/bin/clickhouse, whose name the exe link shows); a spec `name=<regex>` matches its
 * command line (arguments joined by spaces) against the regular expression instead, which is how a
 * Node.js service (`node scripts/tickwatch.mjs recorder`) is told apart from other `node` processes,
 * and how {@link CLICKHOUSE_SERVER_PROCESS} also finds a server started as `clickhouse server`.
 *
 * `tickwatch_host_process_cpu_seconds_total{name}` is a real monotonic counter across restarts of
 * the matched processes: each scrape adds every matched process's CPU ticks since the last scrape
 * (a process seen for the first time adds its whole lifetime so far), so an exiting process never
 * makes it drop. It resets only when the exporter restarts. `tickwatch_host_process_read_bytes_total`
 * and `tickwatch_host_process_written_bytes_total` (`read_bytes` and `write_bytes` of
 * /proc/<pid>/io: bytes the process caused to be read from or sent to the storage layer, page-cache
 * hits not included) add up the same way. Reading another user's io file needs the same user or
 * CAP_SYS_PTRACE (a ptrace read-access check); a matched process whose io file cannot be read is
 * left out of the byte counters and counted in `tickwatch_host_process_io_unreadable{name}` on that
 * scrape, and its bytes are added once a later scrape can read them.
 *
 * Cost per scrape: one `readdir(/proc)`, then three small reads per *matched* process. A pid's match
 * is decided when it first appears (reading its comm and cmdline) and again on every scrape while
 * the process is younger than {@link SETTLE_SECONDS} (a fork runs its parent's command line until it
 * calls exec; a wrapper script execs the engine), then kept until the pid is gone from /proc. For a
 * matched pid, the start time and comm read each scrape detect pid reuse and a later exec. An
 * unmatched pid reused between two scrapes by a matching process would be missed until that pid
 * disappears; with Linux's pid_max (4,194,304 on 64-bit) that takes millions of forks per scrape.
 */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import {
  hostProcessCpuSecondsTotal,
  hostProcesses,
  hostProcessIoUnreadable,
  hostProcessReadBytesTotal,
  hostProcessResidentMemoryBytes,
  hostProcessStartTimeSeconds,
  hostProcessWrittenBytesTotal,
} from '../../catalog/host.js';
import { Samples } from '../../instrument/collector.js';
import { readText, tryReadText, USER_HZ, type HostCollector, type HostPaths } from '../collector.js';
import { bootTimeSeconds } from './stat.js';

/** A configured process: its label value and, optionally, a regular expression over its command line. */
export interface ProcessSpec {
  readonly name: string;
  /** Source of a regular expression tested against the command line; absent: match comm or argv[0]. */
  readonly pattern?: string;
}

/**
 * Parses `name` or `name=<regex>`.
 * @throws Error when the name is empty or not a plain word, or the regular expression does not compile
 */
export function parseProcessSpec(spec: string): ProcessSpec {
  const eq = spec.indexOf('=');
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  if (!/^[A-Za-z0-9_.:-]+$/.test(name)) throw new Error(`process spec '${spec}': the name must be a word of letters, digits, '_', '.', ':' or '-'`);
  if (eq < 0) return { name };
  const pattern = spec.slice(eq + 1);
  if (!pattern) throw new Error(`process spec '${spec}': empty pattern after '='`);
  try {
    new RegExp(pattern);
  } catch (err) {
    throw new Error(`process spec '${spec}': ${(err as Error).message}`);
  }
  return { name, pattern };
}

/** A process younger than this (seconds) has its match decided again on each scrape. */
export const SETTLE_SECONDS = 10;

/** Command name, CPU ticks (utime + stime) and start time (ticks after boot) from a /proc/<pid>/stat text. */
export function parsePidStat(text: string): { comm: string; ticks: number; startTicks: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).split(' '); // f[0] is field 3 (state)
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const start = Number(f[19]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isFinite(start)) return undefined;
  return { comm: text.slice(open + 1, close), ticks: utime + stime, startTicks: start };
}

/**
 * `read_bytes` and `write_bytes` from a /proc/<pid>/io text (bytes; see proc(5)).
 * @returns undefined when either field is missing or not a number
 */
export function parsePidIo(text: string): { readBytes: number; writeBytes: number } | undefined {
  const read = /^read_bytes:\s*(\d+)$/m.exec(text);
  const write = /^write_bytes:\s*(\d+)$/m.exec(text);
  if (!read || !write) return undefined;
  return { readBytes: Number(read[1]), writeBytes: Number(write[1]) };
}

/** The kernel's limit on a command name (TASK_COMM_LEN 16, the terminating NUL included). */
const COMM_MAX = 15;

interface PidState {
  /** Index into the specs, or -1 when the pid matches none. */
  spec: number;
  startTicks: number;
  comm: string;
  /** CPU ticks already counted. */
  ticks: number;
  /** Bytes read and written (storage layer) already counted. */
  readBytes: number;
  writeBytes: number;
  /** Old enough that its command line no longer changes: an unmatched settled pid is not read again. */
  settled: boolean;
}

/** The `process` collector; with no specs it yields nothing. */
export function createProcessCollector(paths: HostPaths, specs: readonly ProcessSpec[]): HostCollector {
  const matchers = specs.map((s) => ({ ...s, re: s.pattern === undefined ? undefined : new RegExp(s.pattern) }));
  const pids = new Map<string, PidState>();
  const cpuTicks = new Array<number>(specs.length).fill(0);
  const readTotal = new Array<number>(specs.length).fill(0);
  const writeTotal = new Array<number>(specs.length).fill(0);
  let boot: number | undefined;

  const decide = (pid: string): number => {
    const comm = tryReadText(`${paths.proc}/${pid}/comm`)?.trim();
    if (comm === undefined) return -1;
    let cmdline: string | undefined;
    const line = (): string => (cmdline ??= (tryReadText(`${paths.proc}/${pid}/cmdline`) ?? '').replace(/\0+$/, '').split('\0').join(' '));
    for (let i = 0; i < matchers.length; i++) {
      const m = matchers[i]!;
      if (m.re) {
        if (m.re.test(line())) return i;
      } else if (comm === m.name || (m.name.length > COMM_MAX && comm === m.name.slice(0, COMM_MAX)) || basename(line().split(' ')[0] ?? '') === m.name) return i;
    }
    return -1;
  };

  const names = new Set<string>();
  for (const sp of specs) {
    if (names.has(sp.name)) throw new Error(`process name '${sp.name}' is configured twice`);
    names.add(sp.name);
  }

  return {
    name: 'process',
    defs: [hostProcessCpuSecondsTotal, hostProcessResidentMemoryBytes, hostProcesses, hostProcessStartTimeSeconds, hostProcessReadBytesTotal, hostProcessWrittenBytesTotal, hostProcessIoUnreadable],
    collect() {
      const s = new Samples();
      if (matchers.length === 0) return s;
      boot ??= bootTimeSeconds(readText(`${paths.proc}/stat`));
      const uptimeTicks = Number(readText(`${paths.proc}/uptime`).split(' ')[0]) * USER_HZ;
      const rss = new Array<number>(specs.length).fill(0);
      const count = new Array<number>(specs.length).fill(0);
      const oldest = new Array<number>(specs.length).fill(Infinity);
      const unreadable = new Array<number>(specs.length).fill(0);
      const present = new Set<string>();
      for (const pid of readdirSync(paths.proc)) {
        if (!/^\d+$/.test(pid)) continue;
        present.add(pid);
        let st = pids.get(pid);
        if (st && st.settled && st.spec < 0) continue;
        const stat = tryReadText(`${paths.proc}/${pid}/stat`);
        const parsed = stat === undefined ? undefined : parsePidStat(stat);
        if (!parsed) continue; // exited while we looked
        if (!st || st.startTicks !== parsed.startTicks) {
          st = { spec: -1, startTicks: parsed.startTicks, comm: '', ticks: 0, readBytes: 0, writeBytes: 0, settled: false };
          pids.set(pid, st);
        }
        if (!st.settled || st.comm !== parsed.comm) {
          const spec = decide(pid);
          if (spec !== st.spec) {
            st.spec = spec;
            st.ticks = 0; // newly matching (after an exec): its whole lifetime counts once
            st.readBytes = 0;
            st.writeBytes = 0;
          }
          st.comm = parsed.comm;
          st.settled = uptimeTicks - parsed.startTicks >= SETTLE_SECONDS * USER_HZ;
        }
        if (st.spec < 0) continue;
        const i = st.spec;
        if (parsed.ticks > st.ticks) cpuTicks[i]! += parsed.ticks - st.ticks;
        st.ticks = parsed.ticks;
        count[i]!++;
        const start = boot + parsed.startTicks / USER_HZ;
        if (start < oldest[i]!) oldest[i] = start;
        const vm = /^VmRSS:\s+(\d+)\s+kB/m.exec(tryReadText(`${paths.proc}/${pid}/status`) ?? '');
        if (vm) rss[i]! += Number(vm[1]) * 1024;
        const io = parsePidIo(tryReadText(`${paths.proc}/${pid}/io`) ?? '');
        if (!io) {
          unreadable[i]!++; // EACCES (another user, no CAP_SYS_PTRACE), or gone: counted once readable
          continue;
        }
        if (io.readBytes > st.readBytes) readTotal[i]! += io.readBytes - st.readBytes;
        if (io.writeBytes > st.writeBytes) writeTotal[i]! += io.writeBytes - st.writeBytes;
        st.readBytes = io.readBytes;
        st.writeBytes = io.writeBytes;
      }
      for (const pid of pids.keys()) if (!present.has(pid)) pids.delete(pid);
      specs.forEach((spec, i) => {
        s.add(hostProcessCpuSecondsTotal, [spec.name], cpuTicks[i]! / USER_HZ);
        s.add(hostProcessResidentMemoryBytes, [spec.name], rss[i]!);
        s.add(hostProcesses, [spec.name], count[i]!);
        if (Number.isFinite(oldest[i]!)) s.add(hostProcessStartTimeSeconds, [spec.name], oldest[i]!);
        s.add(hostProcessReadBytesTotal, [spec.name], readTotal[i]!);
        s.add(hostProcessWrittenBytesTotal, [spec.name], writeTotal[i]!);
        s.add(hostProcessIoUnreadable, [spec.name], unreadable[i]!);
      });
      return s;
    },
  };
}

/**
 * The processes `tickwatch start` reports by default: the simulator standing in for the trading
 * engine, the recorder and tickwatch itself, matched on their command lines (`node
 * scripts/tickwatch.mjs simulate ...`, or `tickwatch simulate ...` when installed as a command).
 */
export const TICKWATCH_PROCESSES: readonly ProcessSpec[] = [
  { name: 'engine', pattern: 'tickwatch(\\.mjs)? simulate' },
  { name: 'recorder', pattern: 'tickwatch(\\.mjs)? recorder' },
  { name: 'tickwatch', pattern: 'tickwatch(\\.mjs)? start' },
];

/**
 * The ClickHouse server, under the name `clickhouse-server` (what the Recorder & ClickHouse
 * dashboard's server panels read), whichever way it was started: `/usr/sbin/clickhouse-server`
 * (Debian's 18.16 binary), `/usr/bin/clickhouse-server` (a symlink to `clickhouse` in current
 * packages: argv[0] keeps the symlink's name) or `clickhouse server` (the single binary's
 * subcommand). Matched on argv[0] (and the subcommand), so a shell or `sudo` whose arguments name
 * the server is not counted as one.
 */
export const CLICKHOUSE_SERVER_PROCESS: ProcessSpec = { name: 'clickhouse-server', pattern: '^(\\S*/)?clickhouse(-server| server)( |$)' };
