/**
 * The recorder's write-ahead log: every batch is appended here (and fsync'd) before it counts as
 * acknowledged; it is marked committed once the store has it. While the store is down, batches
 * simply stay uncommitted: this file is the spool, replayed in order on recovery.
 *
 * Segmented files `wal-<segment number>.log` (numbers only grow, never reused), records of
 * `[u32 payload length][u8 type][3 zero bytes][first 8 bytes of SHA-256(payload)][payload]`, the
 * payload a JSON header line (`seq`, `tails`: the source files' positions, the chain heads, `meta`: how each line
 * was read) then, for a batch, its event lines (NDJSON never holds a newline inside a line, so no escaping is
 * needed). Records of older versions (one `tail`, no `meta`) are read as one source and tickwatch lines.
 * Opening the log verifies every record: a record whose checksum does not match, or that is cut
 * short (a crash mid-write), is counted and reported and never replayed; reading of that segment
 * stops there and the segment is truncated to its last good record.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainHeads } from './chain.js';

const HEADER = 16;
/** Bytes of the buffer a log keeps for building records (a larger one is dropped after its record). */
const KEPT_RECORD_BYTES = 32 * 1024 * 1024;
const BATCH = 1;
const COMMIT = 2;
/** A record longer than this is treated as a corrupt length field when read, and is never written. */
const MAX_RECORD = 512 * 1024 * 1024;

/** The tailer position a batch ends at (see FileTailer's state). */
export interface TailPosition {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  readonly offset: number;
  readonly head: string;
}

/** Source positions by source key (the file's absolute path): where each tailer was. */
export type TailPositions = Readonly<Record<string, TailPosition>>;

/**
 * How a run of consecutive lines was read: `[format, component, count]` (events/formats.ts; the
 * component is the default given to lines naming none). Lines past the runs, or a batch without
 * runs, are tickwatch lines used as they are (format null).
 */
export type LineMeta = readonly [format: string, component: string, count: number];

/**
 * A sealed batch as logged: the events' lines exactly as received, one per element (rows are
 * derived from them again on replay, deterministically).
 */
export interface Batch {
  readonly seq: number;
  /** Where each file source's tailer was after the last event of this batch (absent for in-process sources). */
  readonly tails?: TailPositions;
  readonly lines: readonly string[];
  /** How the lines were read, run-length encoded (see {@link LineMeta}); absent when all are tickwatch lines as they are. */
  readonly meta?: readonly LineMeta[];
  /**
   * The audit tables' chain heads before and after this batch's rows (chain.ts): a replay links
   * the rebuilt rows from `before`, and gets the same hashes.
   */
  readonly chain?: { readonly before: ChainHeads; readonly after: ChainHeads };
}

/** What opening the log found. */
export interface WalRecovery {
  /** Batches not yet committed, in order: replay these. */
  readonly pending: Batch[];
  /** Each source's position after the newest batch logged that names it, committed or not. */
  readonly tails: TailPositions;
  /** The chain heads after the newest batch logged, committed or not (undefined: none logged yet). */
  readonly chain: ChainHeads | undefined;
  /** Records cut short by a crash. */
  readonly truncated: number;
  /** Records whose checksum did not match. */
  readonly corrupt: number;
  /** One line per problem, for the log. */
  readonly problems: string[];
}

function checksum(payload: Buffer): Buffer {
  return createHash('sha256').update(payload).digest().subarray(0, 8);
}

interface Segment {
  readonly path: string;
  readonly index: number;
  /** Batch seqs in it, and the commits seen. */
  readonly seqs: Set<number>;
}

/** The log. Not safe across processes: one recorder per folder. */
export class WriteAheadLog {
  private fd = -1;
  private active: Segment | undefined;
  private activeSize = 0;
  private readonly segments: Segment[] = [];
  private readonly committed = new Set<number>();
  /** Bytes of uncommitted batches, per seq. */
  private readonly pendingBytes = new Map<number, number>();
  private nextSeq = 1;
  private nextSegment = 1;

  /**
   * @param dir - folder of the segments (created)
   * @param segmentBytes - start a new segment past this size (default 16 MiB)
   * @param maxRecordBytes - the longest record payload this log writes (default and at most
   *   {@link MAX_RECORD}, 512 MiB, past which reading takes a length for corruption): a longer
   *   batch is refused with an error, never written where a replay could not read it
   */
  constructor(
    readonly dir: string,
    private readonly segmentBytes = 16 * 1024 * 1024,
    private readonly maxRecordBytes = MAX_RECORD,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Bytes held by batches not yet committed (the spool). */
  get spoolBytes(): number {
    let n = 0;
    for (const b of this.pendingBytes.values()) n += b;
    return n;
  }

  /** Batches not yet committed. */
  get pendingCount(): number {
    return this.pendingBytes.size;
  }

  /** The seq the next batch gets. */
  get seq(): number {
    return this.nextSeq;
  }

  /**
   * This log's id: random, made once, kept in `<dir>/wal-id`. Batch tokens carry it, so a new log
   * (a wiped folder) never reuses a token the store already holds.
   */
  get id(): string {
    const p = join(this.dir, 'wal-id');
    if (!existsSync(p)) writeFileSync(p, randomUUID());
    return readFileSync(p, 'utf8').trim();
  }

  /** Reads and verifies every segment. Call once, before appending. */
  open(): WalRecovery {
    const files = readdirSync(this.dir)
      .filter((f) => /^wal-\d{12}\.log$/.test(f))
      .sort();
    const batches = new Map<number, Batch>();
    const tails: Record<string, TailPosition> = {};
    const tailSeq = new Map<string, number>();
    let chain: ChainHeads | undefined;
    let maxChainSeq = 0;
    let truncated = 0;
    let corrupt = 0;
    const problems: string[] = [];
    for (const f of files) {
      const path = join(this.dir, f);
      const buf = readFileSync(path);
      const seg: Segment = { path, index: Number(f.slice(4, 16)), seqs: new Set() };
      this.nextSegment = Math.max(this.nextSegment, seg.index + 1);
      let pos = 0;
      let good = 0;
      while (pos < buf.length) {
        if (pos + HEADER > buf.length) {
          truncated++;
          problems.push(`${f}: record at byte ${pos} is cut short (header)`);
          break;
        }
        const len = buf.readUInt32BE(pos);
        const type = buf[pos + 4]!;
        if (len > MAX_RECORD || (type !== BATCH && type !== COMMIT)) {
          corrupt++;
          problems.push(`${f}: record at byte ${pos} has a corrupt header (length ${len}, type ${type}); the rest of the segment is unreadable`);
          break;
        }
        if (pos + HEADER + len > buf.length) {
          truncated++;
          problems.push(`${f}: record at byte ${pos} is cut short (${buf.length - pos - HEADER} of ${len} bytes)`);
          break;
        }
        const payload = buf.subarray(pos + HEADER, pos + HEADER + len);
        if (!checksum(payload).equals(buf.subarray(pos + 8, pos + 16))) {
          corrupt++;
          problems.push(`${f}: record at byte ${pos} fails its checksum; skipped, not replayed`);
          pos += HEADER + len;
          good = pos;
          continue;
        }
        const text = payload.toString('utf8');
        const nl = text.indexOf('\n');
        const rec = JSON.parse(nl < 0 ? text : text.slice(0, nl)) as { seq: number; tail?: TailPosition; tails?: TailPositions; chain?: Batch['chain']; after?: ChainHeads; meta?: LineMeta[] };
        // An older version logged one source's position as `tail`.
        const recTails: TailPositions | undefined = rec.tails ?? (rec.tail ? { [rec.tail.path]: rec.tail } : undefined);
        if (type === BATCH) {
          batches.set(rec.seq, {
            seq: rec.seq,
            ...(recTails ? { tails: recTails } : {}),
            ...(rec.chain ? { chain: rec.chain } : {}),
            ...(rec.meta ? { meta: rec.meta } : {}),
            lines: nl < 0 ? [] : text.slice(nl + 1).split('\n'),
          });
          seg.seqs.add(rec.seq);
          this.pendingBytes.set(rec.seq, HEADER + len);
        } else this.committed.add(rec.seq);
        // Batches and commits both carry the source positions; per source, the highest seq's is the newest.
        for (const [key, pos] of Object.entries(recTails ?? {})) {
          if (rec.seq >= (tailSeq.get(key) ?? 0)) {
            tails[key] = pos;
            tailSeq.set(key, rec.seq);
          }
        }
        // So do the chain heads after the batch (a commit repeats them: its batch's segment may go).
        const after = rec.chain?.after ?? rec.after;
        if (after && rec.seq >= maxChainSeq) {
          chain = after;
          maxChainSeq = rec.seq;
        }
        this.nextSeq = Math.max(this.nextSeq, rec.seq + 1);
        pos += HEADER + len;
        good = pos;
      }
      if (good < buf.length) {
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, good);
        fsyncSync(fd);
        closeSync(fd);
      }
      this.segments.push(seg);
    }
    for (const seq of this.committed) this.pendingBytes.delete(seq);
    const pending = [...batches.values()].filter((b) => !this.committed.has(b.seq)).sort((a, b) => a.seq - b.seq);
    this.reclaim();
    return { pending, tails, chain, truncated, corrupt, problems };
  }

  private ensureSegment(): void {
    if (this.fd >= 0 && this.activeSize < this.segmentBytes) return;
    if (this.fd >= 0) closeSync(this.fd);
    const index = this.nextSegment++;
    const path = join(this.dir, `wal-${String(index).padStart(12, '0')}.log`);
    this.fd = openSync(path, 'a');
    this.activeSize = fstatSync(this.fd).size;
    this.active = { path, index, seqs: new Set() };
    this.segments.push(this.active);
  }

  /**
   * The buffer records are built in, kept from one append to the next (see {@link record}); none
   * while the last record needed more than {@link KEPT_RECORD_BYTES}.
   */
  private scratch: Buffer | undefined;

  /**
   * A record: the header, then the payload (the JSON head, then each line after a newline) encoded
   * straight into a buffer kept between appends. Appending a batch of 8,000 lines of the normal mix
   * (2.35 MB) took 22-24 ms of CPU when the lines were joined into one string and encoded into a new
   * buffer, against 3.7-4.0 ms built here (`Array.prototype.join` alone took 7.5-8.8 ms; medians of
   * 8 rounds, issue 19, 6 December 2026).
   * @returns a view of the kept buffer, valid until the next call
   */
  private record(type: number, head: unknown, lines: readonly string[] | undefined): Buffer {
    const json = JSON.stringify(head);
    let buf = this.scratch;
    // A UTF-16 code unit is at most 3 bytes of UTF-8; grown to twice what is needed when short.
    let need = HEADER + 3 * json.length;
    if (buf === undefined || buf.length < need) buf = Buffer.allocUnsafeSlow(Math.max(2 * need, 64 * 1024));
    let off = HEADER + buf.write(json, HEADER, 'utf8');
    if (lines) {
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        need = off + 1 + 3 * line.length;
        if (buf.length < need) {
          const grown = Buffer.allocUnsafeSlow(2 * need);
          buf.copy(grown, 0, 0, off);
          buf = grown;
        }
        buf[off++] = 10;
        off += buf.write(line, off, 'utf8');
      }
    }
    this.scratch = buf.length <= KEPT_RECORD_BYTES ? buf : undefined;
    const len = off - HEADER;
    buf.fill(0, 0, HEADER);
    buf.writeUInt32BE(len, 0);
    buf[4] = type;
    checksum(buf.subarray(HEADER, off)).copy(buf, 8);
    return buf.subarray(0, off);
  }

  private append(type: number, head: unknown, lines: readonly string[] | undefined, sync: boolean): number {
    this.ensureSegment();
    const rec = this.record(type, head, lines);
    const payload = rec.length - HEADER;
    const limit = Math.min(this.maxRecordBytes, MAX_RECORD);
    if (payload > limit) throw new Error(`a write-ahead log record of ${payload} bytes is over the limit of ${limit} bytes; nothing was written`);
    try {
      // write(2) may take part of a record (a disk filling up does exactly that) and refuse the
      // rest on the next call: write until all of it is in, or the file system says no.
      for (let off = 0; off < rec.length; ) off += writeSync(this.fd, rec, off, rec.length - off);
      if (sync) fsyncSync(this.fd);
    } catch (err) {
      // A record written in part (disk full) would hide every later record from open(): cut the
      // segment back to its last whole record before anything else is appended. Best effort.
      try {
        ftruncateSync(this.fd, this.activeSize);
      } catch {
        // The next open() truncates it instead.
      }
      throw err;
    }
    this.activeSize += rec.length;
    return rec.length;
  }

  /**
   * Appends a batch and fsyncs: when this returns, the batch survives a crash.
   * @returns the batch with its seq
   * @throws the file system's error (disk full, I/O error); the log is then as before the call
   */
  appendBatch(b: Omit<Batch, 'seq'>): Batch {
    if (b.lines.some((l) => l.includes('\n'))) throw new Error('a batch line holds a newline');
    const batch: Batch = { seq: this.nextSeq, ...b };
    const n = this.append(
      BATCH,
      { seq: batch.seq, ...(batch.tails ? { tails: batch.tails } : {}), ...(batch.chain ? { chain: batch.chain } : {}), ...(batch.meta?.length ? { meta: batch.meta } : {}) },
      batch.lines,
      true,
    );
    this.nextSeq++;
    this.active!.seqs.add(batch.seq);
    this.pendingBytes.set(batch.seq, n);
    return batch;
  }

  /**
   * Marks a batch as in the store. Not fsync'd: a lost commit only means an idempotent replay.
   * @param tails - the batch's source positions, kept so they survive the batch's segment being deleted
   * @param after - the chain heads after the batch, kept for the same reason
   */
  commit(seq: number, tails?: TailPositions, after?: ChainHeads): void {
    this.append(COMMIT, { seq, ...(tails ? { tails } : {}), ...(after ? { after } : {}) }, undefined, false);
    this.committed.add(seq);
    this.pendingBytes.delete(seq);
    this.reclaim();
  }

  /**
   * Deletes segments whose batches are all committed; never the active one nor the newest, which
   * hold the latest sequence number and source position.
   */
  private reclaim(): void {
    const newest = Math.max(0, ...this.segments.map((x) => x.index));
    for (let i = 0; i < this.segments.length; i++) {
      const s = this.segments[i]!;
      if (s === this.active || s.index === newest) continue;
      if ([...s.seqs].every((q) => this.committed.has(q))) {
        if (existsSync(s.path)) rmSync(s.path);
        for (const q of s.seqs) this.committed.delete(q);
        this.segments.splice(i--, 1);
      }
    }
  }

  /** Closes the active segment. */
  close(): void {
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
