/** Strategy metrics (component `strategy_runner`). */
import { SIDES } from './enums.js';
import { counter, histogram, LATENCY_BUCKETS_SUBMICRO_SECONDS } from './types.js';

const domain = 'strategy';

/** Decision latency: market event in to intent out, measured by the engine in nanoseconds. */
export const strategyDecisionLatencySeconds = histogram({
  name: 'hft_strategy_decision_latency_seconds',
  help: 'Latency in seconds from the market event a strategy reacted to until its intent was emitted.',
  unit: 'seconds',
  labels: { strategy: 'open' },
  buckets: LATENCY_BUCKETS_SUBMICRO_SECONDS,
  maxSeries: 100,
  domain,
});

/** Trading intents emitted, by strategy and side. */
export const strategyIntentsTotal = counter({
  name: 'hft_strategy_intents_total',
  help: 'Trading intents emitted by a strategy, by side.',
  unit: 'count',
  labels: { strategy: 'open', side: SIDES },
  maxSeries: 200,
  domain,
});
