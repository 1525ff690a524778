/**
 * The clock synchronisation log (FINRA Rule 4590: a log of the times clocks are synchronised and
 * the results, drift beyond tolerance included; MiFID II RTS 25 Art. 4: traceability to UTC). The
 * host exporter watches each time source (the kernel's adjtimex state, chronyd's tracking report)
 * and writes one `clock.sync` when a source's status changes: when it is first seen, when it loses
 * or regains synchronisation, and when its offset crosses the warning or the critical bound of
 * alert-rules/thresholds.ts (`CLOCK_OFFSET_WARNING_SECONDS`, `CLOCK_OFFSET_CRITICAL_SECONDS`) either way.
 */
import { Type } from '@sinclair/typebox';
import { defineEvent, oneOf } from './define.js';

/** Where the clock's state was read: the kernel (`adjtimex`) or chronyd (its tracking report). */
const CLOCK_SOURCES = ['kernel', 'chrony'] as const;

/**
 * A source's status: `within_tolerance` (synchronised, |offset| within the warning bound),
 * `offset_high` (past the warning bound), `offset_critical` (past the critical bound, the RTS 25
 * limit), `unsynchronised` (the kernel's `STA_UNSYNC`, chronyd's leap status 3), `unavailable`
 * (chronyd stopped answering).
 */
const CLOCK_STATUSES = ['within_tolerance', 'offset_high', 'offset_critical', 'unsynchronised', 'unavailable'] as const;

/** A time source's status changed (or was first seen). */
export const clockSync = defineEvent(
  'clock.sync',
  "A time source's synchronisation status changed: first seen, lost or regained synchronisation, or its offset crossed the warning or the critical bound of the clock alerts either way. Recorded in system_events (service clock.<source>, kind sync): the synchronisation log.",
  {
    source: oneOf(CLOCK_SOURCES, 'Where the state was read: kernel (adjtimex) or chrony (chronyd tracking).'),
    status: oneOf(CLOCK_STATUSES, 'The status now.'),
    previous_status: Type.Optional(oneOf(CLOCK_STATUSES, 'The status before; absent on the first observation.')),
    offset_seconds: Type.Number({ description: 'Offset of the clock from the reference, in seconds; positive: the clock is fast. Kernel: adjtimex offset; chrony: the larger in magnitude of Last offset and System time.' }),
    max_error_seconds: Type.Optional(Type.Number({ minimum: 0, description: 'Bound on the error, in seconds. Kernel: adjtimex maxerror; chrony: |System time| + root dispersion + root delay / 2.' })),
    tolerance_seconds: Type.Number({ minimum: 0, description: 'The bound this status is measured against, in seconds (the critical bound for offset_critical, else the warning bound).' }),
    reference: Type.Optional(Type.String({ maxLength: 128, description: "chronyd's reference: the source's address, or a reference clock's ID." })),
    stratum: Type.Optional(Type.Integer({ minimum: 0, maximum: 16, description: "chronyd's stratum." })),
    instance_id: Type.Optional(Type.String({ maxLength: 128, description: 'The host whose clock this is.' })),
  },
  {
    component: 'monitor',
    source: 'chrony',
    status: 'offset_critical',
    previous_status: 'within_tolerance',
    offset_seconds: 0.000212,
    max_error_seconds: 0.000251,
    tolerance_seconds: 0.0001,
    reference: '192.0.2.10',
    stratum: 2,
    instance_id: 'trade-host-1',
    level: 'error',
    message: 'chrony clock offset +212 µs is past the 100 µs tolerance (was within_tolerance; reference 192.0.2.10; stratum 2; max error 251 µs)',
  },
);
