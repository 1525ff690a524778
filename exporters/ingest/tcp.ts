/**
 * NDJSON over TCP (default 127.0.0.1:9478). Each connection is its own line stream into the
 * shared pipeline. The socket is not paused while a connection stays under its line rate: we read
 * as fast as the engine writes, so the engine's socket buffer does not fill because of us. (An
 * engine-side sender should still drop rather than block when its own buffer is full; see
 * `simulator/sinks.ts`.)
 *
 * Access (issue 16, seed 001 "restrict access to logs and metrics endpoints"): optionally TLS
 * (`node:tls`), with client certificates required and checked against a CA when one is given
 * (`requestCert` + `rejectUnauthorized`), and/or a shared token that must be the connection's first
 * line (read from a file; compared in constant time with `crypto.timingSafeEqual` over SHA-256
 * digests, so neither the token's content nor its length leaks through timing). A refused or closed
 * connection is logged and counted in `tickwatch_ingest_tcp_refused_total{reason}`.
 *
 * Bounds, so that a slow, half-open or hostile client can neither hold the port nor exhaust memory
 * (defaults in {@link TCP_INGEST_DEFAULTS}, each with its source):
 * - connections: at most `maxConnections` open at once; more are refused at accept;
 * - line length: a line over `maxLineBytes` is not buffered (LineSplitter keeps its first bytes and
 *   skips to the next newline), so a connection holds at most `maxLineBytes` of an unfinished line;
 * - line rate: past `maxLinesPerSecond` (a token bucket of one second's worth, the `limiter`
 *   package) the socket is paused until the bucket refills: lines are delayed, never dropped, and
 *   the kernel's socket buffer, not our heap, holds what waits;
 * - idle time: a connection with no complete line for `idleTimeoutMs` is closed, which ends
 *   half-open peers (no FIN ever comes) and clients that trickle bytes without ever ending a line;
 * - authentication: with a token, the first line must arrive within `authTimeoutMs` and be at most
 *   {@link TOKEN_LINE_MAX_BYTES} long.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { TokenBucket } from 'limiter';
import { ingestTcpConnections, ingestTcpRefusedTotal, ingestTcpThrottledTotal } from '../catalog/ingest.js';
import { TCP_REFUSE_REASONS } from '../catalog/enums.js';
import type { FormatOption } from '../events/formats.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { CounterSeries, GaugeSeries } from '../instrument/series.js';
import type { Log } from '../lib/log.js';
import { LineSplitter } from './lines.js';
import { TCP_INGEST_DEFAULTS } from './limits.js';
import type { IngestPipeline } from './pipeline.js';

/** Why a connection was refused or closed (the `reason` label). */
export type TcpRefuseReason = (typeof TCP_REFUSE_REASONS)[number];

export { TCP_INGEST_DEFAULTS };

/** Longest token line accepted, in bytes (a token file holds at most this; 1 KiB is 4x a 256-bit hex token with room). */
export const TOKEN_LINE_MAX_BYTES = 1024;

/** TLS for the TCP ingest: PEM files, read when the listener starts. */
export interface TcpTlsOptions {
  /** The server certificate (PEM; may hold the chain). */
  readonly certFile: string;
  /** Its private key (PEM). */
  readonly keyFile: string;
  /**
   * CA certificate(s) (PEM) that client certificates must chain to. Given: every client must
   * present a certificate signed by one of them (`requestCert`, `rejectUnauthorized`); else any
   * client may connect over TLS without one.
   */
  readonly clientCaFile?: string;
}

/** Options of {@link startTcpIngest}. */
export interface TcpIngestOptions {
  readonly host?: string;
  readonly port: number;
  /** Longest accepted line in bytes; default {@link TCP_INGEST_DEFAULTS}.maxLineBytes. */
  readonly maxLineBytes?: number;
  /** Most concurrent connections; more are refused, logged and counted (default 64). */
  readonly maxConnections?: number;
  /** Most lines per second per connection before it is paused (default 200,000). */
  readonly maxLinesPerSecond?: number;
  /** A connection with no complete line for this long is closed, ms (default 60,000). */
  readonly idleTimeoutMs?: number;
  /** How long a client has to send its token line, ms (default 10,000). */
  readonly authTimeoutMs?: number;
  /** The connections' log format; default `auto` (detected per line). */
  readonly format?: FormatOption;
  /**
   * A file whose content (trimmed of surrounding white space) is the shared token that must be each
   * connection's first line. Absent: no token.
   */
  readonly tokenFile?: string;
  /** TLS, with client certificates when `clientCaFile` is given. Absent: plain TCP. */
  readonly tls?: TcpTlsOptions;
  /** Registry for the connection metrics (refusals by reason, open connections, throttling); absent: not counted. */
  readonly registry?: MetricRegistry;
  /**
   * Called with every refusal (after it is counted and logged): the HFT exporter records the
   * credential ones ({@link TCP_AUDITED_REASONS}) as security events.
   */
  readonly onRefusal?: (r: TcpRefusal) => void;
}

/** A refused or closed connection, as {@link TcpIngestOptions.onRefusal} gets it. */
export interface TcpRefusal {
  readonly reason: TcpRefuseReason;
  /** `address:port` of the client (`undefined:undefined` when the socket was gone). */
  readonly peer: string;
  /** When, ms since the epoch. */
  readonly at: number;
  readonly message: string;
}

/**
 * The refusals that are failed logins, recorded as `security.permission_denied` (issue 16, item 5):
 * a wrong token and a failed TLS handshake (no or a foreign client certificate, an old protocol).
 * A silent client, an idle one and one past the connection cap are counted and logged only: they
 * offered no credentials, and a port scan would otherwise fill the audit table.
 */
export const TCP_AUDITED_REASONS: ReadonlySet<TcpRefuseReason> = new Set<TcpRefuseReason>(['bad_token', 'tls_handshake']);

/**
 * The security event a credential refusal is recorded as: the contract's `security.permission_denied`
 * (exporters/events/security.ts; audit_security), component `monitor`, user `anonymous` (a token
 * names nobody), the client's address, status FAILURE, resource `tickwatch-hft tcp-ingest`, as the
 * web servers' refusals (instrument/web/server.ts `refusalEvent`) are.
 */
export function tcpRefusalEvent(r: TcpRefusal): Record<string, unknown> & { event: 'security.permission_denied' } {
  const ip = peerAddress(r.peer);
  return {
    ts: new Date(r.at).toISOString(),
    level: 'warn',
    component: 'monitor',
    event: 'security.permission_denied',
    user_id: 'anonymous',
    ...(ip && !ip.startsWith('undefined') ? { source_ip: ip.slice(0, 64) } : {}),
    status: 'FAILURE',
    resource: 'tickwatch-hft tcp-ingest',
    message: `the TCP ingest refused ${r.peer}: ${r.reason}`,
  };
}

/** The client's address of a `peer` (`address:port`, IPv6 addresses included). */
export function peerAddress(peer: string): string {
  const i = peer.lastIndexOf(':');
  return i > 0 ? peer.slice(0, i) : peer;
}

/** A running TCP ingest listener. */
export interface TcpIngest {
  readonly port: number;
  /** Connections open now. */
  readonly connections: number;
  /** Stops listening and closes every connection (a partial last line is dropped and logged). */
  close(): Promise<void>;
}

const sha256 = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();

/** The TCP ingest's series, registered up front (every refusal reason at 0). */
export interface TcpIngestMetrics {
  readonly refused: ReadonlyMap<TcpRefuseReason, CounterSeries>;
  readonly connections: GaugeSeries;
  readonly throttled: CounterSeries;
}

/**
 * Registers the TCP ingest's metrics (`tickwatch_ingest_tcp_*`) with every series at 0. The HFT
 * exporter calls it without a listener too (`--no-tcp`), so that its `/metrics` serves them all.
 */
export function tcpIngestMetrics(registry: MetricRegistry): TcpIngestMetrics {
  const refused = new Map<TcpRefuseReason, CounterSeries>();
  for (const r of TCP_REFUSE_REASONS) refused.set(r, registry.counter(ingestTcpRefusedTotal).labels(r));
  return { refused, connections: registry.gauge(ingestTcpConnections).labels(), throttled: registry.counter(ingestTcpThrottledTotal).labels() };
}

/**
 * Reads a token file: its content without surrounding white space.
 * @throws Error when the file cannot be read, is empty, or its token is longer than {@link TOKEN_LINE_MAX_BYTES}
 */
export function readTokenFile(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  if (!token) throw new Error(`TCP ingest: the token file ${path} is empty`);
  if (Buffer.byteLength(token) > TOKEN_LINE_MAX_BYTES) throw new Error(`TCP ingest: the token in ${path} is over ${TOKEN_LINE_MAX_BYTES} bytes`);
  return token;
}

/**
 * Whether `given` is the token, in constant time: both are hashed to 32 bytes first, so the
 * comparison takes as long whatever the given line's length or content.
 */
export function tokenMatches(expectedDigest: Buffer, given: Buffer): boolean {
  return timingSafeEqual(expectedDigest, sha256(given));
}

/**
 * Starts listening.
 * @throws Error when the address cannot be bound, or a token or TLS file cannot be read
 */
export async function startTcpIngest(pipeline: IngestPipeline, opts: TcpIngestOptions, log: Log): Promise<TcpIngest> {
  const host = opts.host ?? '127.0.0.1';
  const d = TCP_INGEST_DEFAULTS;
  const maxLineBytes = opts.maxLineBytes ?? d.maxLineBytes;
  const maxConnections = opts.maxConnections ?? d.maxConnections;
  const rate = opts.maxLinesPerSecond ?? d.maxLinesPerSecond;
  const idleMs = opts.idleTimeoutMs ?? d.idleTimeoutMs;
  const authMs = opts.authTimeoutMs ?? d.authTimeoutMs;
  const tokenDigest = opts.tokenFile ? sha256(readTokenFile(opts.tokenFile)) : undefined;
  const m = opts.registry ? tcpIngestMetrics(opts.registry) : undefined;
  const open = m?.connections;
  const throttled = m?.throttled;
  const refuse = (reason: TcpRefuseReason, peer: string, message: string): void => {
    m?.refused.get(reason)!.inc();
    log.warn('ingest.tcp_refused', message, { peer, reason });
    opts.onRefusal?.({ reason, peer, at: Date.now(), message });
  };

  /** Per open connection: when it last completed a line (or connected), and how to close it. */
  interface Conn {
    readonly socket: Socket;
    readonly peer: string;
    lastLineAt: number;
    authenticated: boolean;
    readonly connectedAt: number;
  }
  const conns = new Set<Conn>();

  const onConnection = (socket: Socket): void => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (conns.size >= maxConnections) {
      // (net's own maxConnections would drop it silently before TLS; counted here so both paths agree.)
      refuse('connection_limit', peer, `Refused a connection from ${peer}: ${maxConnections} connections are open (--tcp-max-connections).`);
      socket.destroy();
      return;
    }
    const now = Date.now();
    const conn: Conn = { socket, peer, lastLineAt: now, authenticated: tokenDigest === undefined, connectedAt: now };
    conns.add(conn);
    open?.set(conns.size);
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    const sink = pipeline.source('tcp', peer, { format: opts.format ?? 'auto' });
    let lines = 0;
    const counting = {
      line: (text: string, offset: number, chunk: Buffer, start: number, end: number) => {
        lines++;
        sink.line(text, offset, chunk, start, end);
      },
      oversize: (prefix: Buffer, length: number, offset: number) => {
        lines++;
        sink.oversize(prefix, length, offset);
      },
    };
    let splitter = new LineSplitter(counting, maxLineBytes);
    const bucket = new TokenBucket({ bucketSize: rate, tokensPerInterval: rate, interval: 'second' });
    bucket.content = rate;
    let resumeTimer: NodeJS.Timeout | undefined;
    /** Bytes of the token line so far (before authentication). */
    let tokenBuf: Buffer | null = tokenDigest ? Buffer.alloc(0) : null;
    log.info('ingest.tcp_connected', `Engine connected from ${peer}.`, { peer, tls: opts.tls !== undefined });

    const feed = (chunk: Buffer): void => {
      lines = 0;
      splitter.push(chunk);
      if (lines > 0) {
        conn.lastLineAt = Date.now();
        const take = Math.min(lines, rate);
        if (!bucket.tryRemoveTokens(take)) {
          // Over the rate: stop reading until the bucket holds this chunk's lines, then pay for them.
          const wait = Math.max(1, bucket.getWaitTime(take));
          throttled?.inc();
          socket.pause();
          resumeTimer = setTimeout(() => {
            resumeTimer = undefined;
            if (!bucket.tryRemoveTokens(take)) bucket.content = 0;
            if (!socket.destroyed) socket.resume();
          }, wait);
        }
      }
    };

    socket.on('data', (chunk: Buffer) => {
      sink.bytes(chunk.length);
      if (tokenBuf === null) {
        feed(chunk);
        return;
      }
      const nl = chunk.indexOf(10);
      const head = nl < 0 ? chunk : chunk.subarray(0, nl);
      if (tokenBuf.length + head.length > TOKEN_LINE_MAX_BYTES + 1) {
        refuse('bad_token', peer, `Refused the connection from ${peer}: its first line is not the ingest token.`);
        socket.destroy();
        return;
      }
      tokenBuf = Buffer.concat([tokenBuf, head]);
      if (nl < 0) return;
      let line = tokenBuf;
      if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
      const ok = tokenMatches(tokenDigest!, line);
      const consumed = tokenBuf.length + 1;
      tokenBuf = null;
      if (!ok) {
        refuse('bad_token', peer, `Refused the connection from ${peer}: its first line is not the ingest token.`);
        socket.destroy();
        return;
      }
      conn.authenticated = true;
      conn.lastLineAt = Date.now();
      // Offsets count from the start of the stream, token line included.
      splitter = new LineSplitter(counting, maxLineBytes, consumed);
      if (nl + 1 < chunk.length) feed(chunk.subarray(nl + 1));
    });
    socket.on('error', (err) => log.warn('ingest.tcp_error', `Connection from ${peer} failed.`, { peer, err }));
    socket.on('close', () => {
      if (resumeTimer) clearTimeout(resumeTimer);
      conns.delete(conn);
      open?.set(conns.size);
      if (splitter.pendingBytes > 0) {
        log.warn('ingest.tcp_partial_line', `Connection from ${peer} closed in the middle of a line; its ${splitter.pendingBytes} bytes are dropped.`, { peer, bytes: splitter.pendingBytes });
      }
      log.info('ingest.tcp_closed', `Engine connection from ${peer} closed.`, { peer });
    });
  };

  const server: Server = opts.tls
    ? createTlsServer(
        {
          cert: readFileSync(opts.tls.certFile),
          key: readFileSync(opts.tls.keyFile),
          ...(opts.tls.clientCaFile ? { ca: readFileSync(opts.tls.clientCaFile), requestCert: true, rejectUnauthorized: true } : {}),
          minVersion: 'TLSv1.2',
          // A client that never finishes the handshake is dropped after the authentication deadline.
          handshakeTimeout: authMs,
        },
        (s: TLSSocket) => onConnection(s),
      )
    : createServer(onConnection);
  if (opts.tls) {
    server.on('tlsClientError', (err: Error, s: TLSSocket) => {
      refuse('tls_handshake', `${s.remoteAddress}:${s.remotePort}`, `Refused a TLS connection from ${s.remoteAddress}:${s.remotePort}: ${err.message}`);
    });
  }
  // Sockets over the cap still complete a TLS handshake before onConnection refuses them; past
  // twice the cap (plus a margin for handshakes under way) net refuses them at accept.
  server.maxConnections = maxConnections * 2 + 16;
  server.on('drop', (dr) => refuse('connection_limit', `${dr?.remoteAddress}:${dr?.remotePort}`, 'Refused a connection at accept: too many connections.'));

  // One sweep for every connection: no complete line within the idle time-out, or no token in time.
  const sweepMs = Math.max(50, Math.min(1000, Math.floor(Math.min(idleMs, authMs) / 4)));
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const c of conns) {
      if (!c.authenticated) {
        if (now - c.connectedAt >= authMs) {
          refuse('auth_timeout', c.peer, `Closed the connection from ${c.peer}: no token line within ${authMs} ms.`);
          conns.delete(c);
          c.socket.destroy();
        }
      } else if (now - c.lastLineAt >= idleMs) {
        refuse('idle_timeout', c.peer, `Closed the connection from ${c.peer}: no complete line for ${idleMs} ms (--tcp-idle-timeout).`);
        conns.delete(c);
        c.socket.destroy();
      }
    }
    open?.set(conns.size);
  }, sweepMs);
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    clearInterval(sweep);
    throw err;
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  log.info('ingest.tcp_listening', `TCP ingest on ${host}:${port}${opts.tls ? ' (TLS' + (opts.tls.clientCaFile ? ', client certificates required)' : ')') : ''}${tokenDigest ? ', token required' : ''}.`, {
    host,
    port,
    tls: opts.tls !== undefined,
    client_certificates: opts.tls?.clientCaFile !== undefined,
    token: tokenDigest !== undefined,
    max_connections: maxConnections,
    max_lines_per_second: rate,
    idle_timeout_ms: idleMs,
  });
  return {
    port,
    get connections() {
      return conns.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweep);
        for (const c of conns) c.socket.destroy();
        server.close(() => resolve());
      }),
  };
}
