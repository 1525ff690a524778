/**
 * NDJSON over TCP (default 127.0.0.1:9478). Each connection is its own line stream into the
 * shared pipeline. The socket is never paused: we read as fast as the engine writes, so the
 * engine's socket buffer does not fill because of us. (An engine-side sender should still drop
 * rather than block when its own buffer is full; see `simulator/sinks.ts`.)
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { FormatOption } from '../events/formats.js';
import type { Log } from '../lib/log.js';
import { LineSplitter } from './lines.js';
import type { IngestPipeline } from './pipeline.js';

/** Options of {@link startTcpIngest}. */
export interface TcpIngestOptions {
  readonly host?: string;
  readonly port: number;
  readonly maxLineBytes?: number;
  /** Most concurrent connections (default 64); more are refused and logged. */
  readonly maxConnections?: number;
  /** The connections' log format; default `auto` (detected per line). */
  readonly format?: FormatOption;
}

/** A running TCP ingest listener. */
export interface TcpIngest {
  readonly port: number;
  /** Stops listening and closes every connection (a partial last line is dropped and logged). */
  close(): Promise<void>;
}

/**
 * Starts listening.
 * @throws Error when the address cannot be bound
 */
export async function startTcpIngest(pipeline: IngestPipeline, opts: TcpIngestOptions, log: Log): Promise<TcpIngest> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    sockets.add(socket);
    const sink = pipeline.source('tcp', peer, { format: opts.format ?? 'auto' });
    const splitter = new LineSplitter(sink, opts.maxLineBytes ?? 65_536);
    log.info('ingest.tcp_connected', `Engine connected from ${peer}.`, { peer });
    socket.on('data', (chunk: Buffer) => {
      sink.bytes(chunk.length);
      splitter.push(chunk);
    });
    socket.on('error', (err) => log.warn('ingest.tcp_error', `Connection from ${peer} failed.`, { peer, err }));
    socket.on('close', () => {
      sockets.delete(socket);
      if (splitter.pendingBytes > 0) {
        log.warn('ingest.tcp_partial_line', `Connection from ${peer} closed in the middle of a line; its ${splitter.pendingBytes} bytes are dropped.`, { peer, bytes: splitter.pendingBytes });
      }
      log.info('ingest.tcp_closed', `Engine connection from ${peer} closed.`, { peer });
    });
  });
  server.maxConnections = opts.maxConnections ?? 64;
  server.on('drop', (d) => log.warn('ingest.tcp_refused', 'Refused a connection: too many connections.', { peer: `${d?.remoteAddress}:${d?.remotePort}` }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
