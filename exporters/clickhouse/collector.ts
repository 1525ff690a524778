/**
 * What the ClickHouse collectors share: the per-scrape round (one availability query, and an abort
 * for everything else when it fails), the server's capabilities, and the collector shape.
 *
 * The harness starts a round with the first collector the `/metrics` worker calls in a scrape and
 * gives it to every collector of the same scrape. Its availability query runs under the
 * availability timeout; when that query fails, the round's signal aborts every other query at once,
 * so a down or hung server costs one availability timeout per scrape, not one query timeout per
 * collector.
 */
import type { CLICKHOUSE_COLLECTORS } from '../catalog/clickhouse.js';
import type { Collector } from '../instrument/collector.js';
import type { QuerySource } from './source.js';

/** A ClickHouse collector's name (the `collector` label value). */
export type ClickHouseCollectorName = (typeof CLICKHOUSE_COLLECTORS)[number];

/** What the availability query returned. */
export interface Ping {
  readonly ok: boolean;
  readonly version?: string;
  readonly uptime?: number;
  readonly error?: Error;
  readonly seconds: number;
}

/** What the server has (Debian's 18.16 lacks most of these). */
export interface Capabilities {
  /** system.disks exists (19.15+). */
  readonly disks: boolean;
  /** system.mutations.latest_fail_reason exists (19.x+). */
  readonly mutationFailReason: boolean;
  /** The `system_events_show_zero_values` setting exists (zero events are listed with it). */
  readonly zeroEvents: boolean;
  /** The server's data path as seen from a system table's metadata path, '' when unknown. */
  readonly dataPath: string;
}

/** One scrape's view of the server. */
export interface Round {
  /** The availability query's outcome. */
  readonly ping: Promise<Ping>;
  /** Aborted when the availability query fails. */
  readonly signal: AbortSignal;
  /**
   * Runs a query of this round under the query timeout.
   * @throws Error on failure, timeout or abort
   */
  query<T>(sql: string, settings?: Readonly<Record<string, string | number>>): Promise<T[]>;
  /** The server's capabilities (probed once, cached for five minutes). */
  capabilities(): Promise<Capabilities>;
}

/**
 * One ClickHouse collector, in the instrumentation core's harness (exporters/instrument/collector.ts):
 * `collect(round)` reads its system table(s) in this scrape's round and throws when its query fails
 * (the scrape reports success 0 and counts an error).
 */
export interface ClickHouseCollector extends Collector<Round> {
  readonly name: ClickHouseCollectorName;
  /** Learns run-time names before the first scrape (best effort). */
  discover?(source: QuerySource, timeoutMs: number): Promise<void>;
}

/** Numbers in JSONEachRow: 64-bit integers arrive quoted. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}
