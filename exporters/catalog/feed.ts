/** Market feed and gateway metrics (component `market_data`). */
import { FEED_EVENT_TYPES, GATEWAY_KINDS } from './enums.js';
import { counter, gauge, histogram, LATENCY_BUCKETS_NETWORK_SECONDS } from './types.js';

const domain = 'feed';

/** Market-data messages received, by feed and message type. */
export const feedEventsTotal = counter({
  name: 'hft_feed_events_total',
  help: 'Market-data messages received from the feed, by feed and message type.',
  unit: 'events',
  labels: { feed: 'open', type: FEED_EVENT_TYPES },
  maxSeries: 200,
  domain,
});

/** Sequence gaps the feed handler detected (messages lost upstream). */
export const feedSequenceGapsTotal = counter({
  name: 'hft_feed_sequence_gaps_total',
  help: 'Sequence gaps detected by the feed handler, by feed.',
  unit: 'count',
  labels: { feed: 'open' },
  maxSeries: 50,
  domain,
});

/**
 * Seconds since the feed's last tick while the market session is open; 0 while it is closed.
 * Derived by the exporter from `feed.tick` events and the trading calendar.
 */
export const feedGapSeconds = gauge({
  name: 'hft_feed_gap_seconds',
  help: 'Seconds since the last tick on the feed while the market session is open; 0 while it is closed.',
  unit: 'seconds',
  labels: { feed: 'open' },
  maxSeries: 50,
  domain,
});

/**
 * How long a feed may go without a tick before the time counts against its availability
 * (`hft_feed_gap_exceeded_seconds_total`), in seconds: the same 1 s as FeedGap's bound
 * (`FEED_GAP_CRITICAL_SECONDS` in alert-rules/thresholds.ts; test/rules/slo.test.ts checks they agree).
 * Here, not in thresholds.ts, because the exporter counts with it and may not import the alert rules.
 */
export const FEED_GAP_BAD_AFTER_SECONDS = 1;

/**
 * How long a gap must have lasted before its seconds count while it is still open, in seconds. A
 * gap that a tick ends is counted whole then, from the two ticks' own timestamps; counting an open
 * gap runs on the exporter's clock, which keeps moving while the exporter reads nothing, so a
 * reader that stalls for a moment (a busy host, a slow disk) would count as a gap. Past this a feed
 * is silent for real (FeedGap pages at 6 s), or the reader's stall is an incident of its own.
 */
export const FEED_GAP_COUNT_OPEN_AFTER_SECONDS = 5;

/**
 * Seconds of open trading session while the exporter watched the feed (from its first tick, or
 * from start for the feeds it is told about): the denominator of the feed availability SLO
 * (alert-rules/slo.ts). Derived by the exporter from the trading calendar on its clock.
 */
export const feedOpenSecondsTotal = counter({
  name: 'hft_feed_open_seconds_total',
  help: 'Seconds of open trading session while the exporter watched the feed, by feed.',
  unit: 'seconds',
  labels: { feed: 'open' },
  maxSeries: 50,
  domain,
});

/**
 * Seconds of open session the feed spent in a gap of more than {@link FEED_GAP_BAD_AFTER_SECONDS}
 * without a tick, each such gap counted whole, from its last tick: when the next tick ends it, or,
 * while it lasts, once it has lasted {@link FEED_GAP_COUNT_OPEN_AFTER_SECONDS}. The errors of the
 * feed availability SLO (alert-rules/slo.ts). Only open-session time counts, and never time before
 * the exporter watched the feed.
 */
export const feedGapExceededSecondsTotal = counter({
  name: 'hft_feed_gap_exceeded_seconds_total',
  help: 'Seconds of open trading session the feed spent in a gap of more than 1 s without a tick, each gap counted whole, by feed.',
  unit: 'seconds',
  labels: { feed: 'open' },
  maxSeries: 50,
  domain,
});

/** Unix time of the feed's last tick, for gap queries that do not depend on the calendar. */
export const feedLastTickTimestampSeconds = gauge({
  name: 'hft_feed_last_tick_timestamp_seconds',
  help: 'Unix time in seconds of the last tick received on the feed.',
  unit: 'timestamp_seconds',
  labels: { feed: 'open' },
  maxSeries: 50,
  domain,
});

/** Exchange timestamp to engine receipt, per tick. */
export const feedTickLatencySeconds = histogram({
  name: 'hft_feed_tick_latency_seconds',
  help: 'Latency in seconds from the exchange timestamp of a tick to its receipt by the engine.',
  unit: 'seconds',
  labels: { feed: 'open' },
  buckets: LATENCY_BUCKETS_NETWORK_SECONDS,
  maxSeries: 50,
  domain,
});

/** 1 while the gateway session is connected, 0 otherwise. */
export const gatewayConnected = gauge({
  name: 'hft_gateway_connected',
  help: 'Whether the broker or market-data gateway session is connected (1) or not (0).',
  unit: 'boolean',
  labels: { gateway: 'open', kind: GATEWAY_KINDS },
  maxSeries: 50,
  domain,
  freshness: 'engine',
});

/** Reconnects of a gateway session. */
export const gatewayReconnectsTotal = counter({
  name: 'hft_gateway_reconnects_total',
  help: 'Reconnects of the broker or market-data gateway session.',
  unit: 'count',
  labels: { gateway: 'open', kind: GATEWAY_KINDS },
  maxSeries: 50,
  domain,
});

/** Requests used in the broker API's current rate-limit window. */
export const apiUsageRequests = gauge({
  name: 'hft_api_usage_requests',
  help: 'Requests used in the current rate-limit window of the broker API.',
  unit: 'requests',
  labels: { api: 'open' },
  maxSeries: 50,
  domain,
  freshness: 'engine',
});

/** The broker API's rate limit for the same window. */
export const apiLimitRequests = gauge({
  name: 'hft_api_limit_requests',
  help: 'Requests allowed per rate-limit window of the broker API.',
  unit: 'requests',
  labels: { api: 'open' },
  maxSeries: 50,
  domain,
  freshness: 'engine',
});
