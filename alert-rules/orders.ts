/** Order path and strategy alerts: reject ratio, ack latency, strategy latency, order rate. */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { alert, input, TEST_TARGET, type RuleGroup } from './model.js';
import { orderAckP99, orderRateRatio, orderRejectRatio, strategyLatencyP99, rec } from '../query/recording.js';
import { histogramAt, hold } from './testing.js';
import * as T from './thresholds.js';

/** Broker rejects above 5 % of submissions over 1 m. */
export const orderRejectRatioHigh = alert({
  name: 'OrderRejectRatioHigh',
  family: 'order_rejects',
  severity: 'critical',
  expr: rec(orderRejectRatio).gt(T.ORDER_REJECT_RATIO_CRITICAL),
  for: '15s',
  summary: 'Broker rejecting orders',
  description: 'The broker rejected {{ $value | humanizePercentage }} of orders submitted by {{ $labels.instance }} over the last minute (critical above 5%).',
  panel: PANELS.orderRejectRatio,
  tests: {
    firing: [
      {
        name: '10 % rejected',
        series: [input(C.orderActionsTotal, { strategy: 'mm-2330', action: 'submit' }, '0+10x120'), input(C.orderActionsTotal, { strategy: 'mm-2330', action: 'reject' }, '0+1x120')],
        at: '100s',
        alerts: [{ labels: { ...TEST_TARGET }, description: `The broker rejected 10% of orders submitted by ${TEST_TARGET.instance} over the last minute (critical above 5%).` }],
      },
    ],
    silent: [
      {
        name: '4.5 % rejected',
        series: [input(C.orderActionsTotal, { strategy: 'mm-2330', action: 'submit' }, '0+20x120'), input(C.orderActionsTotal, { strategy: 'mm-2330', action: 'reject' }, '0+0.9x120')],
        at: '100s',
      },
    ],
  },
});

/** Submit-to-ack p99 above 5 ms for 30 s. */
export const orderAckLatencyHigh = alert({
  name: 'OrderAckLatencyHigh',
  family: 'order_latency',
  severity: 'warning',
  expr: rec(orderAckP99).gt(T.ORDER_ACK_LATENCY_P99_WARNING_SECONDS),
  for: '30s',
  summary: 'Order acknowledgement latency p99 high',
  description: 'Submit-to-ack latency p99 at gateway {{ $labels.gateway }} ({{ $labels.instance }}) is {{ $value | humanizeDuration }} over the last minute (warning above 5ms).',
  panel: PANELS.orderAckLatency,
  tests: {
    firing: [
      {
        name: 'acks take 10-25 ms',
        series: histogramAt(C.orderAckLatencySeconds, { gateway: 'broker-a' }, 0.02, 20, 150),
        at: '120s',
        alerts: [{ labels: { ...TEST_TARGET, gateway: 'broker-a' }, description: `Submit-to-ack latency p99 at gateway broker-a (${TEST_TARGET.instance}) is 24.85ms over the last minute (warning above 5ms).` }],
      },
    ],
    silent: [{ name: 'p99 just under 5 ms', series: histogramAt(C.orderAckLatencySeconds, { gateway: 'broker-a' }, 0.004, 20, 150), at: '120s' }],
  },
});

/** Strategy decision p99 above 100 µs for 30 s. */
export const strategyLatencyHigh = alert({
  name: 'StrategyLatencyHigh',
  family: 'strategy_latency',
  severity: 'warning',
  expr: rec(strategyLatencyP99).gt(T.STRATEGY_LATENCY_P99_WARNING_SECONDS),
  for: '30s',
  summary: 'Strategy decision latency p99 high',
  description: 'Decision latency p99 of strategy {{ $labels.strategy }} ({{ $labels.instance }}) is {{ $value | humanizeDuration }} over the last minute (warning above 100us).',
  panel: PANELS.strategyLatency,
  tests: {
    firing: [
      {
        name: 'decisions take 100-250 us',
        series: histogramAt(C.strategyDecisionLatencySeconds, { strategy: 'mm-2330' }, 0.0002, 50, 150),
        at: '120s',
        alerts: [{ labels: { ...TEST_TARGET, strategy: 'mm-2330' }, description: `Decision latency p99 of strategy mm-2330 (${TEST_TARGET.instance}) is 248.5us over the last minute (warning above 100us).` }],
      },
    ],
    silent: [{ name: 'p99 just under 100 us', series: histogramAt(C.strategyDecisionLatencySeconds, { strategy: 'mm-2330' }, 0.00009, 50, 150), at: '120s' }],
  },
});

/** Order rate above 80 % of its limit for 30 s. */
export const orderRateNearLimit = alert({
  name: 'OrderRateNearLimit',
  family: 'order_rate',
  severity: 'warning',
  expr: rec(orderRateRatio).gt(T.ORDER_RATE_WARNING_RATIO),
  for: '30s',
  summary: 'Order rate close to its limit',
  description: 'Orders through gateway {{ $labels.gateway }} ({{ $labels.instance }}) run at {{ $value | humanizePercentage }} of the configured rate limit (warning above 80%).',
  panel: PANELS.orderRate,
  tests: {
    firing: [
      {
        name: '220 of 250 orders/s',
        series: [input(C.orderRatePerSecond, { gateway: 'broker-a' }, hold(220, 60)), input(C.orderRateLimitPerSecond, { gateway: 'broker-a' }, hold(250, 60))],
        at: '50s',
        alerts: [{ labels: { ...TEST_TARGET, gateway: 'broker-a' }, description: `Orders through gateway broker-a (${TEST_TARGET.instance}) run at 88% of the configured rate limit (warning above 80%).` }],
      },
    ],
    silent: [{ name: 'just under 80 %', series: [input(C.orderRatePerSecond, { gateway: 'broker-a' }, hold(199, 60)), input(C.orderRateLimitPerSecond, { gateway: 'broker-a' }, hold(250, 60))], at: '50s' }],
  },
});

/** Order path rules. */
export const ordersGroup: RuleGroup = { name: 'orders', interval: '1s', rules: [orderRejectRatioHigh, orderAckLatencyHigh, strategyLatencyHigh, orderRateNearLimit] };
