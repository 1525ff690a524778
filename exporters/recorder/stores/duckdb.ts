/**
 * The embedded default store: one DuckDB file, no server. A batch is one transaction on the
 * store's writing connection (reads and the clean-up have their own), its rows put in through
 * DuckDB's appender (its bulk-load path). Retention is a DELETE of rows older than the table's
 * retention, run by {@link DuckDbStore.prune}.
 */
import { createRequire } from 'node:module';
import { DuckDBDataChunk, DuckDBInstance, VARCHAR, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type * as Bindings from '@duckdb/node-bindings';
import { columnsOf, DEFAULT_RETENTION, TABLE_DEFS, type Column, type RetentionDays, type TableDef, type TableName } from '../../catalog/tables.js';
import { addableColumns, duckdbDDL, DUCKDB_TYPES } from '../ddl.js';
import type { ChainHead, ChainHeads } from '../chain.js';
import { checkColumns, globToLike, levelsFrom, type AuditStore, type ExecTimeRow, type FoundRow, type LogQuery, type LogRow, type SearchQuery, type WalRow } from './store.js';
import { ALERT_ROW_COLUMNS, alertRowOf, type AlertQuery, type AlertRow } from './store.js';
import { encodedReader, objectReader, TEXT_CELL, UTF8_MAX, writeUtf8, type EncodedRows, type RowReader } from './row-codec.js';
import { DUCKDB_KEY_FILE_ENV, scrubSecret, sqlString, StoreKeyError, type StoreKey } from '../encryption.js';
import type { Checkpoint } from '../checkpoint.js';
import { archiveOf, chainSource, retainedHead, sqlCheckpoints, withArchive, type SqlBackend, type SqlRunner } from './retained.js';

/**
 * How an open store's file is encrypted: not at all, or with AES-GCM-256 through OpenSSL (DuckDB's
 * httpfs extension, when it is installed) or through the mbedtls DuckDB bundles, which DuckDB
 * 1.5 only writes with under `force_mbedtls_unsafe` (its nonces come from a non-cryptographic
 * generator; README, "Encryption at rest").
 */
export type DuckDbEncryption = 'none' | 'openssl' | 'mbedtls';

/**
 * DuckDB's threads for the embedded store by default: one, the connection's own (no worker thread).
 * Issue 19: with DuckDB's default (one thread per core) its idle worker woke through every batch
 * commit, and `tickwatch start` at about 375 lines/s took 7.73 and 6.80 % of a core against 5.37 and
 * 5.80 % with one thread (30 s /proc windows, alternating; the process's helper threads 3.2-3.3 % ->
 * 1.8-1.9 %). Searches and `audit verify` then scan on one core, which on a 2-core engine host leaves
 * the other to the engine. `--duckdb-threads` raises it.
 */
export const DEFAULT_DUCKDB_THREADS = 1;

/**
 * DuckDB's `checkpoint_threshold`: the size its own write-ahead log reaches before a batch's commit
 * folds it into the database file (DuckDB's default is 16 MiB). With 16 MiB, commits (checkpoints
 * included) took most of a busy store's time. Draining 400,000 lines (827,233 rows; the lines
 * `npm run bench -- overhead` drains) through `startRecorder` on DuckDB, alternating (beside a stray
 * CPU-bound process on the other core): 17.2 and 15.6 s with 16 MiB (commits 9.9 and 8.7 s of it),
 * 13.7 and 13.1 s with 256 MiB (commits 6.0 and 4.6 s; the checkpoint at close 1.0-1.2 s instead of
 * 0.25 s); 64 MiB gained little (commits 6.3 against 6.9 s), 1 GiB no more than 256 MiB once its
 * 2.5 s close was counted. The machine quiet, with Recorder.prepare too: 15.0 and 15.1 s before,
 * 11.4 and 11.5 s after. Peak RSS over the drain was 1.46-1.74 GB with either threshold. The price:
 * after a crash DuckDB replays up to that much log at start-up, and the log takes that much disk
 * beside the file.
 */
export const DUCKDB_CHECKPOINT_THRESHOLD = '256MiB';

/** Options of {@link DuckDbStore.open}. */
export interface DuckDbOpenOptions {
  /** The key of an encrypted file (`readKeyFile`); a new file is created encrypted with it. Absent: a plain file. */
  readonly key?: StoreKey;
  /** DuckDB's `threads` setting (default {@link DEFAULT_DUCKDB_THREADS}); an integer >= 1. */
  readonly threads?: number;
  /**
   * How rows are appended: `chunk` (default) through data chunks ({@link ChunkWriter}), `value`
   * value by value, as before it: the same rows stored, for the tests and the benchmark to compare.
   */
  readonly append?: 'chunk' | 'value';
}

/**
 * The DuckDB C API binding that `@duckdb/node-api` itself loads (resolved from its folder, so it is
 * the same copy and the same native library: a data chunk made by one copy cannot be appended by
 * another). {@link ChunkWriter} fills data chunks through it.
 */
const ddb = createRequire(createRequire(import.meta.url).resolve('@duckdb/node-api'))('@duckdb/node-bindings') as typeof Bindings;

/**
 * Appends a table's rows through DuckDB data chunks (`duckdb_append_data_chunk`) instead of value by
 * value: numbers and each column's nulls are written into typed arrays and copied into the chunk's
 * vectors at once, and every string is written as the C API's `duckdb_string_t` lays it out
 * (duckdb.h), 16 bytes a value, in the same copy:
 *
 * - up to 12 bytes, inlined: a 4-byte little-endian length, then the bytes, zero-padded;
 * - longer: the length, the first 4 bytes (DuckDB's prefix), then an 8-byte pointer to the bytes.
 *   The bytes are the chunk's longer strings' UTF-8, encoded end to end at once and handed to DuckDB
 *   as one string ({@link ChunkWriter.heap}, in memory DuckDB owns); each value points into it.
 *   `duckdb_append_data_chunk` copies the strings into the appender's own collection before it
 *   returns (DuckDB's `ColumnDataCollection::Append`), so that string is freed right after. A
 *   string with a NUL in it is stored whole.
 *
 * The appender's per-value calls cost one N-API crossing a value, the nulls and the row ends too;
 * a string given in its own call (`duckdb_vector_assign_string_element`, as longer strings were
 * before) cost one crossing and one UTF-8 conversion each, about 150-220 ns whether the string or
 * its UTF-8 bytes were given (a 2,048-row vector of 14-, 40- and 100-byte strings, 7 December 2026).
 *
 * Measured (issue 19, 7 December 2026, one thread, 409,600 rows of a 4-byte string, a 36-byte
 * string and a null, 2 rounds after a warm-up): 538-541 ns a row value by value, 417-427 ns through
 * chunks with every string in its own call, 320-332 ns with the short strings in place.
 *
 * Used for a table whose columns are all BIGINT, DOUBLE or VARCHAR as the catalog has them, plus
 * columns the catalog lacks (added by hand), which get nulls whatever their type; any other table
 * (a column's type changed by hand) is appended value by value as before.
 */
class ChunkWriter {
  /** Rows a chunk holds (DuckDB's vector size, 2,048). */
  private static readonly SIZE = ddb.vector_size();
  private readonly chunk: DuckDBDataChunk;
  /** Per column: what is written, by the appender's column order. */
  private readonly kinds: Uint8Array;
  private readonly numbers: (BigInt64Array<ArrayBuffer> | Float64Array<ArrayBuffer> | undefined)[];
  private readonly inline: (Uint8Array<ArrayBuffer> | undefined)[];
  private readonly valid: Uint8Array<ArrayBuffer>[];
  private readonly anyNull: Uint8Array;
  /** Each VARCHAR column's {@link inline} buffer, for its 32-bit fields. */
  private readonly views: (DataView | undefined)[];
  /** The chunk's strings not inlined by the row loop (longer than 12 characters, or not ASCII): each one's column, row and string. */
  private readonly restCol: Int32Array<ArrayBuffer>;
  private readonly restRow: Int32Array<ArrayBuffer>;
  private readonly restStr: string[] = [];
  private restN = 0;
  /** Their UTF-8, end to end (grown as needed). */
  private utf8 = new Uint8Array(1 << 16);
  /** {@link utf8} as a Buffer, for `Buffer.write` (row-codec.ts `writeUtf8`). */
  private utf8Buffer = Buffer.from(this.utf8.buffer, 0, this.utf8.length);
  /** Each of those strings' bytes of UTF-8. */
  private readonly restBytes: number[] = [];
  /**
   * Most UTF-16 code units of the strings encoded at once: a joined string stays well below V8's
   * large-object size (about 128 KiB), which V8 maps fresh from the system for each one.
   */
  private static readonly PIECE = 16_384;
  /**
   * A chunk of one VARCHAR column whose first value holds {@link utf8} in DuckDB's memory while a
   * chunk is filled and appended (reset after), and its second the reader's bytes of the chunk's
   * long strings ({@link placeLong}): the longer strings point into them.
   */
  private readonly heap: DuckDBDataChunk;
  private readonly vals: unknown[] = [];
  /** For a reader with its strings as bytes ({@link RowReader.readBytes}): each value's offset and length in its bytes. */
  private readonly cellAt: Int32Array;
  private readonly cellLen: Int32Array;
  /** The chunk's strings longer than 12 bytes left as the reader's bytes: each one's column, row, offset and length. */
  private readonly longCol: Int32Array<ArrayBuffer>;
  private readonly longRow: Int32Array<ArrayBuffer>;
  private readonly longAt: Int32Array<ArrayBuffer>;
  private readonly longLen: Int32Array<ArrayBuffer>;

  /**
   * @param app - the table's appender, whose column types the chunk takes
   * @param at - each appender column's index among the reader's values, -1 for none (null)
   * @param kinds - each column's kind: {@link ChunkWriter.BIGINT}, {@link ChunkWriter.DOUBLE}, {@link ChunkWriter.VARCHAR}, or {@link ChunkWriter.NULLS} (a column without values)
   * @param token - the column index of `batch_token` (its value is the insert's token), -1 for none
   * @param values - how many values the reader writes a row (its `columns`)
   */
  private constructor(
    app: DuckDBAppender,
    private readonly at: readonly number[],
    kinds: readonly number[],
    private readonly tokenAt: number,
    values: number,
  ) {
    const n = kinds.length;
    const size = ChunkWriter.SIZE;
    this.chunk = DuckDBDataChunk.create(Array.from({ length: n }, (_, j) => app.columnType(j)));
    this.kinds = Uint8Array.from(kinds);
    this.numbers = kinds.map((k) => (k === ChunkWriter.BIGINT ? new BigInt64Array(size) : k === ChunkWriter.DOUBLE ? new Float64Array(size) : undefined));
    this.inline = kinds.map((k) => (k === ChunkWriter.VARCHAR ? new Uint8Array(size * 16) : undefined));
    this.valid = kinds.map(() => new Uint8Array(Math.ceil(size / 64) * 8));
    this.anyNull = new Uint8Array(n);
    this.views = this.inline.map((b) => (b ? new DataView(b.buffer) : undefined));
    this.restCol = new Int32Array(size * n);
    this.restRow = new Int32Array(size * n);
    this.heap = DuckDBDataChunk.create([VARCHAR]);
    this.cellAt = new Int32Array(values);
    this.cellLen = new Int32Array(this.cellAt.length);
    this.longCol = new Int32Array(size * n);
    this.longRow = new Int32Array(size * n);
    this.longAt = new Int32Array(size * n);
    this.longLen = new Int32Array(size * n);
  }

  static readonly NULLS = 0;
  static readonly BIGINT = 1;
  static readonly DOUBLE = 2;
  static readonly VARCHAR = 3;
  /** The kind written for each DuckDB type the DDL uses (ddl.ts DUCKDB_TYPES). */
  private static readonly KIND_OF: Readonly<Record<string, number>> = { BIGINT: ChunkWriter.BIGINT, DOUBLE: ChunkWriter.DOUBLE, VARCHAR: ChunkWriter.VARCHAR };

  /**
   * A writer for `app`'s table, or undefined when a column the catalog names has another type in
   * the file than the DDL gives it (`DUCKDB_TYPES`: BIGINT, DOUBLE or VARCHAR; the caller then appends
   * value by value).
   * @param cols - the table's columns in the file's order (physical), catalog types
   * @param columns - the names of the reader's values
   */
  static of(app: DuckDBAppender, cols: readonly Column[], columns: readonly string[]): ChunkWriter | undefined {
    if (app.columnCount !== cols.length) return undefined;
    const kinds: number[] = [];
    const at: number[] = [];
    let tokenAt = -1;
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j]!;
      const x = columns.indexOf(c.name);
      if (c.name === 'batch_token') tokenAt = j;
      if (x < 0 && c.name !== 'batch_token') {
        kinds.push(ChunkWriter.NULLS);
        at.push(-1);
        continue;
      }
      // The file's type must be the one the DDL gives the catalog type (ddl.ts DUCKDB_TYPES).
      const kind = ChunkWriter.KIND_OF[DUCKDB_TYPES[c.type]];
      if (kind === undefined || String(app.columnType(j)) !== DUCKDB_TYPES[c.type]) return undefined;
      kinds.push(kind);
      at.push(x);
    }
    return new ChunkWriter(app, at, kinds, tokenAt, columns.length);
  }

  /**
   * Appends every row of `rows` to `app` (not flushed).
   * @throws RangeError or SyntaxError for a BIGINT column's value that is not an integer (as `BigInt` throws)
   * @throws Error from DuckDB when it refuses the chunk
   */
  append(app: DuckDBAppender, rows: RowReader, token: string): void {
    const { at, kinds, numbers, inline, valid, anyNull, restCol, restRow, restStr, vals, tokenAt, cellAt, cellLen, longCol, longRow, longAt, longLen } = this;
    const raw = this.chunk.chunk;
    const m = kinds.length;
    const size = ChunkWriter.SIZE;
    // A reader with its strings as UTF-8 bytes (an encoded batch): a string is copied from them as
    // it is, not made a JavaScript string and encoded again.
    const text = rows.readBytes ? rows.text! : undefined;
    const textBuffer = text ? Buffer.from(text.buffer, text.byteOffset, text.byteLength) : undefined;
    for (let start = 0; start < rows.count; start += size) {
      const n = Math.min(size, rows.count - start);
      ddb.data_chunk_reset(raw);
      for (let j = 0; j < m; j++) {
        valid[j]!.fill(255);
        anyNull[j] = 0;
        inline[j]?.fill(0);
      }
      let rest = 0;
      let long = 0;
      for (let r = 0; r < n; r++) {
        if (text) rows.readBytes!(vals, cellAt, cellLen);
        else rows.read(vals);
        for (let j = 0; j < m; j++) {
          const kind = kinds[j]!;
          const x = at[j]!;
          // The batch token is the insert's own, so a replay can find what a lost reply hid.
          let v = j === tokenAt ? token : x < 0 ? undefined : vals[x];
          if (v === null || v === undefined || kind === ChunkWriter.NULLS) {
            valid[j]![r >> 3]! &= ~(1 << (r & 7));
            anyNull[j] = 1;
            continue;
          }
          if (v === TEXT_CELL) {
            const off = cellAt[x]!;
            const len = cellLen[x]!;
            if (kind === ChunkWriter.VARCHAR) {
              if (len <= 12) {
                const b = inline[j]!;
                const o = r * 16;
                b[o] = len;
                for (let q = 0; q < len; q++) b[o + 4 + q] = text![off + q]!;
              } else {
                longCol[long] = j;
                longRow[long] = r;
                longAt[long] = off;
                longLen[long++] = len;
              }
              continue;
            }
            // A string in a number's column (the row objects' own value, as read by read()).
            v = textBuffer!.toString('utf8', off, off + len);
          }
          if (kind === ChunkWriter.VARCHAR) {
            const s = typeof v === 'string' ? v : String(v);
            const len = s.length;
            if (len <= 12) {
              const b = inline[j]!;
              const o = r * 16;
              let q = 0;
              for (; q < len; q++) {
                const ch = s.charCodeAt(q);
                if (ch > 127) break;
                b[o + 4 + q] = ch;
              }
              if (q === len) {
                b[o] = len;
                continue;
              }
              b.fill(0, o, o + 16);
            }
            restCol[rest] = j;
            restRow[rest] = r;
            restStr[rest++] = s;
          } else if (kind === ChunkWriter.BIGINT) numbers[j]![r] = BigInt(v as string | number | bigint);
          else numbers[j]![r] = Number(v);
        }
      }
      this.restN = rest;
      // In case an append threw before the reset after it.
      if (rest > 0 || long > 0) ddb.data_chunk_reset(this.heap.chunk);
      this.placeRest();
      if (long > 0) this.placeLong(text!, long);
      for (let j = 0; j < m; j++) {
        const vec = ddb.data_chunk_get_vector(raw, j);
        const nums = numbers[j];
        if (nums) ddb.copy_data_to_vector(vec, 0, nums.buffer, 0, n * 8);
        else if (inline[j]) ddb.copy_data_to_vector(vec, 0, inline[j]!.buffer, 0, n * 16);
        if (anyNull[j]) {
          ddb.vector_ensure_validity_writable(vec);
          ddb.copy_data_to_vector_validity(vec, 0, valid[j]!.buffer, 0, Math.ceil(n / 64) * 8);
        }
      }
      ddb.data_chunk_set_size(raw, n);
      app.appendDataChunk(this.chunk);
      // The appender has copied the strings: their UTF-8 in DuckDB's memory goes now, not at the next chunk.
      if (rest > 0 || long > 0) ddb.data_chunk_reset(this.heap.chunk);
    }
  }

  /**
   * Writes the `duckdb_string_t` of each string longer than 12 bytes the row loop left as the
   * reader's bytes (`count` of them): the bytes from the first to the end of the last go to DuckDB
   * at once, as the second value of {@link heap}, and each string points into them.
   */
  private placeLong(text: Uint8Array, count: number): void {
    const { longCol, longRow, longAt, longLen, inline, views } = this;
    let from = longAt[0]!;
    let to = from + longLen[0]!;
    for (let i = 1; i < count; i++) {
      const a = longAt[i]!;
      if (a < from) from = a;
      if (a + longLen[i]! > to) to = a + longLen[i]!;
    }
    const vec = ddb.data_chunk_get_vector(this.heap.chunk, 0);
    ddb.vector_assign_string_element_len(vec, 1, text.subarray(from, to));
    // The second string's duckdb_string_t: length, prefix, then the pointer (little-endian, 64-bit).
    const t = ddb.vector_get_data(vec, 32);
    const d = new DataView(t.buffer, t.byteOffset + 16, 16);
    const lo = d.getUint32(8, true);
    const hi = d.getUint32(12, true);
    for (let i = 0; i < count; i++) {
      const j = longCol[i]!;
      const b = inline[j]!;
      const v = views[j]!;
      const o = longRow[i]! * 16;
      const off = longAt[i]!;
      v.setUint32(o, longLen[i]!, true);
      b[o + 4] = text[off]!;
      b[o + 5] = text[off + 1]!;
      b[o + 6] = text[off + 2]!;
      b[o + 7] = text[off + 3]!;
      const p = lo + (off - from);
      v.setUint32(o + 8, p >>> 0, true);
      v.setUint32(o + 12, p > 0xffffffff ? hi + 1 : hi, true);
    }
  }

  /**
   * Writes the `duckdb_string_t` of each string the row loop left ({@link restN} of them) into its
   * column's {@link inline} buffer: their UTF-8 is encoded at once and handed to DuckDB as one string
   * in {@link heap}; one of more than 12 bytes points into it, a shorter one (not ASCII) is inlined.
   */
  private placeRest(): void {
    const k = this.restN;
    if (k === 0) return;
    const { restCol, restRow, restStr, inline, views } = this;
    // A chunk whose row loop threw (a value DuckDB's type refuses) left its strings behind.
    if (restStr.length > k) restStr.length = k;
    let chars = 0;
    for (let i = 0; i < k; i++) chars += restStr[i]!.length;
    if (this.utf8.length < chars * UTF8_MAX) {
      this.utf8 = new Uint8Array(chars * UTF8_MAX + (1 << 16));
      this.utf8Buffer = Buffer.from(this.utf8.buffer, 0, this.utf8.length);
    }
    const { utf8, utf8Buffer, restBytes } = this;
    // Encoded a piece at a time, each at most PIECE code units: one string of the chunk's strings
    // joined would be a large object to V8 (fresh pages from the system each time, issue 19).
    let written = 0;
    for (let i = 0; i < k; ) {
      let j = i + 1;
      let n = restStr[i]!.length;
      while (j < k && n + restStr[j]!.length <= ChunkWriter.PIECE) n += restStr[j++]!.length;
      written += writeUtf8(restStr, i, j, utf8Buffer, written, restBytes, i);
      i = j;
    }
    let lo = 0;
    let hi = 0;
    if (written > 12) {
      const vec = ddb.data_chunk_get_vector(this.heap.chunk, 0);
      ddb.vector_assign_string_element_len(vec, 0, utf8.subarray(0, written));
      // The string's duckdb_string_t: length, prefix, then the pointer (little-endian, 64-bit).
      const t = ddb.vector_get_data(vec, 16);
      const d = new DataView(t.buffer, t.byteOffset, 16);
      lo = d.getUint32(8, true);
      hi = d.getUint32(12, true);
    }
    let off = 0;
    for (let i = 0; i < k; i++) {
      const len = restBytes[i]!;
      const j = restCol[i]!;
      const b = inline[j]!;
      const v = views[j]!;
      const o = restRow[i]! * 16;
      v.setUint32(o, len, true);
      if (len <= 12) {
        for (let q = 0; q < len; q++) b[o + 4 + q] = utf8[off + q]!;
      } else {
        b[o + 4] = utf8[off]!;
        b[o + 5] = utf8[off + 1]!;
        b[o + 6] = utf8[off + 2]!;
        b[o + 7] = utf8[off + 3]!;
        const p = lo + off;
        v.setUint32(o + 8, p >>> 0, true);
        v.setUint32(o + 12, p > 0xffffffff ? hi + 1 : hi, true);
      }
      off += len;
    }
    // The strings are not kept past their chunk (a batch's last chunk would hold them until the next batch).
    restStr.length = 0;
    if (off !== written) throw new Error(`DuckDB chunk writer: ${off} bytes of strings placed, ${written} encoded`);
  }
}

/** The name an encrypted file is attached under (the in-memory main database stays empty). */
const ATTACHED = 'tickwatch_audit';

/** DuckDB-backed audit store. */
export class DuckDbStore implements AuditStore {
  readonly kind = 'embedded' as const;
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly defs: Map<string, TableDef>,
    private readonly path: string,
    /** How the file is encrypted. */
    readonly encryption: DuckDbEncryption = 'none',
    /** Rows appended value by value ({@link DuckDbOpenOptions.append}). */
    private readonly byValue = false,
  ) {}

  /** Each table's columns in the order the file holds them (added columns come last), for the appender. */
  private readonly physical = new Map<string, readonly Column[]>();

  /**
   * Opens (or creates) the database file. With a key, an in-memory DuckDB attaches the file with
   * `ENCRYPTION_KEY` and makes it the default database, so every query of this store runs unchanged.
   * @param path - file path, or ':memory:' (never encrypted)
   * @throws StoreKeyError when the file is encrypted and no key is given, the key does not open it,
   *   or a key is given for an unencrypted file
   * @throws Error when the file cannot be opened (locked by another process, unreadable), or
   *   `threads` is not an integer >= 1
   */
  static async open(path: string, o: DuckDbOpenOptions = {}): Promise<DuckDbStore> {
    const threads = o.threads ?? DEFAULT_DUCKDB_THREADS;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`DuckDB threads: ${threads} is not an integer >= 1`);
    if (!o.key) {
      let instance: DuckDBInstance;
      try {
        instance = await DuckDBInstance.create(path, { threads: String(threads), checkpoint_threshold: DUCKDB_CHECKPOINT_THRESHOLD });
      } catch (err) {
        if (/without a key/i.test((err as Error).message)) throw new StoreKeyError(`the audit store ${path} is encrypted: give its key with --duckdb-key-file <file> (or ${DUCKDB_KEY_FILE_ENV})`);
        throw err;
      }
      return new DuckDbStore(instance, await instance.connect(), new Map(), path, 'none', o.append === 'value');
    }
    if (path === ':memory:') throw new StoreKeyError('an in-memory store is not encrypted: give a file path with a key');
    const key = o.key;
    // Spilled intermediates go beside the file, as they would for the file opened directly.
    const instance = await DuckDBInstance.create(':memory:', { temp_directory: `${path}.tmp`, threads: String(threads), checkpoint_threshold: DUCKDB_CHECKPOINT_THRESHOLD });
    try {
      const conn = await instance.connect();
      // DuckDB writes encrypted files only through OpenSSL (its httpfs extension) unless told to
      // use the mbedtls it bundles; LOAD fails at once when the extension is not installed.
      let encryption: DuckDbEncryption = 'openssl';
      await conn.run('LOAD httpfs').catch(async () => {
        encryption = 'mbedtls';
        await conn.run('SET force_mbedtls_unsafe = true');
      });
      try {
        await conn.run(`ATTACH ${sqlString(path)} AS ${ATTACHED} (ENCRYPTION_KEY ${sqlString(key.secret)})`);
      } catch (err) {
        const msg = scrubSecret((err as Error).message, key.secret);
        if (/wrong encryption key/i.test(msg)) throw new StoreKeyError(`the key in ${key.file} does not open ${path}`);
        if (/is not encrypted/i.test(msg)) throw new StoreKeyError(`the audit store ${path} is not encrypted, and a key was given (${key.file}): run without --duckdb-key-file and ${DUCKDB_KEY_FILE_ENV}, or copy it into an encrypted file (README, "Encryption at rest")`);
        throw new Error(msg);
      }
      await conn.run(`USE ${ATTACHED}`);
      return new DuckDbStore(instance, conn, new Map(), path, encryption, o.append === 'value');
    } catch (err) {
      instance.closeSync();
      throw err;
    }
  }

  /**
   * Creates missing tables, and adds in place the nullable columns a table of an older tickwatch
   * lacks (see `addableColumns`).
   * @throws StoreSchemaError when an existing table lacks other columns this version writes
   */
  async init(tables: readonly TableDef[]): Promise<void> {
    for (const t of tables) {
      await this.conn.run(duckdbDDL(t));
      const names = async () =>
        (await this.conn.runAndReadAll('SELECT column_name FROM information_schema.columns WHERE table_name = $t AND table_catalog = current_database() ORDER BY ordinal_position', { t: t.name })).getRowObjects().map((o) => String(o.column_name));
      let have = await names();
      const add = addableColumns(t, have);
      for (const c of add) await this.conn.run(`ALTER TABLE ${t.name} ADD COLUMN ${c.name} ${DUCKDB_TYPES[c.type]}`);
      if (add.length) have = await names();
      checkColumns(this.path, t.name, columnsOf(t).map((c) => c.name), have);
      const byName = new Map(columnsOf(t).map((c) => [c.name, c]));
      // A column this version does not know (added by hand) gets nulls, so the appender stays aligned.
      this.physical.set(t.name, have.map((n): Column => byName.get(n) ?? { name: n, type: 'string' }));
      this.defs.set(t.name, t);
    }
    // The batches' connection too, now: opening it takes a few round trips, which the first batch
    // would otherwise wait for behind a source catching up (Recorder.prepare).
    await this.writer();
  }

  async insert(table: TableName, rows: readonly WalRow[], token: string): Promise<void> {
    await this.insertBatch(new Map([[table, rows]]), token);
  }

  /**
   * Every table of a batch in one transaction: all of it is in the store, or none. The transaction
   * is on the writing connection, so a query on the store's reading connection (a search, the
   * alert webhook's duplicate check) never lands inside it.
   */
  async insertBatch(tables: ReadonlyMap<TableName, readonly WalRow[]>, token: string): Promise<void> {
    await this.insertReaders(
      [...tables].map(([table, rows]) => {
        const cols = this.physical.get(table);
        if (!cols) throw new Error(`table ${table} is not initialised`);
        return objectReader(table, rows, cols.map((c) => c.name));
      }),
      token,
    );
  }

  /**
   * {@link insertBatch} of rows encoded on another thread (row-codec.ts; stores/threaded-duckdb.ts
   * sends them so): the same transaction, the same values appended. Not {@link AuditStore.insertEncoded}:
   * on the recorder's own thread the row objects are cheaper.
   * @throws Error as insertBatch does, and when a table is not initialised
   */
  async insertBatchEncoded(tables: readonly EncodedRows[], token: string): Promise<void> {
    await this.insertReaders(tables.map(encodedReader), token);
  }

  private async insertReaders(tables: readonly RowReader[], token: string): Promise<void> {
    // One writing transaction at a time: a batch waits for a clean-up transaction (sqlBackend), and
    // the other way round, so neither is ever refused for a conflict with the other.
    await this.exclusive(async () => {
      const w = await this.writer();
      await w.run('BEGIN TRANSACTION');
      try {
        for (const rows of tables) await this.append(w, rows, token);
        await w.run('COMMIT');
      } catch (err) {
        // The appenders are closed inside the transaction, so whatever one still holds is rolled back with it.
        this.dropAppenders();
        await w.run('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  /** The tail of the writing transactions (see {@link exclusive}). */
  private writing: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every writing transaction before it has ended. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn, fn);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** The clean-up job's own connection (on the same database), so its transactions are isolated from the recorder's reads. */
  private sideConn: Promise<DuckDBConnection> | undefined;

  private side(): Promise<DuckDBConnection> {
    return (this.sideConn ??= this.connectToMain());
  }

  /**
   * The batches' connection ({@link insertBatch}). A query on the connection a batch is being written
   * on runs inside its transaction, and DuckDB does not take two statements on one connection at
   * once: test/recorder/duckdb-insert.test.ts issues reads at every step of 40 batches; with one
   * connection a batch failed ("Attempting to execute an unsuccessful or closed pending query
   * result"), with two they all pass. Searches used to share the batches' connection.
   */
  private writerConn: Promise<DuckDBConnection> | undefined;

  private writer(): Promise<DuckDBConnection> {
    return (this.writerConn ??= this.connectToMain());
  }

  /** Another connection to the instance, on the database the store's connection uses (an attached encrypted file). */
  private async connectToMain(): Promise<DuckDBConnection> {
    const db = String((await this.conn.runAndReadAll('SELECT current_database() AS d')).getRowObjects()[0]!.d);
    const c = await this.instance.connect();
    await c.run(`USE "${db.replace(/"/g, '""')}"`);
    return c;
  }

  /** SQL over a connection (`$1` parameters). */
  private static runner(conn: () => Promise<DuckDBConnection>): SqlRunner & Pick<SqlBackend, 'hasTable'> {
    const all = async (sql: string, params: readonly unknown[] = []) => (await (await conn()).runAndReadAll(sql, params as never)).getRowObjects();
    return {
      all,
      run: async (sql, params = []) => Number((await (await conn()).run(sql, params as never)).rowsChanged),
      hasTable: async (name) => (await all('SELECT 1 AS ok FROM information_schema.tables WHERE table_name = $1 AND table_catalog = current_database()', [name])).length > 0,
    };
  }

  /** The recorder's own connection, for reads. */
  private get main(): SqlRunner & Pick<SqlBackend, 'hasTable'> {
    return DuckDbStore.runner(async () => this.conn);
  }

  /**
   * The clean-up job's SQL (cleanup.ts): its own connection; a transaction waits for the batch
   * being written, and batches wait for it.
   */
  sqlBackend(): SqlBackend {
    const side = DuckDbStore.runner(() => this.side());
    return {
      kind: 'embedded',
      ...side,
      transaction: (fn) =>
        this.exclusive(async () => {
          const c = await this.side();
          await c.run('BEGIN TRANSACTION');
          try {
            const out = await fn(side);
            await c.run('COMMIT');
            return out;
          } catch (err) {
            await c.run('ROLLBACK').catch(() => {});
            throw err;
          }
        }),
      archiveDDL: DuckDbStore.archiveDDL,
    };
  }

  /** The DDL of a table's archive tier, `<table>_archive` (the clean-up job's `SqlBackend.archiveDDL`; the threaded store's too). */
  static archiveDDL(this: void, t: TableDef): readonly string[] {
    return [duckdbDDL(t, archiveOf(t.name))];
  }

  /** A chained table's checkpoints (retention's cuts), lowest seq first. */
  checkpoints(table: TableName): Promise<Checkpoint[]> {
    return sqlCheckpoints(this.main, table);
  }

  /**
   * Each table's appender on the writing connection, kept open from batch to batch and flushed at
   * the end of each (inside its transaction): making and closing one per table per batch cost about
   * 3 ms of CPU more a batch of 8 tables of 25 rows (11.4-14.4 ms against 7.0-9.9 ms, issue 19).
   * Dropped (closed, inside the failing transaction) when a batch fails, and at {@link close}.
   */
  private readonly appenders = new Map<TableName, DuckDBAppender>();

  private dropAppenders(): void {
    for (const a of this.appenders.values()) {
      try {
        a.closeSync();
      } catch {
        // a half-appended row: the transaction is rolled back anyway
      }
    }
    this.appenders.clear();
  }

  /** Each table's {@link ChunkWriter} per shape of reader (its columns), null where the table is appended value by value. */
  private readonly writers = new Map<string, ChunkWriter | null>();

  /** Writes one table's rows of a batch on the writing connection `w`, inside its transaction, through DuckDB's appender. */
  private async append(w: DuckDBConnection, rows: RowReader, token: string): Promise<void> {
    const table = rows.table;
    const cols = this.physical.get(table);
    if (!cols) throw new Error(`table ${table} is not initialised`);
    let app = this.appenders.get(table);
    if (app === undefined) this.appenders.set(table, (app = await w.createAppender(table)));
    const key = `${table}\u0000${rows.columns.join(',')}`;
    let writer = this.writers.get(key);
    if (writer === undefined) this.writers.set(key, (writer = this.byValue ? null : (ChunkWriter.of(app, cols, rows.columns) ?? null)));
    if (writer) {
      writer.append(app, rows, token);
      app.flushSync();
      return;
    }
    // Each store column's index among the reader's values (-1: it has none, so null).
    const at = cols.map((c) => rows.columns.indexOf(c.name));
    const vals: unknown[] = [];
    for (let i = 0; i < rows.count; i++) {
      rows.read(vals);
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j]!;
        const x = at[j]!;
        // The batch token is the insert's own, so a replay can find what a lost reply hid.
        const v = c.name === 'batch_token' ? token : x < 0 ? undefined : vals[x];
        if (v === null || v === undefined) app.appendNull();
        else if (c.type === 'ts_ns' || c.type === 'int') app.appendBigInt(BigInt(v as string | number | bigint));
        else if (c.type === 'float') app.appendDouble(Number(v));
        else app.appendVarchar(String(v));
      }
      app.endRow();
    }
    app.flushSync();
  }

  /** DuckDB's `threads` setting as the open instance reports it (`current_setting('threads')`). */
  async threads(): Promise<number> {
    const r = await this.conn.runAndReadAll("SELECT current_setting('threads') AS n");
    return Number(r.getRowObjects()[0]!.n);
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
      // A table retention emptied: its chain ends in its archive, or at its newest checkpoint.
      const head = o ? { seq: Number(o.chain_seq), hash: String(o.row_hash) } : await retainedHead(this.main, t);
      if (head) out[t.name] = head;
    }
    return out;
  }

  /**
   * Rows with `chain_seq` from the first above `afterSeq` to `span - 1` past it, in chain order,
   * from the table's archive (its older rows) and the table.
   */
  async readChain(t: TableDef, afterSeq: number, span: number): Promise<Record<string, unknown>[]> {
    const cols = columnsOf(t).map((c) => c.name);
    const from = await chainSource(this.main, t);
    const r = await this.conn.runAndReadAll(
      `SELECT ${cols.join(', ')} FROM ${from} WHERE chain_seq > $after AND chain_seq < (SELECT min(chain_seq) FROM ${from} WHERE chain_seq > $after) + $span ORDER BY chain_seq`,
      { after: BigInt(afterSeq), span: BigInt(span) },
    );
    return r.getRowObjects();
  }

  async search(q: SearchQuery, tables: readonly TableDef[]): Promise<FoundRow[]> {
    // Archived rows (the retention clean-up's `<table>_archive`) are part of the story.
    const froms = await Promise.all(tables.map((t) => withArchive(this.main, t)));
    const parts = tables.map(
      (t, i) =>
        `SELECT '${t.name}' AS tbl, ts_ns, event, component, level, correlation_id, message, fields FROM ${froms[i]}
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
   * Searches the log stream with bound parameters. Rows arrive in time order (batches are appended
   * in stream order), so DuckDB's per-row-group min/max of `ts_ns` skips every row group outside the
   * time range before any other filter runs.
   */
  async searchLogs(q: LogQuery): Promise<LogRow[]> {
    const where: string[] = [];
    const p: Record<string, string | bigint> = {};
    if (q.sinceNs !== undefined) (where.push('ts_ns >= $since'), (p.since = q.sinceNs));
    if (q.untilNs !== undefined) (where.push('ts_ns < $until'), (p.until = q.untilNs));
    if (q.components?.length) {
      where.push(`component IN (${q.components.map((_, i) => `$c${i}`).join(', ')})`);
      q.components.forEach((c, i) => (p[`c${i}`] = c));
    }
    if (q.minLevel && q.minLevel !== 'trace') {
      const levels = levelsFrom(q.minLevel);
      where.push(`level IN (${levels.map((_, i) => `$l${i}`).join(', ')})`);
      levels.forEach((l, i) => (p[`l${i}`] = l));
    }
    if (q.event !== undefined) {
      if (/[*?]/.test(q.event)) (where.push("event LIKE $event ESCAPE '\\'"), (p.event = globToLike(q.event)));
      else (where.push('event = $event'), (p.event = q.event));
    }
    for (const [col, key, v] of [
      ['status', 'status', q.status],
      ['correlation_id', 'cid', q.correlationId],
      ['intent_id', 'iid', q.intentId],
      ['trace_id', 'tid', q.traceId],
    ] as const) {
      if (v !== undefined) (where.push(`${col} = $${key}`), (p[key] = v));
    }
    if (q.text !== undefined) (where.push('contains(message, $text)'), (p.text = q.text));
    if (q.after) (where.push('(ts_ns > $after_ts OR (ts_ns = $after_ts AND fields > $after_fields))'), (p.after_ts = q.after.tsNs), (p.after_fields = q.after.fields));
    const limit = Math.max(1, Math.min(10_000, Math.floor(q.limit)));
    const from = await withArchive(this.main, TABLE_DEFS.get('logs')!);
    const sql = `SELECT ts_ns, event, component, level, correlation_id, intent_id, trace_id, message, status, duration_ns, format, fields FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ts_ns, fields LIMIT ${limit}`;
    const r = await this.conn.runAndReadAll(sql, p);
    return r.getRowObjects().map((o) => ({
      ts_ns: BigInt(o.ts_ns as bigint),
      event: String(o.event),
      component: String(o.component),
      level: String(o.level),
      correlation_id: (o.correlation_id as string | null) ?? null,
      intent_id: (o.intent_id as string | null) ?? null,
      trace_id: (o.trace_id as string | null) ?? null,
      message: (o.message as string | null) ?? null,
      status: (o.status as string | null) ?? null,
      duration_ns: o.duration_ns === null || o.duration_ns === undefined ? null : Number(o.duration_ns),
      format: (o.format as string | null) ?? null,
      fields: String(o.fields),
    }));
  }

  async execTime(sinceNs: bigint, untilNs: bigint): Promise<ExecTimeRow[]> {
    const r = await this.conn.runAndReadAll(
      'SELECT component, count(*) AS n, avg(duration_ns) AS avg_ns, max(duration_ns) AS max_ns FROM logs WHERE ts_ns >= $since AND ts_ns < $until AND duration_ns IS NOT NULL GROUP BY component ORDER BY component',
      { since: sinceNs, until: untilNs },
    );
    return r.getRowObjects().map((o) => ({ component: String(o.component), events: Number(o.n), avg_ns: Number(o.avg_ns), max_ns: Number(o.max_ns) }));
  }

  /**
   * The alert history, newest first, with bound parameters. Run between writing transactions
   * ({@link exclusive}): the webhook's duplicate check reads while the recorder writes, and a query
   * on the connection in the middle of a batch's appender breaks that batch (measured: one batch in
   * 26 failed, retried, under a loop of reads).
   */
  async searchAlerts(q: AlertQuery): Promise<AlertRow[]> {
    return this.exclusive(() => this.readAlerts(q));
  }

  private async readAlerts(q: AlertQuery): Promise<AlertRow[]> {
    const where: string[] = [];
    const p: Record<string, string | bigint> = {};
    if (q.sinceNs !== undefined) (where.push('ts_ns >= $since'), (p.since = q.sinceNs));
    if (q.untilNs !== undefined) (where.push('ts_ns < $until'), (p.until = q.untilNs));
    for (const [col, v] of [['severity', q.severity], ['status', q.status], ['alertname', q.alertname]] as const) if (v !== undefined) (where.push(`${col} = $${col}`), (p[col] = v));
    if (q.dedupKeys) {
      if (q.dedupKeys.length === 0) return [];
      where.push(`dedup_key IN (${q.dedupKeys.map((_, i) => `$k${i}`).join(', ')})`);
      q.dedupKeys.forEach((k, i) => (p[`k${i}`] = k));
    }
    const limit = Math.max(1, Math.min(10_000, Math.floor(q.limit)));
    const r = await this.conn.runAndReadAll(
      `SELECT ts_ns, ${ALERT_ROW_COLUMNS.join(', ')} FROM alert_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ts_ns DESC, fingerprint, status LIMIT ${limit}`,
      p,
    );
    return r.getRowObjects().map((o) => alertRowOf(o, o.ts_ns));
  }

  /**
   * Deletes rows past their retention class, by time alone.
   * @deprecated The clean-up job (cleanup.ts) replaces it: tiers per table, an archive, and chain
   *   checkpoints (this deletes a chained table's oldest rows without one, which `audit verify` then
   *   reports).
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
    await this.writing; // a batch being written ends first
    this.dropAppenders();
    (await this.writerConn?.catch(() => undefined))?.closeSync();
    (await this.sideConn?.catch(() => undefined))?.closeSync();
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
