/**
 * What the clean-up job (../cleanup.ts) and `audit verify` need from a store beyond recording:
 * SQL with positional parameters and transactions (DuckDB and PostgreSQL share the SQL below), the
 * archive tier's tables (`<table>_archive`, the same columns), and the chain checkpoints
 * (../checkpoint.ts). ClickHouse has neither archive tables (its archive tier is a volume) nor
 * transactions: it gives the job its transport instead ({@link ClickHouseTarget}).
 *
 * A chained table's chain spans its archive (the older rows) and the table (the newer): archiving
 * moves the oldest rows, in `chain_seq` order, so the archive holds seqs below the table's, and
 * {@link chainSource} reads both as one chain.
 */
import { columnsOf, type TableDef, type TableName } from '../../catalog/tables.js';
import type { ChainHead } from '../chain.js';
import { CHECKPOINT_COLUMNS, CHECKPOINT_TABLE, checkpointOf, type Checkpoint } from '../checkpoint.js';

/** SQL with positional parameters (`$1`, `$2`, ...; bigints allowed). */
export interface SqlRunner {
  /** The rows of a query. */
  all(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a statement; the rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A DuckDB or PostgreSQL store as the clean-up job uses it. */
export interface SqlBackend extends SqlRunner {
  readonly kind: 'embedded' | 'postgres';
  /**
   * Runs `fn` in one transaction: all of it is committed, or none (the store's own batch writes
   * wait for it, or run beside it isolated, as the store allows).
   */
  transaction<T>(fn: (x: SqlRunner) => Promise<T>): Promise<T>;
  /** Whether a table exists (in the store's own database or schema). */
  hasTable(name: string): Promise<boolean>;
  /** The DDL of a table's archive, `<table>_archive`: the same columns. */
  archiveDDL(t: TableDef): readonly string[];
}

/** A ClickHouse store as the clean-up job uses it: its transport (structurally the store's). */
export interface ClickHouseTarget {
  readonly command: (sql: string) => Promise<void>;
  readonly query: <T>(sql: string, params?: Readonly<Record<string, unknown>>) => Promise<T[]>;
  readonly insert: (table: string, rows: readonly Record<string, unknown>[], settings: Record<string, string | number>) => Promise<void>;
  readonly database: string;
  /** Debian's 18.16: no TTL, no storage policies, no `mutations_sync`. */
  readonly legacy: boolean;
  /** The tables' storage policy has a volume named `archive` (their TTL moves the archive tier there). */
  readonly archiveVolume: boolean;
}

/** The archive table of a table. */
export const archiveOf = (name: string): string => `${name}_archive`;

/** The columns of a table, as a select list. */
export const columnList = (t: TableDef): string => columnsOf(t).map((c) => c.name).join(', ');

/**
 * What to read a chained table's chain from: the table, or its archive and the table as one
 * relation (a UNION ALL subquery with an alias, as PostgreSQL wants) when the archive exists.
 */
export async function chainSource(b: Pick<SqlBackend, 'hasTable'>, t: TableDef): Promise<string> {
  if (!(await b.hasTable(archiveOf(t.name)))) return t.name;
  const cols = columnList(t);
  return `(SELECT ${cols} FROM ${archiveOf(t.name)} UNION ALL SELECT ${cols} FROM ${t.name}) AS chain_rows`;
}

/** A table's checkpoints, oldest cut (lowest seq) first; none when the store has no checkpoint table. */
export async function sqlCheckpoints(b: Pick<SqlBackend, 'hasTable' | 'all'>, table: TableName): Promise<Checkpoint[]> {
  if (!(await b.hasTable(CHECKPOINT_TABLE))) return [];
  const rows = await b.all(`SELECT ${CHECKPOINT_COLUMNS.join(', ')} FROM ${CHECKPOINT_TABLE} WHERE table_name = $1 ORDER BY seq, created_ns`, [table]);
  return rows.map(checkpointOf);
}

/**
 * Where a chained table's chain ends when the table itself has no rows: at its archive's last row,
 * or, when retention removed every row, just before its newest checkpoint (the chain continues at
 * the checkpoint's seq, from its prev_hash). Undefined: the chain is empty.
 */
export async function retainedHead(b: Pick<SqlBackend, 'hasTable' | 'all'>, t: TableDef): Promise<ChainHead | undefined> {
  if (await b.hasTable(archiveOf(t.name))) {
    const [o] = await b.all(`SELECT chain_seq, row_hash FROM ${archiveOf(t.name)} ORDER BY chain_seq DESC LIMIT 1`);
    if (o) return { seq: Number(o.chain_seq), hash: String(o.row_hash) };
  }
  const cps = await sqlCheckpoints(b, t.name);
  const last = cps[cps.length - 1];
  return last ? { seq: last.seq - 1, hash: last.prevHash } : undefined;
}

/**
 * What to read a table from for a search: the table, or the table and its archive as one relation
 * under the table's own name, so that a trade's story and `logs search` reach rows the clean-up
 * archived (a filter on the outer query reaches both sides).
 */
export async function withArchive(b: Pick<SqlBackend, 'hasTable'>, t: TableDef): Promise<string> {
  if (!(await b.hasTable(archiveOf(t.name)))) return t.name;
  const cols = columnList(t);
  return `(SELECT ${cols} FROM ${t.name} UNION ALL SELECT ${cols} FROM ${archiveOf(t.name)}) AS ${t.name}`;
}
