/**
 * ClickHouse metrics, exported by the ClickHouse exporter (`tickwatch clickhouse`, 127.0.0.1:9472).
 *
 * Two kinds of names:
 *
 * - `tickwatch_clickhouse_*`: ours. Availability (`tickwatch_clickhouse_up`), scrape errors, and
 *   what ClickHouse's own endpoint does not give: active parts per table and the most in one
 *   partition (ClickHouse refuses inserts past `parts_to_throw_insert`, 300 by default, per
 *   partition), running merges, pending and failing mutations, disk space, and query durations by
 *   kind from system.query_log (ClickHouse's own endpoint has only their totals, the
 *   `*QueryTimeMicroseconds` events of versions after 18.16: averages, no percentiles).
 * - The passthrough: every row of `system.metrics`, `system.events` and
 *   `system.asynchronous_metrics`, under the names ClickHouse's built-in Prometheus endpoint
 *   (`<prometheus>` in config.xml, ClickHouse 20.1+) gives them, so dashboards built on that
 *   endpoint work with either: `ClickHouseMetrics_<Metric>` (gauge),
 *   `ClickHouseProfileEvents_<Event>` (counter, no `_total` suffix: ClickHouse's endpoint has none)
 *   and `ClickHouseAsyncMetrics_<Metric>` (gauge), with characters outside `[a-zA-Z0-9_:]` replaced
 *   by `_` (`jemalloc.resident` becomes `ClickHouseAsyncMetrics_jemalloc_resident`), as ClickHouse's
 *   PrometheusMetricsWriter does. There are hundreds and they differ between server versions, so
 *   only the ones rules and dashboards use are listed here; {@link clickhousePassthroughDef} builds
 *   the definition of any other at run time. Rules and dashboards may only reference listed names.
 */
import { counter, decades, gauge, histogram, type LabelSpec, type MetricDef } from './types.js';

const domain = 'clickhouse';
const exportedBy = ['clickhouse'] as const;
const compat = 'clickhouse' as const;

/** The ClickHouse exporter's collectors: one per system-table family, plus the availability probe. */
export const CLICKHOUSE_COLLECTORS = ['availability', 'metrics', 'events', 'asynchronous_metrics', 'parts', 'merges', 'mutations', 'disks', 'query_log'] as const;

/**
 * Kinds of queries in `tickwatch_clickhouse_query_duration_seconds`: `insert`, `select` (a SELECT,
 * or a WITH ... SELECT), and `other` (DDL, ALTER, SYSTEM, SHOW, ...). From system.query_log's
 * `query_kind` where the server has it (21.x and later), else from the query text's first keyword.
 */
export const CLICKHOUSE_QUERY_KINDS = ['insert', 'select', 'other'] as const;

const collector = { collector: CLICKHOUSE_COLLECTORS } as const;
const tableLabels = { database: 'open', table: 'open' } as const;

// ---- availability and scrape self-report -----------------------------------------------------

/** Whether ClickHouse answered the availability query within its timeout on this scrape. */
export const clickhouseUp = gauge({
  name: 'tickwatch_clickhouse_up',
  help: 'Whether ClickHouse answered SELECT version() within the availability timeout on this scrape (1) or not (0).',
  unit: 'boolean',
  domain,
  exportedBy,
});

/** Failed or timed-out queries, per collector. */
export const clickhouseScrapeErrorsTotal = counter({
  name: 'tickwatch_clickhouse_scrape_errors_total',
  help: 'Queries to ClickHouse that failed or timed out during scrapes, by collector.',
  unit: 'count',
  labels: collector,
  domain,
  exportedBy,
});

/** Whether each collector's query succeeded on this scrape. */
export const clickhouseScrapeCollectorSuccess = gauge({
  name: 'tickwatch_clickhouse_scrape_collector_success',
  help: 'Whether a ClickHouse collector query succeeded on this scrape (1) or not (0).',
  unit: 'boolean',
  labels: collector,
  domain,
  exportedBy,
});

/** How long each collector's query took on this scrape. */
export const clickhouseScrapeCollectorDurationSeconds = gauge({
  name: 'tickwatch_clickhouse_scrape_collector_duration_seconds',
  help: 'Duration of a ClickHouse collector query on this scrape, in seconds (timeouts included).',
  unit: 'seconds',
  labels: collector,
  domain,
  exportedBy,
});

/** Server version. */
export const clickhouseBuildInfo = gauge({
  name: 'tickwatch_clickhouse_build_info',
  help: 'ClickHouse server version, from version(); always 1.',
  unit: 'info',
  labels: { version: 'open' },
  maxSeries: 5,
  domain,
  exportedBy,
});

/** Server uptime. */
export const clickhouseUptimeSeconds = gauge({
  name: 'tickwatch_clickhouse_uptime_seconds',
  help: 'Seconds since the ClickHouse server started, from uptime().',
  unit: 'seconds',
  domain,
  exportedBy,
});

// ---- system.parts, system.merges, system.mutations -------------------------------------------

/** Active data parts per table. */
export const clickhouseTableActiveParts = gauge({
  name: 'tickwatch_clickhouse_table_active_parts',
  help: 'Active data parts of a MergeTree table (system.parts, active = 1).',
  unit: 'count',
  labels: tableLabels,
  maxSeries: 5000,
  domain,
  exportedBy,
});

/** The most active parts in one partition of a table: what `parts_to_delay_insert`/`parts_to_throw_insert` compare with. */
export const clickhouseTablePartitionActivePartsMax = gauge({
  name: 'tickwatch_clickhouse_table_partition_active_parts_max',
  help: 'Most active data parts in any one partition of the table; inserts are delayed at parts_to_delay_insert (150) and refused at parts_to_throw_insert (300).',
  unit: 'count',
  labels: tableLabels,
  maxSeries: 5000,
  domain,
  exportedBy,
});

/** Rows in active parts. */
export const clickhouseTableRows = gauge({
  name: 'tickwatch_clickhouse_table_rows',
  help: 'Rows in the active data parts of a MergeTree table.',
  unit: 'rows',
  labels: tableLabels,
  maxSeries: 5000,
  domain,
  exportedBy,
});

/** Bytes on disk of active parts. */
export const clickhouseTableSizeBytes = gauge({
  name: 'tickwatch_clickhouse_table_size_bytes',
  help: 'Bytes on disk of the active data parts of a MergeTree table.',
  unit: 'bytes',
  labels: tableLabels,
  maxSeries: 5000,
  domain,
  exportedBy,
});

/** Merges in progress per table. */
export const clickhouseMergesRunning = gauge({
  name: 'tickwatch_clickhouse_merges_running',
  help: 'Merges (and mutations applied as merges) in progress on a table (system.merges).',
  unit: 'count',
  labels: tableLabels,
  maxSeries: 5000,
  domain,
  exportedBy,
});

/** Mutations not done yet per table. */
export const clickhouseMutationsPending = gauge({
  name: 'tickwatch_clickhouse_mutations_pending',
  help: 'Mutations (ALTER UPDATE/DELETE) of a table not done yet (system.mutations, is_done = 0).',
  unit: 'count',
  labels: tableLabels,
  maxSeries: 5000,
  domain,
  exportedBy,
});

/**
 * Pending mutations whose last attempt failed. Needs system.mutations.latest_fail_reason
 * (ClickHouse 19.x and later); a server without that column (Debian's 18.16) exports no series,
 * and a failing mutation there shows as one that stays pending (see
 * {@link clickhouseMutationOldestPendingTimeSeconds}).
 */
export const clickhouseMutationsFailed = gauge({
  name: 'tickwatch_clickhouse_mutations_failed',
  help: 'Pending mutations of a table whose latest attempt failed (latest_fail_reason is set).',
  unit: 'count',
  labels: tableLabels,
  maxSeries: 5000,
  domain,
  exportedBy,
});

/** Creation time of the oldest pending mutation per table. */
export const clickhouseMutationOldestPendingTimeSeconds = gauge({
  name: 'tickwatch_clickhouse_mutation_oldest_pending_time_seconds',
  help: 'Creation time of the oldest pending mutation of a table, since the Unix epoch in seconds.',
  unit: 'timestamp_seconds',
  labels: tableLabels,
  maxSeries: 5000,
  domain,
  exportedBy,
});

// ---- disks -----------------------------------------------------------------------------------

const diskLabels = { disk: 'open', path: 'open' } as const;

/** Free space on each disk ClickHouse stores data on. */
export const clickhouseDiskFreeBytes = gauge({
  name: 'tickwatch_clickhouse_disk_free_bytes',
  help: 'Space ClickHouse can still use on a disk, in bytes (system.disks free_space; statfs of the data path on servers without system.disks).',
  unit: 'bytes',
  labels: diskLabels,
  maxSeries: 100,
  domain,
  exportedBy,
});

/** Size of each disk. */
export const clickhouseDiskTotalBytes = gauge({
  name: 'tickwatch_clickhouse_disk_total_bytes',
  help: 'Size of a disk ClickHouse stores data on, in bytes (system.disks total_space, or statfs).',
  unit: 'bytes',
  labels: diskLabels,
  maxSeries: 100,
  domain,
  exportedBy,
});

// ---- system.query_log ------------------------------------------------------------------------

/**
 * Durations of the queries ClickHouse finished, by kind, read from system.query_log (finished
 * queries, `type` QueryFinish, initial queries only) by the `query_log` collector. The figure is the
 * server's own `query_duration_ms`: whole milliseconds from the query's start to its end on the
 * server (parsing, execution, and for an INSERT receiving and writing its data; not the network
 * before the query arrives). The buckets run from 1 ms to 50 s.
 *
 * Fed only while the server logs queries (`log_queries` = 1 in the profile of the users whose
 * queries should count; 0 by default on ClickHouse 18.16, 1 on current versions), see
 * {@link clickhouseQueryLogEnabled}. The exporter's own queries are left out (by their HTTP user
 * agent). Rows are read a delay behind the server's clock (`--query-log-delay`, 15 s by default,
 * twice query_log's default flush interval of 7.5 s), each finished second once, so a query is
 * counted once and the series run that delay behind real time; a row flushed later than the delay
 * is not counted.
 */
export const clickhouseQueryDurationSeconds = histogram({
  name: 'tickwatch_clickhouse_query_duration_seconds',
  help: "Duration of the queries ClickHouse finished, by kind (insert, select, other), from system.query_log's query_duration_ms (whole milliseconds); the exporter's own queries are left out.",
  unit: 'seconds',
  labels: { kind: CLICKHOUSE_QUERY_KINDS },
  buckets: decades(0.001, 50),
  domain,
  exportedBy,
});

/**
 * Whether {@link clickhouseQueryDurationSeconds} is fed: 1 when system.query_log exists and
 * `log_queries` is 1 for the exporter's own user (read from system.settings in its session: its
 * profile's value, which the recorder's user usually shares), 0 otherwise. On 0, set
 * `<log_queries>1</log_queries>` in the profile of the users whose queries should be measured (the
 * recorder's, the dashboards', and the exporter's so that this gauge can tell) in users.xml, or
 * `SET log_queries = 1` per session; ClickHouse creates system.query_log at its first flush.
 */
export const clickhouseQueryLogEnabled = gauge({
  name: 'tickwatch_clickhouse_query_log_enabled',
  help: "Whether system.query_log exists and log_queries is on for the exporter's user (1), so query durations are measured, or not (0: set log_queries to 1 in the users' profile).",
  unit: 'boolean',
  domain,
  exportedBy,
});

// ---- passthrough: the listed names -----------------------------------------------------------

/** The three passthrough families, by system table. */
export type PassthroughFamily = 'metrics' | 'events' | 'asynchronous_metrics';

/** Name prefix per family, as ClickHouse's built-in endpoint writes them. */
export const PASSTHROUGH_PREFIX: Readonly<Record<PassthroughFamily, string>> = {
  metrics: 'ClickHouseMetrics_',
  events: 'ClickHouseProfileEvents_',
  asynchronous_metrics: 'ClickHouseAsyncMetrics_',
};

const ev = <const N extends string>(name: N, help: string) => counter({ name, help, unit: 'count', domain, exportedBy, compat });
const cur = <const N extends string>(name: N, help: string, unit: 'count' | 'bytes' = 'count') => gauge({ name, help, unit, domain, exportedBy, compat });

/** Queries started (ProfileEvents Query). */
export const chEventsQuery = ev('ClickHouseProfileEvents_Query', 'Queries started to be interpreted and maybe executed (system.events Query).');
/** SELECT queries started. */
export const chEventsSelectQuery = ev('ClickHouseProfileEvents_SelectQuery', 'SELECT queries started (system.events SelectQuery).');
/** INSERT queries started. */
export const chEventsInsertQuery = ev('ClickHouseProfileEvents_InsertQuery', 'INSERT queries started (system.events InsertQuery).');
/** Failed queries. */
export const chEventsFailedQuery = ev('ClickHouseProfileEvents_FailedQuery', 'Queries that failed (system.events FailedQuery).');
/** Failed INSERT queries. */
export const chEventsFailedInsertQuery = ev('ClickHouseProfileEvents_FailedInsertQuery', 'INSERT queries that failed (system.events FailedInsertQuery).');
/** Rows inserted. */
export const chEventsInsertedRows = ev('ClickHouseProfileEvents_InsertedRows', 'Rows inserted into all tables (system.events InsertedRows).');
/** Bytes inserted (uncompressed). */
export const chEventsInsertedBytes = ev('ClickHouseProfileEvents_InsertedBytes', 'Uncompressed bytes inserted into all tables (system.events InsertedBytes).');
/** Inserts refused with "Too many parts". */
export const chEventsRejectedInserts = ev('ClickHouseProfileEvents_RejectedInserts', 'INSERTs into a MergeTree table refused with Too many parts because a partition has too many active parts (system.events RejectedInserts).');
/** Inserts throttled because of many parts. */
export const chEventsDelayedInserts = ev('ClickHouseProfileEvents_DelayedInserts', 'INSERTs into a MergeTree table throttled because a partition has many active parts (system.events DelayedInserts).');
/** Time inserts were throttled, in milliseconds (ClickHouse's unit, kept with its name). */
export const chEventsDelayedInsertsMilliseconds = ev('ClickHouseProfileEvents_DelayedInsertsMilliseconds', 'Milliseconds INSERTs spent throttled because of many active parts (system.events DelayedInsertsMilliseconds).');
/** Rows read for background merges. */
export const chEventsMergedRows = ev('ClickHouseProfileEvents_MergedRows', 'Rows read for background merges (system.events MergedRows).');

/** Queries executing. */
export const chMetricsQuery = cur('ClickHouseMetrics_Query', 'Queries executing now (system.metrics Query).');
/** Merges running. */
export const chMetricsMerge = cur('ClickHouseMetrics_Merge', 'Background merges running now (system.metrics Merge).');
/** Mutations running. */
export const chMetricsPartMutation = cur('ClickHouseMetrics_PartMutation', 'Mutations (ALTER DELETE/UPDATE) running now (system.metrics PartMutation).');
/** Inserts being throttled now. */
export const chMetricsDelayedInserts = cur('ClickHouseMetrics_DelayedInserts', 'INSERTs being throttled now because of many active parts (system.metrics DelayedInserts).');
/** Memory tracked by the server, bytes. */
export const chMetricsMemoryTracking = cur('ClickHouseMetrics_MemoryTracking', 'Memory allocated by the server and tracked by ClickHouse, in bytes (system.metrics MemoryTracking).', 'bytes');
/** Native-protocol connections. */
export const chMetricsTCPConnection = cur('ClickHouseMetrics_TCPConnection', 'Connections over the native TCP protocol (system.metrics TCPConnection).');
/** HTTP connections. */
export const chMetricsHTTPConnection = cur('ClickHouseMetrics_HTTPConnection', 'Connections over HTTP (system.metrics HTTPConnection).');
/** Replicas in read-only mode. */
export const chMetricsReadonlyReplica = cur('ClickHouseMetrics_ReadonlyReplica', 'Replicated tables in read-only mode, for example after losing ZooKeeper (system.metrics ReadonlyReplica).');

/** Most parts in one partition across all MergeTree tables, recomputed about once a minute. */
export const chAsyncMaxPartCountForPartition = cur('ClickHouseAsyncMetrics_MaxPartCountForPartition', 'Most active parts in one partition across all MergeTree tables (system.asynchronous_metrics, refreshed about once a minute).');
/** Server uptime as the asynchronous metrics see it. */
export const chAsyncUptime = cur('ClickHouseAsyncMetrics_Uptime', 'Server uptime in seconds (system.asynchronous_metrics Uptime).');

const LISTED: ReadonlyMap<string, MetricDef> = new Map(
  [
    chEventsQuery,
    chEventsSelectQuery,
    chEventsInsertQuery,
    chEventsFailedQuery,
    chEventsFailedInsertQuery,
    chEventsInsertedRows,
    chEventsInsertedBytes,
    chEventsRejectedInserts,
    chEventsDelayedInserts,
    chEventsDelayedInsertsMilliseconds,
    chEventsMergedRows,
    chMetricsQuery,
    chMetricsMerge,
    chMetricsPartMutation,
    chMetricsDelayedInserts,
    chMetricsMemoryTracking,
    chMetricsTCPConnection,
    chMetricsHTTPConnection,
    chMetricsReadonlyReplica,
    chAsyncMaxPartCountForPartition,
    chAsyncUptime,
  ].map((d) => [d.name, d as MetricDef]),
);

/** The listed passthrough definitions (served even before ClickHouse has a row for them). */
export function listedPassthroughDefs(family: PassthroughFamily): MetricDef[] {
  return [...LISTED.values()].filter((d) => d.name.startsWith(PASSTHROUGH_PREFIX[family]));
}

/**
 * The exposed name of a system-table row, as ClickHouse's built-in endpoint writes it: characters
 * outside `[a-zA-Z0-9_:]` become `_`; for metrics and events, leading characters that are not
 * letters are dropped from the row's name first.
 * @returns the name, or undefined when nothing is left of it
 */
export function clickhousePassthroughName(family: PassthroughFamily, row: string): string | undefined {
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_:]/g, '_');
  if (family === 'asynchronous_metrics') {
    const key = clean(PASSTHROUGH_PREFIX[family] + row);
    return key === PASSTHROUGH_PREFIX[family] ? undefined : key;
  }
  const name = clean(row).replace(/^[^a-zA-Z]*/, '');
  return name ? PASSTHROUGH_PREFIX[family] + name : undefined;
}

/**
 * The definition of a passthrough row: the listed one when there is one, otherwise a definition
 * made now (events are counters, the others gauges; help from ClickHouse's description when the
 * server has one).
 * @param row - the row's `metric`/`event` name as the system table writes it
 * @param description - the row's description, when the server has that column
 * @returns undefined when the name is empty after cleaning
 */
export function clickhousePassthroughDef(family: PassthroughFamily, row: string, description?: string): MetricDef<string, 'counter' | 'gauge', LabelSpec> | undefined {
  const name = clickhousePassthroughName(family, row);
  if (!name) return undefined;
  const listed = LISTED.get(name);
  if (listed) return listed as MetricDef<string, 'counter' | 'gauge', LabelSpec>;
  const table = family === 'events' ? 'system.events' : `system.${family}`;
  let help = (description ?? '').replace(/\s+/g, ' ').trim();
  help = help.length >= 10 ? `${help.replace(/[.\s]+$/, '')} (${table} ${row}).` : `ClickHouse ${table} row ${row}, under the built-in endpoint's name.`;
  const def = { name, help, unit: 'count' as const, domain, exportedBy, compat };
  return family === 'events' ? counter(def) : gauge(def);
}
