/**
 * Strategies & orders: how fast strategies decide, what the risk engine and StormGuard let through,
 * and how orders fare at the broker (acks, rejects, latency, rate against the limit).
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { rec } from '../query/recording.js';
import { increase, max, quantile, rate, sel, sum } from '../query/promql.js';
import { orderAckP99, orderRateRatio, orderRejectRatio, strategyLatencyP99 } from '../query/recording.js';
import * as T from '../alert-rules/thresholds.js';
import * as C from '../exporters/catalog/index.js';
import { STORMGUARD_MODE_VALUE } from '../exporters/catalog/stormguard.js';
import {
  COLOR,
  RATE,
  UNIT,
  buildDashboard,
  criticalAt,
  dur,
  targetFilter as I,
  linked,
  orZero,
  pct,
  stateTimelinePanel,
  strategyFilter as S,
  strategyVariable,
  timeseriesPanel,
  valueMappings,
  warningAt,
} from './common.js';
import { DASHBOARD_UIDS, PANELS } from '../query/panels.js';

/** StormGuard lanes: mode value to text and colour, escalating from green to red. */
const STORMGUARD_STATES = {
  [STORMGUARD_MODE_VALUE.NORMAL]: { text: 'NORMAL', color: COLOR.ok },
  [STORMGUARD_MODE_VALUE.WARM]: { text: 'WARM', color: 'yellow' },
  [STORMGUARD_MODE_VALUE.STORM]: { text: 'STORM', color: COLOR.warning },
  [STORMGUARD_MODE_VALUE.HALT]: { text: 'HALT', color: COLOR.critical },
};

/** The strategies & orders dashboard (uid `tickwatch-strategy-orders`). */
export function strategyOrdersDashboard(): Dashboard {
  const submits = (w: typeof RATE | '1m') => rate(sel(C.orderActionsTotal, { ...I, action: 'submit' }), w);
  return buildDashboard({
    uid: DASHBOARD_UIDS.orders,
    title: 'tickwatch / Strategies & orders',
    description:
      'Strategy decision latency and intents, pre-trade risk rejects, StormGuard modes, and the order flow at the broker gateways (submissions, acks, rejects, ack latency, order rate against the limit) of the HFT exporters. Filter by job, instance and strategy; gateway-level panels (ack latency, order rate) follow the job and instance filters only.',
    tags: ['hft', 'orders'],
    jobs: ['hft'],
    variables: [strategyVariable(C.stormguardMode)],
    rows: [
      {
        title: 'Strategies',
        panels: [
          timeseriesPanel(
            {
              ...linked(PANELS.strategyLatency),
              description: `Strategy decision latency (market event to intent): p99 over the last minute from recording rule ${strategyLatencyP99.record} (the series StrategyLatencyHigh reads), and p50 and p99.9 over the rate interval from the histogram. Dashed line: the ${dur(T.STRATEGY_LATENCY_P99_WARNING_SECONDS)} p99 warning.`,
              unit: UNIT.seconds,
              queries: [
                { expr: max(['strategy'], rec(strategyLatencyP99, S)), legend: '{{strategy}} p99' },
                { expr: quantile(0.5, C.strategyDecisionLatencySeconds, ['strategy'], RATE, S), legend: '{{strategy}} p50' },
                { expr: quantile(0.999, C.strategyDecisionLatencySeconds, ['strategy'], RATE, S), legend: '{{strategy}} p99.9' },
              ],
              thresholds: [warningAt(T.STRATEGY_LATENCY_P99_WARNING_SECONDS)],
              min: 0,
              width: 8,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          timeseriesPanel({
            id: 1,
            title: 'Intents per second',
            description: 'Trading intents the strategies emit per second, by strategy and side.',
            unit: UNIT.opsPerSecond,
            queries: [{ expr: sum(['strategy', 'side'], rate(sel(C.strategyIntentsTotal, S), RATE)), legend: '{{strategy}} {{side}}' }],
            min: 0,
            width: 8,
          }),
          timeseriesPanel({
            id: 4,
            title: 'Risk check latency p99',
            description: 'The 99th percentile of one pre-trade risk check per strategy over the rate interval, from the histogram.',
            unit: UNIT.seconds,
            queries: [{ expr: quantile(0.99, C.riskCheckLatencySeconds, ['strategy'], RATE, S), legend: '{{strategy}} p99' }],
            min: 0,
            width: 8,
          }),
        ],
      },
      {
        title: 'Risk and StormGuard',
        panels: [
          timeseriesPanel(
            {
              id: 3,
              title: 'Risk rejects by reason',
              description: 'Intents the pre-trade risk engine rejected per second, stacked by strategy and reason; a 0 line per strategy while nothing is rejected.',
              unit: UNIT.opsPerSecond,
              queries: [
                {
                  expr: orZero(sum(['strategy', 'reason'], rate(sel(C.riskRejectsTotal, S), RATE)), ['strategy'], rate(sel(C.riskDecisionsTotal, S), RATE)),
                  legend: '{{strategy}} {{reason}}',
                },
              ],
              min: 0,
            },
            { stacked: true },
          ),
          timeseriesPanel(
            {
              id: 6,
              title: 'StormGuard transitions',
              description: 'StormGuard mode transitions per rate interval, by strategy and target mode; 0 for strategies that stayed put.',
              unit: UNIT.count,
              queries: [
                {
                  expr: orZero(sum(['strategy', 'to'], increase(sel(C.stormguardTransitionsTotal, S), RATE)), ['strategy'], sel(C.stormguardMode, S)),
                  legend: '{{strategy}} → {{to}}',
                },
              ],
              min: 0,
            },
            { bars: true },
          ),
          stateTimelinePanel({
            ...linked(PANELS.stormguard),
            description:
              'StormGuard mode of each strategy over time: NORMAL, WARM (limits tightened), STORM (order flow heavily throttled) and HALT (no orders until an operator resets it). StormGuardWarm, StormGuardStorm and StormGuardHalt fire when a mode is held; see the runbook links.',
            unit: UNIT.state,
            queries: [{ expr: max(['strategy'], sel(C.stormguardMode, S)), legend: '{{strategy}}' }],
            mappings: valueMappings(STORMGUARD_STATES),
            width: 24,
          }),
        ],
      },
      {
        title: 'Orders',
        panels: [
          timeseriesPanel({
            id: 10,
            title: 'Order submits, acks and rejects',
            description: 'Order submissions, broker acknowledgements and broker rejects per second across the selected strategies. Acks should track submits.',
            unit: UNIT.opsPerSecond,
            queries: [{ expr: sum(['action'], rate(sel(C.orderActionsTotal, { ...S, action: { re: 'submit|ack|reject' } }), RATE)), legend: '{{action}}' }],
            min: 0,
            width: 8,
          }),
          timeseriesPanel({
            ...linked(PANELS.orderRejectRatio),
            description: `Broker rejects over submissions per exporter over the last minute (recording rule ${orderRejectRatio.record}, the series OrderRejectRatioHigh reads; 0 while nothing was rejected). All strategies of the instance. Red line: the ${pct(T.ORDER_REJECT_RATIO_CRITICAL)} page.`,
            unit: UNIT.ratio,
            queries: [{ expr: orZero(rec(orderRejectRatio, I), ['job', 'instance'], submits('1m')), legend: '{{instance}}' }],
            thresholds: [criticalAt(T.ORDER_REJECT_RATIO_CRITICAL)],
            min: 0,
            width: 8,
          }),
          timeseriesPanel(
            {
              id: 11,
              title: 'Order rejects by reason',
              description: 'Orders the broker or exchange rejected per second, stacked by strategy and reason; a 0 line per strategy while nothing is rejected.',
              unit: UNIT.opsPerSecond,
              queries: [
                {
                  expr: orZero(sum(['strategy', 'reason'], rate(sel(C.orderRejectsTotal, S), RATE)), ['strategy'], rate(sel(C.orderActionsTotal, { ...S, action: 'submit' }), RATE)),
                  legend: '{{strategy}} {{reason}}',
                },
              ],
              min: 0,
              width: 8,
            },
            { stacked: true },
          ),
          timeseriesPanel(
            {
              ...linked(PANELS.orderAckLatency),
              description: `Submit-to-ack latency per gateway: p99 over the last minute from recording rule ${orderAckP99.record} (the series OrderAckLatencyHigh reads) and p50 over the rate interval from the histogram. Dashed line: the ${dur(T.ORDER_ACK_LATENCY_P99_WARNING_SECONDS)} p99 warning.`,
              unit: UNIT.seconds,
              queries: [
                { expr: max(['gateway'], rec(orderAckP99, I)), legend: '{{gateway}} p99' },
                { expr: quantile(0.5, C.orderAckLatencySeconds, ['gateway'], RATE, I), legend: '{{gateway}} p50' },
              ],
              thresholds: [warningAt(T.ORDER_ACK_LATENCY_P99_WARNING_SECONDS)],
              min: 0,
              width: 8,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          timeseriesPanel({
            ...linked(PANELS.orderRate),
            description: `Order submissions per second over the configured limit of each gateway (recording rule ${orderRateRatio.record}, the series OrderRateNearLimit reads). Dashed line: the ${pct(T.ORDER_RATE_WARNING_RATIO)} warning.`,
            unit: UNIT.ratio,
            queries: [{ expr: max(['gateway'], rec(orderRateRatio, I)), legend: '{{gateway}}' }],
            thresholds: [warningAt(T.ORDER_RATE_WARNING_RATIO)],
            min: 0,
            max: 1,
            width: 8,
          }),
          timeseriesPanel({
            id: 12,
            title: 'Order rate and limit',
            description: 'Order submissions per second over the rate limiter window of each gateway, and the configured limit.',
            unit: UNIT.opsPerSecond,
            queries: [
              { expr: max(['gateway'], sel(C.orderRatePerSecond, I)), legend: '{{gateway}} rate' },
              { expr: max(['gateway'], sel(C.orderRateLimitPerSecond, I)), legend: '{{gateway}} limit' },
            ],
            min: 0,
            width: 8,
          }),
          timeseriesPanel({
            id: 13,
            title: 'Open orders',
            description: 'Orders currently open at the venue, by strategy.',
            unit: UNIT.count,
            queries: [{ expr: sum(['strategy'], sel(C.openOrders, S)), legend: '{{strategy}}' }],
            min: 0,
            width: 12,
          }),
          timeseriesPanel({
            id: 14,
            title: 'Fills per second',
            description: 'Executions (full and partial fills) received per second, by strategy and side.',
            unit: UNIT.opsPerSecond,
            queries: [{ expr: sum(['strategy', 'side'], rate(sel(C.fillsTotal, S), RATE)), legend: '{{strategy}} {{side}}' }],
            min: 0,
            width: 12,
          }),
        ],
      },
    ],
  });
}
