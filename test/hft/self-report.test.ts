/**
 * tickwatch reports about its own services through the composition root (exporters/start.ts):
 * `service.started` for each once all have started, a `perf.sample` per service on a timer,
 * `service.stopped` when closed. The HFT exporter counts them (without taking them for the engine
 * speaking) and the recorder records them; the exporter's own anomaly detections reach the recorder
 * the same way.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { startTickwatch, type Tickwatch } from '../../exporters/start.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { parseExposition, type Sample } from '../helpers/exposition.js';

const dir = tempDir('tickwatch-self-');
let tw: Tickwatch | undefined;
afterAll(async () => tw?.close());

const value = (s: readonly Sample[], name: string, labels: Record<string, string>) => s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

describe("tickwatch's reports about itself", () => {
  it('are counted by the HFT exporter, recorded by the recorder, and do not make a silent engine look alive', { timeout: 120_000 }, async () => {
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, '');
    const db = join(dir, 'audit.duckdb');
    tw = await startTickwatch(
      {
        dataDir: join(dir, 'data'),
        hft: { port: 0, tcp: null, files: [file], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 50, tickMs: 50, engineSilentAfter: 1 },
        recorders: [{ store: { kind: 'embedded', path: db }, port: 0, batchMs: 100, levels: { default: 'trace' } }],
        selfReport: { perfIntervalMs: 200 },
      },
      captureLogging(),
    );
    const url = `${tw.hft!.metrics.url}/metrics`;
    const scrape = async () => parseExposition(await (await fetch(url)).text());
    const started = (service: string, s: Sample[]) => value(s, 'hft_service_events_total', { component: 'monitor', service, event: 'started' });
    let s = await scrape();
    for (let t = Date.now(); Date.now() - t < 15_000 && !((value(s, 'hft_perf_execution_time_seconds_count', { service: 'tickwatch-recorder', operation: 'run' }) ?? 0) >= 2); s = await scrape()) await new Promise((r) => setTimeout(r, 100));
    expect([started('tickwatch-hft', s), started('tickwatch-recorder', s)]).toEqual([1, 1]);
    expect(value(s, 'hft_perf_execution_time_seconds_count', { service: 'tickwatch-hft', operation: 'run' })).toBeGreaterThanOrEqual(2);
    // The reports keep coming every 200 ms, yet the engine (which said nothing) is silent.
    for (let t = Date.now(); Date.now() - t < 15_000 && value(s, 'hft_engine_up', {}) !== 0; s = await scrape()) await new Promise((r) => setTimeout(r, 100));
    expect(value(s, 'hft_engine_up', {})).toBe(0);
    expect(value(s, 'hft_engine_silence_seconds', {})).toBeGreaterThan(1);

    // A position jump in the engine's stream: tickwatch's detector raises it, and the recorder records it.
    const pos = (quantity: number) => `${JSON.stringify({ ts: new Date().toISOString(), level: 'debug', component: 'monitor', event: 'position.snapshot', strategy: 'mm-2330', symbol: '2330', quantity, notional: quantity * 1000, price: 1000 })}\n`;
    appendFileSync(file, pos(1000));
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(file, pos(20_000));
    const rec = tw.recorders[0]!;
    const rows = async (event: string) => rec.store.searchLogs({ event, limit: 100 });
    let anomalies = await rows('anomaly.detected');
    for (let t = Date.now(); Date.now() - t < 15_000 && anomalies.length === 0; anomalies = await rows('anomaly.detected')) {
      rec.service.recorder.seal();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(anomalies.map((r) => JSON.parse(r.fields) as Record<string, unknown>)).toMatchObject([{ detected_by: 'tickwatch', anomaly_type: 'position_jump', severity: 'critical', strategy: 'mm-2330', symbol: '2330' }]);
    const start = (await rows('service.started')).map((r) => JSON.parse(r.fields) as Record<string, unknown>);
    expect(start.map((r) => r.service).sort()).toEqual(['tickwatch-hft', 'tickwatch-recorder']);
    expect(start.every((r) => r.component === 'monitor' && r.status === 'running' && typeof r.instance_id === 'string')).toBe(true);
    expect((await rows('perf.sample')).length).toBeGreaterThanOrEqual(4);

    // Closed: each says it stops, and the recorder keeps that.
    await tw.close();
    tw = undefined;
    const store = await DuckDbStore.open(db);
    try {
      const stopped = (await store.searchLogs({ event: 'service.stopped', limit: 100 })).map((r) => (JSON.parse(r.fields) as { service: string }).service);
      expect(stopped.sort()).toEqual(['tickwatch-hft', 'tickwatch-recorder']);
    } finally {
      await store.close();
    }
  });
});
