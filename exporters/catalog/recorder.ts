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

/**
 * Why the alert history's webhook (`POST /api/v1/alertmanager/webhook`, exporters/recorder/alerts.ts)
 * refused a notification: `invalid_json` (the body is not JSON), `too_large` (over the body limit),
 * `content_type` (not `application/json`), `schema` (not Alertmanager's webhook payload),
 * `version` (a payload version other than 4), `unavailable` (the write-ahead log refused the rows:
 * answered 503, Alertmanager retries).
 */
export const ALERT_WEBHOOK_REJECT_REASONS = ['invalid_json', 'too_large', 'content_type', 'schema', 'version', 'unavailable'] as const;

/** Alertmanager notifications the alert history took, by the notification's status. */
export const recorderAlertNotificationsTotal = counter({
  name: 'hft_recorder_alert_notifications_total',
  help: "Alertmanager notifications the recorder's alert history took (each alert recorded, or already in the history), by the notification's status (firing, resolved).",
  unit: 'count',
  labels: { status: ['firing', 'resolved'] },
  domain,
  exportedBy: ['recorder'],
});

/** Alerts of a notification the history already had (Alertmanager's retries and repeats), not recorded again. */
export const recorderAlertDuplicatesTotal = counter({
  name: 'hft_recorder_alert_duplicates_total',
  help: 'Alerts of a notification the alert history already had (a retry, or a repeat of a still-firing alert), not recorded again.',
  unit: 'count',
  domain,
  exportedBy: ['recorder'],
});

/** Notifications the alert history's webhook refused, by reason. */
export const recorderAlertRejectsTotal = counter({
  name: 'hft_recorder_alert_rejects_total',
  help: "Notifications the recorder's alert history webhook refused, by reason (invalid_json, too_large, content_type, schema, version, unavailable).",
  unit: 'count',
  labels: { reason: ALERT_WEBHOOK_REJECT_REASONS },
  domain,
  exportedBy: ['recorder'],
});

/** What the retention clean-up did to a row (exporters/recorder/cleanup.ts). */
export const CLEANUP_ACTIONS = ['archived', 'deleted'] as const;

/**
 * When the retention clean-up last finished without a failure (Unix seconds); 0 until it has
 * (a recorder that runs the daily clean-up starts from the last successful run its store recorded).
 * RecorderCleanupMissed warns when it is more than 26 hours old.
 */
export const recorderCleanupLastSuccessTimestampSeconds = gauge({
  name: 'hft_recorder_cleanup_last_success_timestamp_seconds',
  help: "When the recorder's retention clean-up last finished with every table cleaned, Unix seconds (0: not yet).",
  unit: 'seconds',
  domain,
  exportedBy: ['recorder'],
});

/** When the retention clean-up last failed (Unix seconds; 0: never). */
export const recorderCleanupLastFailureTimestampSeconds = gauge({
  name: 'hft_recorder_cleanup_last_failure_timestamp_seconds',
  help: "When the recorder's retention clean-up last failed (a table not cleaned, or the store unreachable), Unix seconds (0: never).",
  unit: 'seconds',
  domain,
  exportedBy: ['recorder'],
});

/** When the next scheduled clean-up runs (Unix seconds; 0 when the recorder runs none). */
export const recorderCleanupNextRunTimestampSeconds = gauge({
  name: 'hft_recorder_cleanup_next_run_timestamp_seconds',
  help: "When the recorder's next scheduled retention clean-up runs, Unix seconds (0: this recorder runs no schedule).",
  unit: 'seconds',
  domain,
  exportedBy: ['recorder'],
});

/** Rows the retention clean-up moved to an archive or deleted, per table. */
export const recorderCleanupRowsTotal = counter({
  name: 'hft_recorder_cleanup_rows_total',
  help: 'Rows the retention clean-up moved to the archive tier (archived) or deleted (deleted), by table.',
  unit: 'rows',
  labels: { table: AUDIT_TABLES, action: CLEANUP_ACTIONS },
  domain,
  exportedBy: ['recorder'],
});

/** Clean-up runs that failed (a table not cleaned, or the store unreachable). */
export const recorderCleanupFailuresTotal = counter({
  name: 'hft_recorder_cleanup_failures_total',
  help: 'Retention clean-up runs that failed: a table was not cleaned (its chain did not verify up to the cut, a statement failed) or the store did not answer.',
  unit: 'count',
  domain,
  exportedBy: ['recorder'],
});
