/**
 * The embedded store on a thread of its own: the same {@link DuckDbStore}, opened and run in a
 * worker (stores/duckdb-thread.ts), so a batch's appender work runs beside the thread that tails and
 * parses lines instead of on it (issue 19). Every call crosses to the worker and back; a batch's
 * rows cross encoded (stores/row-codec.ts: typed arrays and UTF-8 a table, not one object a row,
 * which the worker had to build again key by key), packed into one buffer that moves to the worker
 * and comes back with its reply for a later batch (kept: {@link SPARE_BUFFERS}).
 *
 * What it keeps of DuckDbStore: one writing transaction at a time (the worker's store orders
 * batches, searches of the alert history and the clean-up job's transactions as before), its
 * errors by name (`StoreSchemaError` is still not retried, `StoreKeyError` still names the key
 * file), and its file. `startRecorder` opens the embedded store this way; the one-shot commands
 * (`audit verify`, `cleanup`, `logs search` without a running recorder) open it on the calling thread.
 *
 * If the worker stops (an uncaught error in it), every call in flight and every later call is
 * refused with the reason; the recorder keeps its batches spooled and retries them, and its
 * `hft_recorder_up` shows 0, as for a store that cannot be reached.
 */
import { Worker } from 'node:worker_threads';
import type { TableDef, TableName } from '../../catalog/tables.js';
import { spawnModuleWorker } from '../../instrument/server.js';
import type { ChainHeads } from '../chain.js';
import type { Checkpoint } from '../checkpoint.js';
import { StoreKeyError } from '../encryption.js';
import { DuckDbStore, type DuckDbEncryption, type DuckDbOpenOptions } from './duckdb.js';
import type { DuckDbThreadData, ThreadError, ThreadReply, ThreadRequest } from './thread-protocol.js';
import { encodeRows, packedBytes, packRows, type EncodedRows } from './row-codec.js';
import type { SqlBackend, SqlRunner } from './retained.js';
import { StoreSchemaError, type AlertQuery, type AlertRow, type AuditStore, type ExecTimeRow, type FoundRow, type LogQuery, type LogRow, type SearchQuery, type WalRow } from './store.js';

/** Buffers kept for the batches to come: one in flight, one being packed, one spare. */
const SPARE_BUFFERS = 3;

const THREAD_URL = new URL(import.meta.url.endsWith('.ts') ? './duckdb-thread.ts' : './duckdb-thread.js', import.meta.url);

/** The error a worker's error stands for: the store's own classes by name, so callers' `instanceof` checks hold. */
function rebuildError(e: ThreadError): Error {
  const err = e.name === 'StoreSchemaError' ? new StoreSchemaError(e.message) : e.name === 'StoreKeyError' ? new StoreKeyError(e.message) : Object.assign(new Error(e.message), { name: e.name });
  if (e.stack) err.stack = e.stack;
  return err;
}

/** DuckDB's embedded store, run on a worker thread. */
export class ThreadedDuckDbStore implements AuditStore {
  readonly kind = 'embedded' as const;
  /** The worker's store runs one writing transaction at a time, in the order the calls arrive. */
  readonly ordered = true;
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private nextTx = 1;
  /** Why the worker stopped, once it has. */
  private gone: Error | undefined;
  /** Buffers batches crossed in and the worker gave back, for the next batches (at most {@link SPARE_BUFFERS}). */
  private readonly spare: ArrayBuffer[] = [];

  private constructor(
    private readonly worker: Worker,
    /** How the file is encrypted (as {@link DuckDbStore.encryption}). */
    readonly encryption: DuckDbEncryption,
  ) {
    worker.on('message', (m: ThreadReply) => {
      if (m.buffer) this.giveBack(m.buffer);
      const c = this.calls.get(m.id);
      if (!c) return;
      this.calls.delete(m.id);
      if (this.calls.size === 0) worker.unref();
      if (m.error) c.reject(rebuildError(m.error));
      else c.resolve(m.value);
    });
    const stop = (why: Error): void => {
      this.gone ??= why;
      for (const c of this.calls.values()) c.reject(this.gone);
      this.calls.clear();
    };
    worker.on('error', (err) => stop(new Error(`the embedded store's thread failed: ${err.message}`)));
    worker.on('exit', (code) => stop(new Error(`the embedded store's thread has exited (code ${code})`)));
    // Idle, the worker does not keep the process alive; a call in flight does (see call).
    worker.unref();
  }

  /**
   * Starts the worker and opens the file in it, as {@link DuckDbStore.open} does.
   * @throws StoreKeyError and Error as {@link DuckDbStore.open} does (the message as the worker saw it)
   */
  static async open(path: string, options: DuckDbOpenOptions = {}): Promise<ThreadedDuckDbStore> {
    const worker = spawnModuleWorker(THREAD_URL, { path, options } satisfies DuckDbThreadData);
    const encryption = await new Promise<DuckDbEncryption>((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`the embedded store's thread exited before it opened ${path} (code ${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (m: ThreadReply) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (m.error) reject(rebuildError(m.error));
        else resolve(m.value as DuckDbEncryption);
      });
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    return new ThreadedDuckDbStore(worker, encryption);
  }

  /** Sends one request; the worker keeps the process alive while any is in flight. */
  private call<T>(op: string, ...args: unknown[]): Promise<T> {
    return this.send<T>(op, args);
  }

  /** {@link call}, moving `buffer` to the worker (it comes back with the reply). */
  private send<T>(op: string, args: readonly unknown[], buffer?: ArrayBuffer): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.calls.size === 1) this.worker.ref();
      if (buffer) this.worker.postMessage({ id, op, args, buffer } satisfies ThreadRequest, [buffer]);
      else this.worker.postMessage({ id, op, args } satisfies ThreadRequest);
    });
  }

  /** A buffer of at least `bytes`: a spare one, else a new one a quarter larger (the batches to come may be too). */
  private buffer(bytes: number): ArrayBuffer {
    const i = this.spare.findIndex((b) => b.byteLength >= bytes);
    if (i >= 0) return this.spare.splice(i, 1)[0]!;
    return new ArrayBuffer(Math.max(1 << 16, Math.ceil(bytes * 1.25)));
  }

  private giveBack(b: ArrayBuffer): void {
    this.spare.push(b);
    // The largest are kept: a smaller one would be replaced at the next large batch anyway.
    if (this.spare.length > SPARE_BUFFERS) this.spare.sort((x, y) => y.byteLength - x.byteLength).length = SPARE_BUFFERS;
  }

  init(tables: readonly TableDef[]): Promise<void> {
    return this.call('init', tables);
  }
  threads(): Promise<number> {
    return this.call('threads');
  }
  /** Crosses as {@link insertBatch} does. */
  insert(table: TableName, rows: readonly WalRow[], token: string): Promise<void> {
    return this.insertEncoded([encodeRows(table, rows)], token);
  }
  /** The rows cross encoded ({@link encodeRows}), not as objects: the worker's store appends the same values. */
  insertBatch(tables: ReadonlyMap<TableName, readonly WalRow[]>, token: string): Promise<void> {
    const encoded: EncodedRows[] = [];
    for (const [table, rows] of tables) encoded.push(encodeRows(table, rows));
    return this.insertEncoded(encoded, token);
  }
  /** A batch the recorder encoded as it made the rows (row-codec.ts `RowEncoder`), to the worker's `DuckDbStore.insertBatchEncoded`. */
  insertEncoded(tables: readonly EncodedRows[], token: string): Promise<void> {
    if (this.gone) return Promise.reject(this.gone);
    // Packed into one buffer that moves to the worker and back (row-codec.ts packRows): not
    // serialized, and the batch's own arrays stay here for a retry.
    const buffer = this.buffer(packedBytes(tables));
    return this.send('insertEncoded', [packRows(tables, buffer), token], buffer);
  }
  countByToken(table: TableName, token: string): Promise<number> {
    return this.call('countByToken', table, token);
  }
  count(table: TableName): Promise<number> {
    return this.call('count', table);
  }
  chainHeads(tables: readonly TableDef[]): Promise<ChainHeads> {
    return this.call('chainHeads', tables);
  }
  readChain(table: TableDef, afterSeq: number, limit: number): Promise<Record<string, unknown>[]> {
    return this.call('readChain', table, afterSeq, limit);
  }
  search(q: SearchQuery, tables: readonly TableDef[]): Promise<FoundRow[]> {
    return this.call('search', q, tables);
  }
  searchLogs(q: LogQuery): Promise<LogRow[]> {
    return this.call('searchLogs', q);
  }
  execTime(sinceNs: bigint, untilNs: bigint): Promise<ExecTimeRow[]> {
    return this.call('execTime', sinceNs, untilNs);
  }
  checkpoints(table: TableName): Promise<Checkpoint[]> {
    return this.call('checkpoints', table);
  }
  searchAlerts(q: AlertQuery): Promise<AlertRow[]> {
    return this.call('searchAlerts', q);
  }

  /**
   * The clean-up job's SQL, on the worker store's own clean-up connection. A transaction holds the
   * store's writing turn in the worker from its `BEGIN` until `fn` settles (then `COMMIT`, or
   * `ROLLBACK` when `fn` throws), as DuckDbStore's does.
   */
  sqlBackend(): SqlBackend {
    const side: SqlRunner = {
      all: (sql, params) => this.call('side.all', sql, params),
      run: (sql, params) => this.call('side.run', sql, params),
    };
    return {
      kind: 'embedded',
      ...side,
      hasTable: (name) => this.call('side.hasTable', name),
      transaction: async (fn) => {
        const tx = this.nextTx++;
        await this.call('tx.begin', tx);
        let out: Awaited<ReturnType<typeof fn>>;
        try {
          out = await fn(side);
        } catch (err) {
          await this.call('tx.end', tx, false).catch(() => undefined);
          throw err;
        }
        await this.call('tx.end', tx, true);
        return out;
      },
      archiveDDL: DuckDbStore.archiveDDL,
    };
  }

  /** Closes the file in the worker, then stops the worker. */
  async close(): Promise<void> {
    try {
      if (!this.gone) await this.call('close');
    } finally {
      await this.worker.terminate();
    }
  }
}
