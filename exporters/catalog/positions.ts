/**
 * Positions, from the engine's `position.snapshot` events (a strategy's position in one instrument,
 * about once a second each): net exposure per strategy, and the K largest positions by absolute
 * notional across strategies. Gross exposure is `hft_exposure_gross` (pnl.ts), the engine's own
 * figure from `pnl.snapshot`; it is not defined twice.
 *
 * A symbol is a label only in `hft_position_notional`, and only for the K positions that are the
 * largest now: the exporter serves that metric from a scrape-time collector that yields exactly
 * those K series, so a position that leaves the top K leaves `/metrics` (Prometheus marks its
 * series stale) instead of staying behind with its last value.
 */
import { gauge } from './types.js';

const domain = 'positions';

/** Default K of `hft_position_notional` (the exporter's `topPositions` overrides it, 1 to {@link TOP_POSITIONS_MAX}). */
export const TOP_POSITIONS_DEFAULT = 10;

/** The largest K the exporter accepts. */
export const TOP_POSITIONS_MAX = 100;

/**
 * Positions the exporter keeps (strategy × symbol): past this the least recently reported one is
 * dropped, as is any position not reported for {@link POSITION_STALE_SECONDS}.
 */
export const POSITIONS_TRACKED = 100_000;

/**
 * Seconds without a snapshot after which a position counts as gone (it leaves the net exposure and
 * the top K): the engine reports every open position about once a second and a closed one once
 * with quantity 0.
 */
export const POSITION_STALE_SECONDS = 60;

/** Net exposure: the sum of the signed notionals of a strategy's positions (long positive, short negative). */
export const exposureNet = gauge({
  name: 'hft_exposure_net',
  help: 'Net exposure of a strategy: the sum of its positions\' signed market values (long minus short), in account currency.',
  unit: 'currency',
  labels: { strategy: 'open' },
  maxSeries: 100,
  domain,
  freshness: 'engine',
});

/**
 * Signed notional of one of the K largest positions by absolute notional, across strategies.
 * Served at scrape time: exactly the current top K label sets exist (see the module comment), none
 * while the engine is silent.
 */
export const positionNotional = gauge({
  name: 'hft_position_notional',
  help: 'Signed market value of a position among the largest K by absolute value across strategies, in account currency.',
  unit: 'currency',
  labels: { strategy: 'open', symbol: 'open' },
  maxSeries: TOP_POSITIONS_MAX,
  domain,
  freshness: 'engine',
});
