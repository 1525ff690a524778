/**
 * Strategies & orders: how fast strategies decide, what the risk engine and StormGuard let through,
 * and how orders fare at the broker (acks, rejects, latency, rate against the limit).
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { rec } from '../query/recording.js';
import { bucketAt, increase, max, min, quantile, rate, sel, sum } from '../query/promql.js';
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
  lowIsBad,
  orZero,
  pct,
  stateTimelinePanel,
  strategyFilter as S,
  strategyVariable,
  timeseriesPanel,
  valueMappings,
  warningAt,
  type Row,
} from './common.js';
import { DASHBOARD_UIDS, PANELS } from '../query/panels.js';
import { SLOS } from '../alert-rules/slo.js';
import { sloBudgetPanel } from './slo.js';

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
      'Strategy decision latency and intents, pre-trade risk rejects, StormGuard modes, and the order flow at the broker gateways (submissions, acks, rejects, ack latency, order rate against the limit) of the HFT exporters, and the event bus that feeds the strategies (occupancy, publish rate, overflows). Filter by job, instance and strategy; gateway-level panels (ack latency, order rate) follow the job and instance filters only.',
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
                { expr: max(['instance', 'strategy'], rec(strategyLatencyP99, S)), legend: '{{instance}} {{strategy}} p99' },
                { expr: quantile(0.5, C.strategyDecisionLatencySeconds, ['instance', 'strategy'], RATE, S), legend: '{{instance}} {{strategy}} p50' },
                { expr: quantile(0.999, C.strategyDecisionLatencySeconds, ['instance', 'strategy'], RATE, S), legend: '{{instance}} {{strategy}} p99.9' },
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
            queries: [{ expr: sum(['instance', 'strategy', 'side'], rate(sel(C.strategyIntentsTotal, S), RATE)), legend: '{{instance}} {{strategy}} {{side}}' }],
            min: 0,
            width: 8,
          }),
          timeseriesPanel({
            id: 4,
            title: 'Risk check latency p99',
            description: 'The 99th percentile of one pre-trade risk check per strategy over the rate interval, from the histogram.',
            unit: UNIT.seconds,
            queries: [{ expr: quantile(0.99, C.riskCheckLatencySeconds, ['instance', 'strategy'], RATE, S), legend: '{{instance}} {{strategy}} p99' }],
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
                  expr: orZero(sum(['instance', 'strategy', 'reason'], rate(sel(C.riskRejectsTotal, S), RATE)), ['instance', 'strategy'], rate(sel(C.riskDecisionsTotal, S), RATE)),
                  legend: '{{instance}} {{strategy}} {{reason}}',
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
                  expr: orZero(sum(['instance', 'strategy', 'to'], increase(sel(C.stormguardTransitionsTotal, S), RATE)), ['instance', 'strategy'], sel(C.stormguardMode, S)),
                  legend: '{{instance}} {{strategy}} → {{to}}',
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
            queries: [{ expr: max(['instance', 'strategy'], sel(C.stormguardMode, S)), legend: '{{instance}} {{strategy}}' }],
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
            description: 'Order submissions, broker acknowledgements and broker rejects per second across the selected strategies, per instance. Acks should track submits.',
            unit: UNIT.opsPerSecond,
            queries: [{ expr: sum(['instance', 'action'], rate(sel(C.orderActionsTotal, { ...S, action: { re: 'submit|ack|reject' } }), RATE)), legend: '{{instance}} {{action}}' }],
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
                  expr: orZero(sum(['instance', 'strategy', 'reason'], rate(sel(C.orderRejectsTotal, S), RATE)), ['instance', 'strategy'], rate(sel(C.orderActionsTotal, { ...S, action: 'submit' }), RATE)),
                  legend: '{{instance}} {{strategy}} {{reason}}',
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
                { expr: max(['instance', 'gateway'], rec(orderAckP99, I)), legend: '{{instance}} {{gateway}} p99' },
                { expr: quantile(0.5, C.orderAckLatencySeconds, ['instance', 'gateway'], RATE, I), legend: '{{instance}} {{gateway}} p50' },
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
            queries: [{ expr: max(['instance', 'gateway'], rec(orderRateRatio, I)), legend: '{{instance}} {{gateway}}' }],
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
              { expr: max(['instance', 'gateway'], sel(C.orderRatePerSecond, I)), legend: '{{instance}} {{gateway}} rate' },
              { expr: max(['instance', 'gateway'], sel(C.orderRateLimitPerSecond, I)), legend: '{{instance}} {{gateway}} limit' },
            ],
            min: 0,
            width: 8,
          }),
          timeseriesPanel({
            id: 13,
            title: 'Open orders',
            description: 'Orders currently open at the venue, by strategy.',
            unit: UNIT.count,
            queries: [{ expr: sum(['instance', 'strategy'], sel(C.openOrders, S)), legend: '{{instance}} {{strategy}}' }],
            min: 0,
            width: 12,
          }),
          timeseriesPanel({
            id: 14,
            title: 'Fills per second',
            description: 'Executions (full and partial fills) received per second, by strategy and side.',
            unit: UNIT.opsPerSecond,
            queries: [{ expr: sum(['instance', 'strategy', 'side'], rate(sel(C.fillsTotal, S), RATE)), legend: '{{instance}} {{strategy}} {{side}}' }],
            min: 0,
            width: 12,
          }),
          // The order acknowledgement SLO's error budget (alert-rules/slo.ts).
          sloBudgetPanel(SLOS.find((s) => s.panel === PANELS.sloOrderAck)!, 24),
        ],
      },
      busRow(),
      {
        title: 'Execution quality',
        panels: [
          timeseriesPanel(
            {
              ...linked(PANELS.slippageP95),
              description: `Adverse fill slippage against the intent price, p95 and p50 over the rate interval, by strategy (the signed histogram hft_fill_slippage_ratio: positive is against us, negative a price improvement). SlippageHigh warns when p95 over 5 minutes stays above ${pct(T.SLIPPAGE_P95_WARNING_RATIO)} for ${dur(T.SLIPPAGE_HIGH_FOR_SECONDS)}. Each fill, with its ticks and broker: Logs & audit, Latest executions.`,
              unit: UNIT.ratio,
              queries: [
                { expr: quantile(0.95, C.fillSlippageRatio, ['instance', 'strategy'], RATE, S), legend: '{{instance}} {{strategy}} p95' },
                { expr: quantile(0.5, C.fillSlippageRatio, ['instance', 'strategy'], RATE, S), legend: '{{instance}} {{strategy}} p50' },
              ],
              thresholds: [warningAt(T.SLIPPAGE_P95_WARNING_RATIO), criticalAt(T.SLIPPAGE_OUTLIER_CRITICAL_RATIO)],
              width: 8,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          timeseriesPanel(
            {
              ...linked(PANELS.slippageOutliers),
              description: `Fills per point that slipped more than ${pct(T.SLIPPAGE_OUTLIER_CRITICAL_RATIO)} against the intent price (the histogram's +Inf bucket minus its ${T.SLIPPAGE_OUTLIER_CRITICAL_RATIO} bucket), by strategy. SlippageOutlier pages on any: a wrong price, a stale reference or a runaway order.`,
              unit: UNIT.count,
              queries: [
                {
                  expr: sum(['instance', 'strategy'], increase(bucketAt(C.fillSlippageRatio, Infinity, S), '$__interval')).sub(
                    sum(['instance', 'strategy'], increase(bucketAt(C.fillSlippageRatio, T.SLIPPAGE_OUTLIER_CRITICAL_RATIO, S), '$__interval')),
                  ),
                  legend: '{{instance}} {{strategy}}',
                },
              ],
              thresholds: [criticalAt(1)],
              min: 0,
              width: 8,
            },
            { bars: true },
          ),
          timeseriesPanel(
            {
              id: 25,
              title: 'Fill slippage in ticks p95',
              description: "Adverse fill slippage in the instrument's ticks, p95 and p50 over the rate interval, by strategy (hft_fill_slippage_ticks): the desk's unit, independent of the price level.",
              unit: UNIT.count,
              queries: [
                { expr: quantile(0.95, C.fillSlippageTicks, ['instance', 'strategy'], RATE, S), legend: '{{instance}} {{strategy}} p95' },
                { expr: quantile(0.5, C.fillSlippageTicks, ['instance', 'strategy'], RATE, S), legend: '{{instance}} {{strategy}} p50' },
              ],
              width: 8,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
        ],
      },
      {
        title: 'Models',
        panels: [
          timeseriesPanel({
            ...linked(PANELS.modelAccuracy),
            description: `Share of each model's last ${C.AI_ACCURACY_WINDOW_OUTCOMES} scored predictions that were right (ai.outcome). ModelAccuracyLow warns below ${pct(T.MODEL_ACCURACY_WARNING_RATIO)} for ${dur(T.MODEL_ACCURACY_FOR_SECONDS)}, once a model has ${C.AI_ACCURACY_MIN_OUTCOMES} outcomes.`,
            unit: UNIT.ratio,
            queries: [{ expr: min(['instance', 'model'], sel(C.aiAccuracyRatio, I)), legend: '{{instance}} {{model}}' }],
            ...lowIsBad({ warning: T.MODEL_ACCURACY_WARNING_RATIO }),
            min: 0,
            max: 1,
            width: 6,
          }),
          timeseriesPanel({
            ...linked(PANELS.modelConfidence),
            description: `Median confidence of each model's decisions over the rate interval (hft_ai_confidence_ratio). ModelConfidenceCollapse warns when the 10-minute median stays below ${pct(T.MODEL_CONFIDENCE_MEDIAN_WARNING_RATIO)} for ${dur(T.MODEL_CONFIDENCE_FOR_SECONDS)}.`,
            unit: UNIT.ratio,
            queries: [{ expr: quantile(0.5, C.aiConfidenceRatio, ['instance', 'model'], RATE, I), legend: '{{instance}} {{model}}' }],
            ...lowIsBad({ warning: T.MODEL_CONFIDENCE_MEDIAN_WARNING_RATIO }),
            min: 0,
            max: 1,
            width: 6,
          }),
          timeseriesPanel({
            ...linked(PANELS.modelLatency),
            description: `Model inference latency p99 and p50 over the rate interval, by model. ModelInferenceSlow warns when the 5-minute p99 stays above ${dur(T.MODEL_INFERENCE_P99_WARNING_SECONDS)} for ${dur(T.MODEL_INFERENCE_FOR_SECONDS)}.`,
            unit: UNIT.seconds,
            queries: [
              { expr: quantile(0.99, C.aiInferenceLatencySeconds, ['instance', 'model'], RATE, I), legend: '{{instance}} {{model}} p99' },
              { expr: quantile(0.5, C.aiInferenceLatencySeconds, ['instance', 'model'], RATE, I), legend: '{{instance}} {{model}} p50' },
            ],
            thresholds: [warningAt(T.MODEL_INFERENCE_P99_WARNING_SECONDS)],
            min: 0,
            width: 6,
          }),
          timeseriesPanel({
            id: 26,
            title: 'Model decisions per second',
            description: 'Predictions each model made per second (ai.decision). Each decision with its inputs and explanation: Logs & audit, Latest model decisions.',
            unit: UNIT.opsPerSecond,
            queries: [{ expr: sum(['instance', 'model'], rate(sel(C.aiPredictionsTotal, I), RATE)), legend: '{{instance}} {{model}}' }],
            min: 0,
            width: 6,
          }),
        ],
      },
    ],
  });
}

/**
 * The event bus between the feed handler, the strategies and the order path, as the strategies see
 * it (seed 004: bus health on the Strategy & Order dashboard): fill level against the bus alerts'
 * thresholds, publish rate, overflows. Panel ids 30 to 32 (the Feed & gateway dashboard's bus
 * panels are the ones the bus alerts link to).
 */
function busRow(): Row {
  return {
    title: 'Event bus',
    panels: [
      timeseriesPanel({
        id: 30,
        title: 'Event bus occupancy',
        description: `Fill level of each event bus ring buffer (0 empty, 1 full), per instance. BusOccupancyRising warns above ${pct(T.BUS_OCCUPANCY_WARNING_RATIO)} held for ${dur(T.BUS_OCCUPANCY_WARNING_FOR_SECONDS)} (orange line), BusOccupancyCritical pages above ${pct(T.BUS_OCCUPANCY_CRITICAL_RATIO)} held for ${dur(T.BUS_OCCUPANCY_CRITICAL_FOR_SECONDS)} (red line): the strategies are not draining the bus and intents lag the market.`,
        unit: UNIT.ratio,
        queries: [{ expr: max(['instance', 'bus'], sel(C.busOccupancyRatio, I)), legend: '{{instance}} {{bus}}' }],
        thresholds: [warningAt(T.BUS_OCCUPANCY_WARNING_RATIO), criticalAt(T.BUS_OCCUPANCY_CRITICAL_RATIO)],
        min: 0,
        max: 1,
        width: 8,
      }),
      timeseriesPanel({
        id: 31,
        title: 'Event bus publish rate',
        description: 'Events published onto each event bus per second, per instance: the load behind its occupancy.',
        unit: UNIT.eventsPerSecond,
        queries: [{ expr: sum(['instance', 'bus'], rate(sel(C.busPublishedTotal, I), RATE)), legend: '{{instance}} {{bus}}' }],
        min: 0,
        width: 8,
      }),
      timeseriesPanel(
        {
          id: 32,
          title: 'Event bus overflows',
          description: 'Events per second each event bus refused or dropped because it was full, per instance; 0 while nothing overflows. Any overflow fires BusOverflow: strategies missed market data or orders were lost inside the engine.',
          unit: UNIT.eventsPerSecond,
          queries: [{ expr: orZero(sum(['instance', 'bus'], rate(sel(C.busOverflowsTotal, I), RATE)), ['instance', 'bus'], sel(C.busOccupancyRatio, I)), legend: '{{instance}} {{bus}}' }],
          min: 0,
          width: 8,
        },
        { bars: true },
      ),
    ],
  };
}
