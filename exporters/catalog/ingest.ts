/** tickwatch's own event ingest pipeline (file tail and TCP into the HFT exporter). */
import { COMPONENTS, INGEST_REJECT_REASONS, INGEST_SOURCES, LOG_LEVELS, TCP_REFUSE_REASONS } from './enums.js';
import { counter, gauge } from './types.js';

const domain = 'ingest';
/** Both services run the ingest pipeline: the HFT exporter and the recorder (which tails the same files). */
const exportedBy = ['hft', 'recorder'] as const;

/** Events accepted by the pipeline, by source and engine component. */
export const ingestEventsTotal = counter({
  name: 'tickwatch_ingest_events_total',
  help: 'Events accepted by the ingest pipeline, by source and emitting component.',
  unit: 'events',
  labels: { source: INGEST_SOURCES, component: COMPONENTS },
  domain,
  exportedBy,
});

/** Lines rejected (and dead-lettered), by reason. */
export const ingestRejectedTotal = counter({
  name: 'tickwatch_ingest_rejected_total',
  help: 'Input lines rejected by the ingest pipeline and written to the dead-letter file, by reason.',
  unit: 'events',
  labels: { source: INGEST_SOURCES, reason: INGEST_REJECT_REASONS },
  domain,
  exportedBy,
});

/** Bytes read from the input. */
export const ingestBytesTotal = counter({
  name: 'tickwatch_ingest_bytes_total',
  help: 'Bytes read by the ingest pipeline, by source.',
  unit: 'bytes',
  labels: { source: INGEST_SOURCES },
  domain,
  exportedBy,
});

/** Unix time of the newest event ingested (its own `ts`). */
export const ingestLastEventTimestampSeconds = gauge({
  name: 'tickwatch_ingest_last_event_timestamp_seconds',
  help: 'Unix time in seconds carried by the newest event ingested.',
  unit: 'timestamp_seconds',
  labels: { source: INGEST_SOURCES },
  domain,
  exportedBy,
});

/**
 * Every accepted line, of a known event type or not, by component and level: the engine's log
 * volume and its errors. Components outside the closed set are counted as `other`.
 */
export const logEventsTotal = counter({
  name: 'tickwatch_log_events_total',
  help: 'Log events accepted from the engine (every accepted line, known event type or not), by component and level.',
  unit: 'events',
  labels: { component: [...COMPONENTS, 'other'], level: LOG_LEVELS },
  domain,
  exportedBy,
});

/**
 * TCP ingest connections refused or closed by tickwatch (exporters/ingest/tcp.ts), by reason: the
 * connection cap, a failed TLS handshake (client certificate missing or from another CA), a wrong
 * shared token, no token in time, or an idle connection (no complete line within the idle time-out).
 * Only the HFT exporter listens on TCP.
 */
export const ingestTcpRefusedTotal = counter({
  name: 'tickwatch_ingest_tcp_refused_total',
  help: 'TCP ingest connections refused or closed by tickwatch, by reason (connection cap, TLS handshake, token, idle time-out).',
  unit: 'count',
  labels: { reason: TCP_REFUSE_REASONS },
  domain,
  exportedBy: ['hft'],
});

/** TCP ingest connections open now (authenticated or still authenticating). */
export const ingestTcpConnections = gauge({
  name: 'tickwatch_ingest_tcp_connections',
  help: 'TCP ingest connections open now, authenticated or not yet.',
  unit: 'count',
  domain,
  exportedBy: ['hft'],
});

/** Times a TCP connection was paused because it sent lines faster than its per-connection line rate. */
export const ingestTcpThrottledTotal = counter({
  name: 'tickwatch_ingest_tcp_throttled_total',
  help: 'Times a TCP ingest connection was paused for sending lines faster than the per-connection line rate.',
  unit: 'events',
  domain,
  exportedBy: ['hft'],
});
