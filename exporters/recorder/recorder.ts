/**
 * The recorder core: turns events into audit rows, seals them into batches in the write-ahead log
 * (the moment they count as acknowledged), and writes the batches to the store in order, retrying
 * with exponential backoff while the store is down. Uncommitted batches are the spool; at start-up
 * they are replayed first, each table's rows checked by batch token so a batch the store already
 * has is not written twice.
 *
 * Batching: a batch is sealed when one of its tables holds `batchRows` rows (checked between
 * tailer polls; up to 8 times that while the store is busy) or every `batchMs`, whichever comes
 * first (defaults 1,000 rows, 1 s).
 */
import { backOff } from 'exponential-backoff';
import * as C from '../catalog/index.js';
import type { HftEvent } from '../events/index.js';
import type { EventInfo } from '../ingest/pipeline.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { Log } from '../lib/log.js';
import { linkRow, linkRows, sameHeads, type ChainHead, type ChainHeads } from './chain.js';
import { DEFAULT_LEVELS, eventFromLine, rowsFor, type LevelPolicy, type Row } from './rows.js';
import { StoreSchemaError, type AuditStore } from './stores/store.js';
import { decodeRows, RowEncoder, type EncodedRows } from './stores/row-codec.js';
import { TABLE_DEFS, TABLES, type TableName } from '../catalog/tables.js';
import type { Batch, LineMeta, TailPositions, WriteAheadLog } from './wal.js';
import type { ALERTMANAGER_FORMAT } from './alert-rows.js';

/** Default {@link RecorderOptions.batchChars}: 64 Mi characters of lines. */
const BATCH_CHARS = 64 * 1024 * 1024;

/** Options of a {@link Recorder}. */
export interface RecorderOptions {
  readonly store: AuditStore;
  readonly wal: WriteAheadLog;
  readonly registry: MetricRegistry;
  readonly log: Log;
  /** Rows that seal a batch (default 1,000). */
  readonly batchRows?: number;
  /**
   * Characters of pending lines that seal a batch whatever its rows (default {@link BATCH_CHARS},
   * 64 Mi: at most 192 MiB of UTF-8): keeps each write-ahead log record far below the 512 MiB a
   * record may have (wal.ts `MAX_RECORD`), which 8,000 lines of the ingest's longest (64 KiB)
   * would reach. Checked where `batchRows` is ({@link Recorder.maybeSeal}).
   */
  readonly batchChars?: number;
  /** Which components' levels go to `logs` (default info and above for every component). */
  readonly levels?: LevelPolicy;
  /** Spool size at which intake pauses, bytes (default 1 GiB). */
  readonly maxSpoolBytes?: number;
  /** First and longest retry delay, ms (defaults 100 ms and 5 s). */
  readonly retryStartMs?: number;
  readonly retryMaxMs?: number;
  /** Identifies this recorder in batch tokens (default `tickwatch`). */
  readonly id?: string;
  /**
   * The audit tables' chain heads to continue from: the write-ahead log's (`WalRecovery.chain`),
   * or, for a new log, the store's ({@link AuditStore.chainHeads}). Default: empty chains.
   */
  readonly chain?: ChainHeads;
  /**
   * Called with a batch's rows per table once the store has committed them (a replayed batch
   * included), on the write loop: it must return at once and must not throw (a throw is logged and
   * ignored; recording goes on). The Redis hot state is fed here (redis.ts). With it, each batch's
   * rows are kept as objects until the store has them (see `Recorder.keepRows`).
   */
  readonly onCommitted?: (tables: ReadonlyMap<TableName, readonly Row[]>) => void;
}

/** A sealed batch as the queue holds it: its lines are in the write-ahead log, and not kept here. */
type SealedBatch = Omit<Batch, 'lines' | 'meta'>;

interface Queued {
  readonly batch: SealedBatch;
  /**
   * The batch's rows per table as objects (built when the events arrived, or rebuilt from the lines
   * on replay). Absent for a batch whose rows were only encoded (see {@link Recorder.keepRows}).
   */
  readonly tables?: ReadonlyMap<TableName, readonly Row[]>;
  /** How many rows each table of the batch has, in the order the batch's tables first got one. */
  readonly counts: ReadonlyMap<TableName, number>;
  /**
   * The same rows, encoded as they were made, for a store that takes them so
   * (`AuditStore.insertEncoded`); absent for a replayed batch, whose rows are rebuilt.
   */
  readonly encoded?: readonly EncodedRows[];
  /** Replay with a token check: the batch may already be in the store (start-up, or a failed try). */
  replay: boolean;
  /**
   * Its write, started while batches before it were still being written (a store that keeps call
   * order, {@link AuditStore.ordered}, or takes writes at once, {@link AuditStore.concurrent}):
   * whether it succeeded. Absent: not started ahead.
   */
  ahead?: Promise<boolean>;
}

/**
 * Batches written ahead of the one at the head of the queue, on a store that keeps call order
 * (`AuditStore.ordered`) or takes writes at once (`AuditStore.concurrent`): the batch being
 * committed and up to this many behind it are in the store's hands at once. With one in flight,
 * the embedded store's thread idled while the reading thread, busy catching up, turned its event
 * loop to hand it the next batch (issue 19). On ClickHouse (chdb), draining 400,000 lines, two
 * alternating pairs: 65,240 and 61,623 rows/s written ahead against 58,919 and 54,536 one batch at
 * a time (the process at 171-178 % of a core against 149-154 %; 7 December 2026).
 */
export const WRITE_AHEAD = 3;

/** A batch without its lines and their reading (the queue's copy: the lines are in the write-ahead log). */
function sealedOf(b: Batch): SealedBatch {
  return { seq: b.seq, ...(b.tails ? { tails: b.tails } : {}), ...(b.chain ? { chain: b.chain } : {}) };
}

/** The recorder. One per WAL folder. */
export class Recorder {
  /** The pending rows as objects, per table, while {@link keepRows}; else empty. */
  private pending = new Map<TableName, Row[]>();
  /** How many rows each table has pending. */
  private pendingCounts = new Map<TableName, number>();
  /**
   * Whether the rows are kept as objects until the store has them: for a store that takes objects,
   * and for {@link RecorderOptions.onCommitted}. A store that takes batches encoded
   * (`AuditStore.insertEncoded`) gets only the encoding, made as each row is added, and the row
   * objects die young. A row kept across a batch outlives two scavenges and is copied by both:
   * draining 400,000 lines (827,233 rows) through `startRecorder` on DuckDB, keeping them took the
   * process's V8 helper threads (the collector's) 0.75-0.87 s of CPU each against 0.39-0.47 s
   * (two runs each). Four runs each, alternating with the code before: 45.9-49.8 us of CPU a line
   * before, 39.2-44.8 after; 72,749-75,409 rows/s before, 74,454-83,535 after (issue 19, 7 December
   * 2026).
   */
  private readonly keepRows: boolean;
  /**
   * The pending rows encoded as each was added, per table, when the store takes batches so
   * (`AuditStore.insertEncoded`: the embedded store on its thread); else undefined.
   */
  private encoders: Map<TableName, RowEncoder> | undefined;
  private pendingLines: string[] = [];
  /** How the pending lines were read, run-length encoded (see LineMeta); empty while all are tickwatch lines as they are. */
  private pendingMeta: [string, string, number][] = [];
  /** Pending lines at the end not covered by `pendingMeta` (tickwatch lines as they are). */
  private plainTail = 0;
  private pendingRows = 0;
  /** Rows of the fullest table in the pending batch: a batch seals when one table has `batchRows`. */
  private pendingMax = 0;
  /** Characters of the pending batch's lines: a batch seals when they reach `batchChars`. */
  private pendingChars = 0;
  private readonly queue: Queued[] = [];
  private writing = false;
  private stopping = false;
  /** The store's tables being created, or created (undefined until the first try, and after a failed one). */
  private initialising: Promise<void> | undefined;
  private idle: (() => void)[] = [];
  private readonly m;
  private readonly batchRows: number;
  private readonly batchChars: number;
  private readonly maxSpool: number;
  /** Where each audit table's chain ends after the sealed batches (the pending batch's `before`). */
  private heads: ChainHeads;
  /** Where each chain ends counting the pending rows too (they are linked as they are added). */
  private running: Partial<Record<TableName, ChainHead>>;
  /** Where each chain ends in the store: after the last batch the store took. */
  private stored: ChainHeads;

  constructor(private readonly o: RecorderOptions) {
    const r = o.registry;
    this.batchRows = o.batchRows ?? 1000;
    this.batchChars = o.batchChars ?? BATCH_CHARS;
    this.maxSpool = o.maxSpoolBytes ?? 1024 ** 3;
    this.heads = o.chain ?? {};
    this.running = { ...this.heads };
    this.stored = this.heads;
    if (o.store.insertEncoded) this.encoders = new Map();
    this.keepRows = !this.encoders || o.onCommitted !== undefined;
    this.m = {
      rows: r.counter(C.recorderRowsWrittenTotal),
      failures: r.counter(C.recorderWriteFailuresTotal),
      queue: r.gauge(C.recorderQueueDepthRows).series(),
      duration: r.histogram(C.recorderWriteDurationSeconds).labels(o.store.kind),
      up: r.gauge(C.recorderStoreUp).labels(o.store.kind),
      spool: r.gauge(C.recorderSpoolBytes).series(),
      limit: r.gauge(C.recorderSpoolLimitBytes).series(),
      batches: r.counter(C.recorderBatchesTotal).series(),
      walFailures: r.counter(C.recorderWalAppendFailuresTotal).series(),
    };
    this.m.limit.set(this.maxSpool);
    for (const t of TABLES) {
      this.m.rows.labels(t.name);
      this.m.failures.labels(t.name);
    }
  }

  /**
   * True while the spool is over its limit, or the write-ahead log refuses batches: the source
   * should pause (the engine's file keeps the data).
   */
  get full(): boolean {
    return this.walFailing || this.o.wal.spoolBytes > this.maxSpool;
  }

  /** The write-ahead log refused the last batch (its rows are still pending). */
  private walFailing = false;

  /**
   * The write-ahead log refused the last batch and has not taken one since: nothing added now is
   * acknowledged (the alert history's webhook answers 503 meanwhile, so Alertmanager retries).
   */
  get walRefusing(): boolean {
    return this.walFailing;
  }

  /** Rows accepted and not yet in the store. */
  get queuedRows(): number {
    let n = this.pendingRows;
    for (const q of this.queue) for (const c of q.counts.values()) n += c;
    return n;
  }

  /** A queued batch's rows as objects: kept, or decoded from their encoding (row-codec.ts `decodeRows`). */
  private rowsOf(q: Queued): ReadonlyMap<TableName, readonly Row[]> {
    if (q.tables) return q.tables;
    return new Map((q.encoded ?? []).map((e) => [e.table, decodeRows(e) as Row[]]));
  }

  /**
   * Rows of logged lines, the same as when they first arrived: each line is read again the way it
   * was (its format and default component from the batch's `meta`), and rowsFor is deterministic.
   */
  private rebuild(lines: readonly string[], meta: readonly LineMeta[] = []): Map<TableName, Row[]> {
    const out = new Map<TableName, Row[]>();
    let run = 0;
    let left = meta[0]?.[2] ?? 0;
    for (const line of lines) {
      while (left === 0 && run < meta.length - 1) left = meta[++run]![2];
      const m = left > 0 ? meta[run] : undefined;
      if (left > 0) left--;
      const format = m === undefined || m[0] === '' ? null : m[0];
      const ev = eventFromLine(line, format, m === undefined || m[1] === '' ? null : m[1]);
      for (const [t, row] of rowsFor(ev, this.o.levels ?? DEFAULT_LEVELS, line, format)) {
        let rows = out.get(t);
        if (!rows) out.set(t, (rows = []));
        rows.push(row);
      }
    }
    return out;
  }

  /**
   * Rows of `table` accepted and not yet in the store: pending, sealed, or spooled by an earlier run
   * and replayed (the alert history's duplicate check reads them at start-up, alerts.ts).
   */
  unstored(table: TableName): Row[] {
    const out: Row[] = [];
    for (const q of this.queue) out.push(...(q.tables ? (q.tables.get(table) ?? []) : (q.encoded?.filter((e) => e.table === table).flatMap((e) => decodeRows(e) as Row[]) ?? [])));
    if (this.keepRows) out.push(...(this.pending.get(table) ?? []));
    else {
      const e = this.encoders?.get(table);
      if (e) out.push(...(decodeRows(e.snapshot()) as Row[]));
    }
    return out;
  }

  /** The audit tables' chain heads after every batch sealed so far (pending rows not counted). */
  get chainHeads(): ChainHeads {
    return this.heads;
  }

  /**
   * The chain heads the store has for certain: after the last batch this recorder wrote to it (or,
   * before the first, where the chains stood when it started, spooled batches not counted). The
   * store's chains reach at least these; `tickwatch audit verify` checks that they do (anchors).
   */
  get storedHeads(): ChainHeads {
    return this.stored;
  }

  /**
   * Replays batches left uncommitted by a previous run (call once, before {@link add}). Each
   * batch's rows are rebuilt from its lines and linked from the chain heads logged with it, so they
   * are the rows first sealed, hashes included.
   * @throws Error when a rebuilt batch does not end at the chain heads logged with it (the event
   *   to row mapping changed between versions with batches still spooled)
   */
  resume(pending: readonly Batch[]): void {
    if (pending[0]?.chain) this.stored = pending[0].chain.before;
    for (const b of pending) {
      const tables = this.rebuild(b.lines, b.meta);
      const after = linkRows(tables, TABLE_DEFS, b.chain?.before ?? this.heads);
      if (b.chain && !sameHeads(after, b.chain.after)) {
        throw new Error(`spooled batch ${b.seq} rebuilds to other rows than were sealed (chain heads ${JSON.stringify(after)}, logged ${JSON.stringify(b.chain.after)}); replay it with the tickwatch version that wrote it`);
      }
      this.heads = after;
      this.running = { ...after };
      this.queue.push({ batch: sealedOf(b), tables, counts: new Map([...tables].map(([t, rows]) => [t, rows.length])), replay: true });
    }
    this.updateGauges();
    this.kick();
  }

  /**
   * Accepts one valid event (a pipeline consumer).
   * @param raw - the line as received (what the WAL keeps); JSON of the event when absent
   * @param info - how the pipeline read it (or `alertmanager` for an alert history line,
   *   alert-rows.ts); absent: a tickwatch line used as it is
   */
  add(ev: HftEvent, raw?: string, info?: { readonly format: EventInfo['format'] | typeof ALERTMANAGER_FORMAT; readonly mapped: boolean }): void {
    const line = raw ?? JSON.stringify(ev);
    // A tickwatch line used as it is is stored with format null; any other was read through a
    // mapping, which verify and a replay must repeat: its format and component are kept.
    const format = info?.mapped ? info.format : null;
    const produced = rowsFor(ev, this.o.levels ?? DEFAULT_LEVELS, line, format);
    if (produced.length === 0) return;
    this.pendingLines.push(line);
    this.pendingChars += line.length;
    if (format === null) this.plainTail++;
    else {
      const last = this.pendingMeta[this.pendingMeta.length - 1];
      if (this.plainTail === 0 && last && last[0] === format && last[1] === ev.component) last[2]++;
      else {
        if (this.plainTail > 0) this.pendingMeta.push(['', '', this.plainTail]);
        this.plainTail = 0;
        this.pendingMeta.push([format, ev.component, 1]);
      }
    }
    for (const [table, row] of produced) {
      const def = TABLE_DEFS.get(table)!;
      if (def.chained) linkRow(def, row, this.running);
      const count = (this.pendingCounts.get(table) ?? 0) + 1;
      this.pendingCounts.set(table, count);
      if (this.keepRows) {
        let rows = this.pending.get(table);
        if (!rows) this.pending.set(table, (rows = []));
        rows.push(row);
      }
      if (this.encoders) {
        // Encoded now, while the row is in the CPU's cache (its chain columns are set: linkRow above).
        let e = this.encoders.get(table);
        if (!e) this.encoders.set(table, (e = new RowEncoder(table)));
        e.add(row);
      }
      this.pendingRows++;
      if (count > this.pendingMax) this.pendingMax = count;
    }
  }

  /**
   * Seals when one table has `batchRows` rows pending (so each table's insert is a full batch, not
   * a slice of one). While the store is still busy with earlier batches the batch keeps growing, up
   * to 8 times that (group commit: fewer fsyncs and inserts under load, no extra delay when idle;
   * the `batchMs` timer still seals at least once a second). Seals too when the pending lines reach
   * `batchChars` characters, however few their rows. Call between source polls, with the source position.
   */
  maybeSeal(tails?: TailPositions): void {
    if ((this.pendingMax >= this.batchRows && (this.queue.length === 0 || this.pendingMax >= this.batchRows * 8)) || this.pendingChars >= this.batchChars) this.seal(tails);
  }

  /**
   * Seals the rows so far into a batch (their audit rows already linked onto their tables' hash
   * chains, with the heads before and after logged beside them): appends the batch to the WAL and
   * fsyncs, then queues it for the store.
   * @param tails - each file source's position after the last event in the batch
   * @returns the batch, or undefined when there was nothing to seal or the WAL refused it
   *   (counted in `hft_recorder_wal_append_failures_total` and logged; the rows stay pending)
   */
  seal(tails?: TailPositions): Batch | undefined {
    if (this.pendingRows === 0) return undefined;
    const tables = this.pending;
    const counts = this.pendingCounts;
    const lines = this.pendingLines;
    const meta = this.pendingMeta;
    const before = this.heads;
    const after: ChainHeads = { ...this.running };
    let batch: Batch;
    try {
      batch = this.o.wal.appendBatch({ ...(tails ? { tails } : {}), lines, ...(meta.length ? { meta } : {}), chain: { before, after } });
    } catch (err) {
      // Nothing is lost and the chains stay whole: the rows stay pending, in order, and intake
      // pauses (see full) until the log takes them; the next seal tries again.
      this.m.walFailures.inc();
      if (!this.walFailing) this.o.log.error('recorder.wal_failed', `The write-ahead log refused a batch of ${this.pendingRows} rows; they stay pending and intake pauses until it takes them.`, { err });
      this.walFailing = true;
      return undefined;
    }
    if (this.walFailing) this.o.log.info('recorder.wal_recovered', 'The write-ahead log takes batches again; intake resumes.');
    this.walFailing = false;
    let encoded: EncodedRows[] | undefined;
    if (this.encoders) {
      // In the order of the batch's tables, as insertBatch takes them.
      encoded = [];
      for (const t of counts.keys()) encoded.push(this.encoders.get(t)!.finish());
      this.encoders = new Map();
    }
    this.pending = new Map();
    this.pendingCounts = new Map();
    this.pendingLines = [];
    this.pendingMeta = [];
    this.plainTail = 0;
    this.pendingRows = 0;
    this.pendingMax = 0;
    this.pendingChars = 0;
    this.heads = after;
    this.m.batches.inc();
    this.queue.push({ batch: sealedOf(batch), ...(this.keepRows ? { tables } : {}), counts, ...(encoded ? { encoded } : {}), replay: false });
    this.updateGauges();
    this.kick();
    return batch;
  }

  /** Resolves when every sealed batch is in the store. */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Seals what is pending and stops writing after the current batch (the rest stays spooled). */
  async stop(tails?: TailPositions): Promise<void> {
    this.seal(tails);
    this.stopping = true;
    while (this.writing) await new Promise((r) => setTimeout(r, 20));
    // Writes started ahead finish (or fail) before the log closes; they stay uncommitted in it,
    // and the next run's replay finds them in the store by their tokens.
    await Promise.all(this.queue.map((q) => q.ahead));
    this.o.wal.close();
  }

  /**
   * Creates the store's tables now, before the sources are read: called at start-up, so the first
   * batch does not wait for it behind a source catching up. Each DDL statement is a round trip to
   * the store, and a tailer catching up with a backlog yields the event loop only once a poll: the
   * first batch used to wait for some forty of them (4.8 s of a 400,000-line drain, the store
   * written nothing meanwhile; see scripts/bench/overhead.ts's recorder drain).
   * @param waitMs - longest wait, ms (default 5,000): a store that has not answered by then is
   *   tried again by the first write, with its retries and logs
   * @returns whether the tables are there; never throws (a failure is the first write's to report)
   */
  async prepare(waitMs = 5000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.init().then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), waitMs);
        }),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The store's tables, created once: a try in flight is shared (never two DDL runs at once), a failed one is tried again by the next call. */
  private init(): Promise<void> {
    const p = (this.initialising ??= this.o.store.init(TABLES));
    p.catch(() => {
      if (this.initialising === p) this.initialising = undefined;
    });
    return p;
  }

  private walId: string | undefined;

  private token(seq: number): string {
    return `${this.o.id ?? 'tw'}-${(this.walId ??= this.o.wal.id)}-${seq}`;
  }

  private updateGauges(): void {
    this.m.queue.set(this.queuedRows);
    this.m.spool.set(this.o.wal.spoolBytes);
  }

  private kick(): void {
    if (this.stopping) return;
    if (this.writing) return this.fillAhead(); // a batch sealed while the head is written
    this.writing = true;
    void this.writeLoop().finally(() => {
      this.writing = false;
      if (this.queue.length && !this.stopping) this.kick();
    });
  }

  private async writeLoop(): Promise<void> {
    while (this.queue.length && !this.stopping) {
      const q = this.queue[0]!;
      // On a store that keeps call order or takes writes at once, the head's write and up to
      // WRITE_AHEAD behind it are in the store's hands at once. The WAL still commits in order
      // below: a batch written ahead that failed is retried (with its token check) once it reaches
      // the head, and one that succeeded is only committed there. A head being retried starts no
      // more writes ahead of it.
      if ((this.o.store.ordered || this.o.store.concurrent) && !q.ahead && !q.replay) q.ahead = this.writeAhead(q);
      this.fillAhead();
      const done = q.ahead ? await q.ahead : false;
      q.ahead = undefined;
      if (!done && this.stopping) return;
      try {
        if (!done) {
          await backOff(() => this.write(q), {
            numOfAttempts: Number.MAX_SAFE_INTEGER,
            startingDelay: this.o.retryStartMs ?? 100,
            maxDelay: this.o.retryMaxMs ?? 5000,
            jitter: 'full',
            // A store whose tables are not this version's needs a person, not retries.
            retry: (err: unknown) => !this.stopping && !(err instanceof StoreSchemaError),
          });
        }
      } catch (err) {
        if (err instanceof StoreSchemaError) this.o.log.error('recorder.store_schema', `${err.message} Recording to the store stops; batches stay spooled.`, { err });
        return; // stopping, or a schema problem: the batch stays in the WAL for the next run
      }
      this.o.wal.commit(q.batch.seq, q.batch.tails, q.batch.chain?.after);
      if (q.batch.chain) this.stored = q.batch.chain.after;
      this.queue.shift();
      this.updateGauges();
      if (this.o.onCommitted) this.committed(this.rowsOf(q));
    }
    if (this.queue.length === 0) for (const r of this.idle.splice(0)) r();
  }

  /** Starts the writes of the batches behind the head, up to {@link WRITE_AHEAD}, while the head's own write was started ahead. */
  private fillAhead(): void {
    if (!this.queue[0]?.ahead) return;
    for (let i = 1; i < Math.min(this.queue.length, WRITE_AHEAD + 1); i++) {
      const next = this.queue[i]!;
      if (!next.ahead && !next.replay) next.ahead = this.writeAhead(next);
    }
  }

  /** One try at writing `q`, started ahead of its turn: whether it is in the store (a failure is counted and logged by write). */
  private writeAhead(q: Queued): Promise<boolean> {
    return this.write(q).then(
      () => true,
      () => false,
    );
  }

  /** Hands a committed batch to {@link RecorderOptions.onCommitted}; its failure never stops recording. */
  private committed(tables: ReadonlyMap<TableName, readonly Row[]>): void {
    if (!this.o.onCommitted) return;
    try {
      this.o.onCommitted(tables);
    } catch (err) {
      this.o.log.warn('recorder.on_committed_failed', 'A committed batch could not be handed on (the store has it; only the hot state misses it).', { err });
    }
  }

  /**
   * When the store last answered a write (`performance.now()`, ms), success or failure: where a
   * write started ahead began to be the store's work (see {@link written}).
   */
  private lastAnswer = 0;

  /**
   * Observes a successful write's duration. A write started ahead ({@link WRITE_AHEAD}) waits in
   * the store's queue while the writes before it run (an `ordered` store answers in call order),
   * so its duration runs from the later of its call and the store's last answer: the store's own
   * time for it, not the queue's. Measured from the call, five writes of 400 ms each, four in flight
   * at once, had a mean of 1.20 s; from the store's turn, 0.4 s and a little
   * (test/recorder/threaded-store.test.ts). A store that takes writes at once (`concurrent`) runs
   * them side by side and answers in any order: there the duration runs from the call.
   */
  private written(t0: number): void {
    const now = performance.now();
    // A store that runs writes at once (AuditStore.concurrent) answers in any order: from the call.
    this.m.duration.observe((now - (this.o.store.ordered ? Math.max(t0, this.lastAnswer) : t0)) / 1000);
    this.lastAnswer = now;
    this.m.up.set(1);
  }

  /** One table's rows of a batch, to a store without whole-batch inserts; on replay, only when the store has none of them. */
  private async insertTable(q: Queued, t: TableName, rows: readonly Row[], token: string): Promise<void> {
    const store = this.o.store;
    if (q.replay) {
      const have = await store.countByToken(t, token);
      if (have === rows.length) return; // already written before a crash or a lost reply
      if (have !== 0) throw new Error(`batch ${token} is partly in ${t} (${have} of ${rows.length} rows); refusing to write it twice`);
    }
    await store.insert(t, rows, token);
    this.m.rows.labels(t).inc(rows.length);
  }

  private async write(q: Queued): Promise<void> {
    const store = this.o.store;
    const t0 = performance.now();
    let table: TableName | undefined;
    try {
      await this.init();
      const token = this.token(q.batch.seq);
      if (store.insertBatch) {
        // Atomic per batch: on replay, one table tells whether the whole batch is in.
        const [first] = q.counts;
        if (q.replay && first) {
          table = first[0];
          const have = await store.countByToken(first[0], token);
          if (have === first[1]) return this.written(t0);
          if (have !== 0) throw new Error(`batch ${token} is partly in ${first[0]} (${have} of ${first[1]} rows), which an atomic store cannot do`);
        }
        table = undefined;
        if (q.encoded && store.insertEncoded) await store.insertEncoded(q.encoded, token);
        else await store.insertBatch(this.rowsOf(q), token);
        for (const [t, n] of q.counts) this.m.rows.labels(t).inc(n);
        return this.written(t0);
      }
      // Every table of the batch at once: each table's insert is whole or nothing on its own (a
      // ClickHouse block), and a replay checks each table by its token, so their order does not
      // matter. All are awaited before a failure is reported, so none is still in flight when the
      // batch is tried again (its token check would miss rows not yet in). Draining 400,000 lines
      // into chdb, three alternating pairs: 34,440-41,413 rows/s against 29,148-35,565 one table
      // after another (the process at 150 % of a core against 132 %; issue 19, 7 December 2026).
      const tried = [...this.rowsOf(q)]
        .filter(([, rows]) => rows.length > 0)
        .map(([t, rows]) => this.insertTable(q, t, rows, token).then(() => undefined, (err: unknown) => ({ t, err })));
      const failed = (await Promise.all(tried)).find((x) => x !== undefined);
      if (failed) {
        table = failed.t;
        throw failed.err;
      }
      this.written(t0);
    } catch (err) {
      this.lastAnswer = performance.now();
      q.replay = true;
      this.m.up.set(0);
      this.m.failures.labels(table ?? 'logs').inc();
      this.o.log.warn('recorder.write_failed', `Writing batch ${q.batch.seq} to the ${store.kind} store failed; it stays spooled and is retried.`, { err, seq: q.batch.seq, table: table ?? null });
      throw err;
    }
  }
}
