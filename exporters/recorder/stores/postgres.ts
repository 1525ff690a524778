/**
 * The PostgreSQL audit store (seed 002's database), through the maintained `pg` client with a
 * connection pool. It holds every table of tables.ts (the audit tables with their hash chains, the
 * seeds' categories and the log stream `logs`, with the same columns as DuckDB: ddl.ts
 * `postgresDDL`) and seed 002's log tables (`system_logs`, `archived_system_logs`, `trading_logs`,
 * `performance_logs` with its four indexes: ddl.ts `seed002DDL`, which documents our reading of
 * seed 002), filled from the same rows.
 *
 * A batch is one transaction: a row per table in the batch ledger `tickwatch_batches` (token,
 * table, rows), the rows of every table, and the seed-002 rows derived from them (`system_logs` from
 * the `logs` rows, `trading_logs` from the `audit_orders` rows, `performance_logs` from the
 * `performance_log` rows), then one commit: all of it is in the store, or none. A token already in
 * the ledger is skipped inside the same transaction (`ON CONFLICT DO NOTHING`), so writing a batch
 * twice, a retry after a lost reply or a replay after a crash, never writes it twice, and the
 * recorder's replay check (`countByToken`) reads the ledger instead of scanning a table.
 *
 * Every value reaches the server as a bound parameter: one `INSERT ... SELECT FROM unnest($1::type[],
 * ...)` per table and batch (a parameter per column, not per value, so batches of any size fit), and
 * `$n` placeholders in every search. Each connection has a connect timeout, a server-side statement
 * timeout and a client-side query timeout (a hung server fails a write instead of stalling the
 * recorder), and errors name the server, what failed and PostgreSQL's message.
 *
 * PostgreSQL's TEXT cannot hold U+0000, and its UTF-8 cannot hold an unpaired surrogate: such
 * characters of a line's fields (JSON escapes like `\u0000` decode to them) are stored as U+FFFD;
 * `fields` itself, the line as written, never contains them, so hashes are unaffected, and verify
 * compares columns with that substitution (`storableText`, store.ts).
 */
import pg from 'pg';
import { columnsOf, DEFAULT_RETENTION, TABLE_DEFS, type RetentionDays, type TableDef, type TableName } from '../../catalog/tables.js';
import type { ChainHead, ChainHeads } from '../chain.js';
import { addableColumns, POSTGRES_LEDGER_DDL, POSTGRES_TYPES, postgresDDL, seed002DDL, SEED002_COLUMNS, SEED002_TABLES, SYSTEM_LOG_COLUMNS, type Seed002Table } from '../ddl.js';
import { eventFromLine } from '../rows.js';
import { checkColumns, globToLike, levelsFrom, storableText as pgText, StoreSchemaError, type AuditStore, type ExecTimeRow, type FoundRow, type LogQuery, type LogRow, type SearchQuery, type WalRow } from './store.js';
import { ALERT_ROW_COLUMNS, alertRowOf, type AlertQuery, type AlertRow } from './store.js';
import type { Checkpoint } from '../checkpoint.js';
import { keptDays, type TierPolicy } from '../../catalog/retention.js';
import { archiveOf, chainSource, retainedHead, sqlCheckpoints, withArchive, type SqlBackend, type SqlRunner } from './retained.js';

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /** How long to wait for a connection, ms (default 5,000). */
  readonly connectTimeoutMs?: number;
  /** Server-side `statement_timeout`, ms (default 30,000); the client gives up 5 s after it. */
  readonly statementTimeoutMs?: number;
  /** Connections in the pool (default 4). */
  readonly poolSize?: number;
  /** `application_name`, as `pg_stat_activity` shows it (default `tickwatch-recorder`). */
  readonly applicationName?: string;
}

/**
 * Retention of seed 002's tables, days: `system_logs` rows move to `archived_system_logs` after 30,
 * which keeps them to 90; `trading_logs` keeps 90. (`performance_logs` follows `performance_log`'s
 * retention class, and the batch ledger the `logs` class.)
 */
export const SEED002_RETENTION = { systemLogs: 30, archive: 90, tradingLogs: 90 } as const;

/** `tickwatch`'s levels as Loguru names them (seed 002's `level` column). */
export const LOGURU_LEVELS: Readonly<Record<string, string>> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR', fatal: 'CRITICAL' };

/** `trading_logs.status` of an order-flow event (see ddl.ts `SEED002_TABLES`). */
function tradingStatus(event: string, leaves: unknown): string {
  if (event === 'execution.fill') return typeof leaves === 'number' && leaves > 0 ? 'PARTIALLY_FILLED' : 'FILLED';
  if (event === 'strategy.intent') return 'INTENT';
  return event.slice(event.indexOf('.') + 1).toUpperCase();
}

/** A JSON value with every string (keys included) made storable by {@link pgText}. */
function storable(v: unknown): unknown {
  if (typeof v === 'string') return pgText(v);
  if (Array.isArray(v)) return v.map(storable);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[pgText(k)] = storable(x);
    return out;
  }
  return v;
}

/** A column value as a bound array element: text made storable, numbers as they are, null for absent. */
function param(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? pgText(v) : v;
}

/** An integer that fits an INTEGER column, or null. */
const int32 = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Envelope keys: columns of every seed-002 table, never repeated in `extra`. */
const ENVELOPE_KEYS = ['ts', 'component', 'level', 'event', 'message', 'correlation_id', 'intent_id', 'trace_id'];
const EXTRA_SKIP: Readonly<Record<'system' | 'trading' | 'performance', ReadonlySet<string>>> = {
  system: new Set([...ENVELOPE_KEYS, 'logger', 'function', 'line', 'exception']),
  trading: new Set([...ENVELOPE_KEYS, 'strategy', 'order_id', 'trade_id', 'symbol', 'side', 'qty', 'price']),
  performance: new Set([...ENVELOPE_KEYS, 'service', 'operation', 'execution_time_ms', 'cpu_percent', 'memory_mb']),
};

/**
 * The event a stored row stands for (its line read again the way it was first read), or an empty
 * object when the line no longer reads (then the seed-002 row carries the row's columns alone).
 */
function eventOf(r: WalRow): Record<string, unknown> {
  try {
    return eventFromLine(String(r.fields), r.format === null || r.format === undefined ? null : String(r.format), r.component === null || r.component === undefined ? null : String(r.component)) as unknown as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The fields of `ev` not in `skip`, as storable JSONB text. */
function extraOf(ev: Record<string, unknown>, skip: ReadonlySet<string>): string {
  const out: Record<string, unknown> = {};
  for (const k in ev) if (!skip.has(k) && ev[k] !== undefined) out[k] = ev[k];
  return JSON.stringify(storable(out));
}

/** A seed-002 table's insert: its columns after `timestamp` with their array types, and the values per column. */
interface SeedInsert {
  readonly table: Seed002Table;
  readonly columns: readonly (readonly [name: string, type: string])[];
  readonly values: unknown[][];
}

/** `timestamp` from `ts_ns` (nanoseconds) to microseconds, exactly (float8 holds microseconds since 1970 exactly). */
const TIMESTAMP_FROM_NS = "'epoch'::timestamptz + (u.ts_ns / 1000) * interval '1 microsecond'";

/** The seed-002 rows of a batch's rows (see the module comment), one insert per table with rows. */
function seedInserts(tables: ReadonlyMap<TableName, readonly WalRow[]>, token: string): SeedInsert[] {
  const out: SeedInsert[] = [];
  const logs = tables.get('logs');
  if (logs?.length) {
    const columns = [
      ['ts_ns', 'bigint'],
      ['level', 'text'],
      ['service', 'text'],
      ['module', 'text'],
      ['function', 'text'],
      ['line', 'int'],
      ['message', 'text'],
      ['exception', 'text'],
      ['correlation_id', 'text'],
      ['intent_id', 'text'],
      ['trace_id', 'text'],
      ['extra', 'jsonb'],
      ['event_type', 'text'],
      ['batch_token', 'text'],
    ] as const;
    const values: unknown[][] = columns.map(() => []);
    for (const r of logs) {
      const ev = eventOf(r);
      const exception = ev.exception === undefined || ev.exception === null ? null : typeof ev.exception === 'string' ? ev.exception : JSON.stringify(ev.exception);
      const row = [r.ts_ns, LOGURU_LEVELS[String(r.level)] ?? String(r.level).toUpperCase(), r.component, str(ev.logger), str(ev.function), int32(ev.line), r.message, exception, r.correlation_id, r.intent_id, r.trace_id, extraOf(ev, EXTRA_SKIP.system), r.event, token];
      row.forEach((v, i) => values[i]!.push(param(v)));
    }
    out.push({ table: 'system_logs', columns, values });
  }
  const orders = tables.get('audit_orders');
  if (orders?.length) {
    const columns = [
      ['ts_ns', 'bigint'],
      ['level', 'text'],
      ['service', 'text'],
      ['message', 'text'],
      ['strategy', 'text'],
      ['order_id', 'text'],
      ['trade_id', 'text'],
      ['symbol', 'text'],
      ['side', 'text'],
      ['quantity', 'float8'],
      ['price', 'float8'],
      ['status', 'text'],
      ['correlation_id', 'text'],
      ['intent_id', 'text'],
      ['extra', 'jsonb'],
      ['event_type', 'text'],
      ['batch_token', 'text'],
    ] as const;
    const values: unknown[][] = columns.map(() => []);
    for (const r of orders) {
      const ev = eventOf(r);
      const row = [r.ts_ns, LOGURU_LEVELS[String(r.level)] ?? String(r.level).toUpperCase(), r.component, r.message, r.strategy, r.order_id, str(ev.trade_id), r.symbol, r.side, r.qty, r.price, tradingStatus(String(r.event), r.leaves_qty), r.correlation_id, r.intent_id, extraOf(ev, EXTRA_SKIP.trading), r.event, token];
      row.forEach((v, i) => values[i]!.push(param(v)));
    }
    out.push({ table: 'trading_logs', columns, values });
  }
  const perf = tables.get('performance_log');
  if (perf?.length) {
    const columns = [
      ['ts_ns', 'bigint'],
      ['service', 'text'],
      ['operation', 'text'],
      ['execution_time_ms', 'float8'],
      ['cpu_percent', 'float8'],
      ['memory_mb', 'float8'],
      ['extra', 'jsonb'],
      ['event_type', 'text'],
      ['batch_token', 'text'],
    ] as const;
    const values: unknown[][] = columns.map(() => []);
    for (const r of perf) {
      const ev = eventOf(r);
      const row = [r.ts_ns, r.service, r.operation, num(r.execution_time_ms), num(r.cpu_percent), num(r.memory_mb), extraOf(ev, EXTRA_SKIP.performance), r.event, token];
      row.forEach((v, i) => values[i]!.push(param(v)));
    }
    out.push({ table: 'performance_logs', columns, values });
  }
  return out;
}

/** A connection URL without its password, for messages: `host:port/database`. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : '/'}`;
  } catch {
    return '(an unparsable URL)';
  }
}

/** PostgreSQL-backed audit store (see the module comment). */
export class PostgresStore implements AuditStore {
  readonly kind = 'postgres' as const;
  /** The tables `init` made, for `prune`. */
  private readonly defs = new Map<TableName, TableDef>();

  private constructor(
    private readonly pool: pg.Pool,
    /** The server as messages name it (no password). */
    readonly where: string,
  ) {}

  /**
   * A store on the server `url` names (`postgres://user[:password]@host[:port]/database`; a password
   * may also come from `PGPASSWORD`). Connects lazily: a server that is down fails the first query,
   * not this call.
   * @throws Error when `url` is not a PostgreSQL URL
   */
  static open(url: string, o: PostgresStoreOptions = {}): PostgresStore {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    if (scheme !== 'postgres' && scheme !== 'postgresql') throw new Error(`--postgres-url: expected postgres://user@host:port/database, got ${scheme ? `a ${scheme}: URL` : 'no URL'}`);
    const statementTimeout = o.statementTimeoutMs ?? 30_000;
    const pool = new pg.Pool({
      connectionString: url,
      max: o.poolSize ?? 4,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 5_000,
      statement_timeout: statementTimeout,
      query_timeout: statementTimeout + 5_000,
      idle_in_transaction_session_timeout: statementTimeout * 2,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: o.applicationName ?? 'tickwatch-recorder',
    });
    // An idle connection the server closes (a restart, an outage) is reported here; without a
    // listener it would crash the process. The next query fails, names it, and is retried.
    pool.on('error', () => undefined);
    return new PostgresStore(pool, describeUrl(url));
  }

  /** An Error naming the server, what failed and PostgreSQL's message (and detail), with the original as `cause`. */
  private failure(what: string, err: unknown): Error {
    if (err instanceof StoreSchemaError) return err;
    const e = err as Error;
    // The server's own errors carry their SQLSTATE and often a detail (which row, which key).
    const msg = err instanceof pg.DatabaseError ? `${err.message} (SQLSTATE ${err.code ?? '?'})${err.detail ? `: ${err.detail}` : ''}` : (e.message ?? String(err));
    return new Error(`PostgreSQL ${this.where}: ${what} failed: ${msg}`, { cause: err });
  }

  /**
   * Runs `fn` on one pooled connection (in a transaction when `tx`); a connection that failed is
   * dropped, not reused (the server rolls back what it had open).
   */
  private async use<T>(what: string, fn: (c: pg.PoolClient) => Promise<T>, tx = false): Promise<T> {
    let c: pg.PoolClient;
    try {
      c = await this.pool.connect();
    } catch (err) {
      throw this.failure(`connecting (${what})`, err);
    }
    // A checked-out connection the server drops between queries reports it as an 'error' event,
    // which the pool does not listen to while the connection is out: without a listener it would
    // crash the process. The query in flight, or the next, fails and says why.
    const dropped = () => undefined;
    c.on('error', dropped);
    try {
      if (tx) await c.query('BEGIN');
      const out = await fn(c);
      if (tx) await c.query('COMMIT');
      c.removeListener('error', dropped);
      c.release();
      return out;
    } catch (err) {
      c.removeListener('error', dropped);
      c.release(true);
      throw this.failure(what, err);
    }
  }

  /** One query on a pooled connection; the rows. */
  private async rows<T extends Record<string, unknown>>(what: string, sql: string, params: unknown[] = []): Promise<T[]> {
    return this.use(what, async (c) => (await c.query<T>(sql, params)).rows);
  }

  /**
   * Creates the missing tables (every table of `tables`, seed 002's four with their indexes, and the
   * batch ledger) in one transaction, under an advisory lock so that two recorders starting together
   * do not race, and adds in place the nullable columns a table of an older tickwatch lacks.
   * @throws StoreSchemaError when an existing table lacks other columns this version writes (a
   *   `system_logs` made by another program, say): named, with the columns
   * @throws Error when the server cannot be reached or refuses the DDL
   */
  async init(tables: readonly TableDef[]): Promise<void> {
    // A complete schema needs no DDL: so a recorder role with only INSERT and SELECT (access.ts) starts.
    if (await this.schemaComplete(tables)) {
      for (const t of tables) this.defs.set(t.name, t);
      return;
    }
    const problems: StoreSchemaError[] = [];
    await this.use(
      'creating the tables',
      async (c) => {
        await c.query("SELECT pg_advisory_xact_lock(hashtext('tickwatch.recorder.init'))");
        // Tables first, indexes once a table's columns are known to be ours (an index on a column
        // a foreign table lacks would fail the whole DDL instead of naming the table).
        const ddl = new Map<string, readonly string[]>([...tables.map((t) => [t.name, postgresDDL(t)] as const), ...seed002DDL()]);
        const indexes: string[] = [];
        const failed = new Set<string>();
        for (const stmts of ddl.values()) for (const sql of stmts) if (sql.startsWith('CREATE TABLE')) await c.query(sql);
        await c.query(POSTGRES_LEDGER_DDL);
        const names = [...tables.map((t) => t.name), ...SEED002_TABLES];
        const have = new Map<string, string[]>();
        const cols = await c.query<{ table_name: string; column_name: string }>(
          'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1::text[]) ORDER BY table_name, ordinal_position',
          [names],
        );
        for (const r of cols.rows) (have.get(r.table_name) ?? have.set(r.table_name, []).get(r.table_name)!).push(r.column_name);
        for (const t of tables) {
          const present = have.get(t.name) ?? [];
          for (const col of addableColumns(t, present)) {
            await c.query(`ALTER TABLE ${t.name} ADD COLUMN IF NOT EXISTS ${col.name} ${POSTGRES_TYPES[col.type]}`);
            present.push(col.name);
          }
          try {
            checkColumns(`PostgreSQL ${this.where}`, t.name, columnsOf(t).map((x) => x.name), present);
          } catch (err) {
            problems.push(err as StoreSchemaError);
            failed.add(t.name);
          }
        }
        for (const name of SEED002_TABLES) {
          try {
            checkColumns(`PostgreSQL ${this.where}`, name, SEED002_COLUMNS[name], have.get(name) ?? []);
          } catch (err) {
            problems.push(err as StoreSchemaError);
            failed.add(name);
          }
        }
        for (const [name, stmts] of ddl) if (!failed.has(name)) indexes.push(...stmts.filter((s) => s.startsWith('CREATE INDEX')));
        for (const sql of indexes) await c.query(sql);
      },
      true,
    );
    if (problems.length) throw new StoreSchemaError(problems.map((p) => p.message).join('\n'));
    for (const t of tables) this.defs.set(t.name, t);
  }

  /**
   * Whether every table of `tables`, seed 002's and the batch ledger exist with every column this
   * version writes (then `init` runs no DDL: a role without CREATE, owning no table, can start).
   */
  private async schemaComplete(tables: readonly TableDef[]): Promise<boolean> {
    const want = new Map<string, readonly string[]>([...tables.map((t) => [t.name, columnsOf(t).map((c) => c.name)] as const), ...SEED002_TABLES.map((n) => [n, SEED002_COLUMNS[n]] as const), ['tickwatch_batches', ['token', 'table_name']]]);
    const cols = await this.rows<{ table_name: string; column_name: string }>(
      'checking the tables',
      'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1::text[])',
      [[...want.keys()]],
    );
    const have = new Map<string, Set<string>>();
    for (const r of cols) (have.get(r.table_name) ?? have.set(r.table_name, new Set()).get(r.table_name)!).add(r.column_name);
    for (const [name, columns] of want) {
      const h = have.get(name);
      if (!h || columns.some((c) => !h.has(c))) return false;
    }
    return true;
  }

  async insert(table: TableName, rows: readonly WalRow[], token: string): Promise<void> {
    await this.insertBatch(new Map([[table, rows]]), token);
  }

  /**
   * Writes a whole batch in one transaction (see the module comment): the ledger, every table's
   * rows, the seed-002 rows. Tables of the batch already in the ledger under `token` are skipped.
   * @throws Error naming the server, the batch and PostgreSQL's message; nothing of the batch is in
   *   the store then
   */
  async insertBatch(tables: ReadonlyMap<TableName, readonly WalRow[]>, token: string): Promise<void> {
    const present = [...tables].filter(([, rows]) => rows.length > 0);
    if (!present.length) return;
    await this.use(
      `writing batch ${token}`,
      async (c) => {
        const ledger = await c.query<{ table_name: TableName }>(
          'INSERT INTO tickwatch_batches (token, table_name, rows) SELECT $1, u.t, u.n FROM unnest($2::text[], $3::int[]) AS u(t, n) ON CONFLICT DO NOTHING RETURNING table_name',
          [token, present.map(([t]) => t), present.map(([, rows]) => rows.length)],
        );
        const fresh = new Set(ledger.rows.map((r) => r.table_name));
        if (fresh.size === 0) return; // the whole batch is in already
        const todo = new Map(present.filter(([t]) => fresh.has(t)));
        for (const [table, rows] of todo) {
          const def = this.defs.get(table) ?? TABLE_DEFS.get(table);
          if (!def) throw new Error(`table ${table} is not an audit table`);
          const cols = columnsOf(def);
          // The batch token is the insert's own, so a replay can find what a lost reply hid.
          const values = cols.map((col) => rows.map((r) => param(col.name === 'batch_token' ? token : r[col.name])));
          await c.query(
            `INSERT INTO ${table} (${cols.map((x) => x.name).join(', ')}) SELECT * FROM unnest(${cols.map((x, i) => `$${i + 1}::${POSTGRES_TYPES[x.type]}[]`).join(', ')})`,
            values,
          );
        }
        for (const s of seedInserts(todo, token)) {
          const names = s.columns.map(([n]) => n);
          const select = names.map((n) => `u.${n}`).join(', ');
          await c.query(
            `INSERT INTO ${s.table} (timestamp, ${names.join(', ')}) SELECT ${TIMESTAMP_FROM_NS}, ${select} FROM unnest(${s.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS u(${names.join(', ')})`,
            s.values,
          );
        }
      },
      true,
    );
  }

  /** The rows `table` took under `token`, from the batch ledger (0 when the batch is not in). */
  async countByToken(table: TableName, token: string): Promise<number> {
    const r = await this.rows<{ rows: number }>(`reading the batch ledger for ${token}`, 'SELECT rows FROM tickwatch_batches WHERE token = $1 AND table_name = $2', [token, table]);
    return r[0]?.rows ?? 0;
  }

  async count(table: TableName): Promise<number> {
    if (!TABLE_DEFS.has(table)) throw new Error(`${table} is not an audit table`);
    const r = await this.rows<{ n: string }>(`counting ${table}`, `SELECT count(*) AS n FROM ${table}`);
    return Number(r[0]?.n ?? 0);
  }

  async chainHeads(tables: readonly TableDef[]): Promise<ChainHeads> {
    const out: Partial<Record<TableName, ChainHead>> = {};
    for (const t of tables) {
      if (!t.chained) continue;
      const [o] = await this.rows<{ chain_seq: string; row_hash: string }>(`reading the chain head of ${t.name}`, `SELECT chain_seq, row_hash FROM ${t.name} ORDER BY chain_seq DESC LIMIT 1`);
      // A table retention emptied: its chain ends in its archive, or at its newest checkpoint.
      const head = o ? { seq: Number(o.chain_seq), hash: o.row_hash } : await retainedHead(this.sqlBackend(), t);
      if (head) out[t.name] = head;
    }
    return out;
  }

  /**
   * Rows with `chain_seq` from the first above `afterSeq` to `span - 1` past it, in chain order,
   * from the table's archive (its older rows) and the table; `ts_ns` and integers as decimal
   * strings, floats as numbers.
   */
  async readChain(t: TableDef, afterSeq: number, span: number): Promise<Record<string, unknown>[]> {
    const cols = columnsOf(t).map((c) => c.name);
    const from = await chainSource(this.sqlBackend(), t);
    return this.rows(
      `reading the chain of ${t.name}`,
      `SELECT ${cols.join(', ')} FROM ${from} WHERE chain_seq > $1 AND chain_seq < (SELECT min(chain_seq) FROM ${from} WHERE chain_seq > $1) + $2 ORDER BY chain_seq`,
      [Math.floor(afterSeq), Math.floor(span)],
    );
  }

  /** One correlation id's rows in every table (each finds them by its `correlation_id` index), in time order. */
  async search(q: SearchQuery, tables: readonly TableDef[]): Promise<FoundRow[]> {
    const p: unknown[] = [q.correlationId, (q.sinceNs ?? 0n).toString()];
    let where = 'correlation_id = $1 AND ts_ns >= $2';
    if (q.component) (p.push(q.component), (where += ` AND component = $${p.length}`));
    if (q.level) (p.push(q.level), (where += ` AND level = $${p.length}`));
    // Archived rows (the retention clean-up's `<table>_archive`) are part of the story.
    const froms = await Promise.all(tables.map((t) => withArchive(this.sqlBackend(), t)));
    const parts = tables.map((t, i) => `SELECT '${t.name}' AS tbl, ts_ns, event, component, level, correlation_id, message, fields FROM ${froms[i]} WHERE ${where}`);
    const sql = `${parts.join(' UNION ALL ')} ORDER BY ts_ns, tbl LIMIT ${Math.max(1, Math.floor(q.limit ?? 10_000))}`;
    const rows = await this.rows<{ tbl: TableName; ts_ns: string; event: string; component: string; level: string; correlation_id: string | null; message: string | null; fields: string }>(
      `searching correlation id ${q.correlationId}`,
      sql,
      p,
    );
    return rows.map((o) => ({ table: o.tbl, ts_ns: BigInt(o.ts_ns), event: o.event, component: o.component, level: o.level, correlation_id: o.correlation_id, message: o.message, fields: o.fields }));
  }

  /**
   * Searches the log stream with bound parameters, in (ts_ns, fields) order; `fields` compares
   * byte-wise (`COLLATE "C"`), as on DuckDB, whatever the database's collation. A time range uses the
   * `ts_ns` index, a component and a time range the `(component, ts_ns)` one.
   */
  async searchLogs(q: LogQuery): Promise<LogRow[]> {
    const where: string[] = [];
    const p: unknown[] = [];
    const bind = (v: unknown) => (p.push(v), `$${p.length}`);
    if (q.sinceNs !== undefined) where.push(`ts_ns >= ${bind(q.sinceNs.toString())}`);
    if (q.untilNs !== undefined) where.push(`ts_ns < ${bind(q.untilNs.toString())}`);
    if (q.components?.length) where.push(`component = ANY(${bind([...q.components])}::text[])`);
    if (q.minLevel && q.minLevel !== 'trace') where.push(`level = ANY(${bind(levelsFrom(q.minLevel))}::text[])`);
    if (q.event !== undefined) {
      if (/[*?]/.test(q.event)) where.push(`event LIKE ${bind(globToLike(q.event))} ESCAPE '\\'`);
      else where.push(`event = ${bind(q.event)}`);
    }
    for (const [col, v] of [
      ['status', q.status],
      ['correlation_id', q.correlationId],
      ['intent_id', q.intentId],
      ['trace_id', q.traceId],
    ] as const) {
      if (v !== undefined) where.push(`${col} = ${bind(v)}`);
    }
    if (q.text !== undefined) where.push(`strpos(message, ${bind(pgText(q.text))}) > 0`);
    if (q.after) {
      const ts = bind(q.after.tsNs.toString());
      where.push(`(ts_ns > ${ts} OR (ts_ns = ${ts} AND fields COLLATE "C" > ${bind(q.after.fields)}))`);
    }
    const limit = Math.max(1, Math.min(10_000, Math.floor(q.limit)));
    const rows = await this.rows<{
      ts_ns: string;
      event: string;
      component: string;
      level: string;
      correlation_id: string | null;
      intent_id: string | null;
      trace_id: string | null;
      message: string | null;
      status: string | null;
      duration_ns: string | null;
      format: string | null;
      fields: string;
    }>(
      'searching the log stream',
      `SELECT ts_ns, event, component, level, correlation_id, intent_id, trace_id, message, status, duration_ns, format, fields FROM ${await withArchive(this.sqlBackend(), TABLE_DEFS.get('logs')!)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ts_ns, fields COLLATE "C" LIMIT ${limit}`,
      p,
    );
    return rows.map((o) => ({
      ts_ns: BigInt(o.ts_ns),
      event: o.event,
      component: o.component,
      level: o.level,
      correlation_id: o.correlation_id,
      intent_id: o.intent_id,
      trace_id: o.trace_id,
      message: o.message,
      status: o.status,
      duration_ns: o.duration_ns === null ? null : Number(o.duration_ns),
      format: o.format,
      fields: o.fields,
    }));
  }

  async execTime(sinceNs: bigint, untilNs: bigint): Promise<ExecTimeRow[]> {
    const rows = await this.rows<{ component: string; n: string; avg_ns: string; max_ns: string }>(
      'reading execution times',
      'SELECT component, count(*) AS n, avg(duration_ns) AS avg_ns, max(duration_ns) AS max_ns FROM logs WHERE ts_ns >= $1 AND ts_ns < $2 AND duration_ns IS NOT NULL GROUP BY component ORDER BY component',
      [sinceNs.toString(), untilNs.toString()],
    );
    return rows.map((o) => ({ component: o.component, events: Number(o.n), avg_ns: Number(o.avg_ns), max_ns: Number(o.max_ns) }));
  }

  /** The alert history, newest first, with bound parameters. */
  async searchAlerts(q: AlertQuery): Promise<AlertRow[]> {
    const where: string[] = [];
    const p: unknown[] = [];
    const bind = (v: unknown) => (p.push(v), `$${p.length}`);
    if (q.sinceNs !== undefined) where.push(`ts_ns >= ${bind(q.sinceNs.toString())}`);
    if (q.untilNs !== undefined) where.push(`ts_ns < ${bind(q.untilNs.toString())}`);
    for (const [col, v] of [['severity', q.severity], ['status', q.status], ['alertname', q.alertname]] as const) if (v !== undefined) where.push(`${col} = ${bind(pgText(v))}`);
    if (q.dedupKeys) {
      if (q.dedupKeys.length === 0) return [];
      where.push(`dedup_key = ANY(${bind([...q.dedupKeys])}::text[])`);
    }
    const limit = Math.max(1, Math.min(10_000, Math.floor(q.limit)));
    const rows = await this.rows<Record<string, unknown>>(
      'reading the alert history',
      `SELECT ts_ns, ${ALERT_ROW_COLUMNS.join(', ')} FROM alert_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ts_ns DESC, fingerprint COLLATE "C", status LIMIT ${limit}`,
      p,
    );
    return rows.map((o) => alertRowOf(o, o.ts_ns));
  }

  /**
   * Seed 002's tables in the retention clean-up (cleanup.ts; the tables of tables.ts go through
   * {@link sqlBackend} like DuckDB's), each in its own transaction: `system_logs` rows past the
   * `logs` table's active period move to `archived_system_logs` (30 days by default, seed 002), which
   * deletes its own past the `logs` archive age (90 days, seed 002); `trading_logs` rows past
   * {@link SEED002_RETENTION}`.tradingLogs` (90 days, seed 002) and `performance_logs` rows past
   * `performance_log`'s period are deleted; batch ledger rows written more than the `logs` active
   * period before `nowNs` are dropped (a batch replayed later than that would be written again).
   * @param dryRun - count, change nothing
   */
  async seed002Cleanup(nowNs: bigint, p: { readonly logs: TierPolicy; readonly performance: TierPolicy }, dryRun: boolean): Promise<{ table: string; policy: TierPolicy; archived: number; deleted: number }[]> {
    const day = 86_400_000_000_000n;
    const cut = (days: number) => (nowNs - BigInt(days) * day).toString();
    const n = async (sql: string, params: unknown[]) => Number((await this.rows<{ n: string }>('counting rows past their retention', sql, params))[0]?.n ?? 0);
    const tier = p.logs.archiveDays !== null;
    const active = cut(p.logs.activeDays);
    const kept = cut(keptDays(p.logs));
    const trading: TierPolicy = { activeDays: SEED002_RETENTION.tradingLogs, archiveDays: null };
    const ledgerCut = `'epoch'::timestamptz + ($1::bigint / 1000) * interval '1 microsecond'`;
    const out = [
      { table: 'system_logs', policy: p.logs, archived: tier ? await n('SELECT count(*) AS n FROM system_logs WHERE ts_ns < $1', [active]) : 0, deleted: (await n('SELECT count(*) AS n FROM system_logs WHERE ts_ns < $1', [kept])) + (await n('SELECT count(*) AS n FROM archived_system_logs WHERE ts_ns < $1', [kept])) },
      { table: 'trading_logs', policy: trading, archived: 0, deleted: await n('SELECT count(*) AS n FROM trading_logs WHERE ts_ns < $1', [cut(trading.activeDays)]) },
      { table: 'performance_logs', policy: p.performance, archived: 0, deleted: await n('SELECT count(*) AS n FROM performance_logs WHERE ts_ns < $1', [cut(keptDays(p.performance))]) },
      { table: 'tickwatch_batches', policy: { activeDays: p.logs.activeDays, archiveDays: null }, archived: 0, deleted: await n(`SELECT count(*) AS n FROM tickwatch_batches WHERE written_at < ${ledgerCut}`, [cut(p.logs.activeDays)]) },
    ];
    if (dryRun) return out;
    const cols = SYSTEM_LOG_COLUMNS.join(', ');
    await this.use(
      'moving system_logs past their active period',
      async (c) => {
        const moved = tier ? ((await c.query(`WITH moved AS (DELETE FROM system_logs WHERE ts_ns < $1 RETURNING ${cols}) INSERT INTO archived_system_logs (${cols}) SELECT ${cols} FROM moved`, [active])).rowCount ?? 0) : 0;
        const removed = ((await c.query('DELETE FROM archived_system_logs WHERE ts_ns < $1', [kept])).rowCount ?? 0) + (tier ? 0 : ((await c.query('DELETE FROM system_logs WHERE ts_ns < $1', [kept])).rowCount ?? 0));
        Object.assign(out[0]!, { archived: moved, deleted: removed });
      },
      true,
    );
    out[1]!.deleted = await this.use('deleting trading_logs past their period', async (c) => (await c.query('DELETE FROM trading_logs WHERE ts_ns < $1', [cut(trading.activeDays)])).rowCount ?? 0);
    out[2]!.deleted = await this.use('deleting performance_logs past their period', async (c) => (await c.query('DELETE FROM performance_logs WHERE ts_ns < $1', [cut(keptDays(p.performance))])).rowCount ?? 0);
    out[3]!.deleted = await this.use('dropping old batch ledger rows', async (c) => (await c.query(`DELETE FROM tickwatch_batches WHERE written_at < ${ledgerCut}`, [cut(p.logs.activeDays)])).rowCount ?? 0);
    return out;
  }

  /**
   * @deprecated The clean-up job (cleanup.ts, with {@link seed002Cleanup}) replaces it: tiers per
   * table, archives, and chain checkpoints (this deletes a chained table's oldest rows without one,
   * which `audit verify` then reports).
   *
   * Removes rows past their retention, as DuckDB's `prune` does, in one transaction: each table of
   * tables.ts by its retention class; seed 002's by {@link SEED002_RETENTION} (`system_logs` rows
   * move to `archived_system_logs`, which drops its own past 90 days; `performance_logs` follows
   * `performance_log`); ledger rows past the `logs` class (a batch replayed later than that after it
   * was written would be written again).
   * @param nowNs - current time, nanoseconds since the epoch
   * @returns rows deleted per table (`archived_system_logs`: rows archived there are not counted)
   */
  async prune(nowNs: bigint, retention: RetentionDays = DEFAULT_RETENTION): Promise<Record<string, number>> {
    const day = 86_400_000_000_000n;
    const cutoff = (days: number) => (nowNs - BigInt(days) * day).toString();
    const out: Record<string, number> = {};
    await this.use(
      'removing rows past their retention',
      async (c) => {
        for (const t of this.defs.values()) out[t.name] = (await c.query(`DELETE FROM ${t.name} WHERE ts_ns < $1`, [cutoff(retention[t.retention])])).rowCount ?? 0;
        const cols = SYSTEM_LOG_COLUMNS.join(', ');
        out.system_logs = (await c.query(`WITH moved AS (DELETE FROM system_logs WHERE ts_ns < $1 RETURNING ${cols}) INSERT INTO archived_system_logs (${cols}) SELECT ${cols} FROM moved`, [cutoff(SEED002_RETENTION.systemLogs)])).rowCount ?? 0;
        out.archived_system_logs = (await c.query('DELETE FROM archived_system_logs WHERE ts_ns < $1', [cutoff(SEED002_RETENTION.archive)])).rowCount ?? 0;
        out.trading_logs = (await c.query('DELETE FROM trading_logs WHERE ts_ns < $1', [cutoff(SEED002_RETENTION.tradingLogs)])).rowCount ?? 0;
        out.performance_logs = (await c.query('DELETE FROM performance_logs WHERE ts_ns < $1', [cutoff(retention.operations)])).rowCount ?? 0;
        out.tickwatch_batches = (await c.query(`DELETE FROM tickwatch_batches WHERE written_at < now() - make_interval(days => $1)`, [retention.logs])).rowCount ?? 0;
      },
      true,
    );
    return out;
  }

  /**
   * The clean-up job's SQL (cleanup.ts): pooled connections, a transaction on one of them (MVCC
   * keeps it apart from the batches written beside it). Bigint parameters go as decimal text.
   */
  sqlBackend(): SqlBackend {
    const params = (p: readonly unknown[] = []) => p.map((v) => (typeof v === 'bigint' ? v.toString() : v));
    const over = (c: pg.PoolClient): SqlRunner => ({
      all: async (sql, p) => (await c.query(sql, params(p))).rows as Record<string, unknown>[],
      run: async (sql, p) => (await c.query(sql, params(p))).rowCount ?? 0,
    });
    return {
      kind: 'postgres',
      all: (sql, p) => this.rows('retention', sql, params(p)),
      run: (sql, p) => this.use('retention', async (c) => (await c.query(sql, params(p))).rowCount ?? 0),
      transaction: (fn) => this.use('retention', (c) => fn(over(c)), true),
      hasTable: async (name) => (await this.rows<{ ok: boolean }>('retention', 'SELECT to_regclass($1) IS NOT NULL AS ok', [name]))[0]?.ok === true,
      archiveDDL: (t) => {
        const a = archiveOf(t.name);
        // LIKE copies the columns as the table has them (added ones included) and their NOT NULLs.
        const out = [`CREATE TABLE IF NOT EXISTS ${a} (LIKE ${t.name} INCLUDING DEFAULTS)`, `CREATE INDEX IF NOT EXISTS ${a}_ts_ns_idx ON ${a} (ts_ns)`];
        if (t.chained) out.push(`CREATE INDEX IF NOT EXISTS ${a}_chain_seq_idx ON ${a} (chain_seq)`);
        return out;
      },
    };
  }

  /** A chained table's checkpoints (retention's cuts), lowest seq first. */
  checkpoints(table: TableName): Promise<Checkpoint[]> {
    return sqlCheckpoints(this.sqlBackend(), table);
  }

  /** Closes the pool (waits for checked-out connections to be released). */
  async close(): Promise<void> {
    await this.pool.end();
  }
}
