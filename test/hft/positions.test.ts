/**
 * Positions and the top K: the book (net exposure, the K largest positions), the shared-memory board
 * the `/metrics` worker reads at scrape time, and the HFT exporter end to end: only the current top
 * K label sets of `hft_position_notional` are served, a position that leaves the top K leaves
 * `/metrics`, nothing is served while the engine is silent; a position jump reaches `onAnomaly`;
 * tickwatch's own reports are counted but are not the engine speaking.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as C from '../../exporters/catalog/index.js';
import type { AnomalyEvent } from '../../exporters/hft/anomalies.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { startHftExporter, type HftExporter } from '../../exporters/hft/exporter.js';
import { createCollectorSets } from '../../exporters/hft/positions-collector.js';
import { PositionBook, TopPositionsBoard, type PositionSnapshot } from '../../exporters/hft/positions.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { SeriesView } from '../../exporters/instrument/view.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { parseExposition, type Sample } from '../helpers/exposition.js';

const dir = tempDir('tickwatch-positions-');
const exporters: HftExporter[] = [];
afterAll(async () => {
  for (const e of exporters) await e.close();
});

const T0 = Date.UTC(2026, 10, 23, 1) / 1000;
const snap = (strategy: string, symbol: string, quantity: number, price: number): PositionSnapshot => ({
  ts: '',
  level: 'debug',
  component: 'monitor',
  event: 'position.snapshot',
  strategy,
  symbol,
  quantity,
  notional: quantity * price,
  price,
});

/** The `hft_position_notional` samples of a scrape, as `strategy/symbol` → value. */
const notionals = (s: readonly Sample[]) => Object.fromEntries(s.filter((x) => x.name === 'hft_position_notional').map((x) => [`${x.labels.strategy}/${x.labels.symbol}`, x.value]));

describe('the position book and the top-K board', () => {
  it('keeps net exposure per strategy and publishes exactly the K largest positions by absolute notional', async () => {
    const reg = new MetricRegistry();
    const board = new TopPositionsBoard(3);
    const book = new PositionBook({ registry: reg, board });
    book.apply(snap('mm', '2330', 1000, 1000), T0); // 1,000,000
    book.apply(snap('mm', '2317', -5000, 100), T0); // -500,000
    book.apply(snap('mm', '2454', 100, 1000), T0); // 100,000
    book.apply(snap('arb', '0050', 20_000, 150), T0); // 3,000,000
    book.apply(snap('arb', '2412', -2000, 120), T0); // -240,000
    book.refresh(T0 + 0.5);
    expect(book.top()).toEqual([
      { strategy: 'arb', symbol: '0050', notional: 3_000_000 },
      { strategy: 'mm', symbol: '2330', notional: 1_000_000 },
      { strategy: 'mm', symbol: '2317', notional: -500_000 },
    ]);
    expect(board.read()).toEqual(book.top());
    expect(reg.gauge(C.exposureNet).labels('mm').get()).toBe(600_000);
    expect(reg.gauge(C.exposureNet).labels('arb').get()).toBe(2_760_000);

    // The worker's collector, rendered in this thread: exactly those three label sets.
    const view = new SeriesView();
    for (const set of createCollectorSets({ buffer: board.buffer })) view.addCollectorSet(set);
    const scrape = async () => notionals(parseExposition((await view.render()).body));
    expect(await scrape()).toEqual({ 'arb/0050': 3_000_000, 'mm/2330': 1_000_000, 'mm/2317': -500_000 });

    // 2330 closes, 2412 grows: 2330 leaves the top K and /metrics, 2412 enters.
    book.apply(snap('mm', '2330', 0, 1000), T0 + 1);
    book.apply(snap('arb', '2412', -10_000, 120), T0 + 1);
    book.refresh(T0 + 1.5);
    expect(await scrape()).toEqual({ 'arb/0050': 3_000_000, 'arb/2412': -1_200_000, 'mm/2317': -500_000 });
    expect(reg.gauge(C.exposureNet).labels('mm').get()).toBe(-400_000);
    // Stale (the engine is silent): nothing served; fresh again: the same three.
    board.setStale(true);
    expect(await scrape()).toEqual({});
    board.setStale(false);
    expect(Object.keys(await scrape())).toHaveLength(3);

    // A position not reported for the stale limit is dropped.
    book.apply(snap('arb', '0050', 20_000, 150), T0 + 30);
    book.refresh(T0 + 1 + C.POSITION_STALE_SECONDS + 1);
    expect(book.top()).toEqual([{ strategy: 'arb', symbol: '0050', notional: 3_000_000 }]);
    expect(reg.gauge(C.exposureNet).labels('mm').get()).toBe(0);
  });

  it('keeps at most its bound of positions through a million distinct symbols', () => {
    const book = new PositionBook({ registry: new MetricRegistry(), tracked: 10_000 });
    for (let i = 0; i < 1_000_000; i++) book.apply(snap(`s${i % 7}`, `X${i}`, 1000, 1 + (i % 997)), T0 + i / 1e6);
    expect(book.size).toBe(10_000);
    book.refresh(T0 + 1);
    expect(book.top()).toHaveLength(C.TOP_POSITIONS_DEFAULT);
    expect(Math.abs(book.top()[0]!.notional)).toBe(997_000);
  });

  it('reads back names of the longest size the contract allows, in any script', () => {
    const board = new TopPositionsBoard(2);
    const long = [{ strategy: 'é'.repeat(64), symbol: '台積電'.repeat(10).slice(0, 32), notional: -1.5 }, { strategy: 's', symbol: 'x', notional: 2 }];
    board.publish(long);
    expect(board.read()).toEqual(long);
    expect(() => new TopPositionsBoard(0)).toThrow(RangeError);
    expect(() => new TopPositionsBoard(C.TOP_POSITIONS_MAX + 1)).toThrow(RangeError);
  });
});

async function scrape(e: HftExporter): Promise<Sample[]> {
  return parseExposition(await (await fetch(`${e.metrics.url}/metrics`)).text());
}
async function until(e: HftExporter, cond: (s: Sample[]) => boolean, ms = 15_000): Promise<Sample[]> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await scrape(e);
    if (cond(s)) return s;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms; last scrape:\n${s.filter((x) => x.name.startsWith('hft_')).map((x) => `${x.name} ${JSON.stringify(x.labels)} ${x.value}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const value = (s: readonly Sample[], name: string, labels: Record<string, string> = {}) => s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

describe('the HFT exporter with positions', () => {
  it('serves only the current top K on /metrics, none while the engine is silent, and hands a position jump to onAnomaly', { timeout: 60_000 }, async () => {
    const file = join(dir, 'positions.ndjson');
    const line = (o: Record<string, unknown>) => `${JSON.stringify({ ts: new Date().toISOString(), level: 'debug', component: 'monitor', event: 'position.snapshot', ...o })}\n`;
    const pos = (strategy: string, symbol: string, quantity: number, price: number) => line({ strategy, symbol, quantity, notional: quantity * price, price });
    writeFileSync(file, pos('mm', '2330', 1000, 1000) + pos('mm', '2317', -5000, 100) + pos('mm', '2454', 100, 1000) + pos('arb', '0050', 20_000, 150) + pos('arb', '2412', -2000, 120));
    const anomalies: AnomalyEvent[] = [];
    const e = await startHftExporter(
      { port: 0, tcp: null, files: [file], dataDir: join(dir, 'exp'), calendar: ALWAYS_OPEN_CALENDAR, pollMs: 50, tickMs: 50, engineSilentAfter: 1.5, topPositions: 3, onAnomaly: (ev) => anomalies.push(ev) },
      captureLogging(),
    );
    exporters.push(e);
    // The top-K board and the exposure gauges are updated apart: a scrape between them (a clean-clone
    // run saw one) has the board and no exposure yet, so wait for both.
    const first = await until(e, (s) => Object.keys(notionals(s)).length === 3 && value(s, 'hft_exposure_net', { strategy: 'arb' }) === 2_760_000);
    expect(notionals(first)).toEqual({ 'arb/0050': 3_000_000, 'mm/2330': 1_000_000, 'mm/2317': -500_000 });
    expect(value(first, 'hft_exposure_net', { strategy: 'arb' })).toBe(2_760_000);

    // 2330 closes, 2412 grows past it; 2454 jumps from 100 to 5,101 shares at 1,000: a change of 5,001,000, just past the bound.
    appendFileSync(file, pos('mm', '2330', 0, 1000) + pos('arb', '2412', -10_000, 120) + pos('mm', '2454', 5101, 1000));
    const second = await until(e, (s) => notionals(s)['mm/2330'] === undefined && notionals(s)['mm/2454'] !== undefined);
    expect(notionals(second)).toEqual({ 'arb/0050': 3_000_000, 'mm/2454': 5_101_000, 'arb/2412': -1_200_000 });
    expect(anomalies.map((a) => [a.event, a.anomaly_type, a.severity, a.strategy, a.symbol])).toEqual([['anomaly.detected', 'position_jump', 'critical', 'mm', '2454']]);
    expect(value(second, 'hft_anomalies_open', { anomaly_type: 'position_jump', severity: 'critical' })).toBe(1);
    expect(value(second, 'hft_anomalies_total', { anomaly_type: 'position_jump', severity: 'critical' })).toBe(1);

    // tickwatch reports about itself while the engine says nothing: counted, but the engine goes silent all the same.
    const report = () => e.report({ ts: new Date().toISOString(), level: 'info', component: 'monitor', event: 'service.started', service: 'tickwatch-hft', status: 'running' });
    const reporting = setInterval(report, 100);
    try {
      const silent = await until(e, (s) => value(s, 'hft_engine_up') === 0);
      expect(notionals(silent)).toEqual({});
      expect(value(silent, 'hft_exposure_net', { strategy: 'arb' })).toBeUndefined();
      expect(value(silent, 'hft_service_events_total', { component: 'monitor', service: 'tickwatch-hft', event: 'started' })).toBeGreaterThan(3);
      expect(value(silent, 'hft_service_events_total', { component: 'monitor', service: 'tickwatch-hft', event: 'failed' })).toBe(0);
    } finally {
      clearInterval(reporting);
    }
    expect(report()).toBe(true);
    expect(e.report({ ts: new Date().toISOString(), level: 'info', component: 'monitor', event: 'service.started' })).toBe(false); // no service: refused
    // The engine speaks again: the top K is back.
    appendFileSync(file, pos('arb', '0050', 20_000, 150));
    const back = await until(e, (s) => value(s, 'hft_engine_up') === 1 && Object.keys(notionals(s)).length === 3);
    expect(notionals(back)['arb/0050']).toBe(3_000_000);
  });
});
