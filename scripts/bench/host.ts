/**
 * `npm run bench -- host`: the host exporter beside Debian's prometheus-node-exporter 1.5 in the
 * same run, both as their own processes with the same collectors (cpu, diskstats, filesystem,
 * hwmon, loadavg, meminfo, netdev, stat, thermal_zone):
 *
 * - scrape time, median and p90 of alternating scrapes, measured to the last byte with the request
 *   headers Prometheus 2.42 sends (OpenMetrics preferred, gzip accepted) and with plain text;
 *   target: the host exporter's median no slower than node_exporter's;
 * - CPU time each exporter process spends per scrape (utime + stime from /proc/<pid>/stat);
 * - processes started per scrape, counted by the kernel: `strace -f` attached to every thread of
 *   the exporter logs each clone/clone3/fork/vfork/execve while it serves the scrapes; a clone
 *   without CLONE_THREAD is a new process. Target 0. A control server that runs `true` on each
 *   request is traced the same way first, to show the count sees what it should.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/net.js';
import { median, table, verdict } from './measure.js';

const CLI = fileURLToPath(new URL('../tickwatch.mjs', import.meta.url));
const COLLECTORS = ['cpu', 'diskstats', 'filesystem', 'hwmon', 'loadavg', 'meminfo', 'netdev', 'stat', 'thermal_zone'];
/** What Prometheus 2.42 sends with a scrape. */
const PROMETHEUS_HEADERS = {
  accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
  'accept-encoding': 'gzip',
};
const PLAIN_HEADERS = { accept: 'text/plain;version=0.0.4' };

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET, timed to its last byte (the body is not decompressed). @returns milliseconds */
function timedGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request(url, { agent, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function waitUp(url: string, child: ChildProcess): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < 30_000) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      await timedGet(url, PLAIN_HEADERS);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not come up`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** What strace saw while the scrapes ran. */
export interface SpawnCount {
  /** New processes (fork, vfork, clone/clone3 without CLONE_THREAD). */
  readonly processes: number;
  /** Successful execve calls. */
  readonly execs: number;
  /** New threads (clone/clone3 with CLONE_THREAD). */
  readonly threads: number;
}

/**
 * Traces `pid` (every thread, following new ones) with strace while `during` runs, and counts the
 * tasks it creates.
 * @returns the counts, or undefined when strace is not installed
 * @throws Error when strace cannot attach
 */
export async function countSpawns(pid: number, during: () => Promise<void>): Promise<SpawnCount | undefined> {
  if (spawnSync('strace', ['-V']).error) return undefined;
  const out = join(tmpdir(), `tickwatch-strace-${process.pid}-${pid}.txt`);
  const tracer = spawn('strace', ['-f', '-qq', '-e', 'trace=clone,clone3,fork,vfork,execve', '-e', 'signal=none', '-o', out, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  tracer.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((r) => setTimeout(r, 700)); // attach to every thread
  if (tracer.exitCode !== null) throw new Error(`strace could not attach to ${pid}: ${err}`);
  await during();
  await new Promise((r) => setTimeout(r, 200));
  await new Promise<void>((resolve) => {
    tracer.once('exit', () => resolve());
    tracer.kill('SIGINT'); // detaches and flushes
  });
  let processes = 0;
  let execs = 0;
  let threads = 0;
  let text = '';
  try {
    text = readFileSync(out, 'utf8');
  } catch {
    // strace wrote nothing: nothing was created
  }
  rmSync(out, { force: true }); // the trace is read: not left in the temp folder
  for (const line of text.split('\n')) {
    if (/\b(fork|vfork)\(/.test(line) && !/resumed>|unfinished/.test(line)) processes++;
    else if (/\bclone3?\(/.test(line) && !/unfinished/.test(line)) {
      if (/CLONE_THREAD/.test(line)) threads++;
      else processes++;
    } else if (/\bexecve\(/.test(line) && /= 0$/.test(line)) execs++; // a successful exec (not each PATH lookup)
  }
  return { processes, execs, threads };
}

async function scrapes(url: string, n: number, headers: Record<string, string>): Promise<void> {
  for (let i = 0; i < n; i++) await timedGet(url, headers);
}

/** Runs the host benchmark and prints its tables. @returns whether both targets were met */
export async function benchHost(): Promise<boolean> {
  const nePort = await freePort();
  const hostPort = await freePort();
  const ne = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nePort}`, '--collector.disable-defaults', ...COLLECTORS.map((c) => `--collector.${c}`), '--log.level=warn'], { stdio: 'ignore' });
  const host = spawn(process.execPath, [CLI, 'host', '--port', String(hostPort)], { stdio: 'ignore', env: { ...process.env, TICKWATCH_LOG_LEVEL: 'warn' } });
  const neUrl = `http://127.0.0.1:${nePort}/metrics`;
  const hostUrl = `http://127.0.0.1:${hostPort}/metrics`;
  try {
    const started = await Promise.allSettled([waitUp(neUrl, ne), waitUp(hostUrl, host)]);
    if (started[0].status === 'rejected') throw new Error(`prometheus-node-exporter did not start (scripts/setup.sh installs it): ${String(started[0].reason)}`);
    if (started[1].status === 'rejected') throw new Error(`tickwatch host did not start: ${String(started[1].reason)}`);

    // Warm-up: JIT, page cache, thread pools.
    for (let i = 0; i < 30; i++) await Promise.all([timedGet(neUrl, PROMETHEUS_HEADERS), timedGet(hostUrl, PROMETHEUS_HEADERS)]);

    const rounds = 300;
    const rows: (string | number)[][] = [];
    let medianOk = true;
    for (const [mode, headers] of [
      ['Prometheus headers (OpenMetrics, gzip)', PROMETHEUS_HEADERS],
      ['plain text', PLAIN_HEADERS],
    ] as const) {
      const t: Record<'ne' | 'host', number[]> = { ne: [], host: [] };
      const cpu0 = { ne: cpuSeconds(ne.pid!), host: cpuSeconds(host.pid!) };
      for (let i = 0; i < rounds; i++) {
        // Alternate who goes first, so neither always scrapes a warmer page cache.
        if (i % 2) {
          t.ne.push(await timedGet(neUrl, headers));
          t.host.push(await timedGet(hostUrl, headers));
        } else {
          t.host.push(await timedGet(hostUrl, headers));
          t.ne.push(await timedGet(neUrl, headers));
        }
      }
      const cpu = { ne: ((cpuSeconds(ne.pid!) - cpu0.ne) / rounds) * 1000, host: ((cpuSeconds(host.pid!) - cpu0.host) / rounds) * 1000 };
      const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
      const mh = median(t.host);
      const mn = median(t.ne);
      if (mode.startsWith('Prometheus')) medianOk = mh <= mn;
      rows.push([`tickwatch host, ${mode}`, mh, p90(t.host), cpu.host, `${(mh / mn).toFixed(2)}× node_exporter`]);
      rows.push([`node_exporter 1.5, ${mode}`, mn, p90(t.ne), cpu.ne, 'baseline']);
    }
    table(`Host exporter scrape beside node_exporter (same ${COLLECTORS.length} collectors, ${rounds} alternating scrapes each)`, ['exporter, request', 'median ms', 'p90 ms', 'CPU ms/scrape', 'vs baseline'], rows);
    console.log(`scrape time target (median no slower than node_exporter, Prometheus headers): ${verdict(medianOk)}`);

    // Processes per scrape, counted by strace.
    const n = 50;
    const control = spawn(process.execPath, ['-e', "const cp=require('node:child_process');require('node:http').createServer((q,s)=>{cp.execFileSync('true');s.end('ok')}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})"], { stdio: ['ignore', 'pipe', 'ignore'] });
    const controlPort = await new Promise<number>((resolve) => control.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const spawnRows: (string | number)[][] = [];
    let spawnOk = false;
    try {
      const c = await countSpawns(control.pid!, () => scrapes(`http://127.0.0.1:${controlPort}/`, n, PLAIN_HEADERS));
      const h = await countSpawns(host.pid!, () => scrapes(hostUrl, n, PROMETHEUS_HEADERS));
      const e = await countSpawns(ne.pid!, () => scrapes(neUrl, n, PROMETHEUS_HEADERS));
      if (!c || !h || !e) console.log('\nprocesses per scrape: not measured (strace is not installed; apt-get install strace)');
      else {
        const row = (name: string, x: SpawnCount) => [name, x.processes / n, x.execs / n, x.threads / n];
        spawnRows.push(row('control: runs `true` per request', c), row('tickwatch host', h), row('node_exporter 1.5', e));
        table(`Tasks started per scrape (strace -f over ${n} scrapes each)`, ['traced process', 'processes/scrape', 'execve/scrape', 'threads/scrape'], spawnRows);
        if (c.processes < n) console.log(`warning: the control counted ${c.processes} processes for ${n} requests; the count may be low`);
        spawnOk = h.processes === 0 && h.execs === 0 && c.processes >= n;
        console.log(`processes per scrape target (0): ${verdict(spawnOk)}`);
      }
    } finally {
      await stop(control);
    }
    return medianOk && spawnOk;
  } finally {
    agent.destroy();
    await Promise.all([stop(ne), stop(host)]);
  }
}
