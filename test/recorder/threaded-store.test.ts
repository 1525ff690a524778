/**
 * The embedded store on its own thread (stores/threaded-duckdb.ts) and the recorder's writes ahead
 * (recorder.ts WRITE_AHEAD): the same rows as the store on the calling thread, every row once when
 * batches written ahead fail, DuckDbStore's errors and clean-up transactions across the thread.
 */
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../exporters/catalog/tables.js';
import type { HftEvent } from '../../exporters/events/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { duckdbDDL } from '../../exporters/recorder/ddl.js';
import { Recorder, WRITE_AHEAD } from '../../exporters/recorder/recorder.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { StoreSchemaError, type AuditStore } from '../../exporters/recorder/stores/store.js';
import { encodeRows } from '../../exporters/recorder/stores/row-codec.js';
import { ThreadedDuckDbStore } from '../../exporters/recorder/stores/threaded-duckdb.js';
import { verifyStore } from '../../exporters/recorder/verify.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { valueOf } from '../helpers/exposition.js';
import { infoEvents } from '../helpers/sessions.js';

/** Info-and-above events of a session with orders, risk decisions and StormGuard. */
function events(n: number): { ev: HftEvent; line: string }[] {
  return infoEvents(n, 33, Date.UTC(2026, 11, 3, 1) / 1000).slice(0, n);
}

/**
 * `store` with its batch writes (`insertBatch`, and `insertEncoded`, which the recorder uses for
 * the batches it sealed) run through `wrap`: `write` is the store's own call. Every other member is
 * the store's own, bound to it. `used` counts the calls of each write.
 */
function withWrites(store: ThreadedDuckDbStore, wrap: (token: string, write: () => Promise<void>) => Promise<void>, used: Record<string, number> = {}): AuditStore {
  return new Proxy(store, {
    get: (t, k) => {
      if (k === 'insertBatch' || k === 'insertEncoded') {
        const own = (t[k] as (tables: unknown, token: string) => Promise<void>).bind(t);
        return (tables: unknown, token: string) => {
          used[k] = (used[k] ?? 0) + 1;
          return wrap(token, () => own(tables, token));
        };
      }
      return typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as (...a: unknown[]) => unknown).bind(t) : Reflect.get(t, k);
    },
  }) as AuditStore;
}

/** Records `evs` in batches of 300 rows, sealing every 200 events, and waits until the store has them all. */
async function record(store: AuditStore, dir: string, evs: readonly { ev: HftEvent; line: string }[]): Promise<Recorder> {
  const wal = new WriteAheadLog(join(dir, 'wal'));
  wal.open();
  const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), batchRows: 300, retryStartMs: 10, retryMaxMs: 50 });
  for (let i = 0; i < evs.length; i++) {
    rec.add(evs[i]!.ev, evs[i]!.line);
    if (i % 200 === 199) rec.seal();
  }
  rec.seal();
  await rec.drained();
  return rec;
}

describe('the embedded store on its own thread', () => {
  const evs = events(3000);
  const produced = new Map<string, number>();
  for (const e of evs) for (const [t] of rowsFor(e.ev)) produced.set(t, (produced.get(t) ?? 0) + 1);

  it('records the same rows as on the calling thread, every row once while batches written ahead fail, the log committed in order', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const threaded = await ThreadedDuckDbStore.open(join(dir, 'threaded.duckdb'));
    await threaded.init(TABLES);
    // The threaded store, with two failures: call 2 refused before it reaches the store, call 4
    // written and then its reply lost. Counts how many writes were in the store's hands at once.
    let calls = 0;
    let inFlight = 0;
    let most = 0;
    const tokens: string[] = [];
    const used: Record<string, number> = {};
    const flaky = withWrites(
      threaded,
      async (token, write) => {
        const n = ++calls;
        tokens.push(token);
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          if (n === 2) throw new Error('refused before the store saw it');
          await write();
          if (n === 4) throw new Error('the reply was lost');
        } finally {
          inFlight--;
        }
      },
      used,
    );
    const rec = await record(flaky, join(dir, 'a'), evs);
    expect(most, 'writes in flight at once').toBeGreaterThanOrEqual(2);
    // The batches went as the recorder encoded them, the failed ones again too.
    expect(used).toEqual({ insertEncoded: calls });
    // Batch 2 (refused) and batch 4 (reply lost) were tried again, with the token check.
    expect(calls).toBeGreaterThan(new Set(tokens).size);
    expect(rec.storedHeads).toEqual(rec.chainHeads);
    for (const t of TABLES) expect(await threaded.count(t.name), t.name).toBe(produced.get(t.name) ?? 0);
    for (const r of await verifyStore(threaded, TABLES)) expect(r.problems, r.table).toEqual([]);
    await rec.stop();

    // The same events on the calling thread end at the same chains (the rows hash alike).
    const plain = await DuckDbStore.open(join(dir, 'plain.duckdb'));
    await plain.init(TABLES);
    const rec2 = await record(plain, join(dir, 'b'), evs);
    await rec2.stop();
    expect(await threaded.chainHeads(TABLES)).toEqual(await plain.chainHeads(TABLES));
    const page = { sinceNs: 0n, limit: 50 };
    expect(await threaded.searchLogs(page)).toEqual(await plain.searchLogs(page));
    await plain.close();
    await threaded.close();
  });

  it('times a write started ahead from when the store took it up, not from its call', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const threaded = await ThreadedDuckDbStore.open(join(dir, 'slow.duckdb'));
    await threaded.init(TABLES);
    // Each batch takes the store DELAY_MS of its own, one after the other (answered in call order).
    const DELAY_MS = 400;
    let queue: Promise<unknown> = Promise.resolve();
    let inFlight = 0;
    let most = 0;
    const slow = withWrites(threaded, (_token, write) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const p = queue.then(async () => {
        await new Promise((r) => setTimeout(r, DELAY_MS));
        await write();
      });
      queue = p.catch(() => undefined);
      return p.finally(() => inFlight--);
    });
    const wal = new WriteAheadLog(join(dir, 'wal'));
    wal.open();
    const registry = new MetricRegistry();
    const rec = new Recorder({ store: slow, wal, registry, log: captureLogging().logger('recorder'), batchRows: 10_000 });
    // Five batches sealed at once: the head and three behind it go to the store together.
    for (let b = 0; b < 5; b++) {
      for (const e of evs.slice(b * 100, b * 100 + 100)) rec.add(e.ev, e.line);
      rec.seal();
    }
    await rec.drained();
    expect(most, 'writes in flight at once').toBe(WRITE_AHEAD + 1);
    const m = await samplesOf(registry);
    const count = valueOf(m, 'hft_recorder_write_duration_seconds_count', { store: 'embedded' });
    const sum = valueOf(m, 'hft_recorder_write_duration_seconds_sum', { store: 'embedded' });
    expect(count).toBe(5);
    // The store's own time is DELAY_MS and a little. Timed from the call, the writes waiting behind
    // others would add 400, 800 and 1,200 ms (a mean of about 1.1 s).
    expect(sum! / count!, 'mean write duration, seconds').toBeGreaterThanOrEqual(DELAY_MS / 1000);
    expect(sum! / count!, 'mean write duration, seconds').toBeLessThan(0.7);
    await rec.stop();
    await threaded.close();
  });

  it('keeps only the encoding of rows it hands over encoded, and reads it back wherever rows are asked for', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const threaded = await ThreadedDuckDbStore.open(join(dir, 'held.duckdb'));
    await threaded.init(TABLES);
    // The store holds every write until `release`: batches sealed meanwhile stay queued.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = withWrites(threaded, async (_token, write) => {
      await gate;
      await write();
    });
    const wal = new WriteAheadLog(join(dir, 'wal'));
    wal.open();
    let committed = 0;
    const plain = new Recorder({ store: held, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), batchRows: 10_000 });
    const some = evs.slice(0, 400);
    // The rows rowsFor makes of those events, per table (the recorder links the chained ones: their
    // chain columns are its own, checked below against the store).
    const CHAIN = new Set(['chain_seq', 'prev_hash', 'row_hash']);
    const want = new Map<string, Record<string, unknown>[]>();
    for (const e of some) for (const [t, r] of rowsFor(e.ev, undefined, e.line)) want.set(t, [...(want.get(t) ?? []), r]);
    for (const e of some.slice(0, 250)) plain.add(e.ev, e.line);
    plain.seal(); // one batch sealed and held by the store
    for (const e of some.slice(250)) plain.add(e.ev, e.line); // and rows pending
    expect(plain.queuedRows).toBe([...want.values()].reduce((n, r) => n + r.length, 0));
    const unstored = new Map<string, Record<string, unknown>[]>();
    for (const [t, rows] of want) {
      const got = plain.unstored(t as never);
      unstored.set(t, got);
      expect(got.length, t).toBe(rows.length);
      // Each column the row had, the same value; each it lacked, null.
      const cols = TABLES.find((x) => x.name === t)!.columns.map((c) => c.name);
      const keys = new Set([...cols, ...Object.keys(rows[0]!), 'ts_ns', 'event', 'component', 'level', 'fields', 'batch_token']);
      const strip = (r: Record<string, unknown>) => Object.fromEntries([...keys].filter((k) => !CHAIN.has(k)).map((k) => [k, r[k] ?? null]));
      expect(got.map(strip), t).toEqual(rows.map(strip));
    }
    release();
    await plain.stop();
    for (const [t, rows] of want) expect(await threaded.count(t as never), t).toBe(rows.length);
    // The chained tables' chain columns read back as the store has them.
    const orders = await threaded.sqlBackend().all('SELECT chain_seq, prev_hash, row_hash FROM audit_orders ORDER BY chain_seq');
    expect(unstored.get('audit_orders')!.map((r) => ({ chain_seq: BigInt(r.chain_seq as number), prev_hash: r.prev_hash, row_hash: r.row_hash }))).toEqual(orders);
    expect(orders.length).toBeGreaterThan(0);
    expect(committed).toBe(0);

    // With onCommitted (the Redis hot state), the rows are kept and handed over as they were made.
    const wal2 = new WriteAheadLog(join(dir, 'wal2'));
    wal2.open();
    const seen: string[] = [];
    const hot = new Recorder({ store: threaded, wal: wal2, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), onCommitted: (tables) => (committed++, seen.push(...[...tables.values()].flat().map((r) => JSON.stringify(r)))) });
    for (const e of some) hot.add(e.ev, e.line);
    const before = [...want.values()].flat().length;
    hot.seal();
    await hot.drained();
    await hot.stop();
    expect(committed).toBe(1);
    expect(seen.length).toBe(before);
    await threaded.close();
  });

  it('moves each batch to the thread in a buffer it hands back: a refused batch goes again whole, a larger one after a smaller', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const store = await ThreadedDuckDbStore.open(join(dir, 'moved.duckdb'));
    try {
      await store.init(TABLES.filter((t) => t.name !== 'logs'));
      const rows = evs.flatMap((e) => rowsFor(e.ev, undefined, e.line).filter(([t]) => t === 'logs').map(([, r]) => r));
      expect(rows.length).toBeGreaterThan(1000);
      const small = encodeRows('logs', rows.slice(0, 10));
      const cells = small.kinds.length;
      // Refused on the thread (the table is not made yet): the batch's own arrays are still whole here.
      await expect(store.insertEncoded([small], 'tok-1')).rejects.toThrow(/logs/);
      expect(small.kinds.length).toBe(cells);
      await store.init(TABLES);
      await store.insertEncoded([small], 'tok-1');
      await store.insertEncoded([encodeRows('logs', rows.slice(10))], 'tok-2'); // larger than the buffer that came back
      await Promise.all([store.insertEncoded([small], 'tok-3'), store.insertEncoded([small], 'tok-4')]); // two in flight
      expect(await store.count('logs')).toBe(rows.length + 20);
      expect(await store.countByToken('logs', 'tok-2')).toBe(rows.length - 10);
      const got = await store.sqlBackend().all("SELECT message FROM logs WHERE batch_token = 'tok-4'");
      expect(got.map((r) => String(r.message)).sort()).toEqual(rows.slice(0, 10).map((r) => String(r.message ?? null)).sort());
    } finally {
      await store.close();
    }
  });

  it("keeps DuckDbStore's error classes and clean-up transactions across the thread", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    // A table as a version before the chains made it: StoreSchemaError, which is not retried.
    const old = join(dir, 'old.duckdb');
    const inst = await DuckDBInstance.create(old);
    const conn = await inst.connect();
    await conn.run(duckdbDDL({ ...TABLES.find((x) => x.name === 'audit_orders')!, chained: undefined }));
    conn.closeSync();
    inst.closeSync();
    const oldStore = await ThreadedDuckDbStore.open(old);
    const err = await oldStore.init(TABLES).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StoreSchemaError);
    expect((err as Error).message).toMatch(/audit_orders lacks the columns chain_seq, prev_hash, row_hash/);
    await oldStore.close();

    // A file that cannot be opened: the worker's reason, and no thread left behind.
    await expect(ThreadedDuckDbStore.open(join(dir, 'no', 'such', 'dir', 'x.duckdb'))).rejects.toThrow(/no such dir|No such file|Cannot open/i);

    const store = await ThreadedDuckDbStore.open(join(dir, 'audit.duckdb'));
    await store.init(TABLES);
    const sql = store.sqlBackend();
    await sql.run('CREATE TABLE t (x INTEGER)');
    // Committed: the row stays. Thrown: rolled back, and the caller gets its own error.
    await sql.transaction(async (x) => x.run('INSERT INTO t VALUES (1)'));
    const thrown = new Error('the clean-up changed its mind');
    await expect(sql.transaction(async (x) => (await x.run('INSERT INTO t VALUES (2)'), Promise.reject(thrown)))).rejects.toBe(thrown);
    expect(await sql.all('SELECT x FROM t ORDER BY x')).toEqual([{ x: 1 }]);
    // A batch waits for an open transaction to end.
    const order: string[] = [];
    let release!: () => void;
    const held = sql.transaction(async (x) => {
      await x.run('INSERT INTO t VALUES (3)');
      order.push('tx began');
      await new Promise<void>((r) => (release = r));
      order.push('tx ends');
    });
    while (order.length === 0) await new Promise((r) => setTimeout(r, 10));
    const one = evs.find((e) => e.ev.event === 'order.submitted')!;
    const batch = store.insertBatch(new Map(rowsFor(one.ev, undefined, one.line).map(([t, r]) => [t, [r]])), 'tw-test-1').then(() => order.push('batch in'));
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual(['tx began']);
    release();
    await Promise.all([held, batch]);
    expect(order).toEqual(['tx began', 'tx ends', 'batch in']);
    expect(await store.countByToken('logs', 'tw-test-1')).toBe(1);

    // Its thread gone, every call is refused with the reason.
    await (store as unknown as { worker: Worker }).worker.terminate();
    await expect(store.count('logs')).rejects.toThrow(/store's thread has exited/);
    await store.close();
  });
});
