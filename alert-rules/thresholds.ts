/**
 * Alert thresholds as named constants with units. The alert rules, the dashboards (threshold
 * lines and colours) and the simulator's fault scenarios all use these, so a threshold changes in
 * one place. Figures come from the design card and the alerting issue (#4); where those are
 * silent, from the simulator's normal-day distributions with a wide margin (see each comment).
 */

/** Feed gap that pages: seconds without a tick while the session is open (issue 4: > 1 s for 5 s). */
export const FEED_GAP_CRITICAL_SECONDS = 1;
/** How long the feed gap must last before it pages, in seconds. */
export const FEED_GAP_FOR_SECONDS = 5;

/** Event bus fill level that pages (issue 4: > 0.8 for 10 s). Ratio 0-1. */
export const BUS_OCCUPANCY_CRITICAL_RATIO = 0.8;
/** How long the bus must stay above the critical level, in seconds. */
export const BUS_OCCUPANCY_CRITICAL_FOR_SECONDS = 10;
/** Bus fill level that warns (rising): normal days stay under 0.35 in the simulator. */
export const BUS_OCCUPANCY_WARNING_RATIO = 0.6;

/** Broker reject ratio (rejects / submissions over 1 m) that pages (issue 4: 5 %). */
export const ORDER_REJECT_RATIO_CRITICAL = 0.05;

/** API usage over its limit that warns. Ratio 0-1. */
export const API_USAGE_WARNING_RATIO = 0.8;
/** Order rate over its limit that warns. Ratio 0-1. */
export const ORDER_RATE_WARNING_RATIO = 0.8;

/** Strategy decision latency p99 that warns, in seconds (normal p99 is a few µs). */
export const STRATEGY_LATENCY_P99_WARNING_SECONDS = 100e-6;
/** Submit-to-ack latency p99 that warns, in seconds (normal p99 is about 1 ms). */
export const ORDER_ACK_LATENCY_P99_WARNING_SECONDS = 5e-3;
/** Tick latency p99 that warns, in seconds (normal p99 is about 0.6 ms). */
export const FEED_LATENCY_P99_WARNING_SECONDS = 5e-3;

/** Drawdown over the daily loss limit that warns. Ratio 0-1. */
export const DRAWDOWN_WARNING_RATIO = 0.5;
/** Drawdown over the daily loss limit that pages: close to the limit the risk engine enforces. */
export const DRAWDOWN_CRITICAL_RATIO = 0.8;

/** Seconds since the last matching reconciliation that warn (the engine reconciles every 5 s). */
export const RECONCILIATION_LAG_WARNING_SECONDS = 60;

/** Spool use over its size bound that warns: time to fix the store before intake pauses at 100 %. Ratio 0-1. */
export const RECORDER_SPOOL_WARNING_RATIO = 0.8;

/** Recorder rows waiting that warn (a normal batch is about 1,000 rows a second). */
export const RECORDER_QUEUE_WARNING_ROWS = 10_000;

/** Ingest rejects per second (5 m rate) that warn: a bad line every 10 s means an engine bug, not noise. */
export const INGEST_REJECTS_WARNING_PER_SECOND = 0.1;
