/**
 * A batch's rows as they cross to the embedded store's thread (stores/threaded-duckdb.ts to
 * stores/duckdb-thread.ts): each table's values in flat typed arrays, its strings as UTF-8 bytes,
 * instead of one object a row; the batch's arrays packed into one buffer that moves to the thread
 * and back ({@link packRows}). Structured clone builds every row object again on the store's thread, key by key:
 * draining 400,000 lines (about 770,000 rows) through `startRecorder` on DuckDB, `postMessage` was
 * 17.6 % of the recorder thread's profile and the store thread spent about as long again taking the
 * objects apart, with the collector busy on both (issue 19, 6 December 2026).
 *
 * The values are the rows' own, unchanged, so the store converts each exactly as it converts a
 * row object's (stores/duckdb.ts `append`): a string crosses as its UTF-8, which is what the store
 * writes (a lone surrogate as U+FFFD, as before), a number as the same float64 (NaN and -0
 * included), null and undefined as null, and anything else (a boolean, a bigint, an object) by
 * structured clone as before.
 */
import { columnsOf, TABLE_DEFS, type TableName } from '../../catalog/tables.js';

/** A row as the recorder makes it (store.ts `WalRow`, not imported: store.ts imports this file). */
type WalRow = Readonly<Record<string, unknown>>;

/** A cell of {@link EncodedRows.kinds}. */
const NULL = 0;
const TEXT = 1;
const NUMBER = 2;
const OTHER = 3;

/**
 * One table's rows of a batch, encoded by {@link encodeRows}. Cells run row by row, each row's in
 * `columns` order. The typed arrays may be views on larger buffers (the encoder's, grown by
 * doubling).
 */
export interface EncodedRows {
  readonly table: TableName;
  /** Rows encoded. */
  readonly count: number;
  /** The table's columns as the catalog lists them (exporters/catalog/tables.ts `columnsOf`). */
  readonly columns: readonly string[];
  /** Each cell's kind: 0 null (or undefined), 1 a string, 2 a number, 3 anything else. */
  readonly kinds: Uint8Array;
  /** The numbers of the cells of kind 2, in order. */
  readonly numbers: Float64Array;
  /** The lengths, in bytes of UTF-8, of the strings of the cells of kind 1, in order. */
  readonly lengths: Uint32Array;
  /**
   * Those strings' UTF-8 (as `Buffer.write` encodes: a lone surrogate as U+FFFD), one after
   * another. Bytes, not JavaScript strings: they cross to the store's thread without a copy, and
   * the store's chunk writer hands them to DuckDB as they are (issue 19, 8 December 2026).
   */
  readonly text: Uint8Array;
  /** The values of the cells of kind 3, in order. */
  readonly others: readonly unknown[];
}

/** Where one table's arrays are in a {@link packRows} buffer: each as [byte offset, elements]. */
export interface PackedTable {
  readonly table: TableName;
  readonly count: number;
  readonly columns: readonly string[];
  readonly others: readonly unknown[];
  readonly kinds: readonly [number, number];
  readonly numbers: readonly [number, number];
  readonly lengths: readonly [number, number];
  readonly text: readonly [number, number];
}

/**
 * Bytes {@link packRows} needs for `tables`: each table's kinds, numbers (at a multiple of 8),
 * lengths (of 4) and UTF-8, end to end.
 */
export function packedBytes(tables: readonly EncodedRows[]): number {
  let n = 0;
  for (const e of tables) n = align(align(align(n + e.kinds.byteLength, 8) + e.numbers.byteLength, 4) + e.lengths.byteLength, 1) + e.text.byteLength;
  return n;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * Copies a batch's encodings into `buffer` (at least {@link packedBytes} long), for a `postMessage`
 * that moves the buffer (its transfer list) instead of serializing the arrays: the store's thread
 * hands the same buffer back, and the next batch reuses it. Serializing grew a fresh buffer for
 * every batch, and on a machine where a page's first touch costs about 10 us that was 42 % of the
 * recorder thread's page faults in a drain (issue 19, 8 December 2026). `others` (values neither
 * string, number nor null) still cross by structured clone, beside.
 * @returns where each table's arrays are, for {@link unpackRows}
 * @throws RangeError when `buffer` is too small
 */
export function packRows(tables: readonly EncodedRows[], buffer: ArrayBuffer): PackedTable[] {
  const bytes = new Uint8Array(buffer);
  const out: PackedTable[] = [];
  let at = 0;
  const put = (a: Uint8Array | Float64Array | Uint32Array, to: number): readonly [number, number] => {
    at = align(at, to);
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    const where = [at, a.length] as const;
    at += a.byteLength;
    return where;
  };
  for (const e of tables) {
    const kinds = put(e.kinds, 1);
    const numbers = put(e.numbers, 8);
    const lengths = put(e.lengths, 4);
    const text = put(e.text, 1);
    out.push({ table: e.table, count: e.count, columns: e.columns, others: e.others, kinds, numbers, lengths, text });
  }
  return out;
}

/**
 * The encodings {@link packRows} packed into `buffer`, as views on it (valid while `buffer` is not
 * moved again).
 * @throws RangeError when a table's place does not fit in `buffer` (not what packRows wrote into it)
 */
export function unpackRows(tables: readonly PackedTable[], buffer: ArrayBuffer): EncodedRows[] {
  return tables.map((t) => ({
    table: t.table,
    count: t.count,
    columns: t.columns,
    others: t.others,
    kinds: new Uint8Array(buffer, t.kinds[0], t.kinds[1]),
    numbers: new Float64Array(buffer, t.numbers[0], t.numbers[1]),
    lengths: new Uint32Array(buffer, t.lengths[0], t.lengths[1]),
    text: new Uint8Array(buffer, t.text[0], t.text[1]),
  }));
}

/** A table's rows of a batch, read in order: what a store appends from. */
export interface RowReader {
  readonly table: TableName;
  readonly count: number;
  /** The names of the values {@link read} writes, in its order. */
  readonly columns: readonly string[];
  /** Writes the next row's values into `out` (by `columns` index). */
  read(out: unknown[]): void;
  /**
   * Where the encoding's strings are as bytes ({@link EncodedRows.text}), for a reader that has
   * them: then {@link readBytes} reads a row with its strings left as bytes.
   */
  readonly text?: Uint8Array;
  /**
   * Writes the next row's values into `out` as {@link read} does, except a string: `out[j]` is then
   * {@link TEXT_CELL}, and `at[j]`, `len[j]` its bytes' offset and length in {@link text}.
   */
  readBytes?(out: unknown[], at: Int32Array, len: Int32Array): void;
}

/** The value {@link RowReader.readBytes} writes for a string it leaves as bytes. */
export const TEXT_CELL: unique symbol = Symbol('text cell');

const catalogColumns = new Map<TableName, readonly string[]>();

/** The catalog's column names of `table`, cached. @throws Error for a table the catalog lacks */
function columnsOfTable(table: TableName): readonly string[] {
  let names = catalogColumns.get(table);
  if (names === undefined) {
    const def = TABLE_DEFS.get(table);
    if (!def) throw new Error(`table ${table} is not in the catalog`);
    catalogColumns.set(table, (names = columnsOf(def).map((c) => c.name)));
  }
  return names;
}

/** Strings an {@link RowEncoder} joins and writes as UTF-8 at once (while they are still in the CPU's cache). */
export const JOIN_EVERY = 256;

/**
 * Writes one row's cells into `enc`'s arrays (which have room for a cell of every column).
 * Generated per table ({@link cellWriterOf}): each column is read by its name written in the code,
 * so each read is a property load V8 caches for the rows' shape (rows.ts builds each table's rows
 * with one literal), not a lookup by a name that changes from column to column. Issue 19, 7
 * December 2026: `RowEncoder.add` reading `r[columns[j]]` in a loop was 1.0 s of a 400,000-line
 * drain's main thread (827,233 rows), the largest JavaScript item on it.
 */
type CellWriter = (r: WalRow, enc: RowEncoder) => void;

const cellWriters = new Map<TableName, CellWriter>();

/** The {@link CellWriter} of `table`'s catalog columns `columns`, made once a table. */
function cellWriterOf(table: TableName, columns: readonly string[]): CellWriter {
  let w = cellWriters.get(table);
  if (w === undefined) {
    // Each name is written as a JSON string literal, which is a JavaScript string literal too: the
    // names are the catalog's, and no text of a row is evaluated as code.
    const body = columns
      .map(
        (c) => `v = r[${JSON.stringify(c)}];
if (typeof v === 'string') { kinds[k++] = ${TEXT}; lengths[s++] = v.length; if (strings.push(v) === ${JOIN_EVERY}) { enc.strs = s; enc.writeText(); } }
else if (typeof v === 'number') { kinds[k++] = ${NUMBER}; numbers[f++] = v; }
else if (v === null || v === undefined) kinds[k++] = ${NULL};
else { kinds[k++] = ${OTHER}; enc.others.push(v); }`,
      )
      .join('\n');
    w = new Function(
      'r',
      'enc',
      `const kinds = enc.kinds, numbers = enc.numbers, lengths = enc.lengths, strings = enc.strings;
let k = enc.cells, f = enc.nums, s = enc.strs, v;
${body}
enc.cells = k; enc.nums = f; enc.strs = s;`,
    ) as CellWriter;
    cellWriters.set(table, w);
  }
  return w;
}

/** A table's last batch's sizes: the next batch's arrays start that large (no doubling and copying on the way). */
const lastSizes = new Map<TableName, { cells: number; nums: number; strs: number; bytes: number }>();

/**
 * Encodes one table's rows (objects keyed by column name, as rows.ts builds them) for the store's
 * thread, a row at a time: the recorder adds each row as it makes it, while the row and its
 * strings are still in the CPU's cache. Encoding a sealed batch's rows afterwards, 8,000 lines
 * at a time, cost about 4.4 us a row against 0.6-0.9 us for the same rows encoded while hot
 * (issue 19, 6 December 2026): most of it was fetching rows and strings from memory again.
 *
 * Every value goes into typed arrays as it comes (strings as UTF-8, {@link JOIN_EVERY} at a time),
 * so a batch waiting for its seal is a few buffers outside V8's heap, not arrays and strings the
 * collector copies at every scavenge; and the buffers cross to the store's thread moved, not
 * serialized (issue 19, 8 December 2026: on this machine, where a page's first touch costs about
 * 10 us, the serializer's growing buffer was 42 % of the recorder thread's page faults in a drain).
 *
 * A key that is not one of the table's catalog columns is not carried: rows.ts builds no such key
 * (test/recorder/row-codec.test.ts checks every row type), and the store has no column for it.
 */
export class RowEncoder {
  /** The table's catalog columns. */
  readonly columns: readonly string[];
  private count = 0;
  /** @internal the cells' kinds, and the cells so far (for the table's {@link CellWriter}) */
  kinds: Uint8Array<ArrayBuffer>;
  /** @internal */
  cells = 0;
  /** @internal the numbers, and how many so far */
  numbers: Float64Array<ArrayBuffer>;
  /** @internal */
  nums = 0;
  /** @internal the strings' lengths (UTF-16 code units until {@link writeText} makes them bytes), and how many so far */
  lengths: Uint32Array<ArrayBuffer>;
  /** @internal */
  strs = 0;
  /** @internal the values of kind 3 */
  readonly others: unknown[] = [];
  /** @internal the strings not yet written as UTF-8 (at most {@link JOIN_EVERY}) */
  readonly strings: string[] = [];
  private text: Uint8Array<ArrayBuffer>;
  private textBuffer: Buffer;
  private bytes = 0;

  /** @throws Error when the catalog has no table `table` */
  constructor(readonly table: TableName) {
    this.columns = columnsOfTable(table);
    this.cellsOf = cellWriterOf(table, this.columns);
    const last = lastSizes.get(table);
    const m = this.columns.length;
    this.kinds = new Uint8Array(Math.max(last?.cells ?? 0, 64 * m));
    this.numbers = new Float64Array(Math.max(last?.nums ?? 0, 64 * m));
    this.lengths = new Uint32Array(Math.max(last?.strs ?? 0, 64 * m));
    this.text = new Uint8Array(Math.max(last?.bytes ?? 0, 1 << 14));
    this.textBuffer = Buffer.from(this.text.buffer, 0, this.text.length);
  }

  /** Rows added so far. */
  get rows(): number {
    return this.count;
  }

  /** Adds one row's values (the row is not kept). */
  add(r: WalRow): void {
    const m = this.columns.length;
    if (this.cells + m > this.kinds.length) this.kinds = grown(this.kinds, this.cells + m);
    if (this.nums + m > this.numbers.length) this.numbers = grown(this.numbers, this.nums + m);
    if (this.strs + m > this.lengths.length) this.lengths = grown(this.lengths, this.strs + m);
    this.cellsOf(r, this);
    this.count++;
  }

  /** The table's {@link CellWriter}. */
  private readonly cellsOf: CellWriter;

  /**
   * Writes the waiting strings (the last `strings.length` of `lengths`) as UTF-8 after the text so
   * far, and makes their lengths bytes. Called by the table's {@link CellWriter} and before the
   * rows are read; not meant for other callers.
   */
  writeText(): void {
    const strings = this.strings;
    const n = strings.length;
    if (n === 0) return;
    const from = this.strs - n;
    let chars = 0;
    for (let i = from; i < this.strs; i++) chars += this.lengths[i]!; // code units, until written
    if (this.bytes + chars * UTF8_MAX > this.text.length) {
      this.text = grown(this.text, this.bytes + chars * UTF8_MAX);
      this.textBuffer = Buffer.from(this.text.buffer, 0, this.text.length);
    }
    this.bytes += writeUtf8(strings, 0, n, this.textBuffer, this.bytes, this.lengths, from);
    strings.length = 0;
  }

  /** The rows added, encoded: the encoder's own arrays (views on them), handed over. The encoder is not used again. */
  finish(): EncodedRows {
    this.writeText();
    lastSizes.set(this.table, { cells: this.cells, nums: this.nums, strs: this.strs, bytes: this.bytes });
    return {
      table: this.table,
      count: this.count,
      columns: this.columns,
      kinds: this.kinds.subarray(0, this.cells),
      numbers: this.numbers.subarray(0, this.nums),
      lengths: this.lengths.subarray(0, this.strs),
      text: this.text.subarray(0, this.bytes),
      others: this.others,
    };
  }

  /** The rows added so far, encoded, the encoder unchanged (copies of its arrays: it may go on adding). */
  snapshot(): EncodedRows {
    this.writeText();
    return {
      table: this.table,
      count: this.count,
      columns: this.columns,
      kinds: this.kinds.slice(0, this.cells),
      numbers: this.numbers.slice(0, this.nums),
      lengths: this.lengths.slice(0, this.strs),
      text: this.text.slice(0, this.bytes),
      others: [...this.others],
    };
  }
}

/** Bytes of UTF-8 a UTF-16 code unit takes at most: room {@link writeUtf8} needs a code unit. */
export const UTF8_MAX = 3;

/**
 * Writes `strings[from]` to `strings[to - 1]` end to end as UTF-8 (as `Buffer.write` encodes: a lone
 * surrogate as U+FFFD) into `into` from byte `at`, joined first (one write, while they are in the
 * CPU's cache), and each one's bytes into `bytes` from index `bytesAt`. The caller keeps the join
 * below V8's large-object size (about 128 KiB: such a string is mapped fresh from the system), and
 * `into` must have {@link UTF8_MAX} bytes of room a code unit. Used by {@link RowEncoder} and by the
 * DuckDB chunk writer (stores/duckdb.ts `placeRest`).
 * @returns the bytes written
 */
export function writeUtf8(strings: readonly string[], from: number, to: number, into: Buffer, at: number, bytes: { [i: number]: number }, bytesAt: number): number {
  const piece = to - from === 1 ? strings[from]! : from === 0 && to === strings.length ? strings.join('') : strings.slice(from, to).join('');
  const w = into.write(piece, at, 'utf8');
  // As many bytes as code units: every string is ASCII, and its length is its bytes'.
  if (w === piece.length) for (let i = from; i < to; i++) bytes[bytesAt + i - from] = strings[i]!.length;
  else for (let i = from; i < to; i++) bytes[bytesAt + i - from] = Buffer.byteLength(strings[i]!, 'utf8');
  return w;
}

/** A copy of `a` with room for at least `need` elements (twice its length, or `need` when more). */
function grown<T extends Uint8Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>(a: T, need: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, need));
  b.set(a);
  return b;
}

/**
 * Encodes one table's rows at once (see {@link RowEncoder}).
 * @throws Error when the catalog has no table `table`
 */
export function encodeRows(table: TableName, rows: readonly WalRow[]): EncodedRows {
  const e = new RowEncoder(table);
  for (const r of rows) e.add(r);
  return e.finish();
}

/** A reader of rows {@link encodeRows} encoded (on the store's thread, after the structured clone). */
export function encodedReader(e: EncodedRows): RowReader {
  const { kinds, numbers, lengths, text, others } = e;
  const bytes = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  const m = e.columns.length;
  let k = 0;
  let s = 0;
  let f = 0;
  let o = 0;
  /** Where the next string's bytes start. */
  let at = 0;
  return {
    table: e.table,
    count: e.count,
    columns: e.columns,
    text,
    read(out) {
      for (let j = 0; j < m; j++, k++) {
        const kind = kinds[k];
        if (kind === TEXT) {
          const end = at + lengths[s++]!;
          out[j] = bytes.toString('utf8', at, end);
          at = end;
        } else if (kind === NUMBER) out[j] = numbers[f++];
        else if (kind === NULL) out[j] = null;
        else out[j] = others[o++];
      }
    },
    readBytes(out, where, len) {
      for (let j = 0; j < m; j++, k++) {
        const kind = kinds[k];
        if (kind === TEXT) {
          const n = lengths[s++]!;
          out[j] = TEXT_CELL;
          where[j] = at;
          len[j] = n;
          at += n;
        } else if (kind === NUMBER) out[j] = numbers[f++];
        else if (kind === NULL) out[j] = null;
        else out[j] = others[o++];
      }
    },
  };
}

/**
 * The rows of an encoding as objects, keyed by the table's catalog columns: what the recorder reads
 * back when it kept only the encoding (recorder.ts `keepRows`). A value the row lacked is null.
 */
export function decodeRows(e: EncodedRows): Record<string, unknown>[] {
  const r = encodedReader(e);
  const out: Record<string, unknown>[] = [];
  const vals: unknown[] = [];
  for (let i = 0; i < r.count; i++) {
    r.read(vals);
    const row: Record<string, unknown> = {};
    for (let j = 0; j < r.columns.length; j++) row[r.columns[j]!] = vals[j];
    out.push(row);
  }
  return out;
}

/** A reader of row objects: the values of `columns`, by name (undefined for a key a row lacks). */
export function objectReader(table: TableName, rows: readonly WalRow[], columns: readonly string[]): RowReader {
  let i = 0;
  return {
    table,
    count: rows.length,
    columns,
    read(out) {
      const r = rows[i++]!;
      for (let j = 0; j < columns.length; j++) out[j] = r[columns[j]!];
    },
  };
}
