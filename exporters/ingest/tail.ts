/**
 * Tails an NDJSON file the engine appends to, losing and repeating no line across:
 *
 * - **rename rotation** (`mv events.ndjson events.ndjson.1`, new file created): the old file is read
 *   to its end (and for one more poll, for writers that still append to it) before the new one is
 *   opened from offset 0;
 * - **copytruncate** (copy to `events.ndjson.1`, truncate in place): the truncation is noticed by
 *   size or by the file's first bytes changing; whatever we had not yet read is recovered from the
 *   rotated copy (same first bytes, long enough) before reading the new content from 0;
 * - **truncation** (`: > events.ndjson`): new content is read from 0;
 * - **restart**: the offset of the last complete line, the file identity (device, inode) and its
 *   first bytes are saved when they changed, at most once every `saveEveryMs` (default 1 s) while
 *   reading and always on {@link FileTailer.stop} (write to a temp file, then rename); on start,
 *   reading resumes there, through the rotated file when the one we were reading has been rotated
 *   away. After a crash (no stop) the lines of at most the last `saveEveryMs` are read again, never
 *   skipped: the position saved is always one whose lines were handed over. (Saving after every
 *   poll, 10 a second, was 15 % of the idle process's busy CPU in a `--cpu-prof` profile, issue 19.)
 *
 * The engine is never slowed: it appends to a file and we only read. Reading is by polling
 * (`pollMs`, default {@link DEFAULT_POLL_MS}), which works the same on every file system; each poll reads at most
 * `maxBytesPerPoll` before yielding the event loop. While the file grows slowly (less than
 * {@link QUIET_BYTES_PER_SECOND}), polls come every `idlePollMs` instead (default
 * {@link DEFAULT_IDLE_POLL_MS}), as Filebeat's harvester backs off at the end of a file; the first
 * poll that finds more goes back to `pollMs`. Polls fall on the wall clock's multiples of the
 * interval in effect ({@link gridDelay}), so the tailers of one process (`tickwatch start`'s
 * exporter and recorder read the same files) poll at the same instants: one wake-up, and the
 * second reader finds the code and the file's bytes warm.
 *
 * **One read for two readers** ({@link FileTailer.carry}): where `tickwatch start`'s exporter and
 * recorder tail the same file, the exporter's tailer carries the recorder's while both stand at
 * the same line of the same file: each line it reads goes to the recorder's sink too, with what
 * the exporter's pipeline made of it (`SourceSink.echo`: its envelope and event), and the recorder's position
 * moves with it. The recorder's tailer reads by itself whenever they part (it is paused by a full
 * write-ahead log, behind after a restart, on the other side of a rotation, or the exporter's
 * tailer stopped or failed its last poll), so its guarantees above are unchanged.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Log } from '../lib/log.js';
import { gridDelay } from '../lib/grid.js';
import { LineSplitter } from './lines.js';
import { DEFAULT_IDLE_POLL_MS, DEFAULT_POLL_MS, QUIET_BYTES_PER_SECOND } from './limits.js';
import type { SourceSink } from './pipeline.js';

const NONE: readonly FileTailer[] = Object.freeze([]);

/** Bytes at the head of a file that identify its content. */
const HEAD_BYTES = 256;

/** What is saved between runs: the file identity, its first bytes, and the offset after the last line handed over. */
export interface TailState {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  /** Offset just past the last complete line handed to the pipeline. */
  readonly offset: number;
  /** First bytes of the file, base64 (up to 256). */
  readonly head: string;
}

/** Options of a {@link FileTailer}. */
export interface TailOptions {
  /** The file the engine appends to. */
  readonly path: string;
  /** Where to save the read position; no persistence when absent. */
  readonly statePath?: string;
  /**
   * Least time in ms between two saves of a changed position while reading (default 1000); the
   * position is always saved on {@link FileTailer.stop}. After a crash, at most this much is read again.
   */
  readonly saveEveryMs?: number;
  /** Rotated copies to look in after rotation or copytruncate; default `[path + '.1']`. */
  readonly rotatedPaths?: readonly string[];
  /**
   * Poll interval in milliseconds while the file is busy (default {@link DEFAULT_POLL_MS}). Every
   * poll but the first falls on a multiple of the interval in effect on the wall clock
   * ({@link gridDelay}): the first wait after a change of interval may be shorter.
   */
  readonly pollMs?: number;
  /**
   * Poll interval in milliseconds after a poll that found the file growing by less than
   * {@link QUIET_BYTES_PER_SECOND} (default {@link DEFAULT_IDLE_POLL_MS} when `pollMs` is not given,
   * else `pollMs`: a caller that sets only `pollMs` polls at that interval throughout). Never below
   * `pollMs`. A paused reader (a full consumer) polls every `pollMs`, to resume promptly.
   */
  readonly idlePollMs?: number;
  /** Longest line in bytes (default 65,536). */
  readonly maxLineBytes?: number;
  /** Where to start when there is no saved state: `start` (default) or `end` of the file. */
  readonly from?: 'start' | 'end';
  /** Most bytes read per poll before yielding (default 8 MiB). */
  readonly maxBytesPerPoll?: number;
  /** Start from this position instead of the state file (the recorder keeps its position in its WAL). */
  readonly initialState?: TailState;
  /** Called after every poll, when {@link FileTailer.currentState} matches exactly the lines handed over. */
  readonly onPollEnd?: () => void;
  /** While this returns true, polls read nothing (the consumer is full; the file keeps the data). */
  readonly paused?: () => boolean;
}

interface Open {
  fd: number;
  dev: number;
  ino: number;
  head: Buffer;
  splitter: LineSplitter;
  /** Read position (bytes handed to the splitter). */
  pos: number;
}

/** Follows one file; see the module comment for the guarantees. */
export class FileTailer {
  private cur: Open | undefined;
  /** A rotated-away file still being drained, and the polls it has been idle. */
  private draining: { file: Open; idlePolls: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly buf: Buffer;
  /** Poll interval while the file is busy, ms. */
  readonly pollMs: number;
  /** Poll interval while the file is quiet, ms (see {@link TailOptions.idlePollMs}). */
  readonly idlePollMs: number;
  /** The wait before the next poll, ms (see {@link FileTailer.interval}). */
  private nextMs: number;
  private readonly maxLine: number;
  private readonly rotated: readonly string[];
  private readonly maxPerPoll: number;
  private stopped = false;
  private polling = false;
  /** Lines handed to the pipeline since start. */
  lines = 0;
  /** Rotations, truncations and recoveries seen, for tests and logs. */
  readonly seen = { rotations: 0, truncations: 0, recoveredBytes: 0 };
  /** Wall time (ms) at which the last timed poll began (the tailer's creation before the first). */
  private polledAt = Date.now();
  /** Wall time (ms) of the last poll that ended with every byte of the file read (start time before the first). */
  private caughtUpAt = Date.now();
  /** The position last saved (or loaded), to save only a changed one. */
  private saved: { dev: number; ino: number; offset: number; head: Buffer } | undefined;
  /** Wall time (ms) of the last save. */
  private savedAt = 0;
  /** Whether the state file's folder is known to exist (made once, not before every save). */
  private stateDirMade = false;
  private readonly saveEveryMs: number;
  /** Tailers of the same file this one carries ({@link carry}). */
  private readonly riders: FileTailer[] = [];
  /** The tailer that carries this one when it can ({@link carry}). */
  private leader: FileTailer | undefined;
  /** The riders taken along by the read in progress (none outside it). */
  private riding: readonly FileTailer[] = NONE;
  /** The riders carried by the current poll, whose poll-end work follows this one's. */
  private carried: readonly FileTailer[] = NONE;
  /** Whether the last poll failed (a failing tailer carries nobody). */
  private failed = false;
  /** Lines handed over by a carrier's reads (counted in {@link lines} too). */
  carriedLines = 0;

  constructor(
    private readonly opts: TailOptions,
    private readonly sink: SourceSink,
    private readonly log: Log,
  ) {
    this.pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
    this.idlePollMs = Math.max(this.pollMs, opts.idlePollMs ?? (opts.pollMs === undefined ? DEFAULT_IDLE_POLL_MS : opts.pollMs));
    this.nextMs = this.pollMs;
    this.maxLine = opts.maxLineBytes ?? 65_536;
    this.rotated = opts.rotatedPaths ?? [`${opts.path}.1`];
    this.maxPerPoll = opts.maxBytesPerPoll ?? 8 * 1024 * 1024;
    this.saveEveryMs = opts.saveEveryMs ?? 1000;
    this.buf = Buffer.allocUnsafe(1024 * 1024);
  }

  /** Opens the file (resuming from saved state) and starts polling. */
  start(): void {
    this.resume();
    this.schedule(0);
  }

  /** Stops polling, saves the position and closes files. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.saveState();
    if (this.draining) closeSync(this.draining.file.fd);
    if (this.cur) closeSync(this.cur.fd);
    this.cur = this.draining = undefined;
  }

  /** Reads everything available now (tests call this instead of waiting for a poll). */
  pollNow(): void {
    this.poll();
  }

  /** The poll interval in effect now, ms: `pollMs` or, while the file is quiet, `idlePollMs`. */
  get interval(): number {
    return this.nextMs;
  }

  /** Polls after `ms` (0: now), else at the wall clock's next multiple of `ms`; then schedules the next poll. */
  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        const at = Date.now();
        const read = this.poll();
        // Busy when reading is paused (a backlog waits) or the file grew by QUIET_BYTES_PER_SECOND or
        // more since the last poll (over the time since it: a poll on the grid may come early).
        this.nextMs = read < 0 || read * 1000 >= QUIET_BYTES_PER_SECOND * Math.max(at - this.polledAt, this.pollMs) ? this.pollMs : this.idlePollMs;
        this.polledAt = at;
        this.schedule(this.nextMs);
      },
      ms === 0 ? 0 : gridDelay(ms, Date.now()),
    );
  }

  private wrap(fd: number, offset: number, head?: Buffer): Open {
    const st = fstatSync(fd);
    const file: Open = {
      fd,
      dev: st.dev,
      ino: st.ino,
      head: head ?? Buffer.alloc(0),
      splitter: undefined as unknown as LineSplitter,
      pos: offset,
    };
    file.splitter = new LineSplitter(
      {
        line: (text, off, chunk, start, end) => {
          this.lines++;
          this.sink.line(text, off, chunk, start, end);
          const riding = this.riding;
          for (let i = 0; i < riding.length; i++) {
            const r = riding[i]!;
            r.lines++;
            r.carriedLines++;
            r.sink.echo(text, off, chunk, start, end, this.sink.last);
          }
        },
        oversize: (prefix, len, off) => {
          this.sink.oversize(prefix, len, off);
          for (const r of this.riding) r.sink.oversize(prefix, len, off);
        },
      },
      this.maxLine,
      offset,
    );
    this.refreshHead(file);
    return file;
  }

  private openPath(path: string, offset: number, head?: Buffer): Open | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return this.wrap(fd, offset, head);
  }

  /** Reads the file's first bytes; returns false when they no longer match what we saw (content replaced). */
  private refreshHead(file: Open): boolean {
    const n = readSync(file.fd, this.buf, 0, HEAD_BYTES, 0);
    const known = file.head.length;
    if (n < known || this.buf.compare(file.head, 0, known, 0, known) !== 0) return false;
    if (n > known) file.head = Buffer.from(this.buf.subarray(0, n));
    return true;
  }

  private resume(): void {
    const state = this.opts.initialState ?? this.loadState();
    const { path } = this.opts;
    if (!state) {
      this.cur = this.openPath(path, 0);
      if (this.cur && this.opts.from === 'end') {
        const size = fstatSync(this.cur.fd).size;
        this.cur.pos = size;
        this.cur.splitter.reset(size);
      }
      return;
    }
    const head = Buffer.from(state.head, 'base64');
    let st: { dev: number; ino: number } | undefined;
    try {
      st = statSync(path);
    } catch {
      st = undefined;
    }
    if (st && st.dev === state.dev && st.ino === state.ino) {
      const f = this.openPath(path, 0);
      if (!f) return;
      const size = fstatSync(f.fd).size;
      f.head = head;
      if (size >= state.offset && this.refreshHead(f)) {
        f.pos = state.offset;
        f.splitter.reset(state.offset);
        this.cur = f;
        return;
      }
      // Truncated (maybe copytruncated) while we were down.
      this.seen.truncations++;
      this.recoverFromRotated(head, state.offset);
      f.head = Buffer.alloc(0);
      this.refreshHead(f);
      this.cur = f;
      return;
    }
    // The file we were reading was rotated away while we were down: finish it first.
    for (const p of this.rotated) {
      let rs;
      try {
        rs = statSync(p);
      } catch {
        continue;
      }
      if (rs.dev === state.dev && rs.ino === state.ino) {
        const old = this.openPath(p, state.offset, head);
        if (old) {
          this.seen.rotations++;
          old.splitter.reset(state.offset);
          this.drainFile(old, Infinity);
          closeSync(old.fd);
        }
        break;
      }
    }
    this.cur = this.openPath(path, 0);
  }

  /** After a copytruncate: reads what we had not read from the rotated copy with the same head. */
  private recoverFromRotated(head: Buffer, offset: number): void {
    if (head.length === 0) return;
    for (const p of this.rotated) {
      if (!existsSync(p)) continue;
      const f = this.openPath(p, 0);
      if (!f) continue;
      const size = fstatSync(f.fd).size;
      const sameStart = f.head.length >= head.length && f.head.compare(head, 0, head.length, 0, head.length) === 0;
      if (sameStart && size >= offset) {
        f.pos = offset;
        f.splitter.reset(offset);
        const before = this.lines;
        this.seen.recoveredBytes += size - offset;
        this.drainFile(f, Infinity);
        this.log.info('ingest.copytruncate_recovered', `Read ${this.lines - before} lines written before a copytruncate from ${p}.`, { path: p, offset });
        closeSync(f.fd);
        return;
      }
      closeSync(f.fd);
    }
  }

  /** Reads `file` from its position to its end (or `budget` bytes). @returns bytes read */
  private drainFile(file: Open, budget: number): number {
    let total = 0;
    while (total < budget) {
      const n = readSync(file.fd, this.buf, 0, this.buf.length, file.pos);
      if (n <= 0) break;
      file.pos += n;
      total += n;
      this.sink.bytes(n);
      for (const r of this.riding) r.sink.bytes(n);
      file.splitter.push(this.buf.subarray(0, n));
    }
    return total;
  }

  /** One poll; returns the bytes read, or -1 when reading is paused (0 when stopped, busy or failed). */
  private poll(): number {
    if (this.stopped || this.polling) return 0;
    if (this.opts.paused?.()) return -1;
    // Carried: the leader's next read (on the same grid) hands this tailer its lines.
    if (this.leader !== undefined && this.leader.canCarry(this)) return 0;
    this.polling = true;
    try {
      const read = this.pollOnce();
      this.failed = false;
      this.opts.onPollEnd?.();
      return read;
    } catch (err) {
      this.failed = true;
      this.log.error('ingest.tail_failed', `Reading ${this.opts.path} failed; retrying at the next poll.`, { err, path: this.opts.path });
      return 0;
    } finally {
      this.polling = false;
      const carried = this.carried;
      if (carried.length) {
        this.carried = NONE;
        for (const r of carried) r.afterCarried(this);
      }
    }
  }

  /**
   * Reads for `rider` too from now on, while the two stand at the same line of the same file (see
   * the module comment): `rider` reads by itself whenever they part. Only a tailer of the same path
   * into a sink of the same profile (`SourceSink.profile`: format, default component, redaction
   * words) can be carried.
   * @returns whether `rider` is carried from now on (false: another path or profile; it reads alone)
   * @throws Error when `rider` is this tailer or is carried already
   */
  carry(rider: FileTailer): boolean {
    if (rider === this) throw new Error(`a tailer of ${this.opts.path} cannot carry itself`);
    if (rider.opts.path !== this.opts.path || rider.sink.profile !== this.sink.profile) return false;
    if (rider.leader !== undefined) throw new Error(`the second reader of ${this.opts.path} is carried already`);
    rider.leader = this;
    this.riders.push(rider);
    return true;
  }

  /** The path this tailer follows. */
  get path(): string {
    return this.opts.path;
  }

  /** Whether this tailer's next read of `cur` can carry `rider` (both at the same line of it; see {@link carry}). */
  private canCarry(rider: FileTailer, cur: Open | undefined = this.cur): boolean {
    const r = rider.cur;
    return (
      !this.stopped &&
      !this.failed &&
      !rider.stopped &&
      !rider.polling &&
      cur !== undefined &&
      r !== undefined &&
      this.draining === undefined &&
      rider.draining === undefined &&
      r.dev === cur.dev &&
      r.ino === cur.ino &&
      !cur.splitter.skippingLine &&
      !r.splitter.skippingLine &&
      r.splitter.committedOffset === cur.splitter.committedOffset &&
      !(rider.opts.paused?.() ?? false)
    );
  }

  /** After a read that carried this tailer: its position is the leader's (every line before it handed over). */
  private moveWith(cur: Open): void {
    const f = this.cur!;
    const at = cur.splitter.committedOffset;
    f.splitter.reset(at);
    f.pos = at;
    f.head = cur.head;
  }

  /** The poll-end work of a carried tailer, after its leader's poll. */
  private afterCarried(leader: FileTailer): void {
    try {
      this.caughtUpAt = Math.max(this.caughtUpAt, leader.caughtUpAt);
      if (Date.now() - this.savedAt >= this.saveEveryMs) this.saveState();
      this.opts.onPollEnd?.();
    } catch (err) {
      this.log.error('ingest.tail_failed', `Reading ${this.opts.path} failed; retrying at the next poll.`, { err, path: this.opts.path });
    }
  }

  /** Reads what is new in the files; returns the bytes read. */
  private pollOnce(): number {
    const { path } = this.opts;
    let read = 0;
    // 1. A rotated-away file: keep reading it until it has been idle for a poll, then let it go.
    if (this.draining) {
      const n = this.drainFile(this.draining.file, this.maxPerPoll);
      read += n;
      this.draining.idlePolls = n > 0 ? 0 : this.draining.idlePolls + 1;
      if (this.draining.idlePolls >= 1) {
        closeSync(this.draining.file.fd);
        this.draining = undefined;
      }
    }
    if (!this.cur) {
      this.cur = this.openPath(path, 0);
      if (!this.cur) return read;
    }
    const cur = this.cur;
    // 2. Truncated in place? (size below our position, or different first bytes)
    const size = fstatSync(cur.fd).size;
    if (size < cur.pos || !this.refreshHead(cur)) {
      this.seen.truncations++;
      const oldHead = cur.head;
      const oldPos = cur.pos;
      this.log.warn('ingest.file_truncated', `${path} was truncated; reading it again from the start.`, { path, offset: oldPos, size });
      this.recoverFromRotated(oldHead, cur.splitter.committedOffset);
      cur.pos = 0;
      cur.head = Buffer.alloc(0);
      cur.splitter.reset(0);
      this.refreshHead(cur);
    }
    // 3. Read what is new, for the tailers it carries too (each from this one's line: an unfinished line of its own is dropped, to come from this read).
    const riding = this.riders.length === 0 ? NONE : this.riders.filter((r) => this.canCarry(r, cur));
    if (riding.length === 0) read += this.drainFile(cur, this.maxPerPoll - read);
    else {
      for (const r of riding) r.moveWith(cur);
      this.riding = riding;
      try {
        read += this.drainFile(cur, this.maxPerPoll - read);
      } finally {
        this.riding = NONE;
        for (const r of riding) r.moveWith(cur);
        this.carried = riding;
      }
    }
    // 4. Rotated by rename? The path now names another file (or none yet).
    let st: { dev: number; ino: number } | undefined;
    try {
      st = statSync(path);
    } catch {
      st = undefined;
    }
    if (st && (st.dev !== cur.dev || st.ino !== cur.ino) && !this.draining) {
      this.seen.rotations++;
      this.log.info('ingest.file_rotated', `${path} was rotated; finishing the old file, then reading the new one.`, { path });
      this.draining = { file: cur, idlePolls: 0 };
      this.cur = this.openPath(path, 0);
      if (this.cur) read += this.drainFile(this.cur, Math.max(0, this.maxPerPoll - read));
    }
    if (Date.now() - this.savedAt >= this.saveEveryMs) this.saveState();
    // Caught up: everything the file held when this poll began is read (the size seen in step 2 saves an fstat per poll).
    if (!this.draining && this.cur && (this.cur === cur ? cur.pos >= size : fstatSync(this.cur.fd).size <= this.cur.pos)) this.caughtUpAt = Date.now();
    // More than a poll's budget waiting: come back at once rather than after pollMs.
    if (read >= this.maxPerPoll && !this.stopped) setImmediate(() => this.poll());
    return read;
  }

  private loadState(): TailState | undefined {
    const p = this.opts.statePath;
    if (!p || !existsSync(p)) return undefined;
    try {
      const s = JSON.parse(readFileSync(p, 'utf8')) as TailState;
      if (s.path !== this.opts.path) return undefined;
      return s;
    } catch (err) {
      this.log.warn('ingest.state_unreadable', `Tail state ${p} is unreadable; starting without it.`, { err, path: p });
      return undefined;
    }
  }

  /**
   * How far behind the file this tailer is: `bytes` written and not yet handed over (of the file
   * being read, and of a rotated-away one still draining), and `seconds` since the last poll that
   * had read everything (0 while caught up): the age of the oldest unread data, at most. While the
   * consumer pauses reading (a full spool), both grow.
   */
  lag(now = Date.now()): { bytes: number; seconds: number } {
    let bytes = 0;
    for (const f of [this.draining?.file, this.cur]) {
      if (!f) continue;
      try {
        bytes += Math.max(0, fstatSync(f.fd).size - f.splitter.committedOffset);
      } catch {
        // closed or gone: nothing left to read there
      }
    }
    return { bytes, seconds: bytes === 0 ? 0 : Math.max(0, (now - this.caughtUpAt) / 1000) };
  }

  /**
   * The position after the last line handed over (while an old file drains, its position: its lines
   * come first). Between polls it matches the lines delivered exactly.
   */
  currentState(): TailState | undefined {
    const f = this.draining?.file ?? this.cur;
    if (!f) return undefined;
    return { path: this.opts.path, dev: f.dev, ino: f.ino, offset: f.splitter.committedOffset, head: f.head.toString('base64') };
  }

  /**
   * Saves the committed offset of the file being read (after the draining one is done, the new
   * file) when it differs from the one saved last; makes the state file's folder on the first save.
   */
  private saveState(): void {
    const p = this.opts.statePath;
    if (!p) return;
    const f = this.draining?.file ?? this.cur;
    if (!f) return;
    const offset = f.splitter.committedOffset;
    const last = this.saved;
    if (last !== undefined && last.offset === offset && last.dev === f.dev && last.ino === f.ino && last.head === f.head) return; // a changed head is a new Buffer
    const json = JSON.stringify(this.currentState());
    if (!this.stateDirMade) {
      mkdirSync(dirname(p), { recursive: true });
      this.stateDirMade = true;
    }
    try {
      writeFileSync(`${p}.tmp`, json);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dirname(p), { recursive: true }); // the folder was removed while we ran
      writeFileSync(`${p}.tmp`, json);
    }
    renameSync(`${p}.tmp`, p);
    this.saved = { dev: f.dev, ino: f.ino, offset, head: f.head };
    this.savedAt = Date.now();
  }
}
