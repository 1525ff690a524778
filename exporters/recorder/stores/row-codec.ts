/**
 * A batch's rows as they cross to the embedded store's thread (stores/threaded-duckdb.ts to
 * stores/duckdb-thread.ts): each table's values in flat typed arrays and one string, instead of one
 * object a row. Structured clone builds every row object again on the store's thread, key by key:
 * draining 400,000 lines (about 770,000 rows) through `startRecorder` on DuckDB, `postMessage` was
 * 17.6 % of the recorder thread's profile and the store thread spent about as long again taking the
 * objects apart, with the collector busy on both (issue 19, 6 December 2026).
 *
 * The values are the rows' own, unchanged, so the store converts each exactly as it converts a
 * row object's (stores/duckdb.ts `append`): a string crosses as a string, a number as the same
 * float64 (NaN and -0 included), null and undefined as null, and anything else (a boolean, a
 * bigint, an object) by structured clone as before.
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
 * `columns` order.
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
  /** The lengths (UTF-16 code units) of the strings of the cells of kind 1, in order. */
  readonly lengths: Uint32Array;
  /**
   * Those strings, one after another, {@link JOIN_EVERY} to a piece (the last piece may hold fewer):
   * not joined into one, which would copy them all once more.
   */
  readonly text: readonly string[];
  /** The values of the cells of kind 3, in order. */
  readonly others: readonly unknown[];
}

/** A table's rows of a batch, read in order: what a store appends from. */
export interface RowReader {
  readonly table: TableName;
  readonly count: number;
  /** The names of the values {@link read} writes, in its order. */
  readonly columns: readonly string[];
  /** Writes the next row's values into `out` (by `columns` index). */
  read(out: unknown[]): void;
}

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

/** Strings an {@link RowEncoder} joins into one piece of {@link EncodedRows.text} (while they are still in the CPU's cache). */
export const JOIN_EVERY = 256;

/**
 * Writes one row's cells (kinds from `k` on, and each value where its kind goes); returns the next
 * cell's index. Generated per table ({@link cellWriterOf}): each column is read by its name
 * written in the code, so each read is a property load V8 caches for the rows' shape (rows.ts
 * builds each table's rows with one literal), not a lookup by a name that changes from column to
 * column. Issue 19, 7 December 2026: `RowEncoder.add` reading `r[columns[j]]` in a loop was 1.0 s
 * of a 400,000-line drain's main thread (827,233 rows), the largest JavaScript item on it.
 */
type CellWriter = (r: WalRow, kinds: Uint8Array, k: number, lengths: number[], strings: string[], numbers: number[], others: unknown[], enc: { joinStrings(): string[] }) => number;

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
if (typeof v === 'string') { kinds[k++] = ${TEXT}; lengths.push(v.length); if (strings.push(v) === ${JOIN_EVERY}) strings = enc.joinStrings(); }
else if (typeof v === 'number') { kinds[k++] = ${NUMBER}; numbers.push(v); }
else if (v === null || v === undefined) kinds[k++] = ${NULL};
else { kinds[k++] = ${OTHER}; others.push(v); }`,
      )
      .join('\n');
    w = new Function('r', 'kinds', 'k', 'lengths', 'strings', 'numbers', 'others', 'enc', `let v;\n${body}\nreturn k;`) as CellWriter;
    cellWriters.set(table, w);
  }
  return w;
}

/**
 * Encodes one table's rows (objects keyed by column name, as rows.ts builds them) for the store's
 * thread, a row at a time: the recorder adds each row as it makes it, while the row and its
 * strings are still in the CPU's cache. Encoding a sealed batch's rows afterwards, 8,000 lines
 * at a time, cost about 4.4 us a row against 0.6-0.9 us for the same rows encoded while hot
 * (issue 19, 6 December 2026): most of it was fetching rows and strings from memory again.
 *
 * A key that is not one of the table's catalog columns is not carried: rows.ts builds no such key
 * (test/recorder/row-codec.test.ts checks every row type), and the store has no column for it.
 */
export class RowEncoder {
  /** The table's catalog columns. */
  readonly columns: readonly string[];
  private count = 0;
  private kinds = new Uint8Array(1024);
  private cells = 0;
  private readonly numbers: number[] = [];
  private readonly lengths: number[] = [];
  private readonly others: unknown[] = [];
  private strings: string[] = [];
  private readonly joined: string[] = [];

  /** @throws Error when the catalog has no table `table` */
  constructor(readonly table: TableName) {
    this.columns = columnsOfTable(table);
    this.cellsOf = cellWriterOf(table, this.columns);
  }

  /** Rows added so far. */
  get rows(): number {
    return this.count;
  }

  /** Adds one row's values (the row is not kept). */
  add(r: WalRow): void {
    const m = this.columns.length;
    if (this.cells + m > this.kinds.length) {
      const grown = new Uint8Array(Math.max(this.kinds.length * 2, this.cells + m));
      grown.set(this.kinds);
      this.kinds = grown;
    }
    this.cells = this.cellsOf(r, this.kinds, this.cells, this.lengths, this.strings, this.numbers, this.others, this);
    this.count++;
  }

  /** The table's {@link CellWriter}. */
  private readonly cellsOf: CellWriter;

  /**
   * Joins the waiting strings ({@link JOIN_EVERY} of them) into one piece of the encoding. Called by
   * the table's {@link CellWriter}, not meant for other callers.
   * @returns the empty array that takes the next strings
   */
  joinStrings(): string[] {
    this.joined.push(this.strings.join(''));
    return (this.strings = []);
  }

  /** The rows added, encoded. The encoder is not used again. */
  finish(): EncodedRows {
    if (this.strings.length) this.joined.push(this.strings.join(''));
    this.strings = [];
    return this.encoded(this.joined, this.others);
  }

  /** The rows added so far, encoded, the encoder unchanged (copies of its arrays: it may go on adding). */
  snapshot(): EncodedRows {
    return this.encoded(this.strings.length ? [...this.joined, this.strings.join('')] : [...this.joined], [...this.others]);
  }

  private encoded(text: readonly string[], others: readonly unknown[]): EncodedRows {
    return {
      table: this.table,
      count: this.count,
      columns: this.columns,
      kinds: this.kinds.slice(0, this.cells),
      // The constructors copy a packed array directly (`from` goes through its iterator).
      numbers: new Float64Array(this.numbers),
      lengths: new Uint32Array(this.lengths),
      text,
      others,
    };
  }
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
  const m = e.columns.length;
  let k = 0;
  let s = 0;
  let f = 0;
  let o = 0;
  /** The piece of `text` being read, and where in it the next string starts. */
  let piece = '';
  let at = 0;
  return {
    table: e.table,
    count: e.count,
    columns: e.columns,
    read(out) {
      for (let j = 0; j < m; j++, k++) {
        const kind = kinds[k];
        if (kind === TEXT) {
          if (s % JOIN_EVERY === 0) {
            piece = text[s / JOIN_EVERY]!;
            at = 0;
          }
          const end = at + lengths[s++]!;
          out[j] = piece.slice(at, end);
          at = end;
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
