/**
 * The ClickHouse audit store, for scale. Tables are MergeTree, partitioned by month, sorted as
 * catalog/tables.ts lays each out (the audit trail in chain order, the others for their main query), with TTL retention from the retention
 * config (catalog/retention.ts; ddl.ts `clickhouseTtl`: none on a hash-chained table, whose oldest
 * rows the clean-up job deletes after a checkpoint). A batch insert carries
 * `insert_deduplication_token`, and the tables keep a deduplication window, so a retried insert
 * that the server already applied is not written twice; replays also check the batch token.
 *
 * The SQL goes through a {@link ClickHouseTransport}: HTTP with @clickhouse/client for a server,
 * or chdb (an in-process ClickHouse engine) where tests need a current engine without a server.
 * `legacy` targets Debian's clickhouse-server 18.16, which has no DateTime64, TTL, LowCardinality
 * by default, data-skipping indexes or deduplication window: there `ts_ns` is an Int64 beside a
 * second-precision `ts` for partitioning, retention is not enforced by the server (the clean-up job,
 * ../cleanup.ts, deletes rows past their period with `ALTER TABLE ... DELETE`), and replays rely
 * on the batch-token check alone.
 *
 * `cluster` targets a replicated cluster (ddl.ts `clickhouseClusterDDL`): `init` creates each table
 * `ON CLUSTER` as `<table>_local` (ReplicatedMergeTree) under a `Distributed` table named as the
 * table itself, batches are inserted into `<table>_local` on the replica the transport reaches
 * (ClickHouse deduplicates a block inserted again, on any replica of the shard), and every read
 * (search, verify, chain heads, the replay's batch-token check) goes through the `Distributed`
 * table. Give the transport every replica of the shard ({@link failoverTransport}) so that a
 * recorder keeps writing while one is down. One recorder per database: each recorder's hash chains
 * are its own (two recorders in one table would fork each chain), so each engine host records into
 * its own database on the cluster. Not on a cluster yet: the retention clean-up (its
 * `ALTER ... DELETE` would have to run `ON CLUSTER` on the `_local` tables), TTL changes of existing
 * tables and adding columns in place (both `ALTER ... ON CLUSTER` by hand).
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { formatNanos } from '../rows.js';
import { columnsOf, DEFAULT_RETENTION, TABLE_DEFS, type RetentionDays, type TableDef, type TableName } from '../../catalog/tables.js';
import { addableColumns, CLICKHOUSE_TYPES, clickhouseClusterDDL, clickhouseDDL, clickhouseTtl, legacyClickhouseDDL, LOCAL_SUFFIX, type ClickHouseCluster } from '../ddl.js';
import type { ChainHead, ChainHeads } from '../chain.js';
import { checkColumns, globToLike, levelsFrom, type AuditStore, type ExecTimeRow, type FoundRow, type LogQuery, type LogRow, type SearchQuery, type WalRow } from './store.js';
import { ALERT_ROW_COLUMNS, alertRowOf, type AlertQuery, type AlertRow } from './store.js';
import { DEFAULT_PERIODS, type TierPolicy } from '../../catalog/retention.js';
import { CHECKPOINT_COLUMNS, CHECKPOINT_TABLE, checkpointOf, type Checkpoint } from '../checkpoint.js';
import type { ClickHouseTarget } from './retained.js';

/** How SQL reaches ClickHouse. */
export interface ClickHouseTransport {
  /** Runs a statement that returns nothing. */
  command(sql: string): Promise<void>;
  /** Inserts rows as JSONEachRow with query-level settings. */
  insert(table: string, rows: readonly Record<string, unknown>[], settings: Record<string, string | number>): Promise<void>;
  /**
   * Runs a query and returns its JSONEachRow rows. `params` bind the query's `{name:Type}`
   * placeholders server-side (values never enter the SQL text).
   */
  query<T>(sql: string, params?: Readonly<Record<string, unknown>>): Promise<T[]>;
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
    query: async <T>(sql: string, params?: Readonly<Record<string, unknown>>) => (await client.query({ query: sql, format: 'JSONEachRow', ...(params ? { query_params: { ...params } } : {}) })).json<T>(),
    close: () => client.close(),
  };
}

/**
 * One transport over several servers, the replicas of one shard: each call goes to the server that
 * answered last, and when it fails (refused, timed out, or an error from that server) to the next,
 * each tried once; the last error is thrown when none answers. The recorder's own retries and spool
 * (service.ts) take over from there. An insert that failed on one replica after it was applied is
 * dropped by the next as a duplicate block (ClickHouse's replicated insert deduplication), so failing
 * over never writes a batch twice.
 * @param urls - HTTP URLs of the replicas, in order of preference
 * @throws Error when `urls` is empty
 */
export function failoverTransport(urls: readonly string[], opts: { username?: string; password?: string; timeoutMs?: number } = {}): ClickHouseTransport {
  if (urls.length === 0) throw new Error('failoverTransport: no ClickHouse URL');
  const all = urls.map((u) => httpTransport(u, opts));
  if (all.length === 1) return all[0]!;
  let current = 0;
  const each = async <T>(fn: (t: ClickHouseTransport) => Promise<T>): Promise<T> => {
    let last: unknown;
    for (let i = 0; i < all.length; i++) {
      const k = (current + i) % all.length;
      try {
        const out = await fn(all[k]!);
        current = k;
        return out;
      } catch (err) {
        last = err;
      }
    }
    throw last;
  };
  return {
    command: (sql) => each((t) => t.command(sql)),
    insert: (table, rows, settings) => each((t) => t.insert(table, rows, settings)),
    query: <T>(sql: string, params?: Readonly<Record<string, unknown>>) => each((t) => t.query<T>(sql, params)),
    close: async () => void (await Promise.all(all.map((t) => t.close()))),
  };
}

/** A ClickHouse string literal. */
export function literal(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** 18.16-compatible DDL (see the module comment), from ddl.ts. */
export { legacyClickhouseDDL };

/** ClickHouse-backed audit store. */
export class ClickHouseStore implements AuditStore {
  readonly kind = 'clickhouse' as const;
  /**
   * Batches may be written at once (recorder.ts `WRITE_AHEAD`): each table's insert is one block,
   * whole or nothing, and a replay finds it by its batch token.
   */
  readonly concurrent = true;
  private readonly db: string;

  constructor(
    private readonly t: ClickHouseTransport,
    /**
     * `storagePolicy`: the policy new tables get (`SETTINGS storage_policy`), and that existing ones
     * must have; not on 18.x (`legacy`). When it has a volume named `archive`, the tables' TTL moves
     * their archive tier there. `periods`: each table's retention on ClickHouse (catalog/retention.ts,
     * `RetentionConfig.periods.clickhouse`; default its class's), made TTL clauses by ddl.ts
     * `clickhouseTtl`; `retention` (days per class, no archive tier) is the older form. `cluster`:
     * a replicated cluster of `remote_servers` (see the module comment); `database` then names this
     * recorder's own database on it.
     */
    private readonly o: { database?: string; retention?: RetentionDays; periods?: Readonly<Record<string, TierPolicy>>; legacy?: boolean; storagePolicy?: string; cluster?: ClickHouseCluster } = {},
  ) {
    this.db = o.database ?? 'tickwatch';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(this.db)) throw new Error(`ClickHouse database '${this.db}': use a bare name (letters, digits, _)`);
    if (o.storagePolicy && o.legacy) throw new Error('ClickHouse 18.x has no storage policies: storagePolicy needs a current server');
    // The clean-up is not cluster-aware (see the module comment): on a cluster the store offers none.
    if (o.cluster) this.clickhouseTarget = undefined;
  }

  /**
   * Creates missing tables, and adds in place the nullable columns a table of an older tickwatch
   * lacks (see `addableColumns`).
   * @throws StoreSchemaError when an existing table lacks other columns this version writes
   * @throws Error when a storage policy is asked for and an existing table has another one (it
   *   was created without it: its parts are not where the policy puts them)
   */
  async init(tables: readonly TableDef[]): Promise<void> {
    if (this.o.cluster) return this.initCluster(tables);
    // What exists already: a recorder that logs in with only INSERT and SELECT (access.ts, allow_ddl
    // 0 on 18.16) starts on tables an owner made, so no DDL is sent for what is already there.
    const existing = new Map<string, string[]>();
    for (const r of await this.t.query<{ table: string; name: string }>(`SELECT table, name FROM system.columns WHERE database = ${literal(this.db)}`)) {
      existing.set(r.table, [...(existing.get(r.table) ?? []), r.name]);
    }
    if (existing.size === 0) await this.t.command(`CREATE DATABASE IF NOT EXISTS ${this.db}`);
    if (this.o.storagePolicy) {
      const [v] = await this.t.query<{ n: string | number }>(`SELECT count() AS n FROM system.storage_policies WHERE policy_name = ${literal(this.o.storagePolicy)} AND volume_name = 'archive'`);
      this.archiveVolume = Number(v?.n ?? 0) > 0;
    }
    for (const t of tables) {
      const retention = this.o.retention ?? this.o.periods?.[t.name] ?? DEFAULT_PERIODS.clickhouse[t.retention];
      if (!existing.has(t.name)) await this.t.command(this.o.legacy ? legacyClickhouseDDL(t, this.db) : clickhouseDDL(t, retention, this.db, this.o.storagePolicy, this.archiveVolume));
      if (!this.o.legacy) await this.syncTtl(t, 'activeDays' in retention ? retention : { activeDays: retention[t.retention], archiveDays: null });
      if (this.o.storagePolicy) {
        const [row] = await this.t.query<{ storage_policy: string }>(`SELECT storage_policy FROM system.tables WHERE database = ${literal(this.db)} AND name = ${literal(t.name)}`);
        if (row?.storage_policy !== this.o.storagePolicy) throw new Error(`${this.db}.${t.name} has storage policy '${row?.storage_policy ?? '?'}', not '${this.o.storagePolicy}': it was created without it (README, "Encryption at rest", says how to move it)`);
      }
      const names = async () => (await this.t.query<{ name: string }>(`SELECT name FROM system.columns WHERE database = ${literal(this.db)} AND table = ${literal(t.name)}`)).map((c) => c.name);
      let have = await names();
      const add = addableColumns(t, have);
      for (const c of add) {
        // 18.16 has LowCardinality only behind a setting: plain Nullable(String) there.
        const type = this.o.legacy ? CLICKHOUSE_TYPES[c.type].replace(/^LowCardinality\((.*)\)$/, '$1') : CLICKHOUSE_TYPES[c.type];
        await this.t.command(`ALTER TABLE ${this.db}.${t.name} ADD COLUMN IF NOT EXISTS ${c.name} ${type}`);
      }
      if (add.length) have = await names();
      const want = columnsOf(t).map((c) => (c.name === 'ts_ns' && !this.o.legacy ? 'ts' : c.name));
      checkColumns(`ClickHouse database ${this.db}`, t.name, want, have);
    }
  }

  /**
   * A cluster's tables (ddl.ts `clickhouseClusterDDL`): created `ON CLUSTER` when the server the
   * transport reaches lacks any (an `ON CLUSTER` statement waits for every host, so a recorder
   * restarted while a replica is down, on tables that exist, does not wait on it), then each table's
   * and its `_local` table's columns are checked.
   * @throws StoreSchemaError when a table lacks columns this version writes
   * @throws Error when the `ON CLUSTER` DDL fails (a host that does not answer within the server's
   *   `distributed_ddl_task_timeout`, an unknown cluster, no ZooKeeper configured)
   */
  private async initCluster(tables: readonly TableDef[]): Promise<void> {
    const cluster = this.o.cluster!;
    const names = async (table: string) => (await this.t.query<{ name: string }>(`SELECT name FROM system.columns WHERE database = ${literal(this.db)} AND table = ${literal(table)}`)).map((c) => c.name);
    const want = (t: TableDef) => columnsOf(t).map((c) => (c.name === 'ts_ns' && !this.o.legacy ? 'ts' : c.name));
    const present = new Set((await this.t.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = ${literal(this.db)}`)).map((r) => r.name));
    const missing = tables.filter((t) => !present.has(t.name) || !present.has(`${t.name}${LOCAL_SUFFIX}`));
    if (missing.length) {
      await this.t.command(`CREATE DATABASE IF NOT EXISTS ${this.db} ON CLUSTER ${cluster.name}`);
      for (const t of missing) {
        const retention = this.o.retention ?? this.o.periods?.[t.name] ?? DEFAULT_PERIODS.clickhouse[t.retention];
        for (const sql of clickhouseClusterDDL(t, cluster, { legacy: this.o.legacy === true, database: this.db, retention, ...(this.o.storagePolicy ? { storagePolicy: this.o.storagePolicy } : {}) })) await this.t.command(sql);
      }
    }
    for (const t of tables) for (const name of [t.name, `${t.name}${LOCAL_SUFFIX}`]) checkColumns(`ClickHouse database ${this.db} (cluster ${cluster.name})`, name as TableName, want(t), await names(name));
  }

  /** The last whole second {@link ts} formatted, and its `YYYY-MM-DD hh:mm:ss` (rows of a batch share a few seconds). */
  private lastSecond = '';
  private lastDate = '';

  /**
   * The `ts` column of a row: `YYYY-MM-DD hh:mm:ss.fffffffff` from `ts_ns` (18.16: whole seconds),
   * the date part cached per second.
   */
  private ts(ns: string): string {
    let date: string;
    let frac: string;
    if (ns.length > 9 && ns[0] !== '-') {
      const second = ns.slice(0, -9);
      if (second !== this.lastSecond) {
        const iso = formatNanos(BigInt(ns)); // 2026-11-23T01:00:00.123456789Z
        this.lastDate = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
        this.lastSecond = second;
      }
      date = this.lastDate;
      frac = ns.slice(-9);
    } else {
      const iso = formatNanos(BigInt(ns));
      date = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
      frac = iso.slice(20, 29);
    }
    return this.o.legacy ? date : `${date}.${frac}`;
  }

  /** Each table's compiled {@link row} builder. */
  private readonly builders = new Map<TableName, (r: WalRow, token: string, ts: string, ns: string) => Record<string, unknown>>();

  /**
   * A WAL row as ClickHouse columns: each catalog column the row has (its `ts_ns` as `ts`, see
   * {@link ts}; 18.16 keeps `ts_ns` too), and the batch token. Built by a function compiled once per table,
   * one object literal of the catalog's columns, so every row of a table has one shape and
   * `JSON.stringify` takes its fast path; a value of undefined is left out by `JSON.stringify`, as
   * before, and so is a null (since 7 December 2026): JSONEachRow stores a column it is not given as
   * its default, NULL for the catalog's Nullable columns, none of which has a `DEFAULT` expression
   * (test/recorder/categories.test.ts reads the nulls back from chdb and from 18.16). The normal mix's
   * rows are 13 % shorter (739 to 640 bytes of JSON, 52,110 rows); the bench's chdb drain, alternating
   * 4 pairs, 51,826-53,900 rows/s against 46,623-50,482. A key the catalog does not name is not sent
   * (rows.ts makes none: test/recorder/row-codec.test.ts; ClickHouse 18.16 refuses an unknown field).
   * Copying each row's keys into a new object instead took 2.2 s of the reading thread's profile
   * draining 400,000 lines into chdb (issue 19, 7 December 2026).
   */
  row(table: TableName, r: WalRow, token: string): Record<string, unknown> {
    let build = this.builders.get(table);
    if (build === undefined) {
      const names = columnsOf(TABLE_DEFS.get(table)!).map((c) => c.name).filter((n) => n !== 'ts_ns' && n !== 'batch_token');
      // The names are the catalog's own identifiers (test/recorder/clickhouse-rows.test.ts checks them).
      // A null is left out (JSONEachRow stores NULL for it: see above).
      const members = names.map((n) => `${n}: r.${n} === null ? undefined : r.${n}`).join(', ');
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- one literal per catalog table, from the catalog's names
      build = new Function('r', 'token', 'ts', 'ns', `return { ${members}, batch_token: token, ts${this.o.legacy ? ', ts_ns: ns' : ''} };`) as (r: WalRow, token: string, ts: string, ns: string) => Record<string, unknown>;
      this.builders.set(table, build);
    }
    const ns = String(r.ts_ns);
    return build(r, token, this.ts(ns), ns);
  }

  /**
   * Inserts one batch of a table, as one block: into `<table>_local` on a cluster (a replica
   * deduplicates a block it or another replica of its shard already took), else into the table.
   * `insert_deduplication_token` carries the batch token on a current server (18.16 has no such
   * setting: its replicated tables deduplicate by the block's checksum alone).
   */
  async insert(table: TableName, rows: readonly WalRow[], token: string): Promise<void> {
    const settings: Record<string, string | number> = this.o.legacy ? {} : { insert_deduplication_token: token };
    if (this.o.cluster) settings.insert_deduplicate = 1;
    await this.t.insert(`${this.db}.${table}${this.o.cluster ? LOCAL_SUFFIX : ''}`, rows.map((r) => this.row(table, r, token)), settings);
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
      // A table retention emptied: its chain continues at its newest checkpoint.
      const last = o ? undefined : (await this.checkpoints(t.name)).at(-1);
      if (o) out[t.name] = { seq: Number(o.seq), hash: o.row_hash };
      else if (last) out[t.name] = { seq: last.seq - 1, hash: last.prevHash };
    }
    return out;
  }

  /** The storage policy has a volume named `archive` (found by `init`). */
  private archiveVolume = false;

  /**
   * Gives an existing table the TTL its retention now says (`CREATE TABLE IF NOT EXISTS` leaves an
   * existing one as it was): `ALTER TABLE ... MODIFY TTL` when the periods changed, `REMOVE TTL`
   * on a hash-chained table an older tickwatch gave a TTL delete (it would cut the chain with no
   * checkpoint). ClickHouse then applies it to the existing parts (a mutation, once).
   */
  private async syncTtl(t: TableDef, policy: TierPolicy): Promise<void> {
    const want = clickhouseTtl(t, policy, this.archiveVolume);
    const [row] = await this.t.query<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = ${literal(this.db)} AND name = ${literal(t.name)}`);
    // As the server writes it back: `INTERVAL n DAY` as `toIntervalDay(n)`, the default DELETE left out.
    const norm = (x: string | null | undefined) => (x ? x.replace(/INTERVAL (\d+) DAY/g, 'toIntervalDay($1)').replace(/\s+DELETE\b/g, '').replace(/\s+/g, ' ').trim() : null);
    const have = norm(/ TTL (.*?)(?: SETTINGS |$)/.exec(row?.engine_full ?? '')?.[1]);
    if (have === norm(want?.slice(4))) return;
    await this.t.command(want ? `ALTER TABLE ${this.db}.${t.name} MODIFY ${want}` : `ALTER TABLE ${this.db}.${t.name} REMOVE TTL`);
  }

  /**
   * The clean-up job's way in (cleanup.ts): the transport, the database, and what the server can
   * do; none on a cluster (see the module comment), where the clean-up reports that the store has none.
   */
  clickhouseTarget: (() => ClickHouseTarget) | undefined = (): ClickHouseTarget => {
    const t = this.t;
    return {
      command: (sql) => t.command(sql),
      query: (sql, params) => t.query(sql, params),
      insert: (table, rows, settings) => t.insert(table, rows, settings),
      database: this.db,
      legacy: this.o.legacy === true,
      archiveVolume: this.archiveVolume,
    };
  };

  /** A chained table's checkpoints (retention's cuts), lowest seq first; none before the first cut. */
  async checkpoints(table: TableName): Promise<Checkpoint[]> {
    const [has] = await this.t.query<{ n: string | number }>(`SELECT count() AS n FROM system.tables WHERE database = ${literal(this.db)} AND name = '${CHECKPOINT_TABLE}'`);
    if (Number(has?.n ?? 0) === 0) return [];
    const cols = CHECKPOINT_COLUMNS.map((c) => (['seq', 'cut_ns', 'rows_removed', 'created_ns'].includes(c) ? `toString(${c}) AS ${c}` : c));
    const rows = await this.t.query<Record<string, unknown>>(`SELECT ${cols.join(', ')} FROM ${this.db}.${CHECKPOINT_TABLE} WHERE table_name = ${literal(table)} ORDER BY toInt64(seq), toInt64(created_ns)`);
    return rows.map(checkpointOf);
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

  /**
   * One correlation id's rows in every table, with bound parameters. Each table finds them by its
   * bloom filter on `correlation_id` (no table's sorting key starts with it: catalog/tables.ts).
   */
  async search(q: SearchQuery, tables: readonly TableDef[]): Promise<FoundRow[]> {
    const tsNs = this.o.legacy ? 'ts_ns' : 'toUnixTimestamp64Nano(ts)';
    const where = ['correlation_id = {cid:String}'];
    const p: Record<string, unknown> = { cid: q.correlationId };
    if (q.sinceNs !== undefined) (where.push(`${tsNs} >= {since:Int64}`), (p.since = q.sinceNs.toString()));
    if (q.component) (where.push('component = {component:String}'), (p.component = q.component));
    if (q.level) (where.push('level = {level:String}'), (p.level = q.level));
    const parts = tables.map((t) => `SELECT ${literal(t.name)} AS tbl, toString(${tsNs}) AS ns, event, component, level, correlation_id, message, fields FROM ${this.db}.${t.name} WHERE ${where.join(' AND ')}`);
    const rows = await this.bound<{ tbl: TableName; ns: string; event: string; component: string; level: string; correlation_id: string | null; message: string | null; fields: string }>(
      `SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY toInt64(ns), tbl LIMIT ${Math.max(1, Math.floor(q.limit ?? 10_000))}`,
      p,
    );
    return rows.map((r) => ({ table: r.tbl, ts_ns: BigInt(r.ns), event: r.event, component: r.component, level: r.level, correlation_id: r.correlation_id, message: r.message, fields: r.fields }));
  }

  /**
   * Runs a query whose values are `{name:Type}` placeholders: bound server-side, except on 18.16
   * (`legacy`), which has no query parameters: there each is replaced by an escaped literal (an
   * array after `IN` as a tuple, `IN ('a', 'b')`: 18.16 refuses an array there).
   */
  private bound<T>(sql: string, params: Readonly<Record<string, unknown>>): Promise<T[]> {
    if (!this.o.legacy) return this.t.query<T>(sql, params);
    const lit = (v: unknown): string => (Array.isArray(v) ? `[${v.map(lit).join(', ')}]` : typeof v === 'bigint' || typeof v === 'number' ? String(v) : literal(String(v)));
    return this.t.query<T>(
      sql.replace(/(\bIN\s+)?\{(\w+):([^}]+)\}/g, (_m, inOp: string | undefined, name: string, type: string) => {
        if (!(name in params)) throw new Error(`no value for query parameter ${name}`);
        const v = params[name];
        if (inOp && Array.isArray(v) && v.length > 0) return `${inOp}(${v.map(lit).join(', ')})`;
        if (inOp) return `${inOp}${lit(v)}`;
        // A number placeholder is written bare, whether given as a number or its decimal string
        // (nanoseconds are passed as strings): quoted, 18.16 would take it for a String.
        if (/^(U?Int\d+|Float\d+)$/.test(type)) {
          const text = String(v);
          if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`query parameter ${name}: '${text}' is not a ${type}`);
          return text;
        }
        return lit(v);
      }),
    );
  }

  /**
   * Adds a `[sinceNs, untilNs)` time range to a query's conditions and parameters, on the sort key's
   * own `ts` column so ClickHouse prunes granules (and months) by it; on 18.16 (`ts` in seconds)
   * `ts_ns` then cuts it to the nanosecond.
   */
  private timeRange(q: { readonly sinceNs?: bigint; readonly untilNs?: bigint }, where: string[], p: Record<string, unknown>): void {
    if (q.sinceNs !== undefined) {
      where.push(this.o.legacy ? 'ts >= toDateTime(intDiv({since:Int64}, 1000000000)) AND ts_ns >= {since:Int64}' : 'ts >= fromUnixTimestamp64Nano({since:Int64})');
      p.since = q.sinceNs.toString();
    }
    if (q.untilNs !== undefined) {
      where.push(this.o.legacy ? 'ts <= toDateTime(intDiv({until:Int64}, 1000000000)) AND ts_ns < {until:Int64}' : 'ts < fromUnixTimestamp64Nano({until:Int64})');
      p.until = q.untilNs.toString();
    }
  }

  /**
   * Searches the log stream with bound parameters. The table is sorted by (component, ts), so a
   * one-component time range reads only its own granules; other components need a time scan of
   * the partitions (months) the range falls in.
   */
  async searchLogs(q: LogQuery): Promise<LogRow[]> {
    const ns = this.o.legacy ? 'ts_ns' : 'toUnixTimestamp64Nano(ts)';
    const where: string[] = [];
    const p: Record<string, unknown> = {};
    this.timeRange(q, where, p);
    if (q.components?.length) (where.push('component IN {components:Array(String)}'), (p.components = [...q.components]));
    if (q.minLevel && q.minLevel !== 'trace') (where.push('level IN {levels:Array(String)}'), (p.levels = levelsFrom(q.minLevel)));
    if (q.event !== undefined) {
      if (/[*?]/.test(q.event)) (where.push('event LIKE {event:String}'), (p.event = globToLike(q.event)));
      else (where.push('event = {event:String}'), (p.event = q.event));
    }
    for (const [col, key, v] of [
      ['status', 'status', q.status],
      ['correlation_id', 'cid', q.correlationId],
      ['intent_id', 'iid', q.intentId],
      ['trace_id', 'tid', q.traceId],
    ] as const) {
      if (v !== undefined) (where.push(`${col} = {${key}:String}`), (p[key] = v));
    }
    if (q.text !== undefined) (where.push('position(message, {text:String}) > 0'), (p.text = q.text));
    if (q.after) {
      where.push(`(${ns} > {after_ts:Int64} OR (${ns} = {after_ts:Int64} AND fields > {after_fields:String}))`);
      p.after_ts = q.after.tsNs.toString();
      p.after_fields = q.after.fields;
    }
    const limit = Math.max(1, Math.min(10_000, Math.floor(q.limit)));
    const rows = await this.bound<{
      ns: string;
      event: string;
      component: string;
      level: string;
      correlation_id: string | null;
      intent_id: string | null;
      trace_id: string | null;
      message: string | null;
      status: string | null;
      duration_ns: string | number | null;
      format: string | null;
      fields: string;
    }>(
      `SELECT toString(${ns}) AS ns, event, component, level, correlation_id, intent_id, trace_id, message, status, duration_ns, format, fields FROM ${this.db}.logs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${ns}, fields LIMIT ${limit}`,
      p,
    );
    return rows.map((r) => ({
      ts_ns: BigInt(r.ns),
      event: r.event,
      component: r.component,
      level: r.level,
      correlation_id: r.correlation_id,
      intent_id: r.intent_id,
      trace_id: r.trace_id,
      message: r.message,
      status: r.status,
      duration_ns: r.duration_ns === null ? null : Number(r.duration_ns),
      format: r.format,
      fields: r.fields,
    }));
  }

  async execTime(sinceNs: bigint, untilNs: bigint): Promise<ExecTimeRow[]> {
    const window = this.o.legacy ? 'ts_ns >= {since:Int64} AND ts_ns < {until:Int64}' : 'ts >= fromUnixTimestamp64Nano({since:Int64}) AND ts < fromUnixTimestamp64Nano({until:Int64})';
    const rows = await this.bound<{ component: string; n: string | number; avg_ns: number; max_ns: string | number }>(
      `SELECT component, count() AS n, avg(duration_ns) AS avg_ns, max(duration_ns) AS max_ns FROM ${this.db}.logs WHERE ${window} AND isNotNull(duration_ns) GROUP BY component ORDER BY component`,
      { since: sinceNs.toString(), until: untilNs.toString() },
    );
    return rows.map((r) => ({ component: r.component, events: Number(r.n), avg_ns: Number(r.avg_ns), max_ns: Number(r.max_ns) }));
  }

  /** The alert history, newest first, with bound parameters (escaped literals on 18.16). */
  async searchAlerts(q: AlertQuery): Promise<AlertRow[]> {
    const ns = this.o.legacy ? 'ts_ns' : 'toUnixTimestamp64Nano(ts)';
    const where: string[] = [];
    const p: Record<string, unknown> = {};
    this.timeRange(q, where, p);
    for (const [col, v] of [['severity', q.severity], ['status', q.status], ['alertname', q.alertname]] as const) if (v !== undefined) (where.push(`${col} = {${col}:String}`), (p[col] = v));
    if (q.dedupKeys) {
      if (q.dedupKeys.length === 0) return [];
      where.push('has({keys:Array(String)}, dedup_key)');
      p.keys = [...q.dedupKeys];
    }
    const limit = Math.max(1, Math.min(10_000, Math.floor(q.limit)));
    const cols = ALERT_ROW_COLUMNS.map((c) => (c.endsWith('_at_ns') ? `toString(${c}) AS ${c}` : c));
    const rows = await this.bound<Record<string, unknown>>(
      `SELECT toString(${ns}) AS ns, ${cols.join(', ')} FROM ${this.db}.alert_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${ns} DESC, fingerprint, status LIMIT ${limit}`,
      p,
    );
    return rows.map((r) => alertRowOf(r, r.ns));
  }

  close(): Promise<void> {
    return this.t.close();
  }
}
