/** Market feed and gateway alerts: feed gap, tick latency, gateway connection, API usage. */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { promDur, promPct } from '../query/format.js';
import { max, sel } from '../query/promql.js';
import { apiUsageRatio, tickLatencyP99, rec } from '../query/recording.js';
import { histogramAt, hold } from './testing.js';
import * as T from './thresholds.js';

const target = ['job', 'instance'] as const;

/** FeedGap with the thresholds `t`: no tick for over 1 s, sustained 5 s, while the session is open. */
export const feedGap = (t: Thresholds): AlertRule => alert({
  name: 'FeedGap',
  family: 'feed_gap',
  severity: 'critical',
  // Not while the engine itself is silent (EngineSilent pages for that): every feed goes quiet with it.
  expr: max([...target, 'feed'], sel(C.feedGapSeconds))
    .gt(t.FEED_GAP_CRITICAL_SECONDS)
    .and(max(target, sel(C.marketSessionOpen)).eq(1), target)
    .unless(max(target, sel(C.engineUp)).eq(0), target),
  for: `${t.FEED_GAP_FOR_SECONDS}s`,
  summary: 'Market-data feed silent during the trading session',
  description: 'Feed {{ $labels.feed }} on {{ $labels.instance }} has had no tick for {{ $value | humanizeDuration }} while the market is open. Strategies are trading on stale prices.',
  panel: PANELS.feedGap,
  tests: {
    firing: [
      {
        name: 'gap grows past 1 s and stays there 5 s while open',
        series: [input(C.feedGapSeconds, { feed: 'twse-md' }, '0 0 0 2 3 4 5 6 7 8 9 10 11 12'), input(C.marketSessionOpen, { exchange: 'TWSE' }, hold(1, 13))],
        at: '10s',
        alerts: [{ labels: { ...TEST_TARGET, feed: 'twse-md' }, description: `Feed twse-md on ${TEST_TARGET.instance} has had no tick for 9s while the market is open. Strategies are trading on stale prices.` }],
      },
    ],
    silent: [
      { name: 'gap just under 1 s', series: [input(C.feedGapSeconds, { feed: 'twse-md' }, hold(0.99, 20)), input(C.marketSessionOpen, { exchange: 'TWSE' }, hold(1, 20))], at: '15s' },
      { name: 'gap shorter than 5 s', series: [input(C.feedGapSeconds, { feed: 'twse-md' }, '0 0 2 3 4 5 0 0 0 0 0 0'), input(C.marketSessionOpen, { exchange: 'TWSE' }, hold(1, 11))], at: '8s' },
      { name: 'market closed', series: [input(C.feedGapSeconds, { feed: 'twse-md' }, '0+1x20'), input(C.marketSessionOpen, { exchange: 'TWSE' }, hold(0, 20))], at: '15s' },
      {
        name: 'the whole engine is silent (EngineSilent pages instead)',
        series: [input(C.feedGapSeconds, { feed: 'twse-md' }, '0+1x20'), input(C.marketSessionOpen, { exchange: 'TWSE' }, hold(1, 20)), input(C.engineUp, {}, `1 1 1 ${hold(0, 17)}`)],
        at: '15s',
      },
    ],
  },
});

/** FeedLatencyHigh with the thresholds `t`: tick latency p99 above 5 ms for 30 s. */
export const feedLatencyHigh = (t: Thresholds): AlertRule => alert({
  name: 'FeedLatencyHigh',
  family: 'feed_latency',
  severity: 'warning',
  expr: rec(tickLatencyP99).gt(t.FEED_LATENCY_P99_WARNING_SECONDS),
  for: holdFor(t.FEED_LATENCY_FOR_SECONDS),
  summary: 'Market-data tick latency p99 high',
  description: `Tick latency p99 on feed {{ $labels.feed }} ({{ $labels.instance }}) is {{ $value | humanizeDuration }} over the last minute (warning above ${promDur(t.FEED_LATENCY_P99_WARNING_SECONDS)}).`,
  panel: PANELS.tickLatency,
  tests: {
    firing: [
      {
        name: 'every tick takes 10-25 ms',
        series: histogramAt(C.feedTickLatencySeconds, { feed: 'twse-md' }, 0.02, 100, 150),
        at: '120s',
        alerts: [{ labels: { ...TEST_TARGET, feed: 'twse-md' }, description: `Tick latency p99 on feed twse-md (${TEST_TARGET.instance}) is 24.85ms over the last minute (warning above ${promDur(t.FEED_LATENCY_P99_WARNING_SECONDS)}).` }],
      },
    ],
    silent: [{ name: 'p99 just under 5 ms', series: histogramAt(C.feedTickLatencySeconds, { feed: 'twse-md' }, 0.004, 100, 150), at: '120s' }],
  },
});

/** GatewayDisconnected with the thresholds `t`: a gateway session down for 5 s. */
export const gatewayDisconnected = (t: Thresholds): AlertRule => alert({
  name: 'GatewayDisconnected',
  family: 'gateway',
  severity: 'critical',
  expr: sel(C.gatewayConnected).eq(0),
  for: holdFor(t.GATEWAY_DISCONNECTED_FOR_SECONDS),
  summary: 'Broker or market-data gateway disconnected',
  description: 'The {{ $labels.kind }} gateway {{ $labels.gateway }} on {{ $labels.instance }} is disconnected (hft_gateway_connected={{ $value }}). No orders or prices flow through it.',
  panel: PANELS.gatewayConnected,
  tests: {
    firing: [
      {
        name: 'down for 8 s',
        series: [input(C.gatewayConnected, { gateway: 'broker-a', kind: 'order_entry' }, '1 1 0x10')],
        at: '10s',
        alerts: [{ labels: { ...TEST_TARGET, gateway: 'broker-a', kind: 'order_entry' }, description: `The order_entry gateway broker-a on ${TEST_TARGET.instance} is disconnected (hft_gateway_connected=0). No orders or prices flow through it.` }],
      },
    ],
    silent: [
      { name: 'a 3 s blip', series: [input(C.gatewayConnected, { gateway: 'broker-a', kind: 'order_entry' }, '1 1 0 0 0 1x8')], at: '10s' },
      { name: 'connected', series: [input(C.gatewayConnected, { gateway: 'broker-a', kind: 'order_entry' }, hold(1, 12))], at: '10s' },
    ],
  },
});

/** ApiUsageNearLimit with the thresholds `t`: API usage above 80 % of its limit for 30 s. */
export const apiUsageNearLimit = (t: Thresholds): AlertRule => alert({
  name: 'ApiUsageNearLimit',
  family: 'api_limit',
  severity: 'warning',
  expr: rec(apiUsageRatio).gt(t.API_USAGE_WARNING_RATIO),
  for: holdFor(t.API_USAGE_FOR_SECONDS),
  summary: 'Broker API usage close to its rate limit',
  description: `API {{ $labels.api }} ({{ $labels.instance }}) is at {{ $value | humanizePercentage }} of its rate limit (warning above ${promPct(t.API_USAGE_WARNING_RATIO)}). Requests past the limit are refused by the broker.`,
  panel: PANELS.apiUsage,
  tests: {
    firing: [
      {
        name: '90 % for a minute',
        series: [input(C.apiUsageRequests, { api: 'broker-a-rest' }, hold(450, 60)), input(C.apiLimitRequests, { api: 'broker-a-rest' }, hold(500, 60))],
        at: '50s',
        alerts: [{ labels: { ...TEST_TARGET, api: 'broker-a-rest' }, description: `API broker-a-rest (${TEST_TARGET.instance}) is at 90% of its rate limit (warning above ${promPct(t.API_USAGE_WARNING_RATIO)}). Requests past the limit are refused by the broker.` }],
      },
    ],
    silent: [{ name: 'just under 80 %', series: [input(C.apiUsageRequests, { api: 'broker-a-rest' }, hold(399, 60)), input(C.apiLimitRequests, { api: 'broker-a-rest' }, hold(500, 60))], at: '50s' }],
  },
});

/** Feed and gateway rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const feedRules = (t: Thresholds): RuleGroup => ({ name: 'feed', interval: '1s', rules: [feedGap(t), feedLatencyHigh(t), gatewayDisconnected(t), apiUsageNearLimit(t)] });

/** Feed and gateway rules. */
export const feedGroup: RuleGroup = feedRules(T);
