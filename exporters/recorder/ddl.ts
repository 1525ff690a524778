/**
 * The DDL each store gets from the table definitions of exporters/catalog/tables.ts: DuckDB (the
 * embedded default) and ClickHouse (23.8 LTS or newer; 18.16's legacy DDL is in stores/clickhouse.ts),
 * and the columns an older database may gain in place.
 */
import { type Column, columnsOf, type ColumnType, DEFAULT_RETENTION, type RetentionDays, type SkipIndex, type TableDef } from '../catalog/tables.js';

/** DuckDB's type of each column type (nullable; `ts_ns` is NOT NULL in the DDL). */
export const DUCKDB_TYPES: Readonly<Record<ColumnType, string>> = { ts_ns: 'BIGINT', string: 'VARCHAR', lowcard: 'VARCHAR', float: 'DOUBLE', int: 'BIGINT' };
const DUCK: Record<ColumnType, string> = { ...DUCKDB_TYPES, ts_ns: 'BIGINT NOT NULL' };

/** DuckDB DDL for one table (embedded store). */
export function duckdbDDL(t: TableDef): string {
  const cols = columnsOf(t).map((c) => `  ${c.name} ${DUCK[c.type]}${c.required && c.type !== 'ts_ns' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${t.name} (\n${cols.join(',\n')}\n)`;
}

/** ClickHouse's type of each column type (nullable; the DDL drops `Nullable` for required columns). */
export const CLICKHOUSE_TYPES: Readonly<Record<ColumnType, string>> = {
  ts_ns: "DateTime64(9, 'UTC')",
  string: 'Nullable(String)',
  lowcard: 'LowCardinality(Nullable(String))',
  float: 'Nullable(Float64)',
  int: 'Nullable(Int64)',
};

/** A sorting-key expression that is a bare column name. */
const BARE = /^[a-z_][a-z0-9_]*$/;

/**
 * ClickHouse DDL (23.8 LTS or newer) for one table: MergeTree, monthly partitions, sorted as the
 * table's {@link ClickHouseLayout} says, a bloom filter on `correlation_id` and the layout's
 * data-skipping indexes, TTL from `retention`, and a deduplication window so a retried insert with
 * the same `insert_deduplication_token` is not written twice. Chained tables also get a projection
 * sorted by `chain_seq`, so `audit verify` reads each range of the chain instead of scanning the
 * table (measured on chdb: 300,000 rows verified-read in 1.9 s, linear, against 2.6 s and quadratic
 * growth without it; it costs a second copy of the audit rows and some insert speed).
 * @param database - database name
 * @throws Error when the layout sorts by a nullable column or indexes a column the table lacks
 */
export function clickhouseDDL(t: TableDef, retention: RetentionDays = DEFAULT_RETENTION, database = 'tickwatch'): string {
  const all = columnsOf(t);
  const cols = all.map((c) => `  ${c.name === 'ts_ns' ? 'ts' : c.name} ${c.required ? CLICKHOUSE_TYPES[c.type].replace(/Nullable\((\w+)\)/, '$1') : CLICKHOUSE_TYPES[c.type]}`);
  const byName = new Map(all.map((c) => [c.name === 'ts_ns' ? 'ts' : c.name, c]));
  for (const k of t.clickhouse.orderBy) {
    if (BARE.test(k) && !byName.get(k)?.required) throw new Error(`${t.name}: the sorting key names ${k}, which is not a required column of the table`);
  }
  const days = retention[t.retention];
  const index = (x: SkipIndex) => {
    if (!byName.has(x.column)) throw new Error(`${t.name}: index on ${x.column}, which the table lacks`);
    return `  INDEX idx_${x.column} ${x.column} TYPE ${x.type} GRANULARITY ${x.granularity ?? 4}`;
  };
  // One trade's story (store.search) looks up a correlation id in every table.
  const extras = [{ column: 'correlation_id', type: 'bloom_filter' } as const, ...(t.clickhouse.indexes ?? [])].map(index);
  // `audit verify` walks a chain in chain_seq ranges; the table is sorted for its main query, so a
  // projection sorted by chain_seq serves those ranges (at the cost of a second copy).
  if (t.chained) extras.push('  PROJECTION by_chain_seq (SELECT * ORDER BY chain_seq)');
  return [
    `CREATE TABLE IF NOT EXISTS ${database}.${t.name} (`,
    `${cols.join(',\n')},`,
    extras.join(',\n'),
    ')',
    'ENGINE = MergeTree',
    'PARTITION BY toYYYYMM(ts)',
    `ORDER BY (${t.clickhouse.orderBy.join(', ')})`,
    `TTL toDateTime(ts) + INTERVAL ${days} DAY DELETE`,
    'SETTINGS non_replicated_deduplication_window = 10000',
  ].join('\n');
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
