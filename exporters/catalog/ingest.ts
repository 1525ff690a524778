/** tickwatch's own event ingest pipeline (file tail and TCP into the HFT exporter). */
import { COMPONENTS, INGEST_REJECT_REASONS, INGEST_SOURCES, LOG_LEVELS } from './enums.js';
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
