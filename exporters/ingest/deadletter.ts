/**
 * The dead-letter file: every rejected input line, appended as one NDJSON record with the reason,
 * the validation detail and where it came from, so nothing the engine sent is lost.
 *
 * Writes are buffered (a write stream), so a flood of bad lines never blocks ingest. When the file
 * passes `maxBytes` it is renamed to `<file>.1` (replacing an older one) and a new file begun.
 */
import { createWriteStream, mkdirSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why a line was rejected; the `reason` label of `tickwatch_ingest_rejected_total`: not JSON (or not
 * one object), no valid envelope (or not of its source's fixed format), failing its known event
 * type's schema, over the line limit, not UTF-8.
 */
export type RejectReason = 'invalid_json' | 'envelope' | 'schema' | 'too_large' | 'encoding';

/** One dead-letter record. */
export interface DeadLetterRecord {
  /** When tickwatch rejected it, RFC 3339 UTC. */
  readonly received_at: string;
  readonly reason: RejectReason;
  /** What exactly was wrong (validator path and message, parser error). */
  readonly detail: string;
  /** `file` or `tcp`. */
  readonly source: string;
  /** File path or TCP peer. */
  readonly origin: string;
  /** Byte offset of the line in the file, or in the TCP connection's stream. */
  readonly offset: number;
  /** The line as received (for `too_large`: its first bytes). */
  readonly line: string;
  /** The line's full length in bytes. */
  readonly bytes: number;
}

/** Appends dead-letter records to a file. */
export class DeadLetterFile {
  private stream: WriteStream;
  private size: number;
  /** Records written since start. */
  written = 0;
  /** Write errors seen (disk full, permissions); reported through `onError`. */
  errors = 0;

  /**
   * @param path - the dead-letter file (created with its folder)
   * @param maxBytes - size at which the file is rotated to `<path>.1` (default 256 MiB)
   * @param onError - told about write errors; the records are then only counted and logged
   */
  constructor(
    readonly path: string,
    private readonly maxBytes = 256 * 1024 * 1024,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.size = sizeOf(path);
    this.stream = this.open();
  }

  private open(): WriteStream {
    const s = createWriteStream(this.path, { flags: 'a' });
    s.on('error', (err) => {
      this.errors++;
      this.onError(err);
    });
    return s;
  }

  /** Appends one record. Never throws. */
  write(rec: DeadLetterRecord): void {
    const line = `${JSON.stringify(rec)}\n`;
    if (this.size + line.length > this.maxBytes && this.size > 0) this.rotate();
    this.size += Buffer.byteLength(line);
    this.written++;
    this.stream.write(line);
  }

  private rotate(): void {
    const old = this.stream;
    old.end();
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch (err) {
      this.errors++;
      this.onError(err as Error);
    }
    this.size = 0;
    this.stream = this.open();
  }

  /** Flushes and closes. */
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
