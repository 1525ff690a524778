/** Audit recorder alerts. */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { promDur, promNum, promPct } from '../query/format.js';
import { spoolUseRatio, rec } from '../query/recording.js';
import { increase, max, sel, sum } from '../query/promql.js';
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

/** Recorder rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const recorderRules = (t: Thresholds): RuleGroup => ({ name: 'recorder', interval: '5s', rules: [recorderWriteFailures, recorderWalFailing, recorderQueueBacklog(t), recorderSpoolFilling(t), recorderTailLagging(t)] });

/** Recorder rules. */
export const recorderGroup: RuleGroup = recorderRules(T);
