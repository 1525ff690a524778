/**
 * The embedded default store: one DuckDB file, no server. Rows go in through DuckDB's appender
 * (its bulk-load path) inside a transaction per table batch. Retention is a DELETE of rows older
 * than the table's retention, run by {@link DuckDbStore.prune}.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { columnsOf, DEFAULT_RETENTION, duckdbDDL, type RetentionDays, type TableDef, type TableName } from '../tables.js';
import type { ChainHead, ChainHeads } from '../chain.js';
import { checkColumns, type AuditStore, type FoundRow, type SearchQuery, type WalRow } from './store.js';

/** DuckDB-backed audit store. */
export class DuckDbStore implements AuditStore {
  readonly kind = 'embedded' as const;
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly defs: Map<string, TableDef>,
    private readonly path: string,
  ) {}

  /**
   * Opens (or creates) the database file.
   * @param path - file path, or ':memory:'
   */
  static async open(path: string): Promise<DuckDbStore> {
    const instance = await DuckDBInstance.create(path);
    const conn = await instance.connect();
    return new DuckDbStore(instance, conn, new Map(), path);
  }

  /** @throws StoreSchemaError when an existing table lacks columns this version writes */
  async init(tables: readonly TableDef[]): Promise<void> {
    for (const t of tables) {
      await this.conn.run(duckdbDDL(t));
      const r = await this.conn.runAndReadAll('SELECT column_name FROM information_schema.columns WHERE table_name = $t', { t: t.name });
      checkColumns(this.path, t.name, columnsOf(t).map((c) => c.name), r.getRowObjects().map((o) => String(o.column_name)));
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
    const def = this.defs.get(table);
    if (!def) throw new Error(`table ${table} is not initialised`);
    const cols = columnsOf(def);
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
