/**
 * Starts a real VictoriaMetrics single node (Debian's `victoria-metrics` 1.79, `/usr/bin/victoria-metrics`;
 * scripts/setup.sh installs it, and does not start the package's service) on a free loopback port
 * with its data under a temp folder, for tests. Its flags are the HA pair's
 * ({@link victoriaMetricsFlags}: deduplication, retention) plus two for tests: results of the last
 * second are visible at once (`-search.latencyOffset=1s`, default 30 s) and no response cache
 * (`-search.disableCache`), so a query right after a write sees it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { victoriaMetricsFlags, VICTORIA_METRICS_RETENTION, VICTORIA_METRICS_WRITE_PATH } from '../../prometheus/victoria-metrics.js';
import { freePort, waitForHttp } from '../../scripts/lib/net.js';
import { signalAndWait } from '../../scripts/lib/process.js';

/** The binary Debian's package installs. */
export const VICTORIA_METRICS_BIN = 'victoria-metrics';

/** One series of a query_range answer: its labels and `[unix seconds, value]` points. */
export interface RangeSeries {
  readonly metric: Record<string, string>;
  readonly values: [number, string][];
}

/** One series of `/api/v1/export`: raw samples as stored (after deduplication). */
export interface ExportedSeries {
  readonly metric: Record<string, string>;
  readonly values: number[];
  /** Unix milliseconds. */
  readonly timestamps: number[];
}

/** A running VictoriaMetrics. */
export interface VictoriaMetrics {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Where Prometheus' remote_write posts: `<url>/api/v1/write`. */
  readonly writeUrl: string;
  /**
   * Instant query (PromQL, answered as MetricsQL) at now.
   * @throws Error with VictoriaMetrics' message when it refuses the query
   */
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /**
   * Range query; `start`/`end` in unix seconds, `step` in seconds.
   * @throws Error with VictoriaMetrics' message when it refuses the query
   */
  queryRange(q: string, start: number, end: number, step: number): Promise<RangeSeries[]>;
  /** The raw samples of the series `match` selects between `start` and `end` (unix seconds). */
  exportRaw(match: string, start: number, end: number): Promise<ExportedSeries[]>;
  /** Stops it (SIGTERM) and removes its data. */
  stop(): Promise<void>;
  /** Everything it printed, for failure messages. */
  output(): string;
}

/** Options of {@link startVictoriaMetrics}. */
export interface StartVictoriaMetricsOptions {
  /** `-dedup.minScrapeInterval` (`1s`). */
  readonly dedupInterval: string;
  /** `-retentionPeriod`; default {@link VICTORIA_METRICS_RETENTION}. */
  readonly retention?: string;
}

/** GET a JSON API of VictoriaMetrics, failing with its message when it says `error`. */
async function api<T>(url: string, what: string): Promise<T> {
  const r = await fetch(url);
  const body = (await r.json()) as { status: string; error?: string; data: T };
  if (body.status !== 'success') throw new Error(`victoria-metrics ${what}: ${body.error ?? r.status}`);
  return body.data;
}

/**
 * Starts VictoriaMetrics and waits until `/health` answers.
 * @throws Error when the binary is missing (naming scripts/setup.sh), or it exits or does not answer within 30 s (with its output)
 */
export async function startVictoriaMetrics(o: StartVictoriaMetricsOptions): Promise<VictoriaMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'tickwatch-vm-'));
  const port = await freePort();
  let out = '';
  const child: ChildProcess = spawn(
    VICTORIA_METRICS_BIN,
    [
      ...victoriaMetricsFlags({ dataDir: join(dir, 'data'), listen: `127.0.0.1:${port}`, dedupInterval: o.dedupInterval, retention: o.retention ?? VICTORIA_METRICS_RETENTION }),
      '-search.latencyOffset=1s',
      '-search.disableCache',
      '-loggerLevel=WARN',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health`, 30_000, { child, name: 'victoria-metrics', output: () => out });
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    writeUrl: `${url}${VICTORIA_METRICS_WRITE_PATH}`,
    output: () => out,
    query: (q) => api(`${url}/api/v1/query?query=${encodeURIComponent(q)}`, `query ${q}`).then((d) => (d as { result: { metric: Record<string, string>; value: [number, string] }[] }).result),
    queryRange: (q, start, end, step) =>
      api(`${url}/api/v1/query_range?query=${encodeURIComponent(q)}&start=${start}&end=${end}&step=${step}`, `query_range ${q}`).then((d) => (d as { result: RangeSeries[] }).result),
    async exportRaw(match, start, end) {
      const r = await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(match)}&start=${start}&end=${end}`);
      if (!r.ok) throw new Error(`victoria-metrics export ${match}: ${r.status} ${await r.text()}`);
      // One JSON object per line.
      return (await r.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ExportedSeries);
    },
    async stop() {
      await signalAndWait(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
