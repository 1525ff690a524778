/**
 * Recording rules for expressions that alerts and dashboard panels share: latency quantiles from
 * histograms and usage-versus-limit ratios. Names follow `level:metric:operations`
 * (https://prometheus.io/docs/practices/rules/#naming-and-aggregation).
 */
import * as C from '../exporters/catalog/index.js';
import type { LabelSpec, MetricDef, MetricType } from '../exporters/catalog/types.js';
import { abs, notEqualBool, quantile, rate, sel, Selector, sum, withLabel, type Expr, type Matchers } from './promql.js';

/** A recording rule; use {@link recorded} to make one. */
export interface RecordingRule<N extends string = string, L extends LabelSpec = LabelSpec> {
  readonly kind: 'record';
  /** `level:metric:operations` (https://prometheus.io/docs/practices/rules/). */
  readonly record: N;
  readonly expr: Expr;
  /** What the recorded series means, for the docs and panels. */
  readonly help: string;
  /** A catalog-like definition so alerts and panels can select the recorded series with typed labels. */
  readonly def: MetricDef<N, 'gauge', L>;
  /** Static labels the rule adds to every series it records (the SLO rules' `sloth_id`, ...); none by default. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Declares a recording rule whose output keeps `labels`.
 * @param unit - unit of the recorded value, for dashboards
 */
export function recorded<const N extends string, const L extends readonly string[]>(
  record: N,
  labels: L,
  help: string,
  unit: MetricDef['unit'],
  expr: Expr,
): RecordingRule<N, { readonly [K in L[number]]: 'open' }> {
  const spec = Object.fromEntries(labels.map((l) => [l, 'open'])) as { readonly [K in L[number]]: 'open' };
  return { kind: 'record', record, expr, help, def: { name: record, type: 'gauge', help, unit, labels: spec, domain: 'recording', exportedBy: [] } };
}

/** Selects a recorded series with typed label matchers. */
export function rec<N extends string, L extends LabelSpec>(r: RecordingRule<N, L>, m?: Matchers<MetricDef<N, 'gauge', L>>): Selector<MetricDef<N, 'gauge', L>, MetricType> {
  return new Selector(r.def, r.record, 'gauge', m);
}


const T = ['job', 'instance'] as const;

/** Broker rejects over submissions, per exporter, over 1 m. */
export const orderRejectRatio = recorded(
  'instance:hft_order_rejects:ratio_rate1m',
  T,
  'Broker order rejects divided by order submissions over the last minute.',
  'ratio',
  sum(T, rate(sel(C.orderActionsTotal, { action: 'reject' }), '1m')).div(sum(T, rate(sel(C.orderActionsTotal, { action: 'submit' }), '1m'))),
);

/** p99 submit-to-ack latency per gateway over 1 m. */
export const orderAckP99 = recorded(
  'gateway:hft_order_ack_latency_seconds:p99_rate1m',
  [...T, 'gateway'],
  'The 99th percentile of submit-to-ack latency per gateway over the last minute, in seconds.',
  'seconds',
  quantile(0.99, C.orderAckLatencySeconds, [...T, 'gateway'], '1m'),
);

/** p99 strategy decision latency per strategy over 1 m. */
export const strategyLatencyP99 = recorded(
  'strategy:hft_strategy_decision_latency_seconds:p99_rate1m',
  [...T, 'strategy'],
  'The 99th percentile of strategy decision latency per strategy over the last minute, in seconds.',
  'seconds',
  quantile(0.99, C.strategyDecisionLatencySeconds, [...T, 'strategy'], '1m'),
);

/** p99 tick latency per feed over 1 m. */
export const tickLatencyP99 = recorded(
  'feed:hft_feed_tick_latency_seconds:p99_rate1m',
  [...T, 'feed'],
  'The 99th percentile of exchange-to-engine tick latency per feed over the last minute, in seconds.',
  'seconds',
  quantile(0.99, C.feedTickLatencySeconds, [...T, 'feed'], '1m'),
);

/** Broker API usage over its limit. */
export const apiUsageRatio = recorded('api:hft_api_usage:ratio', [...T, 'api'], 'Broker API requests used over the rate limit of the window.', 'ratio', sel(C.apiUsageRequests).div(sel(C.apiLimitRequests)));

/** Order rate over its limit. */
export const orderRateRatio = recorded(
  'gateway:hft_order_rate:ratio',
  [...T, 'gateway'],
  'Order submissions per second over the configured limit of the gateway.',
  'ratio',
  sel(C.orderRatePerSecond).div(sel(C.orderRateLimitPerSecond)),
);

/** Drawdown over the daily loss limit. */
export const drawdownRatio = recorded(
  'strategy:hft_pnl_drawdown:ratio',
  [...T, 'strategy'],
  'Intraday drawdown divided by the daily loss limit of the strategy.',
  'ratio',
  sel(C.pnlDrawdown).div(sel(C.dailyLossLimit)),
);

/** Spool bytes over the spool's size bound, per recorder. */
export const spoolUseRatio = recorded(
  'instance:hft_recorder_spool:ratio',
  T,
  'Bytes in the recorder spool divided by its configured size bound.',
  'ratio',
  sel(C.recorderSpoolBytes).div(sel(C.recorderSpoolLimitBytes)),
);

const S = [...T, 'source'] as const;

/**
 * The clock's offset per time source, as a magnitude: `source="kernel"` the kernel's adjtimex offset
 * (node_timex_offset_seconds), `source="chrony"` the larger of chronyd's |Last offset| and |System
 * time| (what it measured at its last update, and what it has still to correct). The clock alerts
 * and the System health panel read it; the host exporter's clock.sync log measures the same.
 */
export const clockOffsetAbs = recorded(
  'source:clock_offset_seconds:abs',
  S,
  "Magnitude of the clock's offset from its reference per time source, in seconds: the kernel's adjtimex offset (source kernel), the larger of chronyd's Last offset and System time (source chrony).",
  'seconds',
  withLabel(abs(sel(C.nodeTimexOffsetSeconds)), 'source', 'kernel').or(
    withLabel(abs(sel(C.chronyTrackingLastOffsetSeconds)).gt(abs(sel(C.chronyTrackingSystemTimeSeconds))).or(abs(sel(C.chronyTrackingSystemTimeSeconds))), 'source', 'chrony'),
  ),
);

/** Whether each time source counts the clock as synchronised: the kernel's sync status, chronyd's leap status other than 3 (not synchronised). */
export const clockSynchronised = recorded(
  'source:clock_synchronised:bool',
  S,
  'Whether the time source counts the clock as synchronised (1) or not (0): node_timex_sync_status (source kernel), chrony_tracking_leap_status other than 3 (source chrony).',
  'boolean',
  withLabel(sel(C.nodeTimexSyncStatus), 'source', 'kernel').or(withLabel(notEqualBool(sel(C.chronyTrackingLeapStatus), 3), 'source', 'chrony')),
);

/** Every recording rule, in file order (the rules build writes them as group `tickwatch-recording`, evaluated every second like the trading alerts that read them). */
export const RECORDING_RULES: readonly RecordingRule[] = [orderRejectRatio, orderAckP99, strategyLatencyP99, tickLatencyP99, apiUsageRatio, orderRateRatio, drawdownRatio, spoolUseRatio, clockOffsetAbs, clockSynchronised];
