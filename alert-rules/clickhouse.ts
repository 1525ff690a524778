/**
 * ClickHouse alerts, on the ClickHouse exporter's metrics (`tickwatch-clickhouse` job): ClickHouse
 * down, too many parts, rejected and delayed inserts, failing or stuck mutations, disk space. The
 * exporter itself being down is ExporterTargetDown (pipeline.ts).
 */
import * as C from '../exporters/catalog/index.js';
import { defaultTarget } from '../exporters/catalog/jobs.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { count, durWords, promDur, promPct } from '../query/format.js';
import { Expr, increase, max, min, sel, sum } from '../query/promql.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

/** The ClickHouse exporter's target labels, for the promtool cases. */
export const CLICKHOUSE_TARGET = defaultTarget('clickhouse');

const target = ['job', 'instance'] as const;
const perTable = [...target, 'database', 'table'] as const;
const tbl = { ...CLICKHOUSE_TARGET, database: 'audit', table: 'audit_orders' } as const;
const tblLabels = { job: tbl.job, instance: tbl.instance, database: tbl.database, table: tbl.table };
const GiB = 2 ** 30;

/** ClickHouseDown with the thresholds `t`: ClickHouse not answering for 2 minutes. */
export const clickhouseDown = (t: Thresholds): AlertRule => alert({
  name: 'ClickHouseDown',
  family: 'clickhouse_down',
  severity: 'critical',
  expr: sel(C.clickhouseUp).eq(0),
  for: `${t.CLICKHOUSE_DOWN_FOR_SECONDS}s`,
  summary: 'ClickHouse is down',
  description: `ClickHouse watched by {{ $labels.instance }} has not answered for ${durWords(t.CLICKHOUSE_DOWN_FOR_SECONDS)} (tickwatch_clickhouse_up={{ $value }}). The audit recorder spools rows to local disk until it is back; audit searches fail meanwhile.`,
  panel: PANELS.clickhouseUp,
  tests: {
    firing: [
      {
        name: 'no answer for 3 minutes',
        series: [input(C.clickhouseUp, CLICKHOUSE_TARGET, `1 1 ${hold(0, 200)}`)],
        at: '180s',
        alerts: [{ labels: { ...CLICKHOUSE_TARGET }, description: `ClickHouse watched by ${CLICKHOUSE_TARGET.instance} has not answered for ${durWords(t.CLICKHOUSE_DOWN_FOR_SECONDS)} (tickwatch_clickhouse_up=0). The audit recorder spools rows to local disk until it is back; audit searches fail meanwhile.` }],
      },
    ],
    silent: [{ name: 'a 60 s restart', series: [input(C.clickhouseUp, CLICKHOUSE_TARGET, `1 ${hold(0, 59)} ${hold(1, 140)}`)], at: '180s' }],
  },
});

/** ClickHouseTooManyParts with the thresholds `t`: over 100 active parts in one partition for 5 minutes. */
export const clickhouseTooManyParts = (t: Thresholds): AlertRule => alert({
  name: 'ClickHouseTooManyParts',
  family: 'clickhouse_parts',
  severity: 'warning',
  expr: max(perTable, sel(C.clickhouseTablePartitionActivePartsMax)).gt(t.CLICKHOUSE_PARTS_WARNING),
  for: holdFor(t.CLICKHOUSE_PARTS_FOR_SECONDS),
  summary: 'ClickHouse table has too many parts',
  description: `Table {{ $labels.database }}.{{ $labels.table }} ({{ $labels.instance }}) has {{ $value }} active parts in one partition (warning above ${count(t.CLICKHOUSE_PARTS_WARNING)}). ClickHouse delays inserts at ${count(t.CLICKHOUSE_PARTS_TO_DELAY_INSERT)} and refuses them at ${count(t.CLICKHOUSE_PARTS_TO_THROW_INSERT)}: inserts come in too small or too often, or merges cannot keep up.`,
  panel: PANELS.clickhouseParts,
  tests: {
    firing: [
      {
        name: '120 parts for 6 minutes',
        series: [input(C.clickhouseTablePartitionActivePartsMax, tbl, hold(120, 400))],
        at: '360s',
        alerts: [{ labels: tblLabels, description: `Table audit.audit_orders (${CLICKHOUSE_TARGET.instance}) has 120 active parts in one partition (warning above ${count(t.CLICKHOUSE_PARTS_WARNING)}). ClickHouse delays inserts at ${count(t.CLICKHOUSE_PARTS_TO_DELAY_INSERT)} and refuses them at ${count(t.CLICKHOUSE_PARTS_TO_THROW_INSERT)}: inserts come in too small or too often, or merges cannot keep up.` }],
      },
    ],
    silent: [{ name: '100 parts', series: [input(C.clickhouseTablePartitionActivePartsMax, tbl, hold(100, 400))], at: '360s' }],
  },
});

/** Any insert refused with "Too many parts" in the last 5 minutes. */
export const clickhouseRejectedInserts = alert({
  name: 'ClickHouseRejectedInserts',
  family: 'clickhouse_inserts',
  severity: 'critical',
  expr: sum(target, increase(sel(C.chEventsRejectedInserts), '5m')).gt(0),
  for: '0s',
  summary: 'ClickHouse refusing inserts',
  description: '{{ $value | humanize }} inserts were refused with Too many parts by the ClickHouse behind {{ $labels.instance }} in the last 5 minutes. The recorder retries and spools; the audit trail in ClickHouse falls behind until merges catch up.',
  panel: PANELS.clickhouseInserts,
  tests: {
    firing: [
      {
        name: 'four refused inserts',
        series: [input(C.chEventsRejectedInserts, CLICKHOUSE_TARGET, '0x60 1 2 3 4 4x200')],
        at: '200s',
        alerts: [{ labels: { ...CLICKHOUSE_TARGET }, description: `4 inserts were refused with Too many parts by the ClickHouse behind ${CLICKHOUSE_TARGET.instance} in the last 5 minutes. The recorder retries and spools; the audit trail in ClickHouse falls behind until merges catch up.` }],
      },
    ],
    silent: [
      { name: 'none refused', series: [input(C.chEventsRejectedInserts, CLICKHOUSE_TARGET, hold(0, 400))], at: '350s' },
      { name: 'refusals older than 5 minutes', series: [input(C.chEventsRejectedInserts, CLICKHOUSE_TARGET, '0 1 2 2x400')], at: '380s' },
    ],
  },
});

/** ClickHouseDelayedInserts with the thresholds `t`: inserts throttled for more than a minute. */
export const clickhouseDelayedInserts = (t: Thresholds): AlertRule => alert({
  name: 'ClickHouseDelayedInserts',
  family: 'clickhouse_inserts',
  severity: 'warning',
  expr: sum(target, increase(sel(C.chEventsDelayedInserts), '5m')).gt(0),
  for: holdFor(t.CLICKHOUSE_DELAYED_INSERTS_FOR_SECONDS),
  summary: 'ClickHouse throttling inserts',
  description: `{{ $value | humanize }} inserts were throttled by the ClickHouse behind {{ $labels.instance }} in the last 5 minutes because a partition has over ${count(t.CLICKHOUSE_PARTS_TO_DELAY_INSERT)} active parts. Audit writes slow down; refusals come next at ${count(t.CLICKHOUSE_PARTS_TO_THROW_INSERT)} parts.`,
  panel: PANELS.clickhouseInserts,
  tests: {
    firing: [
      {
        name: 'four throttled inserts',
        series: [input(C.chEventsDelayedInserts, CLICKHOUSE_TARGET, '0x60 1 2 3 4 4x200')],
        at: '200s',
        alerts: [{ labels: { ...CLICKHOUSE_TARGET }, description: `4 inserts were throttled by the ClickHouse behind ${CLICKHOUSE_TARGET.instance} in the last 5 minutes because a partition has over ${count(t.CLICKHOUSE_PARTS_TO_DELAY_INSERT)} active parts. Audit writes slow down; refusals come next at ${count(t.CLICKHOUSE_PARTS_TO_THROW_INSERT)} parts.` }],
      },
    ],
    silent: [{ name: 'none throttled', series: [input(C.chEventsDelayedInserts, CLICKHOUSE_TARGET, hold(0, 400))], at: '350s' }],
  },
});

/** ClickHouseMutationFailing with the thresholds `t`: a pending mutation whose last attempt failed, for 5 minutes (ClickHouse 19.x+). */
export const clickhouseMutationFailing = (t: Thresholds): AlertRule => alert({
  name: 'ClickHouseMutationFailing',
  family: 'clickhouse_mutations',
  severity: 'warning',
  expr: max(perTable, sel(C.clickhouseMutationsFailed)).gt(0),
  for: holdFor(t.CLICKHOUSE_MUTATION_FAILING_FOR_SECONDS),
  summary: 'ClickHouse mutation failing',
  description: '{{ $value }} pending mutations of {{ $labels.database }}.{{ $labels.table }} ({{ $labels.instance }}) failed their last attempt. ClickHouse retries them forever; the ALTER UPDATE/DELETE (retention, corrections) is not applied and blocks later mutations.',
  panel: PANELS.clickhouseMutations,
  tests: {
    firing: [
      {
        name: 'one failing mutation for 6 minutes',
        series: [input(C.clickhouseMutationsFailed, tbl, hold(1, 400))],
        at: '360s',
        alerts: [{ labels: tblLabels, description: `1 pending mutations of audit.audit_orders (${CLICKHOUSE_TARGET.instance}) failed their last attempt. ClickHouse retries them forever; the ALTER UPDATE/DELETE (retention, corrections) is not applied and blocks later mutations.` }],
      },
    ],
    silent: [{ name: 'a failure that cleared in 2 minutes', series: [input(C.clickhouseMutationsFailed, tbl, `${hold(1, 120)} ${hold(0, 279)}`)], at: '360s' }],
  },
});

/** ClickHouseMutationStuck with the thresholds `t`: the oldest pending mutation older than 30 minutes, for 5 minutes (works on 18.16, which does not say why). */
export const clickhouseMutationStuck = (t: Thresholds): AlertRule => alert({
  name: 'ClickHouseMutationStuck',
  family: 'clickhouse_mutations',
  severity: 'warning',
  expr: new Expr('time()').sub(min(perTable, sel(C.clickhouseMutationOldestPendingTimeSeconds))).gt(t.CLICKHOUSE_MUTATION_STUCK_SECONDS),
  for: holdFor(t.CLICKHOUSE_MUTATION_STUCK_FOR_SECONDS),
  summary: 'ClickHouse mutation not finishing',
  description: `The oldest pending mutation of {{ $labels.database }}.{{ $labels.table }} ({{ $labels.instance }}) was created {{ $value | humanizeDuration }} ago (warning after ${promDur(t.CLICKHOUSE_MUTATION_STUCK_SECONDS)}). It is failing or starved of merge threads; later mutations wait behind it.`,
  panel: PANELS.clickhouseMutations,
  tests: {
    firing: [
      {
        name: 'created at second 0, still pending at 2,200 s',
        series: [input(C.clickhouseMutationOldestPendingTimeSeconds, tbl, hold(0, 2300))],
        at: '2200s',
        alerts: [{ labels: tblLabels, description: `The oldest pending mutation of audit.audit_orders (${CLICKHOUSE_TARGET.instance}) was created 36m 40s ago (warning after ${promDur(t.CLICKHOUSE_MUTATION_STUCK_SECONDS)}). It is failing or starved of merge threads; later mutations wait behind it.` }],
      },
    ],
    silent: [{ name: 'created 20 minutes before', series: [input(C.clickhouseMutationOldestPendingTimeSeconds, tbl, hold(1000, 2300))], at: '2200s' }],
  },
});

const disk = { ...CLICKHOUSE_TARGET, disk: 'default', path: '/var/lib/clickhouse/' } as const;
const diskLabels = { job: disk.job, instance: disk.instance, disk: disk.disk, path: disk.path };
const diskFree = sel(C.clickhouseDiskFreeBytes).div(sel(C.clickhouseDiskTotalBytes));
const diskSeries = (free: number, n: number) => [input(C.clickhouseDiskFreeBytes, disk, hold(free, n)), input(C.clickhouseDiskTotalBytes, disk, hold(100 * GiB, n))];

/** ClickHouseDiskSpaceLow with the thresholds `t`: under 15 % free on a ClickHouse disk for 5 minutes. */
export const clickhouseDiskSpaceLow = (t: Thresholds): AlertRule => alert({
  name: 'ClickHouseDiskSpaceLow',
  family: 'clickhouse_disk',
  severity: 'warning',
  expr: diskFree.lt(t.CLICKHOUSE_DISK_FREE_WARNING_RATIO),
  for: holdFor(t.CLICKHOUSE_DISK_WARNING_FOR_SECONDS),
  summary: 'ClickHouse disk space low',
  description: `ClickHouse disk {{ $labels.disk }} ({{ $labels.path }}) behind {{ $labels.instance }} has {{ $value | humanizePercentage }} free (warning under ${promPct(t.CLICKHOUSE_DISK_FREE_WARNING_RATIO)}). Big merges need free space; when it runs out, parts pile up and inserts fail.`,
  panel: PANELS.clickhouseDisk,
  tests: {
    firing: [
      {
        name: '10 GiB of 100 GiB free',
        series: diskSeries(10 * GiB, 400),
        at: '360s',
        alerts: [{ labels: diskLabels, description: `ClickHouse disk default (/var/lib/clickhouse/) behind ${CLICKHOUSE_TARGET.instance} has 10% free (warning under ${promPct(t.CLICKHOUSE_DISK_FREE_WARNING_RATIO)}). Big merges need free space; when it runs out, parts pile up and inserts fail.` }],
      },
    ],
    silent: [{ name: '16 GiB of 100 GiB free', series: diskSeries(16 * GiB, 400), at: '360s' }],
  },
});

/** ClickHouseDiskSpaceCritical with the thresholds `t`: under 5 % free on a ClickHouse disk for 1 minute. */
export const clickhouseDiskSpaceCritical = (t: Thresholds): AlertRule => alert({
  name: 'ClickHouseDiskSpaceCritical',
  family: 'clickhouse_disk',
  severity: 'critical',
  expr: diskFree.lt(t.CLICKHOUSE_DISK_FREE_CRITICAL_RATIO),
  for: holdFor(t.CLICKHOUSE_DISK_CRITICAL_FOR_SECONDS),
  summary: 'ClickHouse disk almost full',
  description: `ClickHouse disk {{ $labels.disk }} ({{ $labels.path }}) behind {{ $labels.instance }} has only {{ $value | humanizePercentage }} free (critical under ${promPct(t.CLICKHOUSE_DISK_FREE_CRITICAL_RATIO)}). Inserts and merges are about to fail; the audit trail stops growing.`,
  panel: PANELS.clickhouseDisk,
  tests: {
    firing: [
      {
        name: '3 GiB of 100 GiB free',
        series: diskSeries(3 * GiB, 200),
        at: '120s',
        alerts: [{ labels: diskLabels, description: `ClickHouse disk default (/var/lib/clickhouse/) behind ${CLICKHOUSE_TARGET.instance} has only 3% free (critical under ${promPct(t.CLICKHOUSE_DISK_FREE_CRITICAL_RATIO)}). Inserts and merges are about to fail; the audit trail stops growing.` }],
      },
    ],
    silent: [{ name: '6 GiB of 100 GiB free', series: diskSeries(6 * GiB, 200), at: '120s' }],
  },
});

/** ClickHouse rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const clickhouseRules = (t: Thresholds): RuleGroup => ({
  name: 'clickhouse',
  interval: '5s',
  rules: [
    clickhouseDown(t),
    clickhouseTooManyParts(t),
    clickhouseRejectedInserts,
    clickhouseDelayedInserts(t),
    clickhouseMutationFailing(t),
    clickhouseMutationStuck(t),
    clickhouseDiskSpaceLow(t),
    clickhouseDiskSpaceCritical(t),
  ],
});

/** ClickHouse rules. */
export const clickhouseGroup: RuleGroup = clickhouseRules(T);
