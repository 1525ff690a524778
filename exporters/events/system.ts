/**
 * System events (seed 000's `system_event_log`): a service of the engine, or of tickwatch itself,
 * started, stopped, restarted or failed; and the recorder's retention clean-up ran (`store.cleanup`).
 */
import { Type } from '@sinclair/typebox';
import { RECORDER_STORES } from '../catalog/enums.js';
import { defineEvent, Name, oneOf, RFC3339_PATTERN } from './define.js';

const service = {
  service: Name('The service (a process or module: strategy_runner, tickwatch-recorder).'),
  status: Type.Optional(Type.String({ maxLength: 64, description: 'Its state after the event (running, stopped, crashed).' })),
  instance_id: Type.Optional(Type.String({ maxLength: 128, description: 'Which instance of the service (host, pid).' })),
};

/** A service started. */
export const serviceStarted = defineEvent(
  'service.started',
  'A service started. Counts hft_service_events_total{event="started"}; recorded in system_events.',
  { ...service, version: Type.Optional(Type.String({ maxLength: 64 })) },
  { component: 'monitor', service: 'strategy_runner', status: 'running', instance_id: 'engine-1:4242', version: '3.8.1', message: 'strategy runner up' },
);

/** A service stopped on purpose. */
export const serviceStopped = defineEvent(
  'service.stopped',
  'A service stopped on purpose. Counts hft_service_events_total{event="stopped"}; recorded in system_events.',
  { ...service, reason: Type.Optional(Type.String({ maxLength: 256 })) },
  { component: 'monitor', service: 'strategy_runner', status: 'stopped', reason: 'end of session' },
);

/** A service was restarted (by a supervisor or an operator). */
export const serviceRestarted = defineEvent(
  'service.restarted',
  'A service was restarted. Counts hft_service_events_total{event="restarted"} (ServiceRestartLoop watches the rate); recorded in system_events.',
  { ...service, attempt: Type.Optional(Type.Integer({ minimum: 1 })), reason: Type.Optional(Type.String({ maxLength: 256 })) },
  { component: 'monitor', service: 'strategy_runner', status: 'running', attempt: 2, reason: 'watchdog restart', level: 'warn' },
);

/** A service failed: crashed or cannot run. */
export const serviceFailed = defineEvent(
  'service.failed',
  'A service failed (crashed, or cannot start). Counts hft_service_events_total{event="failed"} (ServiceFailed pages); recorded in system_events.',
  { ...service, reason: Type.Optional(Type.String({ maxLength: 1024 })), exit_code: Type.Optional(Type.Integer()) },
  { component: 'monitor', service: 'risk_engine', status: 'crashed', reason: 'SIGSEGV in limits table', exit_code: 139, level: 'error' },
);

/** What the clean-up did to one table (`store.cleanup`'s `tables`). */
const cleanupTable = Type.Object(
  {
    archived: Type.Integer({ minimum: 0, description: 'Rows moved to the archive tier.' }),
    deleted: Type.Integer({ minimum: 0, description: 'Rows deleted (from the archive, or from the table when it has no archive tier).' }),
    checkpoint_seq: Type.Optional(Type.Integer({ minimum: 1, description: 'A chained table: the seq the chain now starts at (the checkpoint recorded at the cut).' })),
    error: Type.Optional(Type.String({ maxLength: 1024, description: 'Why this table was not cleaned (the others were).' })),
  },
  { additionalProperties: true },
);

/**
 * The audit store's retention clean-up ran (exporters/recorder/cleanup.ts): a system event of
 * tickwatch's own recorder, recorded in `system_events` (kind `cleanup`) beside the services'.
 */
export const storeCleanup = defineEvent(
  'store.cleanup',
  "The recorder's retention clean-up ran (daily, or `tickwatch store cleanup`): rows past their table's active period moved to its archive, archive rows past their period deleted, with the counts per table. Recorded in system_events (kind cleanup, status ok or failed); the recorder that ran it counts it in hft_recorder_cleanup_rows_total and hft_recorder_cleanup_failures_total.",
  {
    service: Name('The service that ran it (tickwatch-recorder, or tickwatch-cli for `tickwatch store cleanup`).'),
    store: oneOf(RECORDER_STORES, 'The store cleaned.'),
    status: oneOf(['ok', 'failed'] as const, 'ok when every table was cleaned; failed when one was not (its error says why).'),
    archived: Type.Integer({ minimum: 0, description: 'Rows moved to an archive tier, all tables.' }),
    deleted: Type.Integer({ minimum: 0, description: 'Rows deleted, all tables.' }),
    tables: Type.Record(Type.String({ maxLength: 64 }), cleanupTable, { description: 'Per table: rows archived and deleted, the new chain start of a chained table, or its error.' }),
    as_of: Type.String({ pattern: RFC3339_PATTERN, description: 'The clock the periods were counted from (now, or `--now`).' }),
    duration_ms: Type.Number({ minimum: 0, description: 'How long the run took, milliseconds.' }),
    instance_id: Type.Optional(Type.String({ maxLength: 128, description: 'Which recorder (host, pid).' })),
    error: Type.Optional(Type.String({ maxLength: 1024, description: 'Why the run failed, when it did.' })),
  },
  {
    component: 'recorder',
    service: 'tickwatch-recorder',
    store: 'embedded',
    status: 'ok',
    archived: 1200,
    deleted: 340,
    tables: { logs: { archived: 1200, deleted: 300 }, audit_orders: { archived: 0, deleted: 40, checkpoint_seq: 41 } },
    as_of: '2026-11-24T18:00:00Z',
    duration_ms: 84,
    message: 'retention clean-up: 1200 rows archived, 340 deleted',
  },
);
