/**
 * Verifying the audit tables' hash chains (`tickwatch audit verify`, `/api/v1/verify`): walks each
 * chained table in `chain_seq` order (its archive, `<table>_archive`, first: the older part of the
 * chain), checks every link and hash (see chain.ts for how rows are linked), derives every column
 * again from the row's event and compares, and checks the chain reaches the head a running recorder
 * knows it wrote (its anchor). A chain whose oldest rows retention deleted starts at a checkpoint
 * (checkpoint.ts): its first row must be seq 1 or the seq of a checkpoint whose signature checks,
 * with that checkpoint's prev_hash.
 */
import type { HftEvent } from '../events/index.js';
import { GENESIS, rowHash, type ChainHead, type ChainHeads } from './chain.js';
import { checkpointProblem, type Checkpoint, type CheckpointKey } from './checkpoint.js';
import { ALL_LEVELS, eventFromLine, rowsFor } from './rows.js';
import { storableText, type AuditStore } from './stores/store.js';
import { columnsOf, type Column, type TableDef, type TableName } from '../catalog/tables.js';

/** Columns derived from `fields` (all but the insert's token, the line itself and the chain's own). */
const derivedColumns = new Map<TableName, readonly Column[]>();
function derived(t: TableDef): readonly Column[] {
  let cols = derivedColumns.get(t.name);
  if (!cols) derivedColumns.set(t.name, (cols = columnsOf(t).filter((c) => !['batch_token', 'fields', 'chain_seq', 'prev_hash', 'row_hash'].includes(c.name))));
  return cols;
}

/**
 * A column's value in comparable form: integers and strings as text, floats as numbers. Text is
 * compared as PostgreSQL stores it (`storableText`: U+0000 and unpaired surrogates as U+FFFD), so a
 * line whose message holds `\u0000` verifies there too.
 */
function comparable(c: Column, v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  return c.type === 'float' ? Number(v) : storableText(String(v));
}

/**
 * The columns of a stored row that differ from what its `fields` derive to (at most a few, named
 * with both values), or a reason when `fields` does not derive to a row of this table at all.
 */
function derivationProblems(t: TableDef, r: Readonly<Record<string, unknown>>): string[] {
  let ev: HftEvent;
  const format = r.format === null || r.format === undefined ? null : String(r.format);
  try {
    ev = eventFromLine(String(r.fields), format, r.component === null || r.component === undefined ? null : String(r.component));
  } catch (err) {
    return [`its fields do not read as a ${format ?? 'tickwatch'} line (${(err as Error).message})`];
  }
  const want = rowsFor(ev, ALL_LEVELS, String(r.fields), format).find(([name]) => name === t.name)?.[1];
  if (!want) return [`its event (${String(ev.event)}) does not belong in ${t.name}`];
  const out: string[] = [];
  for (const c of derived(t)) {
    const have = comparable(c, r[c.name]);
    const should = comparable(c, want[c.name]);
    if (have !== should) out.push(`${c.name} is ${JSON.stringify(have)} where its event says ${JSON.stringify(should)}`);
  }
  return out;
}

/** What verifying one table's chain found. */
export interface ChainReport {
  readonly table: TableName;
  /** Rows read. */
  readonly rows: number;
  /** `chain_seq` of the first row read (above 1 when retention removed older rows: then {@link checkpoint} says from where). */
  readonly firstSeq: number;
  /** The checkpoint the chain starts from, when retention cut it (its seq, and whether it is signed with a key). */
  readonly checkpoint?: { readonly seq: number; readonly signed: boolean };
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
export async function verifyChain(t: TableDef, rows: AsyncIterable<Readonly<Record<string, unknown>>>, maxProblems = 20, anchor?: ChainHead, opts: VerifyOptions = {}): Promise<ChainReport> {
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (p: string) => {
    problemCount++;
    if (problems.length < maxProblems) problems.push(p);
  };
  // Retention's cuts: each checkpoint's signature first; only those that check can start the chain.
  const cps = [...(opts.checkpoints ?? [])].sort((a, b) => a.seq - b.seq);
  const valid = new Map<number, Checkpoint>();
  for (const c of cps) {
    const p = checkpointProblem(c, opts.key);
    if (p) problem(p);
    else if (c.prevHash !== c.lastRemovedHash) problem(`checkpoint of ${t.name} at seq ${c.seq}: its prev_hash is not the hash of the last row it says were removed`);
    else valid.set(c.seq, c);
  }
  let start: Checkpoint | undefined;
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
      if (seq === 1) {
        if (prev !== GENESIS) problem(`seq 1: the chain's first row does not start from the genesis hash`);
      } else if (!valid.has(seq)) problem(`seq 1..${seq - 1}: missing, and no valid checkpoint starts the chain at seq ${seq} (rows deleted without a retention cut, or its checkpoint removed or altered)`);
      else if (prev !== valid.get(seq)!.prevHash) problem(`seq ${seq}: prev_hash does not match the checkpoint that starts the chain there (rows before it deleted or replaced)`);
      else start = valid.get(seq);
    } else if (seq === last.seq) problem(`seq ${seq}: appears more than once (a row copied or inserted)`);
    else {
      if (seq !== last.seq + 1) problem(`seq ${last.seq + 1}${seq - 1 > last.seq + 1 ? `..${seq - 1}` : ''}: missing (rows deleted)`);
      if (prev !== last.hash) problem(`seq ${seq}: prev_hash does not match the row before it (rows deleted, inserted or reordered)`);
      // A cut recorded and not yet carried out (a ClickHouse mutation still running): it must fit.
      const cp = valid.get(seq);
      if (cp && cp.prevHash !== prev) problem(`seq ${seq}: the checkpoint there names another prev_hash (${cp.prevHash.slice(0, 16)}) than the row's (${prev.slice(0, 16)})`);
    }
    if (rowHash(t, prev, r) !== own) problem(`seq ${seq}: the row's event does not match its hash (row altered)`);
    else for (const d of derivationProblems(t, r)) problem(`seq ${seq}: ${d} (row altered)`);
    if (anchor && seq === anchor.seq && own !== anchor.hash) problem(`seq ${seq}: not the row the recorder wrote there (hash ${own.slice(0, 16)}, the recorder's ${anchor.hash.slice(0, 16)}): the chain was rewritten`);
    last = { seq, hash: own };
  }
  // A chain retention emptied ends just before its newest checkpoint.
  const newest = cps.filter((c) => valid.has(c.seq)).at(-1);
  const head = last ?? (newest ? { seq: newest.seq - 1, hash: newest.prevHash } : { seq: 0, hash: GENESIS });
  if (last && newest && newest.seq > last.seq + 1) problem(`seq ${last.seq + 1}..${newest.seq - 1}: missing (a checkpoint says the chain was cut at seq ${newest.seq}, past its last row)`);
  if (anchor && head.seq < anchor.seq) problem(`seq ${head.seq + 1}${anchor.seq > head.seq + 1 ? `..${anchor.seq}` : ''}: missing from the end (the recorder has written up to seq ${anchor.seq}; rows deleted)`);
  return { table: t.name, rows: n, firstSeq, ...(start ? { checkpoint: { seq: start.seq, signed: start.algorithm === 'hmac-sha256' } } : {}), head, ...(anchor ? { anchor } : {}), problems, problemCount };
}

/** How {@link verifyChain} treats retention's checkpoints. */
export interface VerifyOptions {
  /** The table's checkpoints (the store's `checkpoints`). */
  readonly checkpoints?: readonly Checkpoint[];
  /** The key that signs them (`--checkpoint-key-file`): a signed checkpoint needs it to check. */
  readonly key?: CheckpointKey;
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
 * Verifies every chained table of a store (`tickwatch audit verify`), each from its checkpoints.
 * @param key - the checkpoints' signing key, if they are signed (`--checkpoint-key-file`)
 * @param anchors - the heads a running recorder knows the store has ({@link Recorder.storedHeads}), if one was asked
 * @throws when the store cannot be read
 */
export async function verifyStore(store: AuditStore, tables: readonly TableDef[], maxProblems = 20, anchors?: ChainHeads, key?: CheckpointKey): Promise<ChainReport[]> {
  const out: ChainReport[] = [];
  for (const t of tables) {
    const anchor = anchors?.[t.name];
    if (!t.chained) continue;
    const checkpoints = store.checkpoints ? await store.checkpoints(t.name) : [];
    out.push(await verifyChain(t, chainRows(store, t), maxProblems, anchor && anchor.seq > 0 ? anchor : undefined, { checkpoints, ...(key ? { key } : {}) }));
  }
  return out;
}
