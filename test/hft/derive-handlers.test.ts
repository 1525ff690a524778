/**
 * Every event type of the contract reaches its handler in the derivation (exporters/hft/derive.ts
 * dispatches by event name since issue 19): each type's documented example, applied alone to a fresh
 * `Deriver`, moves the metrics; the types the derivation leaves to others move none.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../exporters/events/index.js';
import { ALWAYS_OPEN_CALENDAR, TradingCalendar } from '../../exporters/hft/calendar.js';
import { Deriver } from '../../exporters/hft/derive.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { samplesOf } from '../helpers/env.js';

/** Types that move no metric of the derivation (the exporter's liveness and clock checks read them). */
const NOT_DERIVED = ['clock.sync', 'engine.heartbeat', 'store.cleanup'];
const T = Date.UTC(2026, 10, 23, 1) / 1000;

const example = (name: string) => EVENT_TYPES.find((t) => t.name === name)!.example;
/** What a type needs applied before it to move anything: a resolution needs its anomaly open (the examples share its id). */
const BEFORE: Readonly<Record<string, readonly string[]>> = { 'anomaly.resolved': ['anomaly.detected'] };

/** The samples (name, labels, value) that `ex` changed or made, applied to a fresh `Deriver` after the examples of `before`. */
async function moved(ex: Readonly<Record<string, unknown>>, before: readonly string[] = []): Promise<string[]> {
  const registry = new MetricRegistry();
  const d = new Deriver({ registry, calendar: new TradingCalendar(ALWAYS_OPEN_CALENDAR) });
  const apply = (e: Readonly<Record<string, unknown>>) => d.apply({ ts: new Date(T * 1000).toISOString(), level: 'info', ...e } as never, T);
  for (const name of before) apply(example(name));
  const key = (s: { name: string; labels: Readonly<Record<string, string>>; value: number }) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`;
  const was = new Set((await samplesOf(registry)).map(key));
  apply(ex);
  return (await samplesOf(registry)).map(key).filter((k) => !was.has(k));
}

describe('the derivation by event type', () => {
  it('moves metrics for every type of the contract but those it leaves to others', async () => {
    const none: string[] = [];
    for (const t of EVENT_TYPES) {
      const m = await moved(t.example, BEFORE[t.name]);
      if (m.length === 0) none.push(t.name);
    }
    expect(EVENT_TYPES.length).toBeGreaterThan(40);
    expect(none.sort()).toEqual([...NOT_DERIVED].sort());
  });

  it('moves the metric its type names (one per handler shape)', async () => {
    const ex = example;
    expect((await moved(ex('gateway.reconnect'))).filter((k) => k.startsWith('hft_gateway_reconnects_total'))).toHaveLength(1);
    expect((await moved(ex('service.failed'))).some((k) => k.startsWith('hft_service_events_total') && k.includes('"event":"failed"') && k.endsWith(' 1'))).toBe(true);
    expect((await moved(ex('security.mfa_failed'))).some((k) => k.startsWith('hft_security_events_total') && k.includes('"event":"mfa_failed"'))).toBe(true);
    expect((await moved(ex('anomaly.resolved'), BEFORE['anomaly.resolved'])).some((k) => k.startsWith('hft_anomalies_open') && k.endsWith(' 0'))).toBe(true);
    expect((await moved(ex('feed.tick'))).some((k) => k.startsWith('hft_feed_events_total'))).toBe(true);
  });
});
