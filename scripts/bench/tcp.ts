/**
 * The TCP ingest under a slow-client load (issue 16, "How we will know": "1,000 idle TCP connections
 * and a client sending one byte a second leave ingest from a well-behaved client unaffected
 * (throughput within 10 % of the unloaded figure in the same run)"). One well-behaved client sends
 * {@link LINES} lines over loopback into the real TCP ingest (`exporters/ingest/tcp.ts`, its default
 * idle time-out and sweep) and the pipeline, without and with the load; rounds alternate which
 * condition runs first, so a drift of the shared machine's load favours neither. The functional side
 * (every line arrives, the load is capped and closed by the idle time-out) is
 * `test/ingest/tcp.test.ts`; timed figures live here, not in unit tests.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PerformanceObserver } from 'node:perf_hooks';
import { DeadLetterFile } from '../../exporters/ingest/deadletter.js';
import { IngestPipeline } from '../../exporters/ingest/pipeline.js';
import { startTcpIngest, type TcpIngest } from '../../exporters/ingest/tcp.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { createLogging } from '../../exporters/lib/log.js';
import { median, table, verdict } from './measure.js';

/** Lines the well-behaved client sends per run (one `feed.tick` each, ~170 bytes): about a second per run here, long enough that a burst of other work on the shared machine is averaged in rather than decisive (200,000-line runs, 0.4 s, varied from 300,000 to 570,000 lines/s within one bench). */
export const LINES = 500_000;
/** Rounds: each has one unloaded and one loaded run; the table shows medians and the median of the rounds' own ratios. */
export const ROUNDS = 5;
/** Idle connections of the load (the figure). */
export const IDLE_CONNECTIONS = 1000;
/** The bar: loaded throughput at least 90 % of the unloaded figure. */
export const TARGET_RATIO = 0.9;
/**
 * Wait before each timed run, ms, in both conditions: the load is there in its steady state (two
 * idle sweeps and two trickled bytes have passed), not being set up or torn down while the client
 * sends (setting up 1,000 sockets just before the run cost the first version 25 %).
 */
export const SETTLE_MS = 2000;

const line = (i: number): string =>
  JSON.stringify({ ts: '2026-11-23T01:00:00.000000001Z', level: 'info', component: 'market_data', event: 'feed.tick', feed: 'twse-md', latency_ns: 1000 + (i % 977) });

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench tcp: ${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One timed run: the well-behaved client's lines per second, and milliseconds of garbage collection during it. */
interface Run {
  readonly rate: number;
  readonly gcMs: number;
}

/** The load: {@link IDLE_CONNECTIONS} connections that send nothing, and one that sends a byte a second, never ending a line. */
interface Load {
  stop(): Promise<void>;
}

/**
 * The load's own process (as hostile or broken clients are other processes): connects the idle
 * sockets 100 at a time and the trickler, prints `ready`, and holds them until killed.
 */
const LOAD_SCRIPT = `
const net = require('node:net');
const [port, n] = process.argv.slice(1).map(Number);
const open = () => new Promise((ok, fail) => { const s = net.connect(port, '127.0.0.1', () => ok(s)); s.once('error', fail); });
(async () => {
  const all = [];
  for (let i = 0; i < n; i += 100) all.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, open))));
  const slow = await open();
  slow.write('{');
  setInterval(() => slow.write('"'), 1000);
  process.stdout.write('ready\\n');
})().catch((e) => { console.error(e); process.exit(1); });
`;

async function startLoad(tcp: TcpIngest): Promise<Load> {
  const child = spawn(process.execPath, ['-e', LOAD_SCRIPT, String(tcp.port), String(IDLE_CONNECTIONS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`bench tcp: the load process exited (${code}) before it was ready`)));
  });
  await until(() => tcp.connections === IDLE_CONNECTIONS + 1, 'the load connected');
  return {
    async stop() {
      // Still all open: the default idle time-out (60 s) has not passed, so the load really was there.
      if (tcp.connections !== IDLE_CONNECTIONS + 1) throw new Error(`bench tcp: ${tcp.connections} connections open at the end of a loaded run, expected ${IDLE_CONNECTIONS + 1}`);
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL');
      await exited;
      await until(() => tcp.connections === 0, 'the load closed');
    },
  };
}

/**
 * Runs the TCP ingest benchmark and prints its table: the well-behaved client's lines per second
 * unloaded and under the load (medians of {@link ROUNDS}), and the median of each round's loaded /
 * unloaded ratio against {@link TARGET_RATIO}.
 * @returns whether the median ratio meets the target
 * @throws Error when a line is lost or rejected, or the load does not connect or stay connected
 */
export async function benchTcp(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'tickwatch-bench-tcp-'));
  const registry = new MetricRegistry();
  const logging = createLogging({ service: 'bench', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const pipeline = new IngestPipeline({ registry, deadLetter: new DeadLetterFile(join(dir, 'dead.ndjson')), log: logging.logger('ingest'), consumers: [] });
  // Room for the load and the client; no line-rate cap on the well-behaved client (it would be the figure measured).
  const tcp = await startTcpIngest(pipeline, { port: 0, registry, maxConnections: IDLE_CONNECTIONS + 10, maxLinesPerSecond: 1e9 }, logging.logger('ingest'));
  const payload = Buffer.from(Array.from({ length: LINES }, (_, i) => `${line(i)}\n`).join(''));
  // Garbage collection during each timed run (ms), printed beside the runs: where a loaded run's time goes.
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  /** One well-behaved client sends LINES lines; lines per second until the pipeline has accepted all. */
  const measure = async (): Promise<Run> => {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const open = tcp.connections;
    const s = await client(tcp.port);
    const before = pipeline.accepted;
    const gc0 = gcMs;
    const t0 = process.hrtime.bigint();
    s.write(payload);
    await until(() => pipeline.accepted - before === LINES, 'every line accepted');
    const rate = LINES / (Number(process.hrtime.bigint() - t0) / 1e9);
    // Entries arrive asynchronously: let this run's be delivered before reading.
    await new Promise((r) => setImmediate(r));
    const gcRun = gcMs - gc0;
    s.destroy();
    await until(() => tcp.connections === open, 'the client closed');
    return { rate, gcMs: gcRun };
  };
  const loadedRun = async (): Promise<Run> => {
    const load = await startLoad(tcp);
    const rate = await measure();
    await load.stop();
    return rate;
  };
  try {
    await measure(); // warm-up (JIT)
    const unloadedRuns: Run[] = [];
    const loadedRuns: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        unloadedRuns.push(await measure());
        loadedRuns.push(await loadedRun());
      } else {
        loadedRuns.push(await loadedRun());
        unloadedRuns.push(await measure());
      }
    }
    const unloaded = unloadedRuns.map((r) => r.rate);
    const loaded = loadedRuns.map((r) => r.rate);
    if (pipeline.rejected !== 0) throw new Error(`bench tcp: ${pipeline.rejected} lines rejected`);
    const u = median(unloaded);
    const l = median(loaded);
    const ratios = loaded.map((x, i) => x / unloaded[i]!);
    const ratio = median(ratios);
    const ok = ratio >= TARGET_RATIO;
    const runs = (xs: Run[]) => xs.map((x) => `${Math.round(x.rate).toLocaleString('en')} (GC ${Math.round(x.gcMs)} ms)`).join(', ');
    table(
      `TCP ingest over loopback: one well-behaved client, ${LINES.toLocaleString('en')} lines per run, ${ROUNDS} rounds alternating which runs first (medians)`,
      ['condition', 'lines/s', 'vs unloaded', 'target'],
      [
        ['TCP ingest unloaded', Math.round(u), '1.00x', 'baseline'],
        [`TCP ingest with ${IDLE_CONNECTIONS.toLocaleString('en')} idle + 1 byte/s client`, Math.round(l), `${ratio.toFixed(2)}x`, `>= ${TARGET_RATIO}x (median of the rounds' ratios): ${verdict(ok)}`],
      ],
    );
    console.log(`runs, lines/s (garbage collection during the run): unloaded ${runs(unloadedRuns)}; loaded ${runs(loadedRuns)}; each round's ratio ${ratios.map((x) => x.toFixed(2)).join(', ')}`);
    return ok;
  } finally {
    gc.disconnect();
    await tcp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
