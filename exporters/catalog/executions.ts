/** Execution metrics (component `execution`): fills and slippage. */
import { SIDES } from './enums.js';
import { counter, histogram } from './types.js';

const domain = 'executions';

/** Fills (full and partial), by strategy and side. */
export const fillsTotal = counter({
  name: 'hft_fills_total',
  help: 'Executions (full and partial fills) received, by strategy and side.',
  unit: 'count',
  labels: { strategy: 'open', side: SIDES },
  maxSeries: 200,
  domain,
});

/** Notional traded, in account currency. */
export const filledNotionalTotal = counter({
  name: 'hft_filled_notional_total',
  help: 'Notional value of executions in account currency, by strategy.',
  unit: 'currency',
  labels: { strategy: 'open' },
  maxSeries: 100,
  domain,
});

/**
 * Slippage of a fill against its intent's reference price, as a signed ratio
 * (positive is adverse: 0.0001 is one basis point worse).
 *
 * Its bucket bounds go below zero, so its sum is no counter: in OpenMetrics 1.0 (what Prometheus
 * asks for first) the series is its cumulative `_bucket`s only, ending in `le="+Inf"`, with no
 * `_sum` and no `_count` (OpenMetrics 1.0, "Histogram": negative threshold buckets MUST NOT come
 * with a Sum, and `_count` appears if and only if a Sum does). Text 0.0.4 keeps both. Query the
 * count as `hft_fill_slippage_ratio_bucket{le="+Inf"}` and the distribution from the buckets; a
 * rule or panel on `hft_fill_slippage_ratio_sum` or `_count` finds nothing in Prometheus. See
 * `SeriesView.render` in exporters/instrument/view.ts.
 */
export const fillSlippageRatio = histogram({
  name: 'hft_fill_slippage_ratio',
  help: 'Signed slippage of a fill against the intent price as a ratio; positive is adverse, 0.0001 is 1 bp.',
  unit: 'ratio',
  labels: { strategy: 'open' },
  buckets: [-0.005, -0.001, -0.0005, -0.0001, 0, 0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01],
  maxSeries: 100,
  domain,
});

/**
 * Slippage of a fill in the instrument's ticks (`execution.fill`'s `slippage_ticks`), signed like
 * {@link fillSlippageRatio} (positive is adverse): where a basis point is less than a tick (a
 * low-priced stock), the ratio hides what the ticks show. Only fills that carry `slippage_ticks` are
 * observed. Its bounds go below zero too, so in OpenMetrics it has the same shape: buckets only, no
 * `_sum` and no `_count` (count it with `hft_fill_slippage_ticks_bucket{le="+Inf"}`).
 */
export const fillSlippageTicks = histogram({
  name: 'hft_fill_slippage_ticks',
  help: 'Signed slippage of a fill against the intent price in ticks of the instrument; positive is adverse.',
  unit: 'count',
  labels: { strategy: 'open' },
  buckets: [-10, -5, -2, -1, -0.5, 0, 0.5, 1, 2, 5, 10, 20],
  maxSeries: 100,
  domain,
});
