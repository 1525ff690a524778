/**
 * Anomalies (seed 000's `anomaly_log`; seeds 001 and 003): trade outliers, unusual activity, high
 * slippage, large position changes, volatility spikes. Counted from `anomaly.detected` and
 * `anomaly.resolved` events, whether the engine's detectors wrote them or tickwatch's own
 * (`exporters/hft/anomalies.ts`, `detected_by: tickwatch`), which emit the same events.
 *
 * The defaults of tickwatch's own detectors are here so that the exporter, the alert texts and the
 * simulator's `position-jump` fault name one figure; the exporter's options override them.
 */
import { ANOMALY_SEVERITIES, ANOMALY_TYPES } from './enums.js';
import { counter, gauge } from './types.js';

const domain = 'anomalies';

/**
 * Open anomalies the exporter keeps by id (`anomaly_id`), at most: past this the anomaly open the
 * longest is dropped (it leaves `hft_anomalies_open` as if resolved; the audit log keeps it).
 */
export const ANOMALY_OPEN_TRACKED = 10_000;

/**
 * Seconds after which an anomaly of tickwatch's own detectors resolves itself when it has not been
 * seen again (each repeat of the same anomaly, same kind, strategy and symbol, while it is open
 * only refreshes it): the detectors see single events, not a state that could be seen to end.
 */
export const ANOMALY_RESOLVE_AFTER_SECONDS = 300;

/**
 * Default bound of each detector's per-key windows (symbols for prices, strategies for order sizes,
 * positions): the least recently seen key is evicted when one is full.
 */
export const ANOMALY_TRACKED_KEYS = 10_000;

/**
 * A fill whose price is further than this from the median of its symbol's recent fill prices is a
 * `price_outlier` (severity high). Ratio 0-1 of the median: 5 % is half of TWSE's 10 % daily price
 * limit, while fills of a liquid name minutes apart are a few ticks (0.1-0.5 %) from each other.
 */
export const PRICE_OUTLIER_RATIO = 0.05;

/** Fills per symbol whose prices form the reference (the median of the last this many). */
export const PRICE_WINDOW_FILLS = 50;

/** Fills of a symbol needed before its price can be an outlier. */
export const PRICE_MIN_FILLS = 10;

/**
 * An order whose quantity is more than this many times the median of its strategy's recent order
 * quantities is an `order_size_outlier` (severity high): a fat finger, or a strategy sizing off a
 * broken input.
 */
export const ORDER_SIZE_OUTLIER_FACTOR = 10;

/** Orders per strategy whose quantities form the reference (the median of the last this many). */
export const ORDER_SIZE_WINDOW = 100;

/** Orders of a strategy needed before a quantity can be an outlier. */
export const ORDER_SIZE_MIN_ORDERS = 20;

/**
 * Default bound on a position change, in account currency: when a strategy's position in one
 * instrument changes by more than this between two snapshots (the change in quantity at the mark
 * price, so a price move alone is no jump) it is a `position_jump` of severity critical, which
 * pages (AnomalyCritical). The risk desk sets it (the exporter's `positionJumpNotional`); 5,000,000
 * is ten times the largest one-second change of the simulator's normal day.
 */
export const POSITION_JUMP_NOTIONAL = 5_000_000;

/**
 * Seconds two snapshots of a position may be apart and still be compared: a change over a longer
 * gap (the engine was silent, or the position was not reported) is a new baseline, not a jump.
 */
export const POSITION_JUMP_WINDOW_SECONDS = 10;

const labels = { anomaly_type: ANOMALY_TYPES, severity: ANOMALY_SEVERITIES } as const;

/**
 * Anomalies detected (`anomaly.detected`), by kind and severity, whoever detected them. Every label
 * set exists from the exporter's start at 0, so the first detection is an increase.
 */
export const anomaliesTotal = counter({
  name: 'hft_anomalies_total',
  help: 'Anomalies detected (by the engine or by tickwatch), by kind and severity.',
  unit: 'events',
  labels,
  domain,
});

/**
 * Anomalies open now: detected and not yet resolved, by kind and severity. Tracked by `anomaly_id`
 * in a map of at most {@link ANOMALY_OPEN_TRACKED} entries; a repeated detection of an open id, or
 * the resolution of an id not open, changes nothing.
 */
export const anomaliesOpen = gauge({
  name: 'hft_anomalies_open',
  help: 'Anomalies detected and not yet resolved, by kind and severity.',
  unit: 'count',
  labels,
  domain,
});
