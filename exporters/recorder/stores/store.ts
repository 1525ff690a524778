/** What the recorder needs from an audit store. */
import type { ChainHeads } from '../chain.js';
import type { Checkpoint } from '../checkpoint.js';
import type { ClickHouseTarget, SqlBackend } from './retained.js';
import type { TierPolicy } from '../../catalog/retention.js';
import { LEVEL_RANK, LOG_LEVELS, type LogLevel } from '../../catalog/enums.js';
import type { TableDef, TableName } from '../../catalog/tables.js';
import type { EncodedRows } from './row-codec.js';

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

/**
 * A read of the alert history (`tickwatch alerts history`, `GET /api/v1/alerts`; the receiver's
 * duplicate check): every filter optional, all ANDed, each a bound parameter.
 */
export interface AlertQuery {
  /** Notified at or after this time (the row's `ts`), nanoseconds since the epoch. */
  readonly sinceNs?: bigint;
  /** Notified before this time, nanoseconds since the epoch. */
  readonly untilNs?: bigint;
  readonly severity?: string;
  /** `OPEN` or `RESOLVED`. */
  readonly status?: string;
  readonly alertname?: string;
  /** Only rows with one of these `dedup_key`s (the receiver's check for a notification seen before). */
  readonly dedupKeys?: readonly string[];
  /** At most this many rows (1 to 10,000), newest first. */
  readonly limit: number;
}

/** A row of the alert history, as a read returns it (newest first). */
export interface AlertRow {
  readonly ts_ns: bigint;
  readonly fingerprint: string;
  readonly alertname: string;
  readonly severity: string | null;
  readonly family: string | null;
  readonly status: string;
  readonly summary: string | null;
  readonly description: string | null;
  readonly instance: string | null;
  readonly job: string | null;
  readonly starts_at_ns: bigint | null;
  readonly ends_at_ns: bigint | null;
  readonly receiver: string | null;
  readonly group_key: string | null;
  /** Every label, as JSON text. */
  readonly labels: string | null;
  readonly generator_url: string | null;
  readonly runbook_url: string | null;
  readonly dashboard_url: string | null;
  readonly dedup_key: string;
}

/** The `alert_log` columns an {@link AlertRow} carries, in its order (the stores select these). */
export const ALERT_ROW_COLUMNS = [
  'fingerprint',
  'alertname',
  'severity',
  'family',
  'status',
  'summary',
  'description',
  'instance',
  'job',
  'starts_at_ns',
  'ends_at_ns',
  'receiver',
  'group_key',
  'labels',
  'generator_url',
  'runbook_url',
  'dashboard_url',
  'dedup_key',
] as const;

/**
 * An {@link AlertRow} from a store's answer: `ts_ns` and the two times from a bigint, number or
 * decimal string, the rest as text or null.
 */
export function alertRowOf(o: Readonly<Record<string, unknown>>, tsNs: unknown): AlertRow {
  const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  const ns = (v: unknown): bigint | null => (v === null || v === undefined ? null : BigInt(v as string | number | bigint));
  return {
    ts_ns: BigInt(tsNs as string | number | bigint),
    fingerprint: String(o.fingerprint),
    alertname: String(o.alertname),
    severity: s(o.severity),
    family: s(o.family),
    status: String(o.status),
    summary: s(o.summary),
    description: s(o.description),
    instance: s(o.instance),
    job: s(o.job),
    starts_at_ns: ns(o.starts_at_ns),
    ends_at_ns: ns(o.ends_at_ns),
    receiver: s(o.receiver),
    group_key: s(o.group_key),
    labels: s(o.labels),
    generator_url: s(o.generator_url),
    runbook_url: s(o.runbook_url),
    dashboard_url: s(o.dashboard_url),
    dedup_key: String(o.dedup_key),
  };
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
  /** The embedded store's threads as DuckDB reports them (`recorder.started` logs them); the servers have none of ours to tell. */
  threads?(): Promise<number>;
  /**
   * Inserts one table's rows of one batch. The same `token` twice must not write the rows twice
   * when the first insert completed (ClickHouse deduplication token, or a token check on replay).
   * @throws when the store cannot be reached or refuses the insert
   */
  insert(table: TableName, rows: readonly WalRow[], token: string): Promise<void>;
  /**
   * Inserts a whole batch (every table) atomically, when the store can: one transaction, one
   * commit. Stores without multi-table transactions leave it out and get per-table inserts (a
   * batch's tables at once: recorder.ts `insertTable`).
   */
  insertBatch?(tables: ReadonlyMap<TableName, readonly WalRow[]>, token: string): Promise<void>;
  /**
   * {@link insertBatch} of a batch whose rows the recorder encoded as it made them (row-codec.ts,
   * `RowEncoder`), in the order of the batch's tables: for a store whose rows cross to another
   * thread, where encoding each row while it is in the CPU's cache is cheaper than encoding (or
   * structured-cloning) the sealed batch (the embedded store on its thread). The same rows, the same
   * guarantees as insertBatch; a store with it has insertBatch too (a replayed batch's rows are
   * rebuilt as objects).
   */
  insertEncoded?(tables: readonly EncodedRows[], token: string): Promise<void>;
  /**
   * Inserts run one after another in the order they were called, each to its end whatever the
   * others' outcome: the recorder may then hand over the next batches before the one in hand is
   * in (recorder.ts `WRITE_AHEAD`). The embedded store on its thread does; absent means no.
   */
  readonly ordered?: boolean;
  /**
   * Inserts may run at the same time, each to its end whatever the others' outcome: each of a
   * batch's table inserts is whole or nothing on its own, and a replay finds it by its batch token.
   * The recorder then hands over the next batches before the one in hand is in, as for
   * {@link ordered} (recorder.ts `WRITE_AHEAD`); their answers may come in any order. ClickHouse's
   * store is (a table's insert is one block). Absent means no.
   */
  readonly concurrent?: boolean;
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
  /**
   * The checkpoints of a chained table (where retention cut its chain: checkpoint.ts), lowest seq
   * first; none when retention never cut it. `audit verify` starts the chain from them.
   */
  checkpoints?(table: TableName): Promise<Checkpoint[]>;
  /** DuckDB and PostgreSQL: SQL and transactions for the clean-up job (cleanup.ts, stores/retained.ts). */
  sqlBackend?(): SqlBackend;
  /** ClickHouse: its transport, for the clean-up job (after `init`). */
  clickhouseTarget?(): ClickHouseTarget;
  /** PostgreSQL: seed 002's tables in the clean-up job (stores/postgres.ts). */
  seed002Cleanup?(nowNs: bigint, p: { readonly logs: TierPolicy; readonly performance: TierPolicy }, dryRun: boolean): Promise<{ table: string; policy: TierPolicy; archived: number; deleted: number }[]>;
  /** Rows of the alert history matching `q`, newest first (then by fingerprint and status), at most `q.limit`. */
  searchAlerts(q: AlertQuery): Promise<AlertRow[]>;
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
