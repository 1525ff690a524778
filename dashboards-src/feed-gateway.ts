/**
 * Feed & gateways: is market data arriving, on time, through connected sessions, within the
 * broker's rate limits, and is the event bus keeping up with it?
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { max, quantile, rate, increase, sel, sum, bucket } from '../query/promql.js';
import { rec } from '../query/recording.js';
import { apiUsageRatio, tickLatencyP99 } from '../query/recording.js';
import * as T from '../alert-rules/thresholds.js';
import * as C from '../exporters/catalog/index.js';
import {
  COLOR,
  RATE,
  UNIT,
  buildDashboard,
  criticalAt,
  dur,
  flagMappings,
  heatmapPanel,
  targetFilter as I,
  linked,
  orZero,
  pct,
  stateTimelinePanel,
  statPanel,
  timeseriesPanel,
  warningAt,
} from './common.js';
import { DASHBOARD_UIDS, PANELS } from '../query/panels.js';
import { SLOS } from '../alert-rules/slo.js';
import { sloBudgetPanel } from './slo.js';

/** The feed & gateway dashboard (uid `tickwatch-feed-gateway`). */
export function feedGatewayDashboard(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.feed,
    title: 'tickwatch / Feed & gateways',
    description:
      'Market-data feeds and broker gateways of the HFT exporters: session and connection state, feed message rates and gaps, exchange-to-engine tick latency, broker API usage against its limit, and the event bus between the feed handler and the strategies.',
    tags: ['hft', 'feed'],
    jobs: ['hft'],
    variables: [],
    rows: [
      {
        title: 'Connectivity',
        panels: [
          statPanel({
            id: 1,
            title: 'Market session',
            description: 'Whether each exchange session is open per the trading calendar. Feed gap alerts only count while it is open.',
            unit: UNIT.state,
            queries: [{ expr: max(['instance', 'exchange'], sel(C.marketSessionOpen, I)), legend: '{{instance}} {{exchange}}' }],
            mappings: flagMappings({ text: 'CLOSED', color: COLOR.neutral }, { text: 'OPEN', color: COLOR.ok }),
            width: 4,
          }),
          stateTimelinePanel({
            ...linked(PANELS.gatewayConnected),
            description:
              'Connection state of each market-data and order-entry gateway session (1 connected, 0 disconnected). GatewayDisconnected fires when a session stays down; see the runbook link.',
            unit: UNIT.state,
            queries: [{ expr: max(['instance', 'gateway', 'kind'], sel(C.gatewayConnected, I)), legend: '{{instance}} {{gateway}} ({{kind}})' }],
            mappings: flagMappings({ text: 'DISCONNECTED', color: COLOR.critical }, { text: 'CONNECTED', color: COLOR.ok }),
            width: 14,
          }),
          timeseriesPanel(
            {
              id: 3,
              title: 'Gateway reconnects',
              description: 'Reconnects of each gateway session per rate interval; 0 for sessions that never reconnected. A steady trickle means a flapping line.',
              unit: UNIT.count,
              queries: [
                {
                  expr: orZero(sum(['instance', 'gateway', 'kind'], increase(sel(C.gatewayReconnectsTotal, I), RATE)), ['instance', 'gateway', 'kind'], sel(C.gatewayConnected, I)),
                  legend: '{{instance}} {{gateway}} ({{kind}})',
                },
              ],
              width: 6,
            },
            { bars: true },
          ),
        ],
      },
      {
        title: 'Market data',
        panels: [
          timeseriesPanel(
            {
              ...linked(PANELS.feedGap),
              description: `Seconds since the last tick on each feed while the session is open (0 while closed). FeedGap pages above ${dur(T.FEED_GAP_CRITICAL_SECONDS)} held for ${dur(T.FEED_GAP_FOR_SECONDS)} (red line).`,
              unit: UNIT.seconds,
              queries: [{ expr: max(['instance', 'feed'], sel(C.feedGapSeconds, I)), legend: '{{instance}} {{feed}}' }],
              thresholds: [criticalAt(T.FEED_GAP_CRITICAL_SECONDS)],
              min: 0,
              width: 8,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          timeseriesPanel(
            {
              id: 5,
              title: 'Feed message rate',
              description: 'Market-data messages received per second, by feed and message type (tick, quote, trade, book snapshot, status).',
              unit: UNIT.messagesPerSecond,
              queries: [{ expr: sum(['instance', 'feed', 'type'], rate(sel(C.feedEventsTotal, I), RATE)), legend: '{{instance}} {{feed}} {{type}}' }],
              width: 8,
            },
            { stacked: true },
          ),
          timeseriesPanel(
            {
              id: 10,
              title: 'Feed sequence gaps',
              description: 'Sequence gaps the feed handler detected per rate interval, by feed; 0 for feeds without a gap. Gaps mean lost messages and a book that may need a snapshot.',
              unit: UNIT.count,
              queries: [{ expr: orZero(sum(['instance', 'feed'], increase(sel(C.feedSequenceGapsTotal, I), RATE)), ['instance', 'feed'], sel(C.feedGapSeconds, I)), legend: '{{instance}} {{feed}}' }],
              width: 8,
            },
            { bars: true },
          ),
          // The feed availability SLO's error budget (alert-rules/slo.ts).
          sloBudgetPanel(SLOS.find((s) => s.panel === PANELS.sloFeedAvailability)!, 24),
        ],
      },
      {
        title: 'Tick latency',
        panels: [
          timeseriesPanel(
            {
              ...linked(PANELS.tickLatency),
              description: `The 99th percentile of exchange-to-engine tick latency per instance and feed over the last minute (recording rule ${tickLatencyP99.record}, the series FeedLatencyHigh reads). Dashed line: the ${dur(T.FEED_LATENCY_P99_WARNING_SECONDS)} warning.`,
              unit: UNIT.seconds,
              queries: [{ expr: max(['instance', 'feed'], rec(tickLatencyP99, I)), legend: '{{instance}} {{feed}} p99' }],
              thresholds: [warningAt(T.FEED_LATENCY_P99_WARNING_SECONDS)],
              min: 0,
              width: 8,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          heatmapPanel({
            id: 11,
            title: 'Tick latency distribution on $instance',
            description: 'Exchange-to-engine tick latency of every feed of one HFT exporter as a heatmap of histogram buckets per rate interval: a second band or a shift upwards shows where the p99 comes from. One heatmap per selected instance, one under the other.',
            unit: UNIT.seconds,
            queries: [{ expr: sum(['instance', 'le'], rate(bucket(C.feedTickLatencySeconds, I), RATE)), legend: '{{le}}' }],
            width: 8,
          }),
          timeseriesPanel({
            id: 12,
            title: 'Tick latency p50',
            description: 'The median exchange-to-engine tick latency per feed over the rate interval, from the histogram: the typical tick, against which the p99 tail is judged.',
            unit: UNIT.seconds,
            queries: [{ expr: quantile(0.5, C.feedTickLatencySeconds, ['instance', 'feed'], RATE, I), legend: '{{instance}} {{feed}} p50' }],
            min: 0,
            width: 8,
          }),
        ],
      },
      {
        title: 'Rate limits and event bus',
        panels: [
          timeseriesPanel({
            ...linked(PANELS.apiUsage),
            description: `Broker API requests used in the current rate-limit window over the requests allowed (recording rule ${apiUsageRatio.record}, the series ApiUsageNearLimit reads). Dashed line: the ${pct(T.API_USAGE_WARNING_RATIO)} warning.`,
            unit: UNIT.ratio,
            queries: [{ expr: max(['instance', 'api'], rec(apiUsageRatio, I)), legend: '{{instance}} {{api}}' }],
            thresholds: [warningAt(T.API_USAGE_WARNING_RATIO)],
            min: 0,
            max: 1,
          }),
          timeseriesPanel({
            id: 13,
            title: 'API requests used and allowed',
            description: 'Broker API requests used in the current rate-limit window and the number the window allows, by API.',
            unit: UNIT.count,
            queries: [
              { expr: max(['instance', 'api'], sel(C.apiUsageRequests, I)), legend: '{{instance}} {{api}} used' },
              { expr: max(['instance', 'api'], sel(C.apiLimitRequests, I)), legend: '{{instance}} {{api}} limit' },
            ],
            min: 0,
          }),
          timeseriesPanel({
            ...linked(PANELS.busOccupancy),
            description: `Fill level of each event bus ring buffer (0 empty, 1 full). BusOccupancyRising warns above ${pct(T.BUS_OCCUPANCY_WARNING_RATIO)}, BusOccupancyCritical pages above ${pct(T.BUS_OCCUPANCY_CRITICAL_RATIO)} held for ${dur(T.BUS_OCCUPANCY_CRITICAL_FOR_SECONDS)}.`,
            unit: UNIT.ratio,
            queries: [{ expr: max(['instance', 'bus'], sel(C.busOccupancyRatio, I)), legend: '{{instance}} {{bus}}' }],
            thresholds: [warningAt(T.BUS_OCCUPANCY_WARNING_RATIO), criticalAt(T.BUS_OCCUPANCY_CRITICAL_RATIO)],
            min: 0,
            max: 1,
            width: 8,
          }),
          timeseriesPanel(
            {
              ...linked(PANELS.busOverflows),
              description: 'Events per second the event bus refused or dropped because it was full, by bus; 0 while nothing overflows. Any overflow fires BusOverflow: strategies are missing market data.',
              unit: UNIT.eventsPerSecond,
              queries: [{ expr: orZero(sum(['instance', 'bus'], rate(sel(C.busOverflowsTotal, I), RATE)), ['instance', 'bus'], sel(C.busOccupancyRatio, I)), legend: '{{instance}} {{bus}}' }],
              min: 0,
              width: 8,
            },
            { bars: true },
          ),
          timeseriesPanel({
            id: 14,
            title: 'Event bus publish rate',
            description: 'Events published onto each event bus per second: the load behind its occupancy.',
            unit: UNIT.eventsPerSecond,
            queries: [{ expr: sum(['instance', 'bus'], rate(sel(C.busPublishedTotal, I), RATE)), legend: '{{instance}} {{bus}}' }],
            min: 0,
            width: 8,
          }),
        ],
      },
    ],
  });
}
