/** Audit recorder alerts. */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { promDur, promNum, promPct } from '../query/format.js';
import { spoolUseRatio, rec } from '../query/recording.js';
import { Expr, increase, max, sel, sum } from '../query/promql.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

/** Any failed write in the last 5 minutes. */
export const recorderWriteFailures = alert({
  name: 'RecorderWriteFailures',
  family: 'recorder',
  severity: 'critical',
  expr: sum(['job', 'instance'], increase(sel(C.recorderWriteFailuresTotal), '5m')).gt(0),
  for: '0s',
  summary: 'Audit recorder failing to write',
  description: '{{ $value | humanize }} audit batch writes failed on {{ $labels.instance }} in the last 5 minutes. Rows are spooled locally; the audit trail in the store is behind.',
  panel: PANELS.recorderFailures,
  tests: {
    firing: [
      {
        name: 'four failures',
        series: [input(C.recorderWriteFailuresTotal, { table: 'audit_orders' }, '0x60 1 2 3 4 4x200')],
        at: '200s',
        alerts: [{ labels: { ...TEST_TARGET }, description: `4 audit batch writes failed on ${TEST_TARGET.instance} in the last 5 minutes. Rows are spooled locally; the audit trail in the store is behind.` }],
      },
    ],
    silent: [
      { name: 'no failures', series: [input(C.recorderWriteFailuresTotal, { table: 'audit_orders' }, hold(0, 400))], at: '350s' },
      { name: 'failures older than 5 minutes', series: [input(C.recorderWriteFailuresTotal, { table: 'audit_orders' }, '0 1 2 2x400')], at: '380s' },
    ],
  },
});

/** The write-ahead log refused a batch in the last 5 minutes (disk full or failing under the spool). */
export const recorderWalFailing = alert({
  name: 'RecorderWalFailing',
  family: 'recorder',
  severity: 'critical',
  expr: sum(['job', 'instance'], increase(sel(C.recorderWalAppendFailuresTotal), '5m')).gt(0),
  for: '0s',
  summary: 'Audit recorder cannot write its spool',
  description: "The recorder's write-ahead log on {{ $labels.instance }} refused {{ $value | humanize }} batches in the last 5 minutes (disk full or I/O errors). Recording is paused; events wait in the engine's file.",
  panel: PANELS.recorderFailures,
  tests: {
    firing: [
      {
        name: 'three refusals',
        series: [input(C.recorderWalAppendFailuresTotal, {}, '0x60 1 2 3 3x200')],
        at: '200s',
        alerts: [{ labels: { ...TEST_TARGET }, description: `The recorder's write-ahead log on ${TEST_TARGET.instance} refused 3 batches in the last 5 minutes (disk full or I/O errors). Recording is paused; events wait in the engine's file.` }],
      },
    ],
    silent: [
      { name: 'no refusals', series: [input(C.recorderWalAppendFailuresTotal, {}, hold(0, 400))], at: '350s' },
      { name: 'refusals older than 5 minutes', series: [input(C.recorderWalAppendFailuresTotal, {}, '0 1 2 2x400')], at: '380s' },
    ],
  },
});

/** RecorderQueueBacklog with the thresholds `t`: over 10,000 rows waiting for 2 minutes. */
export const recorderQueueBacklog = (t: Thresholds): AlertRule => alert({
  name: 'RecorderQueueBacklog',
  family: 'recorder',
  severity: 'warning',
  expr: sel(C.recorderQueueDepthRows).gt(t.RECORDER_QUEUE_WARNING_ROWS),
  for: holdFor(t.RECORDER_QUEUE_FOR_SECONDS),
  summary: 'Audit recorder queue backing up',
  description: `{{ $value | humanize }} audit rows are waiting on {{ $labels.instance }} (warning above ${promNum(t.RECORDER_QUEUE_WARNING_ROWS)} for ${promDur(t.RECORDER_QUEUE_FOR_SECONDS)}). The store is slow or down.`,
  panel: PANELS.recorderQueue,
  tests: {
    firing: [
      {
        name: '25,000 rows for 3 minutes',
        series: [input(C.recorderQueueDepthRows, {}, hold(25000, 200))],
        at: '180s',
        alerts: [{ labels: { ...TEST_TARGET }, description: `25k audit rows are waiting on ${TEST_TARGET.instance} (warning above ${promNum(t.RECORDER_QUEUE_WARNING_ROWS)} for ${promDur(t.RECORDER_QUEUE_FOR_SECONDS)}). The store is slow or down.` }],
      },
    ],
    silent: [{ name: 'just under 10,000', series: [input(C.recorderQueueDepthRows, {}, hold(9999, 200))], at: '180s' }],
  },
});

/** RecorderSpoolFilling with the thresholds `t`: the spool nearly full (intake pauses when it fills). */
export const recorderSpoolFilling = (t: Thresholds): AlertRule => alert({
  name: 'RecorderSpoolFilling',
  family: 'recorder_spool',
  severity: 'warning',
  expr: rec(spoolUseRatio).gt(t.RECORDER_SPOOL_WARNING_RATIO),
  for: holdFor(t.RECORDER_SPOOL_FOR_SECONDS),
  summary: 'Audit recorder spool nearly full',
  description: `The recorder spool on {{ $labels.instance }} is {{ $value | humanizePercentage }} full (warning above ${promPct(t.RECORDER_SPOOL_WARNING_RATIO)}). At 100% the recorder stops reading events until the store takes writes again.`,
  panel: PANELS.recorderSpool,
  tests: {
    firing: [
      {
        name: '90 % full for 2 minutes',
        series: [input(C.recorderSpoolBytes, {}, hold(900, 150)), input(C.recorderSpoolLimitBytes, {}, hold(1000, 150))],
        at: '120s',
        alerts: [{ labels: { ...TEST_TARGET }, description: `The recorder spool on ${TEST_TARGET.instance} is 90% full (warning above ${promPct(t.RECORDER_SPOOL_WARNING_RATIO)}). At 100% the recorder stops reading events until the store takes writes again.` }],
      },
    ],
    silent: [{ name: 'just under 80 %', series: [input(C.recorderSpoolBytes, {}, hold(799, 150)), input(C.recorderSpoolLimitBytes, {}, hold(1000, 150))], at: '120s' }],
  },
});

/** RecorderTailLagging with the thresholds `t`: the recorder is behind a file it tails (the log shipper's status, seed 004). */
export const recorderTailLagging = (t: Thresholds): AlertRule =>
  alert({
    name: 'RecorderTailLagging',
    family: 'recorder_lag',
    severity: 'warning',
    expr: max(['job', 'instance', 'source'], sel(C.recorderTailLagSeconds)).gt(t.RECORDER_TAIL_LAG_WARNING_SECONDS),
    for: holdFor(t.RECORDER_TAIL_LAG_FOR_SECONDS),
    summary: 'Audit recorder falling behind a log file',
    description: `The recorder on {{ $labels.instance }} has been behind {{ $labels.source }} for {{ $value | humanizeDuration }} (warning above ${promDur(t.RECORDER_TAIL_LAG_WARNING_SECONDS)} for ${promDur(t.RECORDER_TAIL_LAG_FOR_SECONDS)}). Lines it has not read are not yet in the store or searchable; the file keeps them.`,
    panel: PANELS.recorderTailLag,
    tests: {
      firing: [
        {
          name: 'behind and falling further back',
          series: [input(C.recorderTailLagSeconds, { job: 'tickwatch-recorder', instance: '127.0.0.1:9473', source: 'strategy_runner' }, '0+1x200')],
          at: '150s',
          alerts: [
            {
              labels: { job: 'tickwatch-recorder', instance: '127.0.0.1:9473', source: 'strategy_runner' },
              description: `The recorder on 127.0.0.1:9473 has been behind strategy_runner for 2m 30s (warning above ${promDur(t.RECORDER_TAIL_LAG_WARNING_SECONDS)} for ${promDur(t.RECORDER_TAIL_LAG_FOR_SECONDS)}). Lines it has not read are not yet in the store or searchable; the file keeps them.`,
            },
          ],
        },
      ],
      silent: [
        { name: 'caught up every poll', series: [input(C.recorderTailLagSeconds, { job: 'tickwatch-recorder', instance: '127.0.0.1:9473', source: 'strategy_runner' }, hold(0.1, 200))], at: '150s' },
        { name: 'behind, but for less than the hold', series: [input(C.recorderTailLagSeconds, { job: 'tickwatch-recorder', instance: '127.0.0.1:9473', source: 'strategy_runner' }, `${hold(t.RECORDER_TAIL_LAG_WARNING_SECONDS + 5, 40)} ${hold(0, 100)}`)], at: '100s' },
      ],
    },
  });

/** The labels of a recorder target in the cases below. */
const RECORDER_TARGET = { job: 'tickwatch-recorder', instance: '127.0.0.1:9473' } as const;

/**
 * RecorderCleanupMissed with the thresholds `t`: the retention clean-up (exporters/recorder/cleanup.ts)
 * failed and has not succeeded since, or a recorder that runs it on a schedule (its next run set)
 * has had no successful run for 26 hours. Either way the value is the time since the last success.
 * (promtool's clock starts at 0: a last success before it is a negative timestamp.)
 */
export const recorderCleanupMissed = (t: Thresholds): AlertRule => {
  const on = ['job', 'instance'];
  const age = new Expr('time()').sub(sel(C.recorderCleanupLastSuccessTimestampSeconds));
  const missed = age.gt(t.RECORDER_CLEANUP_MISSED_SECONDS).and(sel(C.recorderCleanupNextRunTimestampSeconds).gt(0), on);
  const failed = age.and(sel(C.recorderCleanupLastFailureTimestampSeconds).gt(sel(C.recorderCleanupLastSuccessTimestampSeconds), { on }), on);
  const text = (instance: string, ago: string) =>
    `The retention clean-up of the recorder on ${instance} last succeeded ${ago} ago: a run failed since, or none succeeded for more than ${promDur(t.RECORDER_CLEANUP_MISSED_SECONDS)} (it runs daily). Rows past their retention stay in the store until a run succeeds.`;
  const series = (lastSuccess: string, lastFailure: string, nextRun: string) => [
    input(C.recorderCleanupLastSuccessTimestampSeconds, RECORDER_TARGET, lastSuccess),
    input(C.recorderCleanupLastFailureTimestampSeconds, RECORDER_TARGET, lastFailure),
    input(C.recorderCleanupNextRunTimestampSeconds, RECORDER_TARGET, nextRun),
  ];
  return alert({
    name: 'RecorderCleanupMissed',
    family: 'recorder_cleanup',
    severity: 'warning',
    expr: missed.or(failed),
    for: holdFor(t.RECORDER_CLEANUP_FOR_SECONDS),
    summary: 'Audit store retention clean-up missed or failed',
    description: text('{{ $labels.instance }}', '{{ $value | humanizeDuration }}'),
    panel: PANELS.recorderCleanup,
    tests: {
      firing: [
        {
          // Last success 27 h before the clock starts (the last failure 30 h before), the schedule on: 27 h 20 m at 20 minutes.
          name: 'no successful run for 27 hours',
          series: series(hold(-27 * 3600, 1300), hold(-30 * 3600, 1300), hold(86_400, 1300)),
          at: '20m',
          alerts: [{ labels: { ...RECORDER_TARGET }, description: text(RECORDER_TARGET.instance, '1d 3h 20m 0s') }],
        },
        {
          name: 'a run failed after the last success',
          series: series(hold(100, 1600), `${hold(0, 200)} ${hold(200, 1400)}`, hold(86_400, 1600)),
          at: '25m',
          alerts: [{ labels: { ...RECORDER_TARGET }, description: text(RECORDER_TARGET.instance, '23m 20s') }],
        },
      ],
      silent: [
        { name: 'last success 25 hours ago', series: series(hold(-25 * 3600, 1300), hold(-30 * 3600, 1300), hold(86_400, 1300)), at: '20m' },
        { name: 'no schedule on this recorder (next run 0), never run', series: series(hold(0, 1300), hold(0, 1300), hold(0, 1300)), at: '20m' },
        { name: 'a failure, then a success', series: series(`${hold(100, 300)} ${hold(400, 1300)}`, `${hold(0, 200)} ${hold(200, 1400)}`, hold(86_400, 1600)), at: '25m' },
        { name: 'failed, for less than the hold', series: series(hold(100, 1000), `${hold(0, 200)} ${hold(200, 800)}`, hold(86_400, 1000)), at: '15m' },
      ],
    },
  });
};

/** Recorder rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const recorderRules = (t: Thresholds): RuleGroup => ({ name: 'recorder', interval: '5s', rules: [recorderWriteFailures, recorderWalFailing, recorderQueueBacklog(t), recorderSpoolFilling(t), recorderTailLagging(t), recorderCleanupMissed(t)] });

/** Recorder rules. */
export const recorderGroup: RuleGroup = recorderRules(T);
