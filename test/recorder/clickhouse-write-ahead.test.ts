/**
 * The recorder's writes ahead on ClickHouse (recorder.ts WRITE_AHEAD, `AuditStore.concurrent`), on
 * a current engine (chdb, in-process): several batches in the store's hands at once, every row in
 * the store once while inserts written ahead fail, the chains whole, the write-ahead log committed
 * in order.
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
import { verifyStore } from '../../exporters/recorder/verify.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { infoEvents } from '../helpers/sessions.js';

describe('the recorder on ClickHouse', () => {
  it('writes batches ahead, every row once while inserts written ahead fail, the log committed in order', { timeout: 120_000 }, async () => {
    const evs = infoEvents(3000, 33, Date.UTC(2026, 11, 7, 1) / 1000).slice(0, 3000);
    const produced = new Map<string, number>();
    for (const e of evs) for (const [t] of rowsFor(e.ev)) produced.set(t, (produced.get(t) ?? 0) + 1);
    const dir = tempDir();
    const store = new ClickHouseStore(await chdbTransport(join(dir, 'ch')));
    expect(store.concurrent).toBe(true);
    await store.init(TABLES);

    // Each table insert goes through here: the third batch's first insert is refused before the
    // store sees it, the fourth batch's second is written and then its reply lost. Counts the
    // batches (tokens) in the store's hands at once.
    let most = 0;
    const inFlight = new Map<string, number>();
    const batches: string[] = [];
    const calls: string[] = [];
    const own = store.insert.bind(store);
    const flaky = new Proxy(store, {
      get: (t, k) => {
        if (k === 'insert') {
          return async (table: TableName, rows: readonly WalRow[], token: string) => {
            if (!batches.includes(token)) batches.push(token);
            const batch = batches.indexOf(token);
            const nth = calls.filter((c) => c.endsWith(` ${token}`)).length;
            calls.push(`${table} ${token}`);
            inFlight.set(token, (inFlight.get(token) ?? 0) + 1);
            most = Math.max(most, inFlight.size);
            try {
              if (batch === 2 && nth === 0) throw new Error('refused before the store saw it');
              // A write that takes a while, so that the batches behind it are handed over meanwhile.
              await new Promise((r) => setTimeout(r, 20));
              await own(table, rows, token);
              if (batch === 3 && nth === 1) throw new Error('the reply was lost');
            } finally {
              const left = inFlight.get(token)! - 1;
              if (left === 0) inFlight.delete(token);
              else inFlight.set(token, left);
            }
          };
        }
        const v = Reflect.get(t, k) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    }) as AuditStore;

    const wal = new WriteAheadLog(join(dir, 'wal'));
    wal.open();
    const committed: number[] = [];
    const commit = wal.commit.bind(wal);
    wal.commit = (seq, ...rest) => {
      committed.push(seq);
      return commit(seq, ...rest);
    };
    const rec = new Recorder({ store: flaky, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), batchRows: 300, retryStartMs: 10, retryMaxMs: 50 });
    for (let i = 0; i < evs.length; i++) {
      rec.add(evs[i]!.ev, evs[i]!.line);
      if (i % 200 === 199) rec.seal();
    }
    rec.seal();
    await rec.drained();

    expect(most, 'batches in the store’s hands at once').toBeGreaterThanOrEqual(2);
    // The refused insert was made again; the one whose reply was lost was found by its token when
    // its batch was tried again, and not made twice; every other insert once.
    const refused = calls.find((c) => c.endsWith(` ${batches[2]}`))!;
    const lost = calls.filter((c) => c.endsWith(` ${batches[3]}`))[1]!;
    expect(calls.filter((c) => c === refused)).toHaveLength(2);
    expect(calls.filter((c) => c === lost)).toHaveLength(1);
    expect(calls.length).toBe(new Set(calls).size + 1);
    expect(batches.length).toBe(committed.length);
    expect(committed).toEqual([...committed].sort((a, b) => a - b));
    for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(produced.get(t.name) ?? 0);
    for (const r of await verifyStore(store, TABLES)) expect(r.problems, r.table).toEqual([]);
    expect(rec.storedHeads).toEqual(rec.chainHeads);
    await rec.stop();
    await store.close();
  });
});
