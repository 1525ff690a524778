/**
 * The ClickHouse exporter: availability, scrape errors, ClickHouse's own metrics under the names
 * of its built-in Prometheus endpoint, parts, merges, mutations, disk space and query durations by
 * kind (from system.query_log), served on
 * 127.0.0.1:9472 by the instrumentation core's `/metrics` worker. Every query runs in that worker
 * at scrape time, under a hard deadline (see collectors/index.ts and source.ts).
 */
import { PORTS } from '../catalog/jobs.js';
import { MetricRegistry } from '../instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../instrument/server.js';
import { logRefusal, type WebAccess, type WebRefusal } from '../instrument/web/server.js';
import type { Logging } from '../lib/log.js';
import { DEFAULT_PING_TIMEOUT_MS, DEFAULT_QUERY_LOG_DELAY_SECONDS, DEFAULT_QUERY_TIMEOUT_MS, type ClickHouseCollectorOptions } from './collectors/index.js';

/** Configuration of the ClickHouse exporter. */
export interface ClickHouseExporterConfig extends ClickHouseCollectorOptions {
  /** `/metrics` address; default 127.0.0.1. */
  readonly host?: string;
  /** `/metrics` port; default 9472; 0 picks a free one. */
  readonly port?: number;
  /** The web configuration of `/metrics` (`--web.config.file`: TLS, basic auth; instrument/web/); absent: plain HTTP. */
  readonly web?: WebAccess;
  /**
   * Told about each refusal of `/metrics` (already counted and logged). `tickwatch start` records
   * the audited ones as security events; alone, the exporter only logs them. Must not throw.
   */
  readonly onWebRefusal?: (r: WebRefusal) => void;
}

/** A running ClickHouse exporter. */
export interface ClickHouseExporter {
  readonly metrics: MetricsServer;
  /** Stops the `/metrics` worker (and with it the ClickHouse connections). */
  close(): Promise<void>;
}

const COLLECTORS_URL = new URL(import.meta.url.endsWith('.ts') ? './collectors/index.ts' : './collectors/index.js', import.meta.url);

/**
 * Checks the configuration.
 * @throws Error naming the problem: a URL that is not http(s), a non-positive timeout, a negative
 *   or fractional query_log delay
 */
export function validateClickHouseConfig(cfg: ClickHouseCollectorOptions): void {
  let u: URL;
  try {
    u = new URL(cfg.url);
  } catch {
    throw new Error(`ClickHouse URL '${cfg.url}' is not a URL (e.g. http://127.0.0.1:8123)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`ClickHouse URL '${cfg.url}': use ClickHouse's HTTP interface (http:// or https://)`);
  for (const [k, v] of [
    ['pingTimeoutMs', cfg.pingTimeoutMs],
    ['queryTimeoutMs', cfg.queryTimeoutMs],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`${k} must be a positive integer of milliseconds`);
  }
  const delay = cfg.queryLogDelaySeconds;
  if (delay !== undefined && !(Number.isInteger(delay) && delay >= 0)) throw new Error('queryLogDelaySeconds must be a whole number of seconds, 0 or more');
}

/**
 * Starts the ClickHouse exporter. It starts whether or not ClickHouse is up: availability is what
 * it reports.
 * @throws Error when the configuration is invalid or the address cannot be bound
 */
export async function startClickHouseExporter(cfg: ClickHouseExporterConfig, logging?: Logging): Promise<ClickHouseExporter> {
  const { host, port, web, onWebRefusal, ...collectorOptions } = cfg;
  validateClickHouseConfig(collectorOptions);
  const log = logging?.logger('clickhouse');
  const reg = new MetricRegistry({ slotsPerSegment: 1024, maxSlots: 1 << 16 });
  const metrics = await startMetricsServer(reg, {
    host: host ?? '127.0.0.1',
    port: port ?? PORTS.clickhouse,
    service: 'tickwatch-clickhouse',
    collectorModules: [{ url: COLLECTORS_URL.href, options: collectorOptions }],
    // ClickHouse's own endpoint serves Prometheus text only; so do we, or OpenMetrics (which
    // Prometheus asks for first) would store every ClickHouseProfileEvents_* counter as ..._total,
    // a name no rule, dashboard or community query uses.
    openMetrics: false,
    onProblem: (message) => (log ? log.warn('clickhouse.collector_problem', message) : process.stderr.write(`tickwatch clickhouse: ${message}\n`)),
    web,
    onRefusal: (r) => (logRefusal(log, r), onWebRefusal?.(r)),
  });
  metrics.setReady(true);
  log?.info('clickhouse.started', `ClickHouse exporter serving ${metrics.url}/metrics for ${cfg.url}.`, {
    url: metrics.url,
    clickhouse: cfg.url,
    ping_timeout_ms: cfg.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS,
    query_timeout_ms: cfg.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    query_log_delay_seconds: cfg.queryLogDelaySeconds ?? DEFAULT_QUERY_LOG_DELAY_SECONDS,
  });
  return { metrics, close: () => metrics.close() };
}
