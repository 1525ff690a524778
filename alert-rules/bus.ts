/** Event bus alerts: occupancy (critical and its rising warning twin) and overflows. */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { alert, input, TEST_TARGET, type RuleGroup } from './model.js';
import { increase, sel, sum } from '../query/promql.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

/** Bus above 80 % full for 10 s. */
export const busOccupancyCritical = alert({
  name: 'BusOccupancyCritical',
  family: 'bus_occupancy',
  severity: 'critical',
  expr: sel(C.busOccupancyRatio).gt(T.BUS_OCCUPANCY_CRITICAL_RATIO),
  for: `${T.BUS_OCCUPANCY_CRITICAL_FOR_SECONDS}s`,
  summary: 'Event bus nearly full',
  description: 'Event bus {{ $labels.bus }} on {{ $labels.instance }} is {{ $value | humanizePercentage }} full (critical above 80% for 10s). Next comes overflow: dropped market data and orders.',
  panel: PANELS.busOccupancy,
  tests: {
    firing: [
      {
        name: '95 % for 12 s',
        series: [input(C.busOccupancyRatio, { bus: 'md-to-strategy' }, `0.2 0.2 ${hold(0.95, 14)}`)],
        at: '14s',
        alerts: [{ labels: { ...TEST_TARGET, bus: 'md-to-strategy' }, description: `Event bus md-to-strategy on ${TEST_TARGET.instance} is 95% full (critical above 80% for 10s). Next comes overflow: dropped market data and orders.` }],
      },
    ],
    silent: [
      { name: 'just under 80 %', series: [input(C.busOccupancyRatio, { bus: 'md-to-strategy' }, hold(0.79, 30))], at: '25s' },
      { name: '95 % for only 8 s', series: [input(C.busOccupancyRatio, { bus: 'md-to-strategy' }, `0.2 ${hold(0.95, 7)} ${hold(0.2, 10)}`)], at: '9s' },
    ],
  },
});

/** Bus above 60 % for 30 s: the warning twin. */
export const busOccupancyRising = alert({
  name: 'BusOccupancyRising',
  family: 'bus_occupancy',
  severity: 'warning',
  expr: sel(C.busOccupancyRatio).gt(T.BUS_OCCUPANCY_WARNING_RATIO),
  for: '30s',
  summary: 'Event bus filling up',
  description: 'Event bus {{ $labels.bus }} on {{ $labels.instance }} has been above 60% full for 30s; now {{ $value | humanizePercentage }}. Consumers are falling behind.',
  panel: PANELS.busOccupancy,
  tests: {
    firing: [
      {
        name: '70 % for 40 s',
        series: [input(C.busOccupancyRatio, { bus: 'md-to-strategy' }, hold(0.7, 45))],
        at: '40s',
        alerts: [{ labels: { ...TEST_TARGET, bus: 'md-to-strategy' }, description: `Event bus md-to-strategy on ${TEST_TARGET.instance} has been above 60% full for 30s; now 70%. Consumers are falling behind.` }],
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

/** Event bus rules. */
export const busGroup: RuleGroup = { name: 'bus', interval: '1s', rules: [busOccupancyCritical, busOccupancyRising, busOverflow] };
