/**
 * Where the simulator writes: a file it appends to (with optional rename rotation, like an
 * engine's log rotation) or a TCP connection that never blocks the writer.
 */
import { createWriteStream, mkdirSync, renameSync, type WriteStream } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';

/** An NDJSON destination. */
export interface Sink {
  /** Writes a chunk of complete lines; resolves when it is safe to write more. */
  write(chunk: string): Promise<void>;
  close(): Promise<void>;
  /** Lines dropped because the destination could not keep up (TCP only). */
  readonly dropped: number;
}

/**
 * Appends to a file. With `rotateBytes`, renames it to `<path>.1` when it grows past that size and
 * starts a new file (the exporter's tailer follows the rename).
 */
export class FileSink implements Sink {
  private stream: WriteStream;
  private size = 0;
  readonly dropped = 0;

  constructor(
    private readonly path: string,
    private readonly rotateBytes = 0,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  async write(chunk: string): Promise<void> {
    if (this.rotateBytes > 0 && this.size > this.rotateBytes) await this.rotate();
    this.size += Buffer.byteLength(chunk);
    if (!this.stream.write(chunk)) await new Promise<void>((r) => this.stream.once('drain', () => r()));
  }

  private async rotate(): Promise<void> {
    await new Promise<void>((r) => this.stream.end(() => r()));
    renameSync(this.path, `${this.path}.1`);
    this.stream = createWriteStream(this.path, { flags: 'a' });
    this.size = 0;
  }

  close(): Promise<void> {
    return new Promise((r) => this.stream.end(() => r()));
  }
}

/**
 * Writes to a TCP listener, the way an engine must: never blocking. When more than
 * `maxBufferedBytes` are waiting in the socket, the chunk is dropped and counted instead.
 */
export class TcpSink implements Sink {
  private dropLines = 0;
  private constructor(
    private readonly socket: Socket,
    private readonly maxBufferedBytes: number,
  ) {}

  /**
   * Connects.
   * @throws Error when the connection is refused
   */
  static async open(host: string, port: number, maxBufferedBytes = 4 * 1024 * 1024): Promise<TcpSink> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => {});
    return new TcpSink(socket, maxBufferedBytes);
  }

  get dropped(): number {
    return this.dropLines;
  }

  async write(chunk: string): Promise<void> {
    if (this.socket.destroyed) throw new Error('the TCP connection closed');
    if (this.socket.writableLength > this.maxBufferedBytes) {
      let n = 0;
      for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) n++;
      this.dropLines += n;
      return;
    }
    this.socket.write(chunk);
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.end(() => r()));
  }
}

/** Writes to standard output. */
export class StdoutSink implements Sink {
  readonly dropped = 0;
  private closed = false;
  constructor() {
    // A reader that goes away (`| head`) ends the run quietly.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }
  async write(chunk: string): Promise<void> {
    if (this.closed) throw new Error('standard output closed');
    if (!process.stdout.write(chunk)) await new Promise<void>((r) => process.stdout.once('drain', () => r()));
  }
  async close(): Promise<void> {}
}
