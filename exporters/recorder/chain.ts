/**
 * The audit tables' hash chains: every row of an audit table (not `logs`, whose 30-day retention
 * cuts it from the front all the time) carries its place in its table's chain (`chain_seq`, 1, 2,
 * 3, ... with no gaps), the hash of the row before it (`prev_hash`) and its own hash (`row_hash`):
 *
 *     row_hash = hex(SHA-256(UTF-8(prev_hash "\n" table "\n" chain_seq "\n" fields)))
 *
 * or, for a line read through a mapping (`format` not null: a structlog, Loguru or pino line, or a
 * tickwatch line that took its component from its source),
 *
 *     row_hash = hex(SHA-256(UTF-8(prev_hash "\n" table "\n" chain_seq "\n" format "\n" component "\n" fields)))
 *
 * `fields` is the event's line exactly as the engine sent it, and every other column of the row is
 * derived from it (rows.ts) through its format, with `component` as the default for a line naming
 * none: so the hash covers the event and what it is read with, and verifying also derives the row
 * again and compares each column. (Hashing the line alone keeps sealing a batch cheap: one SHA-256
 * of about the line's length per audit row.) The first row's `prev_hash` is {@link GENESIS}.
 *
 * So an edited row no longer matches its hash or its event, a deleted row leaves a gap in
 * `chain_seq` and a broken link, and a reordered, copied or inserted row breaks the links around it;
 * `tickwatch audit verify` (`verifyChain` in verify.ts) finds each. Rows deleted from the end, and a chain
 * rewritten with fresh hashes, are not visible in the table alone: verify checks them against the
 * heads a running recorder knows the store has (its anchors, `Recorder.storedHeads`, served by the
 * query API); offline, compare the head it prints with the heads the recorder logs
 * (`recorder.chain_head`, at start and at stop).
 *
 * Hashes are assigned as rows are accepted (a row's place in its chain is its place in the stream),
 * and the heads before and after each batch are logged with it in the write-ahead log: a replay
 * rebuilds exactly the same rows.
 */
import { hash } from 'node:crypto';
import type { Row } from './rows.js';
import type { TableDef, TableName } from '../catalog/tables.js';

/** The `prev_hash` of a chain's first row: 64 zeros. */
export const GENESIS = '0'.repeat(64);

/** Where a table's chain ends: the last row's `chain_seq` and `row_hash` (0 and GENESIS when empty). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** The head of each chained table, by name (a table absent from it has an empty chain). */
export type ChainHeads = Readonly<Partial<Record<TableName, ChainHead>>>;

/** Whether two sets of chain heads end every chain at the same row. */
export function sameHeads(a: ChainHeads, b: ChainHeads): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<TableName>;
  return [...names].every((t) => a[t]?.seq === b[t]?.seq && a[t]?.hash === b[t]?.hash);
}

/**
 * A row's hash given the hash of the row before it.
 * @param row - at least `chain_seq` and `fields`, as written or as read back from either store
 * @returns 64 lowercase hex digits
 */
export function rowHash(t: TableDef, prev: string, row: Readonly<Record<string, unknown>>): string {
  const mapped = row.format === null || row.format === undefined ? '' : `${String(row.format)}\n${String(row.component)}\n`;
  return hash('sha256', `${prev}\n${t.name}\n${String(row.chain_seq)}\n${mapped}${String(row.fields)}`, 'hex');
}

/**
 * Links one row onto its table's chain: sets its `chain_seq`, `prev_hash` and `row_hash` (in
 * place: audit rows are built with these fields as placeholders) and advances `heads`.
 */
export function linkRow(def: TableDef, r: Row, heads: Partial<Record<TableName, ChainHead>>): void {
  const head = heads[def.name];
  const seq = (head?.seq ?? 0) + 1;
  const prev = head?.hash ?? GENESIS;
  r.chain_seq = seq;
  r.prev_hash = prev;
  const own = rowHash(def, prev, r);
  r.row_hash = own;
  heads[def.name] = { seq, hash: own };
}

/**
 * Links rows onto their tables' chains, table by table in order (see {@link linkRow}).
 * @param heads - the heads before these rows; not changed
 * @returns the heads after them
 */
export function linkRows(tables: ReadonlyMap<TableName, readonly Row[]>, defs: ReadonlyMap<TableName, TableDef>, heads: ChainHeads): ChainHeads {
  const out: Partial<Record<TableName, ChainHead>> = { ...heads };
  for (const [name, rows] of tables) {
    const def = defs.get(name);
    if (def?.chained) for (const r of rows as Row[]) linkRow(def, r, out);
  }
  return out;
}

