/** Monitoring-pipeline alerts: exporters down, ingest rejects, and the Watchdog dead man's switch. */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { PROMETHEUS_SERIES, rate, sel, sum, vector } from '../query/promql.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

/** ExporterTargetDown with the thresholds `t`: a tickwatch exporter that Prometheus cannot scrape. */
export const exporterTargetDown = (t: Thresholds): AlertRule => alert({
  name: 'ExporterTargetDown',
  family: 'target_down',
  severity: 'critical',
  expr: sel(PROMETHEUS_SERIES.up, { job: { re: 'tickwatch-.*' } }).eq(0),
  for: holdFor(t.EXPORTER_TARGET_DOWN_FOR_SECONDS),
  summary: 'A tickwatch exporter is down',
  description: 'Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }} (up={{ $value }}). Its alerts cannot fire: trading is unmonitored there.',
  panel: PANELS.targetsUp,
  tests: {
    firing: [
      {
        name: 'scrapes fail for 40 s',
        series: [input(PROMETHEUS_SERIES.up, {}, `1 1 ${hold(0, 45)}`)],
        at: '40s',
        alerts: [{ labels: { ...TEST_TARGET }, description: `Prometheus cannot scrape tickwatch-hft at ${TEST_TARGET.instance} (up=0). Its alerts cannot fire: trading is unmonitored there.` }],
      },
    ],
    silent: [
      { name: 'a 20 s outage', series: [input(PROMETHEUS_SERIES.up, {}, `1 ${hold(0, 19)} ${hold(1, 30)}`)], at: '25s' },
      { name: 'another job', series: [input(PROMETHEUS_SERIES.up, { job: 'node' }, hold(0, 60))], at: '50s' },
    ],
  },
});

/** IngestRejectsRising with the thresholds `t`: the engine keeps sending lines we reject. */
export const ingestRejectsRising = (t: Thresholds): AlertRule => alert({
  name: 'IngestRejectsRising',
  family: 'ingest',
  severity: 'warning',
  expr: sum(['job', 'instance', 'reason'], rate(sel(C.ingestRejectedTotal), '5m')).gt(t.INGEST_REJECTS_WARNING_PER_SECOND),
  for: holdFor(t.INGEST_REJECTS_FOR_SECONDS),
  summary: 'Engine events rejected by tickwatch',
  description: 'tickwatch on {{ $labels.instance }} rejects {{ $value | printf "%.2f" }} lines/s ({{ $labels.reason }}) over 5 minutes; they are in the dead-letter file. Metrics derived from them are missing.',
  panel: PANELS.ingestRejects,
  tests: {
    firing: [
      {
        name: 'half a line a second fails its schema',
        series: [input(C.ingestRejectedTotal, { source: 'file', reason: 'schema' }, '0+0.5x600')],
        at: '500s',
        alerts: [{ labels: { ...TEST_TARGET, reason: 'schema' }, description: `tickwatch on ${TEST_TARGET.instance} rejects 0.50 lines/s (schema) over 5 minutes; they are in the dead-letter file. Metrics derived from them are missing.` }],
      },
    ],
    silent: [{ name: 'one line in 20 s', series: [input(C.ingestRejectedTotal, { source: 'file', reason: 'schema' }, '0+0.05x600')], at: '500s' }],
  },
});

/** Always firing: proves the alerting pipeline works end to end (a dead man's switch watches for it). */
export const watchdog = alert({
  name: 'Watchdog',
  family: 'watchdog',
  severity: 'none',
  expr: vector(1),
  for: '0s',
  summary: 'Alerting pipeline heartbeat',
  description: 'This alert always fires. If the dead man\'s switch stops receiving it, Prometheus, Alertmanager or the route between them is broken.',
  panel: null,
  tests: {
    firing: [{ name: 'always', series: [], at: '1s', alerts: [{ labels: {}, description: "This alert always fires. If the dead man's switch stops receiving it, Prometheus, Alertmanager or the route between them is broken." }] }],
    silent: [],
  },
});

/** Pipeline rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const pipelineRules = (t: Thresholds): RuleGroup => ({ name: 'pipeline', interval: '5s', rules: [exporterTargetDown(t), ingestRejectsRising(t), watchdog] });

/** Pipeline rules. */
export const pipelineGroup: RuleGroup = pipelineRules(T);
