/**
 * Audit recorder metrics. Exported by tickwatch's recorder service and, for an engine that runs
 * its own recorder, derived from its `recorder.*` events: the same names, told apart by `job`.
 */
import { AUDIT_TABLES, RECORDER_STORES } from './enums.js';
import { counter, gauge, histogram, LATENCY_BUCKETS_STORAGE_SECONDS } from './types.js';

const domain = 'recorder';
const exportedBy = ['recorder', 'hft'] as const;

/** Rows durably written, per table. */
export const recorderRowsWrittenTotal = counter({
  name: 'hft_recorder_rows_written_total',
  help: 'Rows durably written to the audit store, by table.',
  unit: 'rows',
  labels: { table: AUDIT_TABLES },
  domain,
  exportedBy,
});

/** Failed batch writes (each retried or spooled, not lost). */
export const recorderWriteFailuresTotal = counter({
  name: 'hft_recorder_write_failures_total',
  help: 'Batch writes to the audit store that failed and were retried or spooled, by table.',
  unit: 'count',
  labels: { table: AUDIT_TABLES },
  domain,
  exportedBy,
});

/** Rows accepted and not yet written. */
export const recorderQueueDepthRows = gauge({
  name: 'hft_recorder_queue_depth_rows',
  help: 'Rows accepted by the recorder and not yet written to the store.',
  unit: 'rows',
  domain,
  exportedBy,
});

/** Latency of one batch write. */
export const recorderWriteDurationSeconds = histogram({
  name: 'hft_recorder_write_duration_seconds',
  help: 'Duration in seconds of one batch write to the audit store.',
  unit: 'seconds',
  labels: { store: RECORDER_STORES },
  buckets: LATENCY_BUCKETS_STORAGE_SECONDS,
  domain,
  exportedBy,
});

/** 1 while the store answers, 0 while it is unreachable. */
export const recorderStoreUp = gauge({
  name: 'hft_recorder_store_up',
  help: 'Whether the audit store answered the last write or probe (1) or not (0).',
  unit: 'boolean',
  labels: { store: RECORDER_STORES },
  domain,
  exportedBy,
});

/** Bytes in the local spool (write-ahead file) while the store is down. */
export const recorderSpoolBytes = gauge({
  name: 'hft_recorder_spool_bytes',
  help: 'Bytes held in the local spool file waiting for the store to come back.',
  unit: 'bytes',
  domain,
  exportedBy,
});

/** The spool's size bound. */
export const recorderSpoolLimitBytes = gauge({
  name: 'hft_recorder_spool_limit_bytes',
  help: 'Configured size bound of the local spool file in bytes.',
  unit: 'bytes',
  domain,
  exportedBy: ['recorder'],
});

/** WAL (spool) records found damaged on start-up and not replayed. */
export const recorderSpoolCorruptRecordsTotal = counter({
  name: 'hft_recorder_spool_corrupt_records_total',
  help: 'Spool records found cut short or failing their checksum on start-up; reported and not replayed.',
  unit: 'count',
  labels: { kind: ['truncated', 'checksum'] },
  domain,
  exportedBy: ['recorder'],
});

/** Batches the write-ahead log could not take (disk full, I/O error); their rows stay pending. */
export const recorderWalAppendFailuresTotal = counter({
  name: 'hft_recorder_wal_append_failures_total',
  help: 'Batches the write-ahead log failed to take (disk full, I/O error); their rows stay pending and intake pauses until it takes them.',
  unit: 'count',
  domain,
  exportedBy: ['recorder'],
});

/** Batches sealed into the write-ahead log (acknowledged). */
export const recorderBatchesTotal = counter({
  name: 'hft_recorder_batches_total',
  help: 'Batches sealed into the write-ahead log, after which their events count as acknowledged.',
  unit: 'count',
  domain,
  exportedBy: ['recorder'],
});

/**
 * How far the recorder is behind a file it tails, in bytes (the log shipper's status, seed 004:
 * "include monitoring on log shipper status"). `source` is the file's name without its extension
 * (one file per service: the service), bounded by the recorder's configured files.
 */
export const recorderTailLagBytes = gauge({
  name: 'hft_recorder_tail_lag_bytes',
  help: 'Bytes written to a tailed file and not yet read by the recorder, by source file.',
  unit: 'bytes',
  labels: { source: 'open' },
  maxSeries: 64,
  domain,
  exportedBy: ['recorder'],
});

/** How long the recorder has been behind a file it tails: the age of its oldest unread data, at most. */
export const recorderTailLagSeconds = gauge({
  name: 'hft_recorder_tail_lag_seconds',
  help: 'Seconds since the recorder last had every byte of a tailed file read (0 while caught up), by source file.',
  unit: 'seconds',
  labels: { source: 'open' },
  maxSeries: 64,
  domain,
  exportedBy: ['recorder'],
});
