/**
 * The TCP ingest's default bounds (used by ingest/tcp.ts and the `--tcp-*` flags of `tickwatch hft`
 * and `tickwatch start`) and the file tail's quiet polling (ingest/tail.ts, `--idle-poll-ms`), in a
 * module of their own so that the CLI reads them without loading the listener (node:tls, the rate
 * limiter) or the tailer.
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

/** Poll interval in ms while a file is busy, when `pollMs` is not given (ingest/tail.ts). */
export const DEFAULT_POLL_MS = 100;

/**
 * Poll interval in ms while a file is quiet, when neither `pollMs` nor `idlePollMs` is given.
 *
 * At rest every poll costs about the same whatever it reads (an fstat, a read of the head, a read,
 * a stat of the path, a timer, and the first lines' cold caches and less optimised code): `tickwatch
 * start --no-host` at about 283 lines/s, 40 s `/proc` windows after 60 s, four alternating pairs
 * (4 December 2026, issue 19): 1.85, 1.67, 1.42 and 1.55 % of a core with both of its tailers
 * (exporter and recorder) at 500 ms when quiet, against 2.65, 2.37, 2.17 and 2.10 % at 100 ms; the
 * main thread 0.85-1.00 % against 1.42-1.75 %. The cost is lag at rest: a line waits up to this long
 * before it shows on /metrics (scraped every 1 s at best, prometheus/) or reaches the recorder (which
 * seals a quiet engine's batch every 5 s, recorder/service.ts DEFAULT_IDLE_BATCH_MS).
 */
export const DEFAULT_IDLE_POLL_MS = 500;

/**
 * Growth below which a file counts as quiet, bytes a second: about 1,000 lines a second of the
 * simulator's normal mix (194 bytes a line, 4 December 2026), the rate under which the recorder
 * also calls the engine quiet (recorder/service.ts QUIET_LINES_PER_SECOND).
 */
export const QUIET_BYTES_PER_SECOND = 200_000;

/** `--idle-poll-ms`'s help, for `tickwatch start`, `tickwatch hft` and `tickwatch recorder`. */
export const IDLE_POLL_MS_HELP = `poll interval in ms of a quiet events file (growing by less than ${QUIET_BYTES_PER_SECOND.toLocaleString('en-US')} bytes a second); ${DEFAULT_POLL_MS} ms while it is busier (default ${DEFAULT_IDLE_POLL_MS}: a line waits up to that long at rest; at 100 ms, tickwatch start's two tailers cost about 0.6 % of a core more)`;
