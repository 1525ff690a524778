/** Position and order reconciliation against the broker (component `monitor`). */
import { RECONCILIATION_RESULTS } from './enums.js';
import { counter, gauge } from './types.js';

const domain = 'reconciliation';

/** How far behind the engine's view is from the broker's last confirmed state. */
export const reconciliationLagSeconds = gauge({
  name: 'hft_reconciliation_lag_seconds',
  help: 'Age in seconds of the last successful reconciliation of positions with the broker.',
  unit: 'seconds',
  labels: { account: 'open' },
  maxSeries: 20,
  domain,
});

/** Reconciliation runs, by result. */
export const reconciliationRunsTotal = counter({
  name: 'hft_reconciliation_runs_total',
  help: 'Reconciliation runs against the broker, by result.',
  unit: 'count',
  labels: { account: 'open', result: RECONCILIATION_RESULTS },
  maxSeries: 100,
  domain,
});

/** Positions that differ between engine and broker at the last run. */
export const reconciliationMismatches = gauge({
  name: 'hft_reconciliation_mismatches',
  help: 'Positions that differed between the engine and the broker at the last reconciliation.',
  unit: 'count',
  labels: { account: 'open' },
  maxSeries: 20,
  domain,
  freshness: 'engine',
});
