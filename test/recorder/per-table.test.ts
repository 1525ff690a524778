/**
 * A store without whole-batch inserts (ClickHouse: chdb here) gets every table of a batch at once
 * (recorder.ts `insertTable`): when one table's insert fails while another's is still in flight,
 * the batch is tried again only after both have ended, so the retry's token check sees the rows
 * that did go in, and no row is written twice.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore } from '../../exporters/recorder/stores/clickhouse.js';
import type { AuditStore, WalRow } from '../../exporters/recorder/stores/store.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { valueOf } from '../helpers/exposition.js';
import { infoEvents } from '../helpers/sessions.js';

describe('the tables of a batch, at once', () => {
  it('retries a batch whose one table failed only after the others ended: every row once', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const store = new ClickHouseStore(await chdbTransport(join(dir, 'ch')));
    await store.init(TABLES);
    // The first insert of audit_orders is refused at once; the first of logs takes 1.5 s (it goes
    // in). Both are in flight together.
    const calls: string[] = [];
    let ordersRefused = false;
    let logsDelayed = false;
    const flaky = new Proxy(store, {
      get: (t, k) => {
        if (k === 'insert') {
          return async (table: TableName, rows: readonly WalRow[], token: string) => {
            calls.push(table);
            if (table === 'audit_orders' && !ordersRefused) {
              ordersRefused = true;
              throw new Error('refused');
            }
            if (table === 'logs' && !logsDelayed) {
              logsDelayed = true;
              await new Promise((r) => setTimeout(r, 1500));
            }
            return t.insert(table, rows, token);
          };
        }
        const v = Reflect.get(t, k) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    }) as AuditStore;
    const wal = new WriteAheadLog(join(dir, 'wal'));
    wal.open();
    const registry = new MetricRegistry();
    const rec = new Recorder({ store: flaky, wal, registry, log: captureLogging().logger('recorder'), batchRows: 100_000, retryStartMs: 10, retryMaxMs: 50 });
    const evs = infoEvents(600, 21, Date.UTC(2026, 11, 7, 1) / 1000);
    const produced = new Map<string, number>();
    for (const e of evs) {
      rec.add(e.ev, e.line);
      for (const [t] of rowsFor(e.ev)) produced.set(t, (produced.get(t) ?? 0) + 1);
    }
    expect(produced.get('logs')).toBeGreaterThan(0);
    expect(produced.get('audit_orders')).toBeGreaterThan(0);
    rec.seal();
    await rec.drained();
    await rec.stop();
    for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(produced.get(t.name) ?? 0);
    // Both failures were real: the batch went twice, logs the second time found in by its token.
    expect(calls.filter((c) => c === 'audit_orders')).toHaveLength(2);
    expect(calls.filter((c) => c === 'logs')).toHaveLength(1);
    const m = await samplesOf(registry);
    expect(valueOf(m, 'hft_recorder_write_failures_total', { table: 'audit_orders' })).toBe(1);
    expect(valueOf(m, 'hft_recorder_rows_written_total', { table: 'logs' })).toBe(produced.get('logs'));
    await store.close();
  });
});
