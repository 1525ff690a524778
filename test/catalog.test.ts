import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMetricsDoc } from '../exporters/catalog/docs.js';
import { CATALOG, METRICS_BY_NAME, validateCatalog } from '../exporters/catalog/index.js';
import { counter, decades, gauge, histogram, validateDefinition } from '../exporters/catalog/types.js';
import { LEVEL_RANK, LOG_LEVELS, levelRankOf } from '../exporters/catalog/enums.js';
import { MetricRegistry } from '../exporters/instrument/registry.js';
import { orderRejectsTotal, stormguardMode } from '../exporters/catalog/index.js';

describe('metric catalog', () => {
  it('passes every naming and consistency rule', () => {
    expect(validateCatalog()).toEqual([]);
    expect(CATALOG.length).toBeGreaterThan(50);
    expect(METRICS_BY_NAME.size).toBe(CATALOG.length);
  });

  it('covers the HFT surface the design names', () => {
    for (const name of [
      'hft_feed_events_total',
      'hft_feed_gap_seconds',
      'hft_feed_tick_latency_seconds',
      'hft_gateway_connected',
      'hft_gateway_reconnects_total',
      'hft_api_usage_requests',
      'hft_api_limit_requests',
      'hft_bus_occupancy_ratio',
      'hft_bus_overflows_total',
      'hft_strategy_decision_latency_seconds',
      'hft_strategy_intents_total',
      'hft_risk_decisions_total',
      'hft_risk_rejects_total',
      'hft_stormguard_mode',
      'hft_order_actions_total',
      'hft_order_rejects_total',
      'hft_order_ack_latency_seconds',
      'hft_order_rate_per_second',
      'hft_order_rate_limit_per_second',
      'hft_fills_total',
      'hft_fill_slippage_ratio',
      'hft_pnl_realized',
      'hft_pnl_unrealized',
      'hft_pnl_drawdown',
      'hft_exposure_gross',
      'hft_exposure_long',
      'hft_exposure_short',
      'hft_leverage_ratio',
      'hft_reconciliation_lag_seconds',
      'hft_recorder_rows_written_total',
      'hft_recorder_write_failures_total',
      'hft_recorder_queue_depth_rows',
      'hft_recorder_write_duration_seconds',
      'hft_recorder_store_up',
      'hft_market_session_open',
      'tickwatch_process_uptime_seconds',
      'tickwatch_ingest_rejected_total',
    ]) {
      expect(METRICS_BY_NAME.has(name), name).toBe(true);
    }
  });

  it('gives the strategy decision histogram sub-microsecond to 1 s buckets', () => {
    const b = METRICS_BY_NAME.get('hft_strategy_decision_latency_seconds')!.buckets!;
    expect(b[0]).toBeLessThan(1e-6);
    expect(b.at(-1)).toBe(1);
  });

  it('rejects definitions that break the conventions', () => {
    const bad = [
      counter({ name: 'x_events', help: 'Counts things in a bad way.', unit: 'events', domain: 'd' }),
      gauge({ name: 'x_total', help: 'A gauge with a counter name.', unit: 'count', domain: 'd' }),
      gauge({ name: 'x_latency_ms', help: 'Latency in milliseconds.', unit: 'seconds', domain: 'd' }),
      gauge({ name: 'x_size', help: 'no period', unit: 'bytes', domain: 'd' }),
      histogram({ name: 'x_seconds', help: 'Bad buckets here.', unit: 'seconds', buckets: [1, 1, 0.5], domain: 'd' }),
      gauge({ name: 'x_mode', help: 'A state without a map.', unit: 'state', domain: 'd' }),
      gauge({ name: 'x_ratio', help: 'Reserved label name.', unit: 'ratio', labels: { le: 'open' }, domain: 'd' }),
      gauge({ name: 'x_ratio', help: 'Empty closed set here.', unit: 'ratio', labels: { kind: [] }, domain: 'd' }),
    ];
    for (const d of bad) expect(validateDefinition(d), d.name).not.toEqual([]);
    expect(validateCatalog([CATALOG[0]!, CATALOG[0]!])).toContain(`${CATALOG[0]!.name}: defined twice`);
  });

  it('builds 1-2.5-5 decade buckets exactly', () => {
    expect(decades(1e-7, 1e-6)).toEqual([1e-7, 2.5e-7, 5e-7, 1e-6]);
    expect(decades(0.1, 10)).toEqual([0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  });

  it('types label values from the catalog (closed sets are literal unions)', () => {
    const reg = new MetricRegistry();
    reg.counter(orderRejectsTotal).with({ strategy: 'alpha', reason: 'timeout' }).inc();
    // @ts-expect-error 'not_a_reason' is not in ORDER_REJECT_REASONS
    reg.counter(orderRejectsTotal).with({ strategy: 'alpha', reason: 'not_a_reason' });
    // @ts-expect-error a gauge definition is not a counter
    reg.counter(stormguardMode);
    expect(reg.counter(orderRejectsTotal).size).toBe(2); // the typo still folded at run time
  });

  it('has a committed docs/metrics.md that matches the catalog', () => {
    expect(readFileSync(new URL('../docs/metrics.md', import.meta.url), 'utf8')).toBe(renderMetricsDoc());
  });
});

describe('log levels', () => {
  it("levelRankOf gives each level's LEVEL_RANK (each level's first letter is its own)", () => {
    for (const l of LOG_LEVELS) expect(levelRankOf(l), l).toBe(LEVEL_RANK[l]);
    expect(new Set(LOG_LEVELS.map((l) => l[0])).size).toBe(LOG_LEVELS.length);
  });
});
