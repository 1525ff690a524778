/**
 * The ClickHouse audit store, for scale. Tables are MergeTree, partitioned by month, ordered for
 * the correlation-id search, with TTL retention (see tables.ts). A batch insert carries
 * `insert_deduplication_token`, and the tables keep a deduplication window, so a retried insert
 * that the server already applied is not written twice; replays also check the batch token.
 *
 * The SQL goes through a {@link ClickHouseTransport}: HTTP with @clickhouse/client for a server,
 * or chdb (an in-process ClickHouse engine) where tests need a current engine without a server.
 * `legacy` targets Debian's clickhouse-server 18.16, which has no DateTime64, TTL, LowCardinality
 * by default, data-skipping indexes or deduplication window: there `ts_ns` is an Int64 beside a
 * second-precision `ts` for partitioning, retention is not enforced by the server, and replays rely
 * on the batch-token check alone.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { formatNanos } from '../rows.js';
import { clickhouseDDL, columnsOf, DEFAULT_RETENTION, type RetentionDays, type TableDef, type TableName } from '../tables.js';
import type { ChainHead, ChainHeads } from '../chain.js';
import { checkColumns, type AuditStore, type FoundRow, type SearchQuery, type WalRow } from './store.js';

/** How SQL reaches ClickHouse. */
export interface ClickHouseTransport {
  /** Runs a statement that returns nothing. */
  command(sql: string): Promise<void>;
  /** Inserts rows as JSONEachRow with query-level settings. */
  insert(table: string, rows: readonly Record<string, unknown>[], settings: Record<string, string | number>): Promise<void>;
  /** Runs a query and returns its JSONEachRow rows. */
  query<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * HTTP transport through @clickhouse/client.
 * @param timeoutMs - request timeout; a down server fails fast instead of hanging the writer
 */
export function httpTransport(url: string, opts: { username?: string; password?: string; timeoutMs?: number } = {}): ClickHouseTransport {
  const client: ClickHouseClient = createClient({ url, username: opts.username ?? 'default', password: opts.password ?? '', request_timeout: opts.timeoutMs ?? 10_000,
    // The recorder logs failures itself (with the batch); the client's own console logging is off.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    command: async (sql) => {
      await client.command({ query: sql });
    },
    insert: async (table, rows, settings) => {
      await client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow', clickhouse_settings: settings });
    },
    query: async <T>(sql: string) => (await client.query({ query: sql, format: 'JSONEachRow' })).json<T>(),
    close: () => client.close(),
  };
}

/** A ClickHouse string literal. */
export function literal(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** 18.16-compatible DDL (see the module comment). */
export function legacyClickhouseDDL(t: TableDef, database = 'tickwatch'): string {
  const type = { ts_ns: 'Int64', string: 'Nullable(String)', lowcard: 'Nullable(String)', float: 'Nullable(Float64)', int: 'Nullable(Int64)' } as const;
  const cols = ['  ts DateTime', ...columnsOf(t).map((c) => `  ${c.name} ${c.required ? type[c.type].replace(/Nullable\((\w+)\)/, '$1') : type[c.type]}`)];
  return `CREATE TABLE IF NOT EXISTS ${database}.${t.name} (\n${cols.join(',\n')}\n) ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY (ts, ts_ns)`;
}

/** ClickHouse-backed audit store. */
export class ClickHouseStore implements AuditStore {
  readonly kind = 'clickhouse' as const;
  private readonly db: string;

  constructor(
    private readonly t: ClickHouseTransport,
    private readonly o: { database?: string; retention?: RetentionDays; legacy?: boolean } = {},
  ) {
    this.db = o.database ?? 'tickwatch';
  }

  /** @throws StoreSchemaError when an existing table lacks columns this version writes */
  async init(tables: readonly TableDef[]): Promise<void> {
    await this.t.command(`CREATE DATABASE IF NOT EXISTS ${this.db}`);
    for (const t of tables) {
      await this.t.command(this.o.legacy ? legacyClickhouseDDL(t, this.db) : clickhouseDDL(t, this.o.retention ?? DEFAULT_RETENTION, this.db));
      const have = await this.t.query<{ name: string }>(`SELECT name FROM system.columns WHERE database = ${literal(this.db)} AND table = ${literal(t.name)}`);
      const want = columnsOf(t).map((c) => (c.name === 'ts_ns' && !this.o.legacy ? 'ts' : c.name));
      checkColumns(`ClickHouse database ${this.db}`, t.name, want, have.map((c) => c.name));
    }
  }

  /** A WAL row as ClickHouse columns. */
  private row(r: WalRow, token: string): Record<string, unknown> {
    const out: Record<string, unknown> = { ...r, batch_token: token };
    const ns = BigInt(r.ts_ns as string);
    const iso = formatNanos(ns); // 2026-11-23T01:00:00.123456789Z
    if (this.o.legacy) {
      out.ts = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
      out.ts_ns = String(ns);
    } else {
      delete out.ts_ns;
      out.ts = `${iso.slice(0, 10)} ${iso.slice(11, 29)}`;
    }
    return out;
  }

  async insert(table: TableName, rows: readonly WalRow[], token: string): Promise<void> {
    const settings: Record<string, string | number> = this.o.legacy ? {} : { insert_deduplication_token: token };
    await this.t.insert(`${this.db}.${table}`, rows.map((r) => this.row(r, token)), settings);
  }

  async countByToken(table: TableName, token: string): Promise<number> {
    const r = await this.t.query<{ n: string | number }>(`SELECT count() AS n FROM ${this.db}.${table} WHERE batch_token = ${literal(token)}`);
    return Number(r[0]?.n ?? 0);
  }

  async count(table: TableName): Promise<number> {
    const r = await this.t.query<{ n: string | number }>(`SELECT count() AS n FROM ${this.db}.${table}`);
    return Number(r[0]?.n ?? 0);
  }

  async chainHeads(tables: readonly TableDef[]): Promise<ChainHeads> {
    const out: Partial<Record<TableName, ChainHead>> = {};
    for (const t of tables) {
      if (!t.chained) continue;
      const [o] = await this.t.query<{ seq: string; row_hash: string }>(`SELECT toString(chain_seq) AS seq, row_hash FROM ${this.db}.${t.name} ORDER BY chain_seq DESC LIMIT 1`);
      if (o) out[t.name] = { seq: Number(o.seq), hash: o.row_hash };
    }
    return out;
  }

  /** Rows with `chain_seq` from the first above `afterSeq` to `span - 1` past it, in chain order. */
  async readChain(t: TableDef, afterSeq: number, span: number): Promise<Record<string, unknown>[]> {
    const tsNs = this.o.legacy ? 'ts_ns' : 'toString(toUnixTimestamp64Nano(ts)) AS ts_ns';
    const cols = columnsOf(t).map((c) => (c.name === 'ts_ns' ? tsNs : c.name));
    const from = `${this.db}.${t.name}`;
    const after = Math.floor(afterSeq);
    return this.t.query<Record<string, unknown>>(
      `SELECT ${cols.join(', ')} FROM ${from} WHERE chain_seq > ${after} AND chain_seq < (SELECT min(chain_seq) FROM ${from} WHERE chain_seq > ${after}) + ${Math.floor(span)} ORDER BY chain_seq`,
    );
  }

  async search(q: SearchQuery, tables: readonly TableDef[]): Promise<FoundRow[]> {
    const tsNs = this.o.legacy ? 'ts_ns' : 'toUnixTimestamp64Nano(ts)';
    const where = [`correlation_id = ${literal(q.correlationId)}`];
    if (q.sinceNs !== undefined) where.push(`${tsNs} >= ${q.sinceNs}`);
    if (q.component) where.push(`component = ${literal(q.component)}`);
    if (q.level) where.push(`level = ${literal(q.level)}`);
    const parts = tables.map((t) => `SELECT ${literal(t.name)} AS tbl, toString(${tsNs}) AS ns, event, component, level, correlation_id, message, fields FROM ${this.db}.${t.name} WHERE ${where.join(' AND ')}`);
    const rows = await this.t.query<{ tbl: TableName; ns: string; event: string; component: string; level: string; correlation_id: string | null; message: string | null; fields: string }>(
      `SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY toInt64(ns), tbl LIMIT ${Math.max(1, Math.floor(q.limit ?? 10_000))}`,
    );
    return rows.map((r) => ({ table: r.tbl, ts_ns: BigInt(r.ns), event: r.event, component: r.component, level: r.level, correlation_id: r.correlation_id, message: r.message, fields: r.fields }));
  }

  close(): Promise<void> {
    return this.t.close();
  }
}
