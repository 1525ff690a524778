import { describe, expect, it } from 'vitest';
import {
  cardinalityOverflowTotal,
  feedEventsTotal,
  gatewayConnected,
  invalidUpdatesTotal,
  orderAckLatencySeconds,
  pnlRealized,
  recorderQueueDepthRows,
  strategyIntentsTotal,
} from '../../exporters/catalog/index.js';
import { MetricRegistry, OTHER } from '../../exporters/instrument/registry.js';
import { SeriesView } from '../../exporters/instrument/view.js';
import { parseExposition, valueOf } from '../helpers/exposition.js';

async function scrape(reg: MetricRegistry) {
  const view = new SeriesView();
  reg.subscribe((m) => view.apply(m));
  return parseExposition((await view.render()).body);
}

describe('MetricRegistry', () => {
  it('renders exactly what was recorded: counters, gauges and histogram buckets, sum, count', async () => {
    const reg = new MetricRegistry();
    const ticks = reg.counter(feedEventsTotal).with({ feed: 'twse', type: 'tick' });
    for (let i = 0; i < 1000; i++) ticks.inc();
    ticks.inc(0.5);
    const pnl = reg.gauge(pnlRealized).with({ strategy: 'alpha' });
    pnl.set(1234.5);
    pnl.dec(0.5);
    const q = reg.gauge(recorderQueueDepthRows).series();
    q.inc(7);
    const ack = reg.histogram(orderAckLatencySeconds).with({ gateway: 'gw1' });
    const obs = [0.00001, 0.00001, 0.0004, 0.001, 0.0011, 2, 10, 11];
    for (const v of obs) ack.observe(v);
    const s = await scrape(reg);
    expect(valueOf(s, 'hft_feed_events_total', { feed: 'twse', type: 'tick' })).toBe(1000.5);
    expect(valueOf(s, 'hft_pnl_realized', { strategy: 'alpha' })).toBe(1234);
    expect(valueOf(s, 'hft_recorder_queue_depth_rows')).toBe(7);
    const bucket = (le: string) => valueOf(s, 'hft_order_ack_latency_seconds_bucket', { gateway: 'gw1', le });
    expect(bucket('0.00001')).toBe(2); // le is inclusive
    expect(bucket('0.0005')).toBe(3);
    expect(bucket('0.001')).toBe(4);
    expect(bucket('0.0025')).toBe(5);
    expect(bucket('2.5')).toBe(6);
    expect(bucket('10')).toBe(7);
    expect(bucket('+Inf')).toBe(8);
    expect(valueOf(s, 'hft_order_ack_latency_seconds_count', { gateway: 'gw1' })).toBe(8);
    expect(valueOf(s, 'hft_order_ack_latency_seconds_sum', { gateway: 'gw1' })).toBeCloseTo(
      obs.reduce((a, b) => a + b),
      12,
    );
    expect(ack.count()).toBe(8);
  });

  it('returns the same handle for the same labels, positional or named', () => {
    const reg = new MetricRegistry();
    const f = reg.counter(strategyIntentsTotal);
    expect(f.labels('alpha', 'buy')).toBe(f.with({ strategy: 'alpha', side: 'buy' }));
    expect(reg.counter(strategyIntentsTotal)).toBe(f);
    expect(() => f.labels('alpha')).toThrow(/expected 2 label values/);
  });

  it('refuses negative increments and NaN observations, and counts them', async () => {
    const reg = new MetricRegistry();
    const c = reg.counter(feedEventsTotal).labels('twse', 'tick');
    c.inc(2);
    c.inc(-1);
    c.inc(NaN);
    reg.histogram(orderAckLatencySeconds).labels('gw').observe(NaN);
    expect(c.get()).toBe(2);
    const s = await scrape(reg);
    expect(valueOf(s, invalidUpdatesTotal.name, { metric: feedEventsTotal.name })).toBe(2);
    expect(valueOf(s, invalidUpdatesTotal.name, { metric: orderAckLatencySeconds.name })).toBe(1);
    expect(valueOf(s, 'hft_order_ack_latency_seconds_count', { gateway: 'gw' })).toBe(0);
  });

  it('folds values outside a closed set into other and counts each fold', async () => {
    const reg = new MetricRegistry();
    const f = reg.counter(feedEventsTotal);
    f.labels('twse', 'tick').inc();
    f.labels('twse', 'nonsense').inc();
    f.labels('twse', 'garbage').inc(2);
    f.labels('twse', OTHER).inc(); // 'other' is always allowed
    const s = await scrape(reg);
    expect(valueOf(s, 'hft_feed_events_total', { feed: 'twse', type: OTHER })).toBe(4);
    expect(valueOf(s, cardinalityOverflowTotal.name, { metric: feedEventsTotal.name, reason: 'unknown_label_value' })).toBe(2);
  });

  it('holds the series limit under a million distinct label values', async () => {
    const reg = new MetricRegistry({ seriesLimits: { [gatewayConnected.name]: 100 } });
    const f = reg.gauge(gatewayConnected);
    f.labels('gw-0', 'order_entry');
    const before = reg.allocatedBytes;
    expect(before).toBe(65536 * 8); // one segment
    const N = 1_000_000;
    for (let i = 0; i < N; i++) f.labels(`gw-${i}`, 'order_entry').set(i);
    expect(f.size).toBe(101); // 100 distinct plus the other series
    expect(reg.allocatedBytes).toBe(before); // nothing beyond the first segment
    const s = await scrape(reg);
    expect(s.filter((x) => x.name === gatewayConnected.name)).toHaveLength(101);
    expect(valueOf(s, gatewayConnected.name, { gateway: OTHER, kind: OTHER })).toBe(N - 1);
    expect(valueOf(s, cardinalityOverflowTotal.name, { metric: gatewayConnected.name, reason: 'series_limit' })).toBe(N - 100);
    // Series under the limit still resolve to their own slot.
    expect(f.labels('gw-5', 'order_entry').get()).toBe(5);
  });

  it('folds on memory exhaustion and still has room for the other series', async () => {
    const reg = new MetricRegistry({ slotsPerSegment: 64, maxSlots: 128 });
    const f = reg.gauge(pnlRealized);
    for (let i = 0; i < 500; i++) f.labels(`s${i}`).inc();
    expect(f.size).toBeLessThan(128);
    const s = await scrape(reg);
    expect(valueOf(s, pnlRealized.name, { strategy: OTHER })).toBeGreaterThan(300);
  });
});
