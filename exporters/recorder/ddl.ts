/**
 * The DDL each store gets from the table definitions of exporters/catalog/tables.ts: DuckDB (the
 * embedded default), ClickHouse (23.8 LTS or newer, and Debian's 18.16 as `legacy`), a replicated
 * ClickHouse cluster (`ReplicatedMergeTree` tables under a `Distributed` table, `ON CLUSTER`; either
 * version) and PostgreSQL (every table of tables.ts, plus seed 002's log tables and the batch
 * ledger), and the columns an older database may gain in place.
 */
import { type Column, columnsOf, type ColumnType, DEFAULT_RETENTION, hasChainProjection, orderByClause, type RetentionDays, type SkipIndex, type TableDef } from '../catalog/tables.js';
import { keptDays, type TierPolicy } from '../catalog/retention.js';

/** DuckDB's type of each column type (nullable; `ts_ns` is NOT NULL in the DDL). */
export const DUCKDB_TYPES: Readonly<Record<ColumnType, string>> = { ts_ns: 'BIGINT', string: 'VARCHAR', lowcard: 'VARCHAR', float: 'DOUBLE', int: 'BIGINT' };
const DUCK: Record<ColumnType, string> = { ...DUCKDB_TYPES, ts_ns: 'BIGINT NOT NULL' };

/**
 * DuckDB DDL for one table (embedded store).
 * @param name - the table to create (default the table's own; `<table>_archive` for its archive tier)
 */
export function duckdbDDL(t: TableDef, name: string = t.name): string {
  const cols = columnsOf(t).map((c) => `  ${c.name} ${DUCK[c.type]}${c.required && c.type !== 'ts_ns' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${name} (\n${cols.join(',\n')}\n)`;
}

/** ClickHouse's type of each column type (nullable; the DDL drops `Nullable` for required columns). */
export const CLICKHOUSE_TYPES: Readonly<Record<ColumnType, string>> = {
  ts_ns: "DateTime64(9, 'UTC')",
  string: 'Nullable(String)',
  lowcard: 'LowCardinality(Nullable(String))',
  float: 'Nullable(Float64)',
  int: 'Nullable(Int64)',
};

/** A ClickHouse storage policy name as tickwatch accepts it. */
const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A sorting-key expression that is a bare column name. */
const BARE = /^[a-z_][a-z0-9_]*$/;

/**
 * The TTL clause of a table on ClickHouse (23.8 LTS or newer) from its retention policy
 * (catalog/retention.ts), or null for none:
 *
 * - the archive tier, when the policy has one and the table's storage policy has a volume named
 *   `archive` (`archiveVolume`): `toDateTime(ts) + INTERVAL <activeDays> DAY TO VOLUME 'archive'`;
 *   without such a volume the rows stay where they are until deleted;
 * - the delete, at `archiveDays ?? activeDays`: `toDateTime(ts) + INTERVAL <days> DAY DELETE`,
 *   except on a hash-chained table: a TTL delete would cut its chain with no checkpoint, and
 *   `audit verify` would find the oldest rows gone. The clean-up job (recorder/cleanup.ts) deletes
 *   a chained table's rows past the same period instead, after writing a signed checkpoint of the
 *   cut (`ALTER TABLE ... DELETE WHERE chain_seq <= n`).
 *
 * Debian's ClickHouse 18.16 has no TTL at all (TTL came with 19.6, storage policies with 19.15): its
 * legacy DDL (stores/clickhouse.ts) has none, and the clean-up job deletes every table's rows
 * past their period there.
 */
export function clickhouseTtl(t: TableDef, policy: TierPolicy, archiveVolume = false): string | null {
  const parts: string[] = [];
  if (archiveVolume && policy.archiveDays !== null) parts.push(`toDateTime(ts) + INTERVAL ${policy.activeDays} DAY TO VOLUME 'archive'`);
  if (!t.chained) parts.push(`toDateTime(ts) + INTERVAL ${keptDays(policy)} DAY DELETE`);
  return parts.length ? `TTL ${parts.join(', ')}` : null;
}

/**
 * ClickHouse DDL (23.8 LTS or newer) for one table: MergeTree, monthly partitions, sorted as the
 * table's {@link ClickHouseLayout} says, a bloom filter on `correlation_id` and the layout's
 * data-skipping indexes, TTL from `retention` ({@link clickhouseTtl}: a table's
 * policy, or days per retention class, as a policy without an archive tier), and a deduplication window so a retried insert with
 * the same `insert_deduplication_token` is not written twice. A chained table sorted by another key
 * also gets a projection sorted by `chain_seq`, so `audit verify` reads each range of the chain
 * instead of scanning the table (measured on chdb: 300,000 rows verified-read in 1.9 s, linear,
 * against 2.6 s and quadratic growth without it; it costs a second copy of the rows and some insert
 * speed: 8 % of the bench's chdb drain, 85,031-85,564 rows/s with it against 91,909-93,077 without,
 * 7 December 2026). A chained table kept in chain order (the audit trail's) needs none: its key
 * serves the ranges.
 * Parts under {@link WIDE_PART_MIN_BYTES} are written Compact.
 * @param database - database name
 * @param storagePolicy - the server's storage policy for the table's parts (e.g. the encrypted one
 *   of clickhouse-encryption.ts); default: the server's default policy
 * @throws Error when the layout sorts by a nullable column or indexes a column the table lacks, or
 *   the policy is not a bare name
 * @param archiveVolume - the storage policy has a volume named `archive` (the archive tier goes there)
 */
export function clickhouseDDL(t: TableDef, retention: RetentionDays | TierPolicy = DEFAULT_RETENTION, database = 'tickwatch', storagePolicy?: string, archiveVolume = false): string {
  return mergeTreeDDL(t, retention, database, storagePolicy, archiveVolume);
}

/**
 * `min_bytes_for_wide_part` of every table on ClickHouse 23.8 or newer, bytes (uncompressed): a part
 * smaller than this is written Compact (all its columns in one `data.bin`, about 23 files a part on
 * 26.7) instead of Wide (two files a column and more; the server's default is 10 MiB, which the
 * recorder's batches pass: 26,667 `logs` rows, 17 MB, an insert in the bench's drain). Creating
 * files dominated the insert threads' kernel time on ext4 (`__ext4_new_inode`, 17 % of the
 * process's samples in a `perf record` of the drain). Draining 400,000 lines into chdb with writes
 * ahead, alternating, two pairs: 82,416 and 82,782 rows/s against 72,681 and 70,700 at 10 MiB;
 * 256 MiB and 1 GiB gave no more (80,737-83,299). Merges still make Wide parts past 128 MiB,
 * which reads of a few columns of a large part want (issue 19, 7 December 2026).
 */
export const WIDE_PART_MIN_BYTES = 128 * 1024 * 1024;

/** Where {@link mergeTreeDDL} puts a table: its name, `ON CLUSTER`, and its engine (default a plain MergeTree). */
interface Placement {
  readonly name: string;
  readonly onCluster: string;
  readonly engine: string;
  readonly dedupSetting: string;
}

function mergeTreeDDL(
  t: TableDef,
  retention: RetentionDays | TierPolicy,
  database: string,
  storagePolicy: string | undefined,
  archiveVolume: boolean,
  at: Placement = { name: t.name, onCluster: '', engine: 'MergeTree', dedupSetting: 'non_replicated_deduplication_window = 10000' },
): string {
  if (storagePolicy !== undefined && !BARE_NAME.test(storagePolicy)) throw new Error(`storage policy '${storagePolicy}': use a bare name (letters, digits, _)`);
  const all = columnsOf(t);
  const cols = all.map((c) => `  ${c.name === 'ts_ns' ? 'ts' : c.name} ${c.required ? CLICKHOUSE_TYPES[c.type].replace(/Nullable\((\w+)\)/, '$1') : CLICKHOUSE_TYPES[c.type]}`);
  const byName = new Map(all.map((c) => [c.name === 'ts_ns' ? 'ts' : c.name, c]));
  for (const k of t.clickhouse.orderBy) {
    if (BARE.test(k) && !byName.get(k)?.required) throw new Error(`${t.name}: the sorting key names ${k}, which is not a required column of the table`);
  }
  const ttl = clickhouseTtl(t, 'activeDays' in retention ? retention : { activeDays: retention[t.retention], archiveDays: null }, archiveVolume);
  const index = (x: SkipIndex) => {
    if (!byName.has(x.column)) throw new Error(`${t.name}: index on ${x.column}, which the table lacks`);
    return `  INDEX idx_${x.column} ${x.column} TYPE ${x.type} GRANULARITY ${x.granularity ?? 4}`;
  };
  // One trade's story (store.search) looks up a correlation id in every table.
  const extras = [{ column: 'correlation_id', type: 'bloom_filter' } as const, ...(t.clickhouse.indexes ?? [])].map(index);
  // `audit verify` walks a chain in chain_seq ranges. A chained table sorted for another query gets
  // a projection sorted by chain_seq to serve those ranges (a second copy of its rows); one kept in
  // chain order (the audit trail's, catalog/tables.ts IN_CHAIN_ORDER) serves them by its key.
  if (hasChainProjection(t)) extras.push('  PROJECTION by_chain_seq (SELECT * ORDER BY chain_seq)');
  return [
    `CREATE TABLE IF NOT EXISTS ${database}.${at.name}${at.onCluster} (`,
    `${cols.join(',\n')},`,
    extras.join(',\n'),
    ')',
    `ENGINE = ${at.engine}`,
    'PARTITION BY toYYYYMM(ts)',
    orderByClause(t.clickhouse),
    ...(ttl ? [ttl] : []),
    `SETTINGS ${at.dedupSetting}, min_bytes_for_wide_part = ${WIDE_PART_MIN_BYTES}${storagePolicy ? `, storage_policy = '${storagePolicy}'` : ''}`,
  ].join('\n');
}

/**
 * 18.16-compatible DDL (Debian's clickhouse-server; see stores/clickhouse.ts): `ts_ns` an Int64
 * beside a second-precision `ts DateTime` for partitioning, every table sorted by time whatever its
 * layout in tables.ts (18.16 has no data-skipping indexes to go with it), no TTL (19.6), no
 * LowCardinality (behind a setting on 18.16) and no deduplication window for a plain MergeTree (`non_replicated_deduplication_window` came later).
 * @param name - the table to create (default the table's own; `<table>_local` on a cluster)
 * @param engine - default `MergeTree`; a cluster's `ReplicatedMergeTree(...)` ({@link clickhouseClusterDDL})
 * @param onCluster - `' ON CLUSTER <name>'` or nothing
 */
export function legacyClickhouseDDL(t: TableDef, database = 'tickwatch', name: string = t.name, engine = 'MergeTree', onCluster = ''): string {
  const type = { ts_ns: 'Int64', string: 'Nullable(String)', lowcard: 'Nullable(String)', float: 'Nullable(Float64)', int: 'Nullable(Int64)' } as const;
  const cols = ['  ts DateTime', ...columnsOf(t).map((c) => `  ${c.name} ${c.required ? type[c.type].replace(/Nullable\((\w+)\)/, '$1') : type[c.type]}`)];
  return `CREATE TABLE IF NOT EXISTS ${database}.${name}${onCluster} (\n${cols.join(',\n')}\n) ENGINE = ${engine} PARTITION BY toYYYYMM(ts) ORDER BY (ts, ts_ns)`;
}

/** The suffix of a cluster's replicated table under its `Distributed` table: `audit_orders_local`. */
export const LOCAL_SUFFIX = '_local';

/**
 * A replicated ClickHouse cluster as `remote_servers` (config.xml) names it, and the ZooKeeper path
 * its tables replicate under. Each server's `<macros>` give `{shard}` and `{replica}`.
 */
export interface ClickHouseCluster {
  /** The cluster's name in `remote_servers`: a bare name (letters, digits, _). */
  readonly name: string;
  /**
   * The ZooKeeper path of each table: `{shard}` and `{replica}` are the servers' macros, `{database}`
   * and `{table}` are filled here. Default `/clickhouse/tables/{shard}/{database}/{table}`.
   */
  readonly zkPath?: string;
}

/**
 * The DDL of one table on a replicated cluster, both statements `ON CLUSTER` (the server runs them on
 * every host through its distributed DDL queue in ZooKeeper, and waits for each host,
 * `distributed_ddl_task_timeout`, 180 s by default):
 *
 * 1. `<database>.<table>_local`: the table's columns, sorting key and partitions as on one server
 *    ({@link clickhouseDDL}, or {@link legacyClickhouseDDL} on 18.16), engine
 *    `ReplicatedMergeTree('<zkPath>', '{replica}')`. Every replica of a shard holds every row. An
 *    insert is acknowledged once one replica has it and has registered the block in ZooKeeper;
 *    the others fetch it from there (a replica that was down catches up when it returns). A block
 *    inserted again, on the same or another replica of the shard, is dropped: ClickHouse's own
 *    insert deduplication, by the block's checksum on every version (18.16 included; the last
 *    `replicated_deduplication_window` blocks, 100 by default), and by the recorder's batch token as
 *    `insert_deduplication_token` where the server has that setting (23.8 LTS does, 18.16 does not);
 *    on 23.8 or newer the window is set to 1,000 blocks, about 17 minutes of a table's one-a-second
 *    batches. The recorder inserts its batches here, straight into a replica.
 * 2. `<database>.<table>`: `Distributed(<cluster>, <database>, <table>_local, rand())` over them,
 *    the table every read names (`audit verify`, `logs search`, the replay's batch-token check): a
 *    query reads each shard once, from a replica that answers. `rand()` only spreads rows inserted
 *    through it; the recorder never does (a batch split across shards could not be deduplicated).
 *
 * @param legacy - the servers are Debian's 18.16 (the {@link legacyClickhouseDDL} columns; no TTL,
 *   indexes, projection or storage policy)
 * @returns the local table's statement, then the Distributed table's
 * @throws Error when the cluster or storage policy is not a bare name (and as {@link clickhouseDDL})
 */
export function clickhouseClusterDDL(
  t: TableDef,
  cluster: ClickHouseCluster,
  o: { readonly legacy?: boolean; readonly database?: string; readonly retention?: RetentionDays | TierPolicy; readonly storagePolicy?: string; readonly archiveVolume?: boolean } = {},
): [local: string, distributed: string] {
  if (!BARE_NAME.test(cluster.name)) throw new Error(`cluster '${cluster.name}': use a bare name (letters, digits, _)`);
  const database = o.database ?? 'tickwatch';
  const local = `${t.name}${LOCAL_SUFFIX}`;
  const zk = (cluster.zkPath ?? '/clickhouse/tables/{shard}/{database}/{table}').replace('{database}', database).replace('{table}', t.name);
  const engine = `ReplicatedMergeTree('${zk}', '{replica}')`;
  const on = ` ON CLUSTER ${cluster.name}`;
  const first = o.legacy
    ? legacyClickhouseDDL(t, database, local, engine, on)
    : mergeTreeDDL(t, o.retention ?? DEFAULT_RETENTION, database, o.storagePolicy, o.archiveVolume ?? false, { name: local, onCluster: on, engine, dedupSetting: 'replicated_deduplication_window = 1000' });
  return [first, `CREATE TABLE IF NOT EXISTS ${database}.${t.name}${on} AS ${database}.${local} ENGINE = Distributed(${cluster.name}, ${database}, ${local}, rand())`];
}

/**
 * Columns a table of an older tickwatch may lack that can be added in place: nullable ones that
 * appeared after the table was first created (the envelope's `format`, the log stream's `status`
 * and `duration_ns`). A table missing any other column is refused (see `checkColumns`).
 */
export const ADDABLE_COLUMNS: ReadonlySet<string> = new Set(['format', 'status', 'duration_ns']);

/** The columns of `t` that `have` lacks and that can be added in place (see {@link ADDABLE_COLUMNS}). */
export function addableColumns(t: TableDef, have: readonly string[]): Column[] {
  return columnsOf(t).filter((c) => ADDABLE_COLUMNS.has(c.name) && !c.required && !have.includes(c.name));
}

/** PostgreSQL's type of each column type (nullable; the DDL adds NOT NULL for required columns). */
export const POSTGRES_TYPES: Readonly<Record<ColumnType, string>> = { ts_ns: 'BIGINT', string: 'TEXT', lowcard: 'TEXT', float: 'DOUBLE PRECISION', int: 'BIGINT' };

/**
 * PostgreSQL DDL for one table of tables.ts: the table (the same columns as on DuckDB, `ts_ns` as a
 * BIGINT of nanoseconds; text columns are TEXT, so that no length limit ever refuses a row), then
 * its indexes, each statement on its own (`CREATE ... IF NOT EXISTS`, so running them again is a
 * no-op). Indexes: `correlation_id` on every table (one trade's story, `logs trade`), `chain_seq`
 * on the hash-chained ones (`audit verify` reads a chain in ranges, the recorder reads its head),
 * on `logs` `ts_ns` and `(component, ts_ns)` (`logs search` by time, and by component and time), and
 * on `alert_log` `ts_ns` and `dedup_key` (`alerts history` by time, the webhook's duplicate check).
 * @returns the statements, to run in order
 */
export function postgresDDL(t: TableDef): string[] {
  const cols = columnsOf(t).map((c) => `  ${c.name} ${POSTGRES_TYPES[c.type]}${c.required ? ' NOT NULL' : ''}`);
  const index = (name: string, on: string) => `CREATE INDEX IF NOT EXISTS ${t.name}_${name}_idx ON ${t.name} (${on})`;
  const out = [`CREATE TABLE IF NOT EXISTS ${t.name} (\n${cols.join(',\n')}\n)`, index('correlation_id', 'correlation_id')];
  if (t.chained) out.push(index('chain_seq', 'chain_seq'));
  if (t.name === 'logs') out.push(index('ts_ns', 'ts_ns'), index('component_ts_ns', 'component, ts_ns'));
  if (t.name === 'alert_log') out.push(index('ts_ns', 'ts_ns'), index('dedup_key', 'dedup_key'));
  return out;
}

/**
 * Seed 002's log tables, as we read seed 002 (we do not have its text; this is our reading of what
 * it describes, not a copy of its DDL): a Python trading system that logs with Loguru
 * (`serialize=True`, one log file per service) and keeps its logs in PostgreSQL:
 *
 * - `system_logs`: every log line of every service: `timestamp`, `level` (Loguru's level names:
 *   TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL), `service` (the file's service: our component),
 *   `module`, `function`, `line` (Loguru's `record.name`, `record.function`, `record.line`, or a
 *   structlog / pino logger name), `message`, `exception`, the correlation ids, and `extra` (JSONB:
 *   the line's context, Loguru's `record.extra`). Rows past 30 days move to
 * - `archived_system_logs`: the same columns, the original `id` and `archived_at`; kept 90 days.
 * - `trading_logs`: the order flow: intents, each order step and each fill, with `strategy`,
 *   `order_id`, `trade_id`, `symbol`, `side`, `quantity`, `price`, `status` (INTENT, SUBMITTED,
 *   ACKED, REJECTED, CANCEL_REQUESTED, CANCELED, REPLACED, EXPIRED, FILLED, PARTIALLY_FILLED) and
 *   `extra`; kept 90 days.
 * - `performance_logs`: how long a service's operation took (`execution_time_ms`) and what the
 *   service used (`cpu_percent`, `memory_mb`), `extra` for the rest; queried by service over a time
 *   window.
 *
 * and its four indexes: `idx_system_logs_timestamp` (recent lines), `idx_system_logs_level` (the
 * errors), `idx_system_logs_service` on `(service, timestamp)` (a service's lines over a window) and
 * `idx_trading_logs_correlation_id` on `(correlation_id, timestamp)` (one trade's log lines).
 *
 * tickwatch adds three columns to each, last: `event_type` (the event type of the line), `ts_ns`
 * (the exact time in nanoseconds; `timestamp` keeps microseconds) and `batch_token` (the recorder's
 * batch the row came in). Text is TEXT where such a system might have VARCHAR(n): a row is never
 * refused for its length. The recorder fills the tables from the rows it writes to the audit
 * tables, in the same transaction (stores/postgres.ts): `system_logs` from the `logs` rows,
 * `trading_logs` from the `audit_orders` rows, `performance_logs` from the `performance_log` rows.
 */
export const SEED002_TABLES = ['system_logs', 'archived_system_logs', 'trading_logs', 'performance_logs'] as const;

/** A table of seed 002 (see {@link SEED002_TABLES}). */
export type Seed002Table = (typeof SEED002_TABLES)[number];

/** The columns `system_logs` and `archived_system_logs` share, in order (all but `id` filled by the recorder). */
export const SYSTEM_LOG_COLUMNS = ['id', 'timestamp', 'level', 'service', 'module', 'function', 'line', 'message', 'exception', 'correlation_id', 'intent_id', 'trace_id', 'extra', 'event_type', 'ts_ns', 'batch_token'] as const;

/** The columns of each of seed 002's tables, in order, as {@link seed002DDL} makes them (the store checks an existing table has them). */
export const SEED002_COLUMNS: Readonly<Record<Seed002Table, readonly string[]>> = {
  system_logs: SYSTEM_LOG_COLUMNS,
  archived_system_logs: [...SYSTEM_LOG_COLUMNS, 'archived_at'],
  trading_logs: ['id', 'timestamp', 'level', 'service', 'message', 'strategy', 'order_id', 'trade_id', 'symbol', 'side', 'quantity', 'price', 'status', 'correlation_id', 'intent_id', 'extra', 'event_type', 'ts_ns', 'batch_token'],
  performance_logs: ['id', 'timestamp', 'service', 'operation', 'execution_time_ms', 'cpu_percent', 'memory_mb', 'extra', 'event_type', 'ts_ns', 'batch_token'],
};

/** Seed 002's index names (see {@link SEED002_TABLES}). */
export const SEED002_INDEXES = ['idx_system_logs_timestamp', 'idx_system_logs_level', 'idx_system_logs_service', 'idx_trading_logs_correlation_id'] as const;

const SYSTEM_LOG_BODY = `  timestamp TIMESTAMPTZ NOT NULL,
  level TEXT NOT NULL,
  service TEXT NOT NULL,
  module TEXT,
  function TEXT,
  line INTEGER,
  message TEXT,
  exception TEXT,
  correlation_id TEXT,
  intent_id TEXT,
  trace_id TEXT,
  extra JSONB NOT NULL DEFAULT '{}'::jsonb,
  event_type TEXT NOT NULL,
  ts_ns BIGINT NOT NULL,
  batch_token TEXT NOT NULL`;

/**
 * The DDL of seed 002's tables and indexes (see {@link SEED002_TABLES}), by table: its CREATE TABLE,
 * then its indexes, each statement on its own, all `IF NOT EXISTS`.
 * @returns the statements of each table, to run in order
 */
export function seed002DDL(): ReadonlyMap<Seed002Table, readonly string[]> {
  return new Map<Seed002Table, readonly string[]>([
    [
      'system_logs',
      [
        `CREATE TABLE IF NOT EXISTS system_logs (\n  id BIGSERIAL PRIMARY KEY,\n${SYSTEM_LOG_BODY}\n)`,
        'CREATE INDEX IF NOT EXISTS idx_system_logs_timestamp ON system_logs (timestamp)',
        'CREATE INDEX IF NOT EXISTS idx_system_logs_level ON system_logs (level)',
        'CREATE INDEX IF NOT EXISTS idx_system_logs_service ON system_logs (service, timestamp)',
      ],
    ],
    ['archived_system_logs', [`CREATE TABLE IF NOT EXISTS archived_system_logs (\n  id BIGINT PRIMARY KEY,\n${SYSTEM_LOG_BODY},\n  archived_at TIMESTAMPTZ NOT NULL DEFAULT now()\n)`]],
    [
      'trading_logs',
      [
        `CREATE TABLE IF NOT EXISTS trading_logs (
  id BIGSERIAL PRIMARY KEY,
  timestamp TIMESTAMPTZ NOT NULL,
  level TEXT NOT NULL,
  service TEXT NOT NULL,
  message TEXT,
  strategy TEXT,
  order_id TEXT,
  trade_id TEXT,
  symbol TEXT,
  side TEXT,
  quantity DOUBLE PRECISION,
  price DOUBLE PRECISION,
  status TEXT NOT NULL,
  correlation_id TEXT,
  intent_id TEXT,
  extra JSONB NOT NULL DEFAULT '{}'::jsonb,
  event_type TEXT NOT NULL,
  ts_ns BIGINT NOT NULL,
  batch_token TEXT NOT NULL
)`,
        'CREATE INDEX IF NOT EXISTS idx_trading_logs_correlation_id ON trading_logs (correlation_id, timestamp)',
      ],
    ],
    [
      'performance_logs',
      [
        `CREATE TABLE IF NOT EXISTS performance_logs (
  id BIGSERIAL PRIMARY KEY,
  timestamp TIMESTAMPTZ NOT NULL,
  service TEXT NOT NULL,
  operation TEXT,
  execution_time_ms DOUBLE PRECISION,
  cpu_percent DOUBLE PRECISION,
  memory_mb DOUBLE PRECISION,
  extra JSONB NOT NULL DEFAULT '{}'::jsonb,
  event_type TEXT NOT NULL,
  ts_ns BIGINT NOT NULL,
  batch_token TEXT NOT NULL
)`,
      ],
    ],
  ]);
}

/**
 * The batch ledger of the PostgreSQL store: one row per (batch token, table) the store took, with
 * the rows written, inserted in the batch's own transaction. A batch whose token is in it is in the
 * store, whole (the recorder's replay check, `countByToken`, reads it instead of scanning a table).
 */
export const POSTGRES_LEDGER_DDL = `CREATE TABLE IF NOT EXISTS tickwatch_batches (
  token TEXT NOT NULL,
  table_name TEXT NOT NULL,
  rows INTEGER NOT NULL,
  written_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (token, table_name)
)`;
