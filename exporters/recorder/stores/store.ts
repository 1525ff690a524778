/** What the recorder needs from an audit store. */
import type { ChainHeads } from '../chain.js';
import { LEVEL_RANK, LOG_LEVELS, type LogLevel } from '../../catalog/enums.js';
import type { TableDef, TableName } from '../../catalog/tables.js';

/** One row as logged in the WAL (ts_ns as a decimal string of nanoseconds). */
export type WalRow = Readonly<Record<string, unknown>>;

/** A row returned by a search, in time order. */
export interface FoundRow {
  readonly table: TableName;
  readonly ts_ns: bigint;
  readonly event: string;
  readonly component: string;
  readonly level: string;
  readonly correlation_id: string | null;
  readonly message: string | null;
  readonly fields: string;
}

/** A search over logs and audit tables. */
export interface SearchQuery {
  readonly correlationId: string;
  /** Only rows at or after this time, nanoseconds since the epoch. */
  readonly sinceNs?: bigint;
  readonly component?: string;
  readonly level?: string;
  /** At most this many rows (default 10,000). */
  readonly limit?: number;
}

/**
 * A search of the log stream (`tickwatch logs search`, `GET /api/v1/logs`): every filter optional,
 * all of them ANDed. Values reach the store as bound parameters, never spliced into SQL (except on
 * ClickHouse 18.16, which has no query parameters: there they are escaped literals).
 */
export interface LogQuery {
  /** From this time on (inclusive), nanoseconds since the epoch. */
  readonly sinceNs?: bigint;
  /** Before this time (exclusive), nanoseconds since the epoch. */
  readonly untilNs?: bigint;
  /** Any of these components. */
  readonly components?: readonly string[];
  /** This level and above. */
  readonly minLevel?: LogLevel;
  /** The event type: exact, or a glob with `*` (any run) and `?` (one character). */
  readonly event?: string;
  /** The event's `status` field. */
  readonly status?: string;
  readonly correlationId?: string;
  readonly intentId?: string;
  readonly traceId?: string;
  /** A substring of the message (case-sensitive). */
  readonly text?: string;
  /** Rows after this one in (ts_ns, fields) order: the cursor of the previous page. */
  readonly after?: { readonly tsNs: bigint; readonly fields: string };
  /** At most this many rows (1 to 10,000). */
  readonly limit: number;
}

/** A row of the log stream, as a search returns it, in time order. */
export interface LogRow {
  readonly ts_ns: bigint;
  readonly event: string;
  readonly component: string;
  readonly level: string;
  readonly correlation_id: string | null;
  readonly intent_id: string | null;
  readonly trace_id: string | null;
  readonly message: string | null;
  readonly status: string | null;
  /** Execution time the event states, nanoseconds. */
  readonly duration_ns: number | null;
  /** How the line was read (null: a tickwatch line as it is). */
  readonly format: string | null;
  /** The line as the engine wrote it. */
  readonly fields: string;
}

/** Execution time per component over a window (seed 002's second query). */
export interface ExecTimeRow {
  readonly component: string;
  /** Events that stated an execution time. */
  readonly events: number;
  /** Mean and longest, nanoseconds. */
  readonly avg_ns: number;
  readonly max_ns: number;
}

/** Characters some stores cannot hold in text: U+0000 and surrogates (only unpaired ones are replaced). */
const UNSTORABLE = /[\u0000\ud800-\udfff]/;
const UNSTORABLE_ALL = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `s` as PostgreSQL can store it: U+0000 (which its text types refuse) and unpaired surrogates
 * (which UTF-8 cannot encode) as U+FFFD; any other string is returned as it is. A line's own text
 * (`fields`) never contains them (JSON escapes them); a column derived from it may (`"\u0000"` in a
 * message). `audit verify` compares text columns through it on every store.
 */
export function storableText(s: string): string {
  return UNSTORABLE.test(s) ? s.replace(UNSTORABLE_ALL, '\ufffd') : s;
}

/** `*` and `?` of a glob as SQL LIKE (`%`, `_`), the LIKE wildcards in it escaped with `\`. */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

/** The levels at or above `min`, for an IN filter. */
export function levelsFrom(min: LogLevel): LogLevel[] {
  return LOG_LEVELS.filter((l) => LEVEL_RANK[l] >= LEVEL_RANK[min]);
}

/** An audit store: the embedded DuckDB file, ClickHouse or PostgreSQL. */
export interface AuditStore {
  /** `embedded`, `clickhouse` or `postgres`: the `store` label. */
  readonly kind: 'embedded' | 'clickhouse' | 'postgres';
  /** Creates the tables when missing. @throws when the store cannot be reached */
  init(tables: readonly TableDef[]): Promise<void>;
  /**
   * Inserts one table's rows of one batch. The same `token` twice must not write the rows twice
   * when the first insert completed (ClickHouse deduplication token, or a token check on replay).
   * @throws when the store cannot be reached or refuses the insert
   */
  insert(table: TableName, rows: readonly WalRow[], token: string): Promise<void>;
  /**
   * Inserts a whole batch (every table) atomically, when the store can: one transaction, one
   * commit. Stores without multi-table transactions leave it out and get per-table inserts.
   */
  insertBatch?(tables: ReadonlyMap<TableName, readonly WalRow[]>, token: string): Promise<void>;
  /** Rows of `table` carrying `token` (used when replaying a batch that may already be in). */
  countByToken(table: TableName, token: string): Promise<number>;
  /** Rows per table. */
  count(table: TableName): Promise<number>;
  /**
   * Where each chained table's hash chain ends in the store (the row with the highest
   * `chain_seq`); tables with no rows are absent.
   * @throws when the store cannot be reached
   */
  chainHeads(tables: readonly TableDef[]): Promise<ChainHeads>;
  /**
   * A page of a chained table in chain order: up to `limit` rows with `chain_seq` above `afterSeq`,
   * every column by name (`ts_ns` and integers as decimal strings or numbers), for verifying.
   */
  readChain(table: TableDef, afterSeq: number, limit: number): Promise<Record<string, unknown>[]>;
  /** The whole story of one correlation id across every table, in time order. */
  search(q: SearchQuery, tables: readonly TableDef[]): Promise<FoundRow[]>;
  /** Rows of the log stream matching `q`, in (ts_ns, fields) order, at most `q.limit`. */
  searchLogs(q: LogQuery): Promise<LogRow[]>;
  /** Mean and longest execution time per component of the log rows in [sinceNs, untilNs). */
  execTime(sinceNs: bigint, untilNs: bigint): Promise<ExecTimeRow[]>;
  close(): Promise<void>;
}

/**
 * The store holds a table whose columns are not the ones this version writes (a database made by
 * an older tickwatch, before the audit tables were hash-chained, say). Not retried: it needs a
 * person. The message names the table and the missing columns.
 */
export class StoreSchemaError extends Error {
  override readonly name = 'StoreSchemaError';
}

/**
 * Throws a {@link StoreSchemaError} when `have` lacks columns of `want`.
 * @param where - the store, as the message should name it (a file path or a URL)
 */
export function checkColumns(where: string, table: string, want: readonly string[], have: readonly string[]): void {
  const missing = want.filter((c) => !have.includes(c));
  if (missing.length) {
    throw new StoreSchemaError(
      `${where}: table ${table} lacks the columns ${missing.join(', ')} that this tickwatch writes (made by an older version?). Move the database aside (with the recorder's wal/ folder) or point the recorder elsewhere.`,
    );
  }
}
