/** Order path and strategy alerts: reject ratio, ack latency, strategy latency, order rate. */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { promDur, promPct } from '../query/format.js';
import { orderAckP99, orderRateRatio, orderRejectRatio, strategyLatencyP99, rec } from '../query/recording.js';
import { histogramAt, hold } from './testing.js';
import * as T from './thresholds.js';

/** OrderRejectRatioHigh with the thresholds `t`: broker rejects above 5 % of submissions over 1 m. */
export const orderRejectRatioHigh = (t: Thresholds): AlertRule => alert({
  name: 'OrderRejectRatioHigh',
  family: 'order_rejects',
  severity: 'critical',
  expr: rec(orderRejectRatio).gt(t.ORDER_REJECT_RATIO_CRITICAL),
  for: holdFor(t.ORDER_REJECT_RATIO_FOR_SECONDS),
  summary: 'Broker rejecting orders',
  description: `The broker rejected {{ $value | humanizePercentage }} of orders submitted by {{ $labels.instance }} over the last minute (critical above ${promPct(t.ORDER_REJECT_RATIO_CRITICAL)}).`,
  panel: PANELS.orderRejectRatio,
  tests: {
    firing: [
      {
        name: '10 % rejected',
        series: [input(C.orderActionsTotal, { strategy: 'mm-2330', action: 'submit' }, '0+10x120'), input(C.orderActionsTotal, { strategy: 'mm-2330', action: 'reject' }, '0+1x120')],
        at: '100s',
        alerts: [{ labels: { ...TEST_TARGET }, description: `The broker rejected 10% of orders submitted by ${TEST_TARGET.instance} over the last minute (critical above ${promPct(t.ORDER_REJECT_RATIO_CRITICAL)}).` }],
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

/** OrderAckLatencyHigh with the thresholds `t`: submit-to-ack p99 above 5 ms for 30 s. */
export const orderAckLatencyHigh = (t: Thresholds): AlertRule => alert({
  name: 'OrderAckLatencyHigh',
  family: 'order_latency',
  severity: 'warning',
  expr: rec(orderAckP99).gt(t.ORDER_ACK_LATENCY_P99_WARNING_SECONDS),
  for: holdFor(t.ORDER_ACK_LATENCY_FOR_SECONDS),
  summary: 'Order acknowledgement latency p99 high',
  description: `Submit-to-ack latency p99 at gateway {{ $labels.gateway }} ({{ $labels.instance }}) is {{ $value | humanizeDuration }} over the last minute (warning above ${promDur(t.ORDER_ACK_LATENCY_P99_WARNING_SECONDS)}).`,
  panel: PANELS.orderAckLatency,
  tests: {
    firing: [
      {
        name: 'acks take 10-25 ms',
        series: histogramAt(C.orderAckLatencySeconds, { gateway: 'broker-a' }, 0.02, 20, 150),
        at: '120s',
        alerts: [{ labels: { ...TEST_TARGET, gateway: 'broker-a' }, description: `Submit-to-ack latency p99 at gateway broker-a (${TEST_TARGET.instance}) is 24.85ms over the last minute (warning above ${promDur(t.ORDER_ACK_LATENCY_P99_WARNING_SECONDS)}).` }],
      },
    ],
    silent: [{ name: 'p99 just under 5 ms', series: histogramAt(C.orderAckLatencySeconds, { gateway: 'broker-a' }, 0.004, 20, 150), at: '120s' }],
  },
});

/** StrategyLatencyHigh with the thresholds `t`: strategy decision p99 above 100 µs for 30 s. */
export const strategyLatencyHigh = (t: Thresholds): AlertRule => alert({
  name: 'StrategyLatencyHigh',
  family: 'strategy_latency',
  severity: 'warning',
  expr: rec(strategyLatencyP99).gt(t.STRATEGY_LATENCY_P99_WARNING_SECONDS),
  for: holdFor(t.STRATEGY_LATENCY_FOR_SECONDS),
  summary: 'Strategy decision latency p99 high',
  description: `Decision latency p99 of strategy {{ $labels.strategy }} ({{ $labels.instance }}) is {{ $value | humanizeDuration }} over the last minute (warning above ${promDur(t.STRATEGY_LATENCY_P99_WARNING_SECONDS)}).`,
  panel: PANELS.strategyLatency,
  tests: {
    firing: [
      {
        name: 'decisions take 100-250 us',
        series: histogramAt(C.strategyDecisionLatencySeconds, { strategy: 'mm-2330' }, 0.0002, 50, 150),
        at: '120s',
        alerts: [{ labels: { ...TEST_TARGET, strategy: 'mm-2330' }, description: `Decision latency p99 of strategy mm-2330 (${TEST_TARGET.instance}) is 248.5us over the last minute (warning above ${promDur(t.STRATEGY_LATENCY_P99_WARNING_SECONDS)}).` }],
      },
    ],
    silent: [{ name: 'p99 just under 100 us', series: histogramAt(C.strategyDecisionLatencySeconds, { strategy: 'mm-2330' }, 0.00009, 50, 150), at: '120s' }],
  },
});

/** OrderRateNearLimit with the thresholds `t`: order rate above 80 % of its limit for 30 s. */
export const orderRateNearLimit = (t: Thresholds): AlertRule => alert({
  name: 'OrderRateNearLimit',
  family: 'order_rate',
  severity: 'warning',
  expr: rec(orderRateRatio).gt(t.ORDER_RATE_WARNING_RATIO),
  for: holdFor(t.ORDER_RATE_FOR_SECONDS),
  summary: 'Order rate close to its limit',
  description: `Orders through gateway {{ $labels.gateway }} ({{ $labels.instance }}) run at {{ $value | humanizePercentage }} of the configured rate limit (warning above ${promPct(t.ORDER_RATE_WARNING_RATIO)}).`,
  panel: PANELS.orderRate,
  tests: {
    firing: [
      {
        name: '220 of 250 orders/s',
        series: [input(C.orderRatePerSecond, { gateway: 'broker-a' }, hold(220, 60)), input(C.orderRateLimitPerSecond, { gateway: 'broker-a' }, hold(250, 60))],
        at: '50s',
        alerts: [{ labels: { ...TEST_TARGET, gateway: 'broker-a' }, description: `Orders through gateway broker-a (${TEST_TARGET.instance}) run at 88% of the configured rate limit (warning above ${promPct(t.ORDER_RATE_WARNING_RATIO)}).` }],
      },
    ],
    silent: [{ name: 'just under 80 %', series: [input(C.orderRatePerSecond, { gateway: 'broker-a' }, hold(199, 60)), input(C.orderRateLimitPerSecond, { gateway: 'broker-a' }, hold(250, 60))], at: '50s' }],
  },
});

/** Order path rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const ordersRules = (t: Thresholds): RuleGroup => ({ name: 'orders', interval: '1s', rules: [orderRejectRatioHigh(t), orderAckLatencyHigh(t), strategyLatencyHigh(t), orderRateNearLimit(t)] });

/** Order path rules. */
export const ordersGroup: RuleGroup = ordersRules(T);
