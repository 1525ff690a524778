/**
 * Anomalies (seed 000's anomaly_log; seeds 001 and 003), whoever detected them: the engine's
 * detectors, or tickwatch's own (exporters/hft/anomalies.ts: price and order-size outliers, position
 * jumps). An open critical anomaly pages; detections piling up warn.
 */
import * as C from '../exporters/catalog/index.js';
import { count, dur, promNum } from '../query/format.js';
import { PANELS } from '../query/panels.js';
import { increase, max, sel, sum } from '../query/promql.js';
import { alert, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

const open = (anomaly_type: string, severity: string, values: string) => input(C.anomaliesOpen, { anomaly_type, severity }, values);
const detected = (anomaly_type: string, severity: string, values: string) => input(C.anomaliesTotal, { anomaly_type, severity }, values);

/** An anomaly of severity critical is open. */
export const anomalyCritical = alert({
  name: 'AnomalyCritical',
  family: 'anomaly_critical',
  severity: 'critical',
  expr: max(['job', 'instance', 'anomaly_type'], sel(C.anomaliesOpen, { severity: 'critical' })).gt(0),
  for: '0s',
  summary: 'A critical anomaly is open',
  description: `{{ $value | humanize }} critical {{ $labels.anomaly_type }} anomalies are open on {{ $labels.instance }} (tickwatch's own resolve ${dur(C.ANOMALY_RESOLVE_AFTER_SECONDS)} after they were last seen; a position jump is a change past ${count(C.POSITION_JUMP_NOTIONAL)} between two snapshots). Read them: tickwatch logs search --event anomaly.detected --since 30m.`,
  panel: PANELS.anomaliesOpen,
  tests: {
    firing: [
      {
        name: 'a position jumped',
        series: [open('position_jump', 'critical', `0x30 ${hold(1, 100)}`), open('volatility_spike', 'high', hold(2, 130))],
        at: '60s',
        alerts: [
          {
            labels: { ...TEST_TARGET, anomaly_type: 'position_jump' },
            description: `1 critical position_jump anomalies are open on ${TEST_TARGET.instance} (tickwatch's own resolve ${dur(C.ANOMALY_RESOLVE_AFTER_SECONDS)} after they were last seen; a position jump is a change past ${count(C.POSITION_JUMP_NOTIONAL)} between two snapshots). Read them: tickwatch logs search --event anomaly.detected --since 30m.`,
          },
        ],
      },
    ],
    silent: [
      { name: 'only high anomalies open', series: [open('position_jump', 'critical', hold(0, 130)), open('volatility_spike', 'high', hold(3, 130))], at: '60s' },
      { name: 'the critical one was resolved', series: [open('position_jump', 'critical', `0x10 1x20 ${hold(0, 100)}`)], at: '60s' },
    ],
  },
});

/**
 * AnomalyRateRising with the thresholds `t`: more than `ANOMALY_DETECTIONS_WARNING` detections in 10
 * minutes, every kind and severity together. The comparison sits half a detection above the figure
 * (`increase()` extrapolates an exact count a hair upwards).
 */
export const anomalyRateRising = (t: Thresholds): AlertRule =>
  alert({
    name: 'AnomalyRateRising',
    family: 'anomaly_rate',
    severity: 'warning',
    expr: sum(['job', 'instance'], increase(sel(C.anomaliesTotal), '10m')).gt(t.ANOMALY_DETECTIONS_WARNING + 0.5),
    for: '0s',
    summary: 'Anomaly detections rising',
    description: `{{ $value | humanize }} anomalies were detected on {{ $labels.instance }} in the last 10 minutes (warning above ${promNum(t.ANOMALY_DETECTIONS_WARNING)} in 10 minutes; a normal day has about one every five minutes). Read them: tickwatch logs search --event anomaly.detected --since 15m.`,
    panel: PANELS.anomalyDetections,
    tests: {
      firing: [
        {
          name: 'thirty detections in half a minute',
          series: [detected('price_outlier', 'high', `0x60 0+1x30 ${hold(30, 400)}`)],
          at: '400s',
          alerts: [
            {
              labels: { ...TEST_TARGET },
              description: `30 anomalies were detected on ${TEST_TARGET.instance} in the last 10 minutes (warning above ${promNum(t.ANOMALY_DETECTIONS_WARNING)} in 10 minutes; a normal day has about one every five minutes). Read them: tickwatch logs search --event anomaly.detected --since 15m.`,
            },
          ],
        },
      ],
      silent: [
        { name: `${t.ANOMALY_DETECTIONS_WARNING} detections in 10 minutes`, series: [detected('price_outlier', 'high', `0x60 0+1x${t.ANOMALY_DETECTIONS_WARNING} ${hold(t.ANOMALY_DETECTIONS_WARNING, 400)}`)], at: '400s' },
        { name: 'one every five minutes', series: [detected('volatility_spike', 'medium', '0x299 1x299 2x299 3x299 4x100')], at: '1200s' },
      ],
    },
  });

/** Anomaly rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const anomaliesRules = (t: Thresholds): RuleGroup => ({ name: 'anomalies', interval: '5s', rules: [anomalyCritical, anomalyRateRising(t)] });

/** Anomaly rules. */
export const anomaliesGroup: RuleGroup = anomaliesRules(T);
