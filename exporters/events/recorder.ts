/** The engine's own recorder (component `recorder`), for engines that run one. */
import { Type } from '@sinclair/typebox';
import { AUDIT_TABLES, RECORDER_STORES } from '../catalog/enums.js';
import { defineEvent, Nanos, NonNeg, oneOf } from './define.js';

/** A batch was written. */
export const recorderWrite = defineEvent(
  'recorder.write',
  'A batch was written to the audit store. Adds to hft_recorder_rows_written_total; `duration_ns` feeds hft_recorder_write_duration_seconds.',
  { table: oneOf(AUDIT_TABLES), rows: Type.Integer({ minimum: 0 }), store: oneOf(RECORDER_STORES), duration_ns: Nanos('Write duration.') },
  { component: 'recorder', table: 'audit_orders', rows: 1200, store: 'clickhouse', duration_ns: 8400000 },
);

/** A batch write failed (it is retried or spooled). */
export const recorderWriteFailed = defineEvent(
  'recorder.write_failed',
  'A batch write failed and will be retried or spooled. Counts hft_recorder_write_failures_total and sets the store down.',
  { table: oneOf(AUDIT_TABLES), store: oneOf(RECORDER_STORES), error: Type.Optional(Type.String({ maxLength: 1024 })) },
  { component: 'recorder', table: 'audit_orders', store: 'clickhouse', error: 'connect ECONNREFUSED', level: 'error' },
);

/** Periodic recorder state. */
export const recorderStatus = defineEvent(
  'recorder.status',
  'Recorder state. Sets hft_recorder_queue_depth_rows, hft_recorder_spool_bytes, hft_recorder_store_up.',
  { store: oneOf(RECORDER_STORES), queue_depth: NonNeg('Rows waiting.'), spool_bytes: NonNeg('Bytes spooled.'), store_up: Type.Boolean() },
  { component: 'recorder', store: 'clickhouse', queue_depth: 310, spool_bytes: 0, store_up: true },
);
