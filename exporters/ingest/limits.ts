/**
 * The TCP ingest's default bounds (used by ingest/tcp.ts and the `--tcp-*` flags of `tickwatch hft`
 * and `tickwatch start`), in a module of their own so that the CLI reads them without loading the
 * listener (node:tls, the rate limiter).
 */

/**
 * Default bounds of the TCP ingest, and where each figure comes from.
 */
export const TCP_INGEST_DEFAULTS = {
  /**
   * 64 connections: an engine opens one connection per process (the simulator's TcpSink opens one);
   * seed 002's desk runs a handful of services, so 64 leaves room for every one of them and for
   * reconnects that overlap a closing connection, while 64 idle sockets cost under 1 MiB.
   */
  maxConnections: 64,
  /**
   * 200,000 lines per second per connection: 40 % of one core's whole ingest rate (the ingest bench's
   * target is 500,000 events/s, `npm run bench -- ingest`), about 300x the simulator's normal session
   * (~600 events/s), so a real engine never meets it while one flooding connection cannot take the
   * whole core from the others.
   */
  maxLinesPerSecond: 200_000,
  /**
   * 60 s without a complete line: the engine sends `engine.heartbeat` once a second and counts as
   * silent after 5 s without one (ENGINE_HEARTBEAT_TIMEOUT_SECONDS, exporters/catalog/engine.ts);
   * a connection quiet twelve times that long is a dead or half-open peer.
   */
  idleTimeoutMs: 60_000,
  /** 10 s for the token line: a local client sends it with its first write; 10 s covers a TLS handshake on a loaded host. */
  authTimeoutMs: 10_000,
  /** 65,536 bytes, the pipeline's line limit (`--max-line-bytes`; the file tail uses the same). */
  maxLineBytes: 65_536,
} as const;

