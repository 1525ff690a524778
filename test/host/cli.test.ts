/**
 * The host exporter as a user runs it: `tickwatch host` on its own, and beside the HFT exporter in
 * `tickwatch start` (what `npm start` runs), each in a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { countSpawns } from '../../scripts/bench/host.js';
import { tempDir } from '../helpers/env.js';
import { valueOf } from '../helpers/exposition.js';
import { freePort, waitForHttp } from '../../scripts/lib/net.js';
import { scrape } from './support.js';

const CLI = fileURLToPath(new URL('../../scripts/tickwatch.mjs', import.meta.url));
/** The ClickHouse exporter's deadlines in the start test: a scrape that waited one out would take this long. */
const DEADLINE_MS = 20_000;
const children: ChildProcess[] = [];

function run(args: string[]): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, TICKWATCH_LOG_LEVEL: 'warn' };
  delete env.TICKWATCH_CLICKHOUSE_URL;
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  children.push(child);
  return { child, output: () => out };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

afterEach(async () => {
  await Promise.all(children.splice(0).map(stop));
});

describe('tickwatch host', () => {
  it('serves host and configured-process metrics, spawns no process while scraped, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const { child, output } = run(['host', '--port', String(port), '--process', `me=tickwatch\\.mjs host --port ${port}`, '--process', 'absent-engine']);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/-/ready`);
    const { samples } = await scrape(url);
    expect(valueOf(samples, 'tickwatch_host_processes', { name: 'me' })).toBe(1);
    expect(valueOf(samples, 'tickwatch_host_processes', { name: 'absent-engine' })).toBe(0);
    expect(valueOf(samples, 'tickwatch_host_process_resident_memory_bytes', { name: 'me' })).toBeGreaterThan(10e6);
    expect(valueOf(samples, 'node_scrape_collector_success', { collector: 'cpu' })).toBe(1);
    expect(samples.filter((s) => s.name === 'node_cpu_seconds_total').length).toBeGreaterThanOrEqual(8);
    const counts = await countSpawns(child.pid!, async () => {
      for (let i = 0; i < 20; i++) await scrape(url);
    });
    if (counts) expect(counts, 'tasks the exporter created during 20 scrapes (strace)').toEqual({ processes: 0, execs: 0, threads: 0 });
    else console.log('strace missing: process count not checked here (see npm run bench -- host)');
    expect(await stop(child), output()).toBe(0);
  });

  it('refuses a bad --process spec with a clear message', async () => {
    const { child, output } = run(['host', '--port', '0', '--process', 'two words']);
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).not.toBe(0);
    expect(output()).toMatch(/name must be a word/);
  });
});

describe('tickwatch start', () => {
  it('runs the host exporter beside the HFT exporter, and the ClickHouse exporter given a URL; --no-host and no URL leave them out', async () => {
    const dir = tempDir();
    const [port, tcp, hostPort, chPort, nobody] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const { child, output } = run(['start', '--port', String(port), '--tcp', `127.0.0.1:${tcp}`, '--data-dir', dir, '--host-port', String(hostPort), '--no-recorder', '--clickhouse-url', `http://127.0.0.1:${nobody}`, '--clickhouse-port', String(chPort), '--clickhouse-ping-timeout', String(DEADLINE_MS), '--clickhouse-query-timeout', String(DEADLINE_MS)]);
    const host = `http://127.0.0.1:${hostPort}`;
    await waitForHttp(`${host}/-/ready`, 30_000);
    await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 30_000);
    let engine = 0;
    for (let i = 0; i < 40 && engine === 0; i++) {
      engine = valueOf((await scrape(host)).samples, 'tickwatch_host_processes', { name: 'engine' });
      if (engine === 0) await new Promise((r) => setTimeout(r, 250));
    }
    const { samples } = await scrape(host);
    // At least: another `tickwatch start` on this machine would be counted too.
    expect(engine, output()).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'tickwatch_host_processes', { name: 'tickwatch' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'node_boot_time_seconds')).toBeGreaterThan(1e9);
    expect(output()).toContain(`host exporter running. Scrape ${host}/metrics`);
    // Nothing listens at the ClickHouse URL: the exporter runs and says so without waiting out its
    // deadlines (a refused connection is an answer; a scrape that took the deadline would hang).
    const ch = `http://127.0.0.1:${chPort}`;
    await waitForHttp(`${ch}/-/ready`, 30_000);
    const t0 = performance.now();
    const chSamples = (await scrape(ch)).samples;
    expect(performance.now() - t0).toBeLessThan(DEADLINE_MS);
    expect(valueOf(chSamples, 'tickwatch_clickhouse_up')).toBe(0);
    expect(await stop(child), output()).toBe(0);

    const [port2, tcp2, hostPort2] = await Promise.all([freePort(), freePort(), freePort()]);
    const second = run(['start', '--port', String(port2), '--tcp', `127.0.0.1:${tcp2}`, '--data-dir', tempDir(), '--host-port', String(hostPort2), '--no-recorder', '--no-host', '--no-simulator']);
    await waitForHttp(`http://127.0.0.1:${port2}/-/ready`, 30_000);
    const refused = (u: string) =>
      fetch(u).then(
        () => false,
        () => true,
      );
    expect(await refused(`http://127.0.0.1:${hostPort2}/metrics`), second.output()).toBe(true);
    expect(second.output()).not.toContain('ClickHouse exporter running');
    expect(await stop(second.child), second.output()).toBe(0);
  });
});
