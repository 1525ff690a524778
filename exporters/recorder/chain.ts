/**
 * The audit tables' hash chains: every row of an audit table (not `logs`, whose 30-day retention
 * cuts it from the front all the time) carries its place in its table's chain (`chain_seq`, 1, 2,
 * 3, ... with no gaps), the hash of the row before it (`prev_hash`) and its own hash (`row_hash`):
 *
 *     row_hash = hex(SHA-256(UTF-8(prev_hash "\n" table "\n" chain_seq "\n" fields)))
 *
 * `fields` is the event's line exactly as the engine sent it, and every other column of the row is
 * derived from it (rows.ts): so the hash covers the event, and verifying also derives the row again
 * from `fields` and compares each column. (Hashing the line alone keeps sealing a batch cheap: one
 * SHA-256 of about the line's length per audit row.) The first row's `prev_hash` is {@link GENESIS}.
 *
 * So an edited row no longer matches its hash or its event, a deleted row leaves a gap in
 * `chain_seq` and a broken link, and a reordered, copied or inserted row breaks the links around it;
 * `tickwatch audit verify` ({@link verifyChain}) finds each. Rows deleted from the end, and a chain
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
import type { HftEvent } from '../hft/events/index.js';
import { rowsFor, type Row } from './rows.js';
import type { AuditStore } from './stores/store.js';
import { columnsOf, type Column, type TableDef, type TableName } from './tables.js';

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
  return hash('sha256', `${prev}\n${t.name}\n${String(row.chain_seq)}\n${String(row.fields)}`, 'hex');
}

/** Columns derived from `fields` (all but the insert's token, the line itself and the chain's own). */
const derivedColumns = new Map<TableName, readonly Column[]>();
function derived(t: TableDef): readonly Column[] {
  let cols = derivedColumns.get(t.name);
  if (!cols) derivedColumns.set(t.name, (cols = columnsOf(t).filter((c) => !['batch_token', 'fields', 'chain_seq', 'prev_hash', 'row_hash'].includes(c.name))));
  return cols;
}

/** A column's value in comparable form: integers and strings as text, floats as numbers. */
function comparable(c: Column, v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  return c.type === 'float' ? Number(v) : String(v);
}

/**
 * The columns of a stored row that differ from what its `fields` derive to (at most a few, named
 * with both values), or a reason when `fields` does not derive to a row of this table at all.
 */
function derivationProblems(t: TableDef, r: Readonly<Record<string, unknown>>): string[] {
  let ev: HftEvent;
  try {
    ev = JSON.parse(String(r.fields)) as HftEvent;
  } catch {
    return ['its fields are not JSON'];
  }
  const want = rowsFor(ev, 'trace', String(r.fields)).find(([name]) => name === t.name)?.[1];
  if (!want) return [`its event (${String(ev.event)}) does not belong in ${t.name}`];
  const out: string[] = [];
  for (const c of derived(t)) {
    const have = comparable(c, r[c.name]);
    const should = comparable(c, want[c.name]);
    if (have !== should) out.push(`${c.name} is ${JSON.stringify(have)} where its event says ${JSON.stringify(should)}`);
  }
  return out;
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

/** What verifying one table's chain found. */
export interface ChainReport {
  readonly table: TableName;
  /** Rows read. */
  readonly rows: number;
  /** `chain_seq` of the first row read (above 1 when retention removed older rows). */
  readonly firstSeq: number;
  /** The last row's seq and hash: compare with the recorder's logged head to see rows cut from the end. */
  readonly head: ChainHead;
  /**
   * The head the running recorder knows the store has (the last batch it wrote), when it was
   * asked: the chain must reach it, with that hash there.
   */
  readonly anchor?: ChainHead;
  /** One line per problem, in chain order (at most `maxProblems`). */
  readonly problems: string[];
  /** Problems found, including those not listed. */
  readonly problemCount: number;
}

/**
 * Verifies one table's chain from its rows in `chain_seq` order.
 * @param rows - every row of the table ordered by `chain_seq` (read in pages; see the stores' `readChain`)
 * @param maxProblems - problems listed in the report (the count covers all)
 * @param anchor - where the recorder knows the chain reaches (its last written batch): rows cut
 *   from the end, and a chain rewritten with fresh hashes, show against it; the table alone cannot
 *   tell either
 */
export async function verifyChain(t: TableDef, rows: AsyncIterable<Readonly<Record<string, unknown>>>, maxProblems = 20, anchor?: ChainHead): Promise<ChainReport> {
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (p: string) => {
    problemCount++;
    if (problems.length < maxProblems) problems.push(p);
  };
  let n = 0;
  let firstSeq = 0;
  let last: ChainHead | undefined;
  for await (const r of rows) {
    n++;
    const seq = Number(r.chain_seq);
    const prev = String(r.prev_hash);
    const own = String(r.row_hash);
    if (!last) {
      firstSeq = seq;
      if (seq === 1 && prev !== GENESIS) problem(`seq 1: the chain's first row does not start from the genesis hash`);
    } else if (seq === last.seq) problem(`seq ${seq}: appears more than once (a row copied or inserted)`);
    else {
      if (seq !== last.seq + 1) problem(`seq ${last.seq + 1}${seq - 1 > last.seq + 1 ? `..${seq - 1}` : ''}: missing (rows deleted)`);
      if (prev !== last.hash) problem(`seq ${seq}: prev_hash does not match the row before it (rows deleted, inserted or reordered)`);
    }
    if (rowHash(t, prev, r) !== own) problem(`seq ${seq}: the row's event does not match its hash (row altered)`);
    else for (const d of derivationProblems(t, r)) problem(`seq ${seq}: ${d} (row altered)`);
    if (anchor && seq === anchor.seq && own !== anchor.hash) problem(`seq ${seq}: not the row the recorder wrote there (hash ${own.slice(0, 16)}, the recorder's ${anchor.hash.slice(0, 16)}): the chain was rewritten`);
    last = { seq, hash: own };
  }
  const head = last ?? { seq: 0, hash: GENESIS };
  if (anchor && head.seq < anchor.seq) problem(`seq ${head.seq + 1}${anchor.seq > head.seq + 1 ? `..${anchor.seq}` : ''}: missing from the end (the recorder has written up to seq ${anchor.seq}; rows deleted)`);
  return { table: t.name, rows: n, firstSeq, head, ...(anchor ? { anchor } : {}), problems, problemCount };
}

/** Every row of a chained table in chain order, read from the store in pages of `span` seqs. */
export async function* chainRows(store: AuditStore, t: TableDef, span = 10_000): AsyncGenerator<Record<string, unknown>> {
  let after = 0;
  for (;;) {
    const page = await store.readChain(t, after, span);
    if (page.length === 0) return;
    yield* page;
    after = Number(page[page.length - 1]!.chain_seq);
  }
}

/**
 * Verifies every chained table of a store (`tickwatch audit verify`).
 * @param anchors - the heads a running recorder knows the store has ({@link Recorder.storedHeads}), if one was asked
 * @throws when the store cannot be read
 */
export async function verifyStore(store: AuditStore, tables: readonly TableDef[], maxProblems = 20, anchors?: ChainHeads): Promise<ChainReport[]> {
  const out: ChainReport[] = [];
  for (const t of tables) {
    const anchor = anchors?.[t.name];
    if (t.chained) out.push(await verifyChain(t, chainRows(store, t), maxProblems, anchor && anchor.seq > 0 ? anchor : undefined));
  }
  return out;
}
