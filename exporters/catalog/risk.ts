/** Pre-trade risk metrics (component `risk_engine`). */
import { RISK_DECISIONS, RISK_REJECT_REASONS } from './enums.js';
import { counter, histogram, LATENCY_BUCKETS_SUBMICRO_SECONDS } from './types.js';

const domain = 'risk';

/** Risk decisions on intents, accept or reject. */
export const riskDecisionsTotal = counter({
  name: 'hft_risk_decisions_total',
  help: 'Pre-trade risk decisions on strategy intents, by decision.',
  unit: 'count',
  labels: { strategy: 'open', decision: RISK_DECISIONS },
  maxSeries: 200,
  domain,
});

/** Risk rejects by reason (a subset of decisions, broken down). */
export const riskRejectsTotal = counter({
  name: 'hft_risk_rejects_total',
  help: 'Intents rejected by the pre-trade risk engine, by reason.',
  unit: 'count',
  labels: { strategy: 'open', reason: RISK_REJECT_REASONS },
  maxSeries: 1000,
  domain,
});

/** Time the risk engine spent on one decision. */
export const riskCheckLatencySeconds = histogram({
  name: 'hft_risk_check_latency_seconds',
  help: 'Latency in seconds of one pre-trade risk check.',
  unit: 'seconds',
  labels: { strategy: 'open' },
  buckets: LATENCY_BUCKETS_SUBMICRO_SECONDS,
  maxSeries: 100,
  domain,
});
