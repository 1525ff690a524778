/**
 * The ClickHouse exporter's collector module: the `/metrics` worker imports it and calls
 * {@link createCollectorSets} once, then reads every set once per scrape.
 *
 * Per scrape, all collectors' queries run at once within one round (see collector.ts): each under
 * the query timeout, all aborted as soon as the availability query fails or passes its own
 * timeout. The `scrape` report (errors counter, success and duration per collector) waits for the
 * round's queries, so it describes the same scrape. A failing collector yields no samples; its
 * error is logged once per new message, and counted every time.
 */
import { clickhouseScrapeCollectorDurationSeconds, clickhouseScrapeCollectorSuccess, clickhouseScrapeErrorsTotal } from '../../catalog/clickhouse.js';
import { toCollectorSets as toHarnessSets } from '../../instrument/collector.js';
import type { CollectorSet } from '../../instrument/view.js';
import { num, type Capabilities, type ClickHouseCollector, type Ping, type Round } from '../collector.js';
import { clickhouseSource, type ClickHouseConnection, type QuerySource } from '../source.js';
import { createAsynchronousMetricsCollector } from './asynchronous-metrics.js';
import { createAvailabilityCollector } from './availability.js';
import { createDisksCollector } from './disks.js';
import { createEventsCollector } from './events.js';
import { createMergesCollector } from './merges.js';
import { createMetricsCollector } from './metrics.js';
import { createMutationsCollector } from './mutations.js';
import { createPartsCollector } from './parts.js';
import { createQueryLogCollector, DEFAULT_QUERY_LOG_DELAY_SECONDS } from './query-log.js';

export { DEFAULT_QUERY_LOG_DELAY_SECONDS };

/** Default deadline of the availability query, in milliseconds. */
export const DEFAULT_PING_TIMEOUT_MS = 1000;
/** Default deadline of every other query, in milliseconds. */
export const DEFAULT_QUERY_TIMEOUT_MS = 2000;
/** How long the server's capabilities are trusted before they are probed again. */
const CAPABILITIES_TTL_MS = 5 * 60_000;

/** Options of the ClickHouse collectors (structured-cloneable: they travel to the worker). */
export interface ClickHouseCollectorOptions extends ClickHouseConnection {
  /** Deadline of the availability query (default 1000 ms). */
  readonly pingTimeoutMs?: number;
  /** Deadline of each other query (default 2000 ms). */
  readonly queryTimeoutMs?: number;
  /** ClickHouse's data path on this host, for disk space on servers without system.disks. */
  readonly dataPath?: string;
  /** Learn run-time metric names before serving (default true). */
  readonly discover?: boolean;
  /**
   * Seconds behind the server's clock the `query_log` collector reads system.query_log (default 15,
   * twice its default flush interval): raise it on a server with a longer `flush_interval_milliseconds`.
   */
  readonly queryLogDelaySeconds?: number;
}

/** Whether a URL points at this host. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Builds the nine collectors, in registration order. */
export function createClickHouseCollectors(o: ClickHouseCollectorOptions): ClickHouseCollector[] {
  return [
    createAvailabilityCollector(),
    createMetricsCollector(),
    createEventsCollector(),
    createAsynchronousMetricsCollector(),
    createPartsCollector(),
    createMergesCollector(),
    createMutationsCollector(),
    createDisksCollector({ dataPath: o.dataPath, local: isLoopbackUrl(o.url) }),
    createQueryLogCollector({ delaySeconds: o.queryLogDelaySeconds }),
  ];
}

const CAPABILITIES_SQL = `SELECT
  (SELECT count() FROM system.tables WHERE database = 'system' AND name = 'disks') AS disks,
  (SELECT count() FROM system.columns WHERE database = 'system' AND table = 'mutations' AND name = 'latest_fail_reason') AS fail_reason,
  (SELECT count() FROM system.settings WHERE name = 'system_events_show_zero_values') AS zero_events,
  (SELECT any(metadata_path) FROM system.tables WHERE database = 'system' AND metadata_path LIKE '%/metadata/%') AS metadata_path`;

/** Starts rounds, one per scrape (see collector.ts), and caches the server's capabilities across them. */
export class Rounds {
  private caps: { value: Promise<Capabilities>; at: number } | undefined;

  constructor(
    private readonly source: QuerySource,
    private readonly pingTimeoutMs: number,
    private readonly queryTimeoutMs: number,
  ) {}

  /** A new round: its availability query starts now. */
  start(): Round {
    const controller = new AbortController();
    const t0 = performance.now();
    const ping: Promise<Ping> = this.source.query<{ version: string; uptime: number | string }>('SELECT version() AS version, uptime() AS uptime', this.pingTimeoutMs).then(
      (rows) => ({ ok: true, version: rows[0]?.version, uptime: num(rows[0]?.uptime), seconds: (performance.now() - t0) / 1000 }),
      (err: unknown) => {
        const error = new Error(`ClickHouse unavailable: ${err instanceof Error ? err.message : String(err)}`);
        controller.abort(new Error(`skipped: ${error.message}`));
        return { ok: false, error, seconds: (performance.now() - t0) / 1000 };
      },
    );
    return {
      ping,
      signal: controller.signal,
      query: <T>(sql: string, settings?: Readonly<Record<string, string | number>>) => this.source.query<T>(sql, this.queryTimeoutMs, controller.signal, settings),
      capabilities: () => this.capabilities(controller.signal),
    };
  }

  private capabilities(signal: AbortSignal): Promise<Capabilities> {
    const now = Date.now();
    if (!this.caps || now - this.caps.at > CAPABILITIES_TTL_MS) {
      const value = this.source
        .query<{ disks: number | string; fail_reason: number | string; zero_events: number | string; metadata_path: string }>(CAPABILITIES_SQL, this.queryTimeoutMs, signal)
        .then((rows) => {
          const r = rows[0];
          const meta = r?.metadata_path ?? '';
          return { disks: num(r?.disks) > 0, mutationFailReason: num(r?.fail_reason) > 0, zeroEvents: num(r?.zero_events) > 0, dataPath: meta.includes('/metadata/') ? meta.slice(0, meta.indexOf('/metadata/') + 1) : '' };
        });
      const entry = { value, at: now };
      this.caps = entry;
      value.catch(() => {
        if (this.caps === entry) this.caps = undefined; // probe again next scrape
      });
    }
    return this.caps.value;
  }
}

/**
 * Wraps collectors into collector sets plus the `clickhouse.scrape` set (errors counter, success
 * and duration per collector for the same scrape), in the instrumentation core's harness: one round
 * per scrape; queries skipped because the server is unavailable are reported once per outage, not
 * per collector and scrape, until the availability query answers again.
 */
export function toCollectorSets(collectors: readonly ClickHouseCollector[], rounds: Rounds): CollectorSet[] {
  return toHarnessSets(collectors, {
    prefix: 'clickhouse',
    metrics: { success: clickhouseScrapeCollectorSuccess, duration: clickhouseScrapeCollectorDurationSeconds, errors: clickhouseScrapeErrorsTotal },
    context: () => rounds.start(),
    shared: (_err, round) => round.signal.aborted,
    recovered: (name, samples) => name === 'availability' && samples.error === undefined,
  });
}

/**
 * The worker's entry point (see `CollectorModule` in exporters/instrument/worker.ts). Learns the
 * server's current metric names first (bounded by the availability timeout; a down server just
 * means they are learned as they appear).
 * @param options - {@link ClickHouseCollectorOptions}
 */
export async function createCollectorSets(options: unknown): Promise<CollectorSet[]> {
  const o = options as ClickHouseCollectorOptions;
  const pingTimeoutMs = o.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  const queryTimeoutMs = o.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const source = clickhouseSource(o, Math.max(pingTimeoutMs, queryTimeoutMs));
  const collectors = createClickHouseCollectors(o);
  if (o.discover !== false) await Promise.allSettled(collectors.map((c) => c.discover?.(source, pingTimeoutMs)));
  return toCollectorSets(collectors, new Rounds(source, pingTimeoutMs, queryTimeoutMs));
}
