/** Event bus alerts: occupancy (critical and its rising warning twin) and overflows. */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { promDur, promPct } from '../query/format.js';
import { increase, sel, sum } from '../query/promql.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

/** BusOccupancyCritical with the thresholds `t`: bus above 80 % full for 10 s. */
export const busOccupancyCritical = (t: Thresholds): AlertRule => alert({
  name: 'BusOccupancyCritical',
  family: 'bus_occupancy',
  severity: 'critical',
  expr: sel(C.busOccupancyRatio).gt(t.BUS_OCCUPANCY_CRITICAL_RATIO),
  for: `${t.BUS_OCCUPANCY_CRITICAL_FOR_SECONDS}s`,
  summary: 'Event bus nearly full',
  description: `Event bus {{ $labels.bus }} on {{ $labels.instance }} is {{ $value | humanizePercentage }} full (critical above ${promPct(t.BUS_OCCUPANCY_CRITICAL_RATIO)} for ${promDur(t.BUS_OCCUPANCY_CRITICAL_FOR_SECONDS)}). Next comes overflow: dropped market data and orders.`,
  panel: PANELS.busOccupancy,
  tests: {
    firing: [
      {
        name: '95 % for 12 s',
        series: [input(C.busOccupancyRatio, { bus: 'md-to-strategy' }, `0.2 0.2 ${hold(0.95, 14)}`)],
        at: '14s',
        alerts: [{ labels: { ...TEST_TARGET, bus: 'md-to-strategy' }, description: `Event bus md-to-strategy on ${TEST_TARGET.instance} is 95% full (critical above ${promPct(t.BUS_OCCUPANCY_CRITICAL_RATIO)} for ${promDur(t.BUS_OCCUPANCY_CRITICAL_FOR_SECONDS)}). Next comes overflow: dropped market data and orders.` }],
      },
    ],
    silent: [
      { name: 'just under 80 %', series: [input(C.busOccupancyRatio, { bus: 'md-to-strategy' }, hold(0.79, 30))], at: '25s' },
      { name: '95 % for only 8 s', series: [input(C.busOccupancyRatio, { bus: 'md-to-strategy' }, `0.2 ${hold(0.95, 7)} ${hold(0.2, 10)}`)], at: '9s' },
    ],
  },
});

/** BusOccupancyRising with the thresholds `t`: bus above 60 % for 30 s, the warning twin. */
export const busOccupancyRising = (t: Thresholds): AlertRule => alert({
  name: 'BusOccupancyRising',
  family: 'bus_occupancy',
  severity: 'warning',
  expr: sel(C.busOccupancyRatio).gt(t.BUS_OCCUPANCY_WARNING_RATIO),
  for: holdFor(t.BUS_OCCUPANCY_WARNING_FOR_SECONDS),
  summary: 'Event bus filling up',
  description: `Event bus {{ $labels.bus }} on {{ $labels.instance }} has been above ${promPct(t.BUS_OCCUPANCY_WARNING_RATIO)} full for ${promDur(t.BUS_OCCUPANCY_WARNING_FOR_SECONDS)}; now {{ $value | humanizePercentage }}. Consumers are falling behind.`,
  panel: PANELS.busOccupancy,
  tests: {
    firing: [
      {
        name: '70 % for 40 s',
        series: [input(C.busOccupancyRatio, { bus: 'md-to-strategy' }, hold(0.7, 45))],
        at: '40s',
        alerts: [{ labels: { ...TEST_TARGET, bus: 'md-to-strategy' }, description: `Event bus md-to-strategy on ${TEST_TARGET.instance} has been above ${promPct(t.BUS_OCCUPANCY_WARNING_RATIO)} full for ${promDur(t.BUS_OCCUPANCY_WARNING_FOR_SECONDS)}; now 70%. Consumers are falling behind.` }],
      },
    ],
    silent: [{ name: 'just under 60 %', series: [input(C.busOccupancyRatio, { bus: 'md-to-strategy' }, hold(0.59, 45))], at: '40s' }],
  },
});

/** Any overflow in the last minute. */
export const busOverflow = alert({
  name: 'BusOverflow',
  family: 'bus_overflow',
  severity: 'critical',
  expr: sum(['job', 'instance', 'bus'], increase(sel(C.busOverflowsTotal), '1m')).gt(0),
  for: '0s',
  summary: 'Event bus dropped events',
  description: 'Event bus {{ $labels.bus }} on {{ $labels.instance }} refused or dropped {{ $value | humanize }} events in the last minute. Market data or orders were lost inside the engine.',
  panel: PANELS.busOverflows,
  tests: {
    firing: [
      {
        name: '120 events dropped in 2 s',
        series: [input(C.busOverflowsTotal, { bus: 'md-to-strategy' }, '0x30 60 120 120x27')],
        at: '59s',
        alerts: [{ labels: { ...TEST_TARGET, bus: 'md-to-strategy' }, description: `Event bus md-to-strategy on ${TEST_TARGET.instance} refused or dropped 120 events in the last minute. Market data or orders were lost inside the engine.` }],
      },
    ],
    silent: [{ name: 'counter flat', series: [input(C.busOverflowsTotal, { bus: 'md-to-strategy' }, hold(7, 90))], at: '80s' }],
  },
});

/** Event bus rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const busRules = (t: Thresholds): RuleGroup => ({ name: 'bus', interval: '1s', rules: [busOccupancyCritical(t), busOccupancyRising(t), busOverflow] });

/** Event bus rules. */
export const busGroup: RuleGroup = busRules(T);
