/**
 * The embedded default store: one DuckDB file, no server. Rows go in through DuckDB's appender
 * (its bulk-load path) inside a transaction per table batch. Retention is a DELETE of rows older
 * than the table's retention, run by {@link DuckDbStore.prune}.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { columnsOf, DEFAULT_RETENTION, type Column, type RetentionDays, type TableDef, type TableName } from '../../catalog/tables.js';
import { addableColumns, duckdbDDL, DUCKDB_TYPES } from '../ddl.js';
import type { ChainHead, ChainHeads } from '../chain.js';
import { checkColumns, globToLike, levelsFrom, type AuditStore, type ExecTimeRow, type FoundRow, type LogQuery, type LogRow, type SearchQuery, type WalRow } from './store.js';

/** DuckDB-backed audit store. */
export class DuckDbStore implements AuditStore {
  readonly kind = 'embedded' as const;
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly defs: Map<string, TableDef>,
    private readonly path: string,
  ) {}

  /** Each table's columns in the order the file holds them (added columns come last), for the appender. */
  private readonly physical = new Map<string, readonly Column[]>();

  /**
   * Opens (or creates) the database file.
   * @param path - file path, or ':memory:'
   */
  static async open(path: string): Promise<DuckDbStore> {
    const instance = await DuckDBInstance.create(path);
    const conn = await instance.connect();
    return new DuckDbStore(instance, conn, new Map(), path);
  }

  /**
   * Creates missing tables, and adds in place the nullable columns a table of an older tickwatch
   * lacks (see `addableColumns`).
   * @throws StoreSchemaError when an existing table lacks other columns this version writes
   */
  async init(tables: readonly TableDef[]): Promise<void> {
    for (const t of tables) {
      await this.conn.run(duckdbDDL(t));
      const names = async () =>
        (await this.conn.runAndReadAll('SELECT column_name FROM information_schema.columns WHERE table_name = $t ORDER BY ordinal_position', { t: t.name })).getRowObjects().map((o) => String(o.column_name));
      let have = await names();
      const add = addableColumns(t, have);
      for (const c of add) await this.conn.run(`ALTER TABLE ${t.name} ADD COLUMN ${c.name} ${DUCKDB_TYPES[c.type]}`);
      if (add.length) have = await names();
      checkColumns(this.path, t.name, columnsOf(t).map((c) => c.name), have);
      const byName = new Map(columnsOf(t).map((c) => [c.name, c]));
      // A column this version does not know (added by hand) gets nulls, so the appender stays aligned.
      this.physical.set(t.name, have.map((n): Column => byName.get(n) ?? { name: n, type: 'string' }));
      this.defs.set(t.name, t);
    }
  }

  async insert(table: TableName, rows: readonly WalRow[], token: string): Promise<void> {
    await this.insertBatch(new Map([[table, rows]]), token);
  }

  /** Every table of a batch in one transaction: all of it is in the store, or none. */
  async insertBatch(tables: ReadonlyMap<TableName, readonly WalRow[]>, token: string): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      for (const [table, rows] of tables) await this.append(table, rows, token);
      await this.conn.run('COMMIT');
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  private async append(table: TableName, rows: readonly WalRow[], token: string): Promise<void> {
    const cols = this.physical.get(table);
    if (!cols) throw new Error(`table ${table} is not initialised`);
    {
      const app = await this.conn.createAppender(table);
      for (const r of rows) {
        for (const c of cols) {
          // The batch token is the insert's own, so a replay can find what a lost reply hid.
          const v = c.name === 'batch_token' ? token : r[c.name];
          if (v === null || v === undefined) app.appendNull();
          else if (c.type === 'ts_ns' || c.type === 'int') app.appendBigInt(BigInt(v as string | number | bigint));
          else if (c.type === 'float') app.appendDouble(Number(v));
          else app.appendVarchar(String(v));
        }
        app.endRow();
      }
      app.closeSync();
    }
  }

  async countByToken(table: TableName, token: string): Promise<number> {
    const r = await this.conn.runAndReadAll(`SELECT count(*) AS n FROM ${table} WHERE batch_token = $token`, { token });
    return Number(r.getRowObjects()[0]!.n);
  }

  async count(table: TableName): Promise<number> {
    const r = await this.conn.runAndReadAll(`SELECT count(*) AS n FROM ${table}`);
    return Number(r.getRowObjects()[0]!.n);
  }

  async chainHeads(tables: readonly TableDef[]): Promise<ChainHeads> {
    const out: Partial<Record<TableName, ChainHead>> = {};
    for (const t of tables) {
      if (!t.chained) continue;
      const r = await this.conn.runAndReadAll(`SELECT chain_seq, row_hash FROM ${t.name} ORDER BY chain_seq DESC LIMIT 1`);
      const o = r.getRowObjects()[0];
      if (o) out[t.name] = { seq: Number(o.chain_seq), hash: String(o.row_hash) };
    }
    return out;
  }

  /** Rows with `chain_seq` from the first above `afterSeq` to `span - 1` past it, in chain order. */
  async readChain(t: TableDef, afterSeq: number, span: number): Promise<Record<string, unknown>[]> {
    const cols = columnsOf(t).map((c) => c.name);
    const r = await this.conn.runAndReadAll(
      `SELECT ${cols.join(', ')} FROM ${t.name} WHERE chain_seq > $after AND chain_seq < (SELECT min(chain_seq) FROM ${t.name} WHERE chain_seq > $after) + $span ORDER BY chain_seq`,
      { after: BigInt(afterSeq), span: BigInt(span) },
    );
    return r.getRowObjects();
  }

  async search(q: SearchQuery, tables: readonly TableDef[]): Promise<FoundRow[]> {
    const parts = tables.map(
      (t) =>
        `SELECT '${t.name}' AS tbl, ts_ns, event, component, level, correlation_id, message, fields FROM ${t.name}
         WHERE correlation_id = $cid AND ts_ns >= $since ${q.component ? 'AND component = $component' : ''} ${q.level ? 'AND level = $level' : ''}`,
    );
    const sql = `${parts.join(' UNION ALL ')} ORDER BY ts_ns, tbl LIMIT ${Math.max(1, Math.floor(q.limit ?? 10_000))}`;
    const params: Record<string, string | bigint> = { cid: q.correlationId, since: q.sinceNs ?? 0n };
    if (q.component) params.component = q.component;
    if (q.level) params.level = q.level;
    const r = await this.conn.runAndReadAll(sql, params);
    return r.getRowObjects().map((o) => ({
      table: o.tbl as TableName,
      ts_ns: BigInt(o.ts_ns as bigint),
      event: String(o.event),
      component: String(o.component),
      level: String(o.level),
      correlation_id: (o.correlation_id as string | null) ?? null,
      message: (o.message as string | null) ?? null,
      fields: String(o.fields),
    }));
  }

  /**
   * Searches the log stream with bound parameters. Rows arrive in time order (batches are appended
   * in stream order), so DuckDB's per-row-group min/max of `ts_ns` skips every row group outside the
   * time range before any other filter runs.
   */
  async searchLogs(q: LogQuery): Promise<LogRow[]> {
    const where: string[] = [];
    const p: Record<string, string | bigint> = {};
    if (q.sinceNs !== undefined) (where.push('ts_ns >= $since'), (p.since = q.sinceNs));
    if (q.untilNs !== undefined) (where.push('ts_ns < $until'), (p.until = q.untilNs));
    if (q.components?.length) {
      where.push(`component IN (${q.components.map((_, i) => `$c${i}`).join(', ')})`);
      q.components.forEach((c, i) => (p[`c${i}`] = c));
    }
    if (q.minLevel && q.minLevel !== 'trace') {
      const levels = levelsFrom(q.minLevel);
      where.push(`level IN (${levels.map((_, i) => `$l${i}`).join(', ')})`);
      levels.forEach((l, i) => (p[`l${i}`] = l));
    }
    if (q.event !== undefined) {
      if (/[*?]/.test(q.event)) (where.push("event LIKE $event ESCAPE '\\'"), (p.event = globToLike(q.event)));
      else (where.push('event = $event'), (p.event = q.event));
    }
    for (const [col, key, v] of [
      ['status', 'status', q.status],
      ['correlation_id', 'cid', q.correlationId],
      ['intent_id', 'iid', q.intentId],
      ['trace_id', 'tid', q.traceId],
    ] as const) {
      if (v !== undefined) (where.push(`${col} = $${key}`), (p[key] = v));
    }
    if (q.text !== undefined) (where.push('contains(message, $text)'), (p.text = q.text));
    if (q.after) (where.push('(ts_ns > $after_ts OR (ts_ns = $after_ts AND fields > $after_fields))'), (p.after_ts = q.after.tsNs), (p.after_fields = q.after.fields));
    const limit = Math.max(1, Math.min(10_000, Math.floor(q.limit)));
    const sql = `SELECT ts_ns, event, component, level, correlation_id, intent_id, trace_id, message, status, duration_ns, format, fields FROM logs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ts_ns, fields LIMIT ${limit}`;
    const r = await this.conn.runAndReadAll(sql, p);
    return r.getRowObjects().map((o) => ({
      ts_ns: BigInt(o.ts_ns as bigint),
      event: String(o.event),
      component: String(o.component),
      level: String(o.level),
      correlation_id: (o.correlation_id as string | null) ?? null,
      intent_id: (o.intent_id as string | null) ?? null,
      trace_id: (o.trace_id as string | null) ?? null,
      message: (o.message as string | null) ?? null,
      status: (o.status as string | null) ?? null,
      duration_ns: o.duration_ns === null || o.duration_ns === undefined ? null : Number(o.duration_ns),
      format: (o.format as string | null) ?? null,
      fields: String(o.fields),
    }));
  }

  async execTime(sinceNs: bigint, untilNs: bigint): Promise<ExecTimeRow[]> {
    const r = await this.conn.runAndReadAll(
      'SELECT component, count(*) AS n, avg(duration_ns) AS avg_ns, max(duration_ns) AS max_ns FROM logs WHERE ts_ns >= $since AND ts_ns < $until AND duration_ns IS NOT NULL GROUP BY component ORDER BY component',
      { since: sinceNs, until: untilNs },
    );
    return r.getRowObjects().map((o) => ({ component: String(o.component), events: Number(o.n), avg_ns: Number(o.avg_ns), max_ns: Number(o.max_ns) }));
  }

  /**
   * Deletes rows past their retention.
   * @param nowNs - current time, nanoseconds since the epoch
   * @returns rows deleted per table
   */
  async prune(nowNs: bigint, retention: RetentionDays = DEFAULT_RETENTION): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of this.defs.values()) {
      const cutoff = nowNs - BigInt(retention[t.retention]) * 86_400_000_000_000n;
      const r = await this.conn.runAndReadAll(`DELETE FROM ${t.name} WHERE ts_ns < $cutoff RETURNING 1`, { cutoff });
      out[t.name] = r.currentRowCount;
    }
    return out;
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
