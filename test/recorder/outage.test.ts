/**
 * A real store outage under load: the recorder writes to a real clickhouse-server (Debian's 18.16,
 * over HTTP) while the engine appends events; the server is killed for several seconds and started
 * again on the same data. The recorder spools, retries, replays in order, and in the end every
 * table holds exactly the rows the events produce, none twice.
 * (18.16 cannot check TTL, DateTime64 or the deduplication window: test/recorder/clickhouse-ddl
 * covers those on a current engine.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HftEvent } from '../../exporters/events/index.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { verifyStore } from '../../exporters/recorder/verify.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { startRecorderService } from '../../exporters/recorder/service.js';
import { ClickHouseStore, httpTransport } from '../../exporters/recorder/stores/clickhouse.js';
import { TABLES } from '../../exporters/catalog/tables.js';
import { startClickHouse } from '../helpers/clickhouse.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { valueOf } from '../helpers/exposition.js';

describe('recorder through a ClickHouse outage', () => {
  it('spools while the server is down, replays after, and ends with every row exactly once', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const ch = await startClickHouse();
    const transport = httpTransport(ch.url, { timeoutMs: 2000 });
    const store = new ClickHouseStore(transport, { legacy: true });
    const events = join(dir, 'events.ndjson');
    const sink = new FileSink(events);
    const writing = runScenario({ scenario: scenarioByName('normal'), seed: 9, start: Date.UTC(2026, 10, 23, 1) / 1000, speed: 10, duration: 120 }, sink).then(() => sink.close());
    const logging = captureLogging();
    const svc = await startRecorderService({ events, dataDir: join(dir, 'rec'), store, port: 0, batchRows: 500, batchMs: 200, pollMs: 50, retryMaxMs: 1000 }, logging);
    try {
      await new Promise((r) => setTimeout(r, 3000));
      await ch.stop('SIGKILL');
      await new Promise((r) => setTimeout(r, 5000));
      // Down: batches pile up in the spool, failures are counted, the store is marked down.
      const during = await samplesOf(svc.registry);
      expect(valueOf(during, 'hft_recorder_store_up', { store: 'clickhouse' })).toBe(0);
      expect(valueOf(during, 'hft_recorder_spool_bytes')).toBeGreaterThan(0);
      const failures = during.filter((s) => s.name === 'hft_recorder_write_failures_total').reduce((a, s) => a + s.value, 0);
      expect(failures).toBeGreaterThan(0);
      await ch.start();
      await writing;
      const size = readFileSync(events).length;
      const t0 = Date.now();
      const tail = svc.tailers[0]!;
      while (!(tail.currentState()?.offset === size && svc.recorder.queuedRows === 0) && Date.now() - t0 < 60_000) {
        await new Promise((r) => setTimeout(r, 200));
        const st = tail.currentState();
        svc.recorder.seal(st ? { [st.path]: st } : undefined);
      }
      await svc.recorder.drained();
      const expected = new Map<string, number>(TABLES.map((t) => [t.name, 0]));
      for (const line of readFileSync(events, 'utf8').split('\n').filter(Boolean)) for (const [t] of rowsFor(JSON.parse(line) as HftEvent)) expected.set(t, expected.get(t)! + 1);
      for (const t of TABLES) {
        expect(await store.count(t.name), t.name).toBe(expected.get(t.name));
        const d = await transport.query<{ dup: string }>(`SELECT count() - uniqExact(fields) AS dup FROM tickwatch.${t.name}`);
        expect(Number(d[0]!.dup), `${t.name} duplicates`).toBe(0);
      }
      // Batches replayed after the outage carry the hashes they were sealed with: the chains are whole.
      for (const r of await verifyStore(store, TABLES)) {
        expect(r.problems, r.table).toEqual([]);
        expect(r.head.seq, r.table).toBe(expected.get(r.table));
      }
      const after = await samplesOf(svc.registry);
      expect(valueOf(after, 'hft_recorder_store_up', { store: 'clickhouse' })).toBe(1);
      expect(valueOf(after, 'hft_recorder_spool_bytes')).toBe(0);
      expect(logging.lines.some((l) => l.event === 'recorder.write_failed')).toBe(true);
      expect(expected.get('logs')).toBeGreaterThan(3000);
    } finally {
      await svc.close();
      await store.close();
      await ch.destroy();
    }
  });
});
