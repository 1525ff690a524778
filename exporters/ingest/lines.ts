/**
 * Splits a byte stream into NDJSON lines, keeping each line's byte offset and bounding memory:
 * a line longer than `maxLineBytes` is not buffered; it is reported once (its first bytes and
 * total length) and skipped to the next newline.
 */

import { isAscii } from 'node:buffer';

/**
 * Decodes `buf[start, end)` of a chunk known to be all ASCII: Latin-1 and UTF-8 read ASCII alike,
 * and V8 makes a one-byte string of it by a copy, without UTF-8 decoding. `Buffer#latin1Slice`
 * (what `toString('latin1')` calls, undocumented but on Buffer's prototype in every Node.js
 * release) skips `toString`'s argument and encoding handling: 58-63 ns a line of the normal mix
 * against 100-113 ns for `toString('utf8', start, end)` (issue 19). Where it is missing, `toString`.
 */
const asciiText: (buf: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as { latin1Slice?: unknown }).latin1Slice === 'function'
    ? (buf, start, end) => (buf as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(start, end)
    : (buf, start, end) => buf.toString('latin1', start, end);

/** The buffer a splitter last found all ASCII (see {@link knownAscii}). */
let lastAscii: Buffer | null = null;

/**
 * Whether `chunk` is the buffer a {@link LineSplitter} found all ASCII as it emitted lines from it
 * (and so valid UTF-8): a sink that checks each chunk's encoding is spared a second pass over it
 * (about 9 ns a line of the normal mix). False only means not known: check.
 */
export function knownAscii(chunk: Buffer): boolean {
  return chunk === lastAscii;
}

/** Receives complete lines. */
export interface LineSink {
  /**
   * One complete line without its `\n` (a trailing `\r` is removed).
   * @param text - the line decoded as UTF-8 (invalid sequences become U+FFFD)
   * @param offset - byte offset of the line's first byte in the stream
   * @param chunk - a buffer holding the line's raw bytes at `[start, end)`, valid only during the call
   *   (no per-line view is made: most lines never need their bytes)
   */
  line(text: string, offset: number, chunk: Buffer, start: number, end: number): void;
  /** A line over the limit: its first `maxLineBytes` bytes, its full length, its offset. */
  oversize(prefix: Buffer, length: number, offset: number): void;
}

/** Incremental line splitter for one stream. */
export class LineSplitter {
  private rest: Buffer | null = null;
  /** Stream offset of `rest[0]` (or of the next chunk when there is no rest). */
  private restOffset: number;
  /** While skipping an oversize line: its offset, length so far and first bytes. */
  private skipping: { offset: number; length: number; prefix: Buffer } | null = null;
  /** The last buffer lines were emitted from, and whether it is all ASCII (checked once a buffer). */
  private checked: Buffer | null = null;
  private ascii = false;

  /**
   * @param sink - receives lines
   * @param maxLineBytes - longest accepted line in bytes, without the newline
   * @param startOffset - stream offset of the first byte that will be pushed
   */
  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes: number,
    startOffset = 0,
  ) {
    this.restOffset = startOffset;
  }

  /** Offset just past the last complete line (where a restart should resume). */
  get committedOffset(): number {
    return this.skipping ? this.skipping.offset : this.restOffset;
  }

  /** Whether an over-long line is being skipped to its newline. */
  get skippingLine(): boolean {
    return this.skipping !== null;
  }

  /** Bytes held for an unfinished line. */
  get pendingBytes(): number {
    return this.rest?.length ?? 0;
  }

  /**
   * Feeds the next chunk of the stream. Only the unfinished line carried over from the last chunk
   * is copied (joined with this chunk's bytes up to its first newline); the rest of the chunk is
   * split in place.
   */
  push(chunk: Buffer): void {
    let buf = chunk;
    let base = this.restOffset;
    let start = 0;
    if (this.rest) {
      const rest = this.rest;
      this.rest = null;
      const nl = chunk.indexOf(10);
      // (A carried line and a skip never coexist: a chunk that ends mid-skip carries nothing.)
      if (nl < 0) {
        // No line ends in this chunk: join it all.
        buf = Buffer.concat([rest, chunk]);
      } else {
        // The carried line ends in this chunk: emit it from a small joined copy, then go on in place.
        this.emit(Buffer.concat([rest, chunk.subarray(0, nl + 1)]), 0, rest.length + nl, base);
        base += rest.length;
        start = nl + 1;
      }
    }
    if (this.skipping) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        this.skipping.length += buf.length;
        this.restOffset = base + buf.length;
        return;
      }
      const s = this.skipping;
      s.length += nl;
      this.skipping = null;
      this.sink.oversize(s.prefix, s.length, s.offset);
      start = nl + 1;
    }
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      this.emit(buf, start, nl, base);
      start = nl + 1;
    }
    const remaining = buf.length - start;
    if (remaining > this.maxLineBytes) {
      this.skipping = { offset: base + start, length: remaining, prefix: Buffer.from(buf.subarray(start, start + this.maxLineBytes)) };
      this.restOffset = base + buf.length;
      return;
    }
    if (remaining > 0) this.rest = Buffer.from(buf.subarray(start));
    this.restOffset = base + start;
  }

  /** Hands `buf[start, nl)` (a `\r` before the newline removed) to the sink; `base` is the stream offset of `buf[0]`. */
  private emit(buf: Buffer, start: number, nl: number, base: number): void {
    let end = nl;
    if (end > start && buf[end - 1] === 13) end--;
    const len = end - start;
    if (len > this.maxLineBytes) this.sink.oversize(Buffer.from(buf.subarray(start, start + this.maxLineBytes)), len, base + start);
    else if (len > 0) {
      if (buf !== this.checked) {
        this.checked = buf;
        this.ascii = isAscii(buf);
        if (this.ascii) lastAscii = buf;
      }
      this.sink.line(this.ascii ? asciiText(buf, start, end) : buf.toString('utf8', start, end), base + start, buf, start, end);
    }
  }

  /** Drops any unfinished line and restarts at `offset` (after truncation or rotation). */
  reset(offset: number): void {
    this.rest = null;
    this.skipping = null;
    this.restOffset = offset;
  }
}
