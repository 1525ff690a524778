/**
 * A silent engine is not passed off as a live one: the HFT exporter's /metrics says the engine is
 * down (`hft_engine_up` 0) and stops serving the gauges that hold its last reported values, while
 * counters and time-derived gauges stay; when the engine speaks again everything comes back. Short
 * limits (1 s of silence, 0.6 s of heartbeat age) keep the test quick; the defaults are 10 s and 5 s.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { METRICS_BY_NAME } from '../../exporters/catalog/index.js';
import { ALWAYS_OPEN_CALENDAR, TWSE_CALENDAR } from '../../exporters/hft/calendar.js';
import { startHftExporter, type HftExporter } from '../../exporters/hft/exporter.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { parseExposition, type Sample } from '../helpers/exposition.js';

const dir = tempDir('tickwatch-liveness-');
const exporters: HftExporter[] = [];
afterAll(async () => {
  for (const e of exporters) await e.close();
});

const line = (o: Record<string, unknown>) => `${JSON.stringify({ ts: new Date().toISOString(), level: 'info', ...o })}\n`;
const engineLines = () =>
  line({ component: 'order_adapter', event: 'gateway.connect', gateway: 'broker-a', kind: 'order_entry' }) +
  line({ component: 'risk_engine', event: 'stormguard.transition', strategy: 'mm-2330', from: 'NORMAL', to: 'WARM' }) +
  line({ component: 'market_data', event: 'feed.tick', feed: 'twse-md', latency_ns: 1000 });

async function scrape(e: HftExporter): Promise<Sample[]> {
  return parseExposition(await (await fetch(`${e.metrics.url}/metrics`)).text());
}
const value = (s: readonly Sample[], name: string) => s.find((x) => x.name === name)?.value;
const has = (s: readonly Sample[], name: string) => s.some((x) => x.name === name);
async function until(e: HftExporter, cond: (s: Sample[]) => boolean, ms = 15_000): Promise<Sample[]> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await scrape(e);
    if (cond(s)) return s;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms; last scrape:\n${s.map((x) => `${x.name} ${JSON.stringify(x.labels)} ${x.value}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('engine liveness on /metrics', () => {
  it("drops the engine's last reported gauges while it is silent in an open session, and serves them again when it speaks", { timeout: 60_000 }, async () => {
    const file = join(dir, 'open.ndjson');
    writeFileSync(file, engineLines());
    const e = await startHftExporter({ port: 0, tcp: null, files: [file], dataDir: join(dir, 'open'), calendar: ALWAYS_OPEN_CALENDAR, pollMs: 50, tickMs: 50, engineSilentAfter: 1, heartbeatTimeout: 0.6 }, captureLogging());
    exporters.push(e);
    const live = await until(e, (s) => value(s, 'hft_gateway_connected') === 1);
    expect(value(live, 'hft_engine_up')).toBe(1);
    expect(value(live, 'hft_stormguard_mode')).toBe(1);
    // Silent: no line for longer than the limit.
    const silent = await until(e, (s) => value(s, 'hft_engine_up') === 0);
    expect(value(silent, 'hft_engine_silence_seconds')).toBeGreaterThan(1);
    // The engine's last reported values are gone, every one the catalog marks so...
    const stale = [...METRICS_BY_NAME.values()].filter((d) => d.freshness === 'engine').map((d) => d.name);
    expect(stale).toContain('hft_gateway_connected');
    // hft_engine_up is in shared memory and the stale mark reaches the /metrics worker by message:
    // a scrape in between (milliseconds; seen once in a clean-clone run) can still show the values,
    // so they must be gone within a second of hft_engine_up reading 0.
    const gone = await until(e, (s) => value(s, 'hft_engine_up') === 0 && stale.every((n) => !has(s, n)), 1000).catch(() => silent);
    for (const name of stale) expect(has(gone, name), `${name} is still served a second after the engine went silent`).toBe(false);
    // ...while counters and what the exporter derives from time stay.
    expect(has(silent, 'hft_feed_events_total')).toBe(true);
    expect(value(silent, 'hft_feed_gap_seconds')).toBeGreaterThan(1);
    expect(has(silent, 'hft_market_session_open')).toBe(true);
    // It speaks again: up, and the gauges are back.
    appendFileSync(file, engineLines());
    const back = await until(e, (s) => value(s, 'hft_engine_up') === 1 && has(s, 'hft_gateway_connected'));
    expect(value(back, 'hft_stormguard_mode')).toBe(1);
  });

  it('outside the session a quiet engine is not silent, but a missed heartbeat is', { timeout: 60_000 }, async () => {
    const file = join(dir, 'closed.ndjson');
    writeFileSync(file, engineLines());
    // A calendar whose session is never open now: Sunday only, at an hour of its own.
    const closed = { ...TWSE_CALENDAR, exchange: 'CLOSED', weekdays: [], holidays: [] };
    const e = await startHftExporter({ port: 0, tcp: null, files: [file], dataDir: join(dir, 'closed'), calendar: closed, pollMs: 50, tickMs: 50, engineSilentAfter: 1, heartbeatTimeout: 0.6 }, captureLogging());
    exporters.push(e);
    await until(e, (s) => value(s, 'hft_gateway_connected') === 1);
    await new Promise((r) => setTimeout(r, 1500));
    const quiet = await scrape(e);
    expect(value(quiet, 'hft_engine_silence_seconds')).toBeGreaterThan(1);
    expect(value(quiet, 'hft_engine_up')).toBe(1);
    expect(has(quiet, 'hft_gateway_connected')).toBe(true);
    // Once the engine heartbeats, a missed heartbeat counts at any hour.
    appendFileSync(file, line({ component: 'monitor', event: 'engine.heartbeat', interval_ms: 200, seq: 1 }));
    await until(e, (s) => value(s, 'hft_engine_heartbeats_total') === 1);
    const missed = await until(e, (s) => value(s, 'hft_engine_up') === 0);
    expect(value(missed, 'hft_engine_heartbeat_age_seconds')).toBeGreaterThan(0.6);
    // As in the open session above: the stale mark follows hft_engine_up by message, within a second
    // (a clean-clone run with both cores busy scraped in between).
    const dropped = await until(e, (s) => value(s, 'hft_engine_up') === 0 && !has(s, 'hft_gateway_connected'), 1000).catch(() => missed);
    expect(has(dropped, 'hft_gateway_connected'), 'hft_gateway_connected is still served a second after the missed heartbeat').toBe(false);
  });
});
