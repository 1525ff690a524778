/**
 * The audit tables' hash chains: rows recorded through the recorder verify clean on both stores
 * (DuckDB, and ClickHouse on chdb), and each kind of tampering (an edited row, a deleted row,
 * reordered rows, a copied row) is found and named, by `verifyStore` and by `tickwatch audit verify`
 * (exit 1); against the heads a running recorder knows it wrote, so are rows cut from the end and a
 * chain rewritten with fresh hashes. A batch the write-ahead log refuses (disk full) stays pending, with the chains whole.
 * A database made before the chains existed is refused with a clear message.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/net.js';
import type { HftEvent } from '../../exporters/events/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { rowHash, type ChainHeads } from '../../exporters/recorder/chain.js';
import { verifyStore, type ChainReport } from '../../exporters/recorder/verify.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore } from '../../exporters/recorder/stores/clickhouse.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { StoreSchemaError, type AuditStore } from '../../exporters/recorder/stores/store.js';
import { startQueryApi } from '../../exporters/recorder/search.js';
import { TABLE_DEFS, TABLES } from '../../exporters/catalog/tables.js';
import { duckdbDDL } from '../../exporters/recorder/ddl.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { infoEvents } from '../helpers/sessions.js';

const CLI = fileURLToPath(new URL('../../scripts/tickwatch.mjs', import.meta.url));

/** Info-and-above events of a session (orders, risk decisions, StormGuard, config). */
function events(n: number): { ev: HftEvent; line: string }[] {
  return infoEvents(n, 21, Date.UTC(2026, 10, 23, 1) / 1000);
}

/** Records `evs` through a recorder (batches of 300 rows) into `store`. @returns the heads the recorder knows the store has */
async function record(store: AuditStore, dir: string, evs: readonly { ev: HftEvent; line: string }[]): Promise<ChainHeads> {
  const wal = new WriteAheadLog(join(dir, 'wal'));
  wal.open();
  const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), batchRows: 300 });
  for (let i = 0; i < evs.length; i++) {
    rec.add(evs[i]!.ev, evs[i]!.line);
    if (i % 200 === 199) rec.maybeSeal();
  }
  rec.seal();
  await rec.drained();
  await rec.stop();
  return rec.storedHeads;
}

const report = (rs: readonly ChainReport[], table: string) => rs.find((r) => r.table === table)!;

describe('audit hash chains', () => {
  const evs = events(12_000);

  it('verify clean on DuckDB, and find edited, deleted, reordered and copied rows', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const path = join(dir, 'audit.duckdb');
    const store = await DuckDbStore.open(path);
    await store.init(TABLES);
    await record(store, dir, evs);
    const clean = await verifyStore(store, TABLES);
    expect(clean.map((r) => r.table).sort()).toEqual(TABLES.filter((t) => t.chained).map((t) => t.name).sort());
    for (const r of clean) {
      expect(r.problems, r.table).toEqual([]);
      expect(r.head.seq, r.table).toBe(await store.count(r.table));
    }
    const orders = report(clean, 'audit_orders');
    expect(orders.rows).toBeGreaterThan(100);
    expect(orders.firstSeq).toBe(1);
    expect(report(clean, 'audit_guardrail_transitions').rows).toBeGreaterThan(0);
    // Heads as the store reports them are where the chains end.
    const heads = await store.chainHeads(TABLES);
    expect(heads.audit_orders).toEqual(orders.head);
    await store.close();

    // The CLI agrees (no recorder runs, so it opens the file), and exits 0.
    const port = String(await freePort());
    const run = promisify(execFile);
    const ok = await run(process.execPath, [CLI, 'audit', 'verify', '--data-dir', dir, '--query-port', port]);
    expect(ok.stdout).toMatch(/^ok {3}audit_orders/m);
    expect(ok.stdout).not.toMatch(/FAIL/);

    // Tamper, as someone with write access to the database file would.
    const inst = await DuckDBInstance.create(path);
    const conn = await inst.connect();
    await conn.run('UPDATE audit_orders SET qty = qty + 1 WHERE chain_seq = 10');
    await conn.run('DELETE FROM audit_orders WHERE chain_seq = 20');
    await conn.run('UPDATE audit_orders SET chain_seq = CASE chain_seq WHEN 30 THEN 31 ELSE 30 END WHERE chain_seq IN (30, 31)');
    await conn.run('INSERT INTO audit_orders SELECT * FROM audit_orders WHERE chain_seq = 40');
    await conn.run("UPDATE audit_risk_decisions SET reason = 'max_position' WHERE chain_seq = 3");
    // The event line itself, with its derived column changed to match: only the hash can tell. (The
    // first row from seq 50 on whose event states a qty: which rows do depends on the simulator's stream.)
    const edited = Number((await conn.runAndReadAll("SELECT min(chain_seq) AS s FROM audit_orders WHERE chain_seq >= 50 AND contains(fields, '\"qty\":')")).getRowObjects()[0]!.s);
    await conn.run(`UPDATE audit_orders SET fields = replace(fields, '"qty":', '"qty":1'), qty = NULL WHERE chain_seq = ${edited}`);
    conn.closeSync();
    inst.closeSync();

    const again = await DuckDbStore.open(path);
    await again.init(TABLES);
    const found = await verifyStore(again, TABLES);
    await again.close();
    const p = report(found, 'audit_orders').problems.join('\n');
    expect(p).toMatch(/seq 10: qty is "?\d+"? where its event says "?\d+"? \(row altered\)/);
    expect(p).toMatch(new RegExp(`seq ${edited}: the row's event does not match its hash \\(row altered\\)`));
    expect(p).toMatch(/seq 20: missing/);
    expect(p).toMatch(/seq 21: prev_hash does not match/);
    expect(p).toMatch(/seq 30: .*(prev_hash does not match|does not match its hash)/);
    expect(p).toMatch(/seq 31: .*(prev_hash does not match|does not match its hash)/);
    expect(p).toMatch(/seq 40: appears more than once/);
    expect(report(found, 'audit_risk_decisions').problems.join('\n')).toMatch(/seq 3: reason is "max_position" where its event says .* \(row altered\)/);
    expect(report(found, 'audit_connectivity').problems).toEqual([]);

    const bad = await run(process.execPath, [CLI, 'audit', 'verify', '--data-dir', dir, '--query-port', port]).then(
      () => undefined,
      (e: { code: number; stdout: string }) => e,
    );
    expect(bad?.code).toBe(1);
    expect(bad?.stdout).toMatch(/^FAIL audit_orders/m);
    expect(bad?.stdout).toMatch(/seq 20: missing/);
  });

  it("find rows cut from the end and a rewritten chain against the recorder's heads, which the query API serves", { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const path = join(dir, 'audit.duckdb');
    let store = await DuckDbStore.open(path);
    await store.init(TABLES);
    const stored = await record(store, dir, evs);
    expect(stored).toEqual(await store.chainHeads(TABLES)); // the recorder's heads are the store's
    const api = await startQueryApi(store, 0, '127.0.0.1', () => stored);
    const url = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
    try {
      expect(await (await fetch(`${url}/api/v1/chain-heads`)).json()).toEqual(stored);
      const served = (await (await fetch(`${url}/api/v1/verify`)).json()) as ChainReport[];
      for (const r of served) {
        expect(r.problems, r.table).toEqual([]);
        expect(r.anchor, r.table).toEqual(stored[r.table]);
      }
    } finally {
      await api.close();
      await store.close();
    }
    const orders = stored.audit_orders!;
    const risk = stored.audit_risk_decisions!;
    // Cut the last 5 orders rows: the table alone cannot tell, the recorder's head can.
    // Rewrite the last risk decision with a fresh, consistent hash: the same.
    const inst = await DuckDBInstance.create(path);
    const conn = await inst.connect();
    await conn.run(`DELETE FROM audit_orders WHERE chain_seq > ${orders.seq - 5}`);
    const last = (await conn.runAndReadAll(`SELECT chain_seq, prev_hash, fields FROM audit_risk_decisions WHERE chain_seq = ${risk.seq}`)).getRowObjects()[0]!;
    // A forged event line (an extra field, every column still derived from it) under a hash that fits.
    const forged = String(last.fields).replace('"event":', '"note":"forged","event":');
    expect(forged).not.toBe(String(last.fields));
    const hash = rowHash(TABLE_DEFS.get('audit_risk_decisions')!, String(last.prev_hash), { chain_seq: risk.seq, fields: forged });
    await conn.run(`UPDATE audit_risk_decisions SET fields = $f, row_hash = $h WHERE chain_seq = ${risk.seq}`, { f: forged, h: hash });
    conn.closeSync();
    inst.closeSync();
    store = await DuckDbStore.open(path);
    await store.init(TABLES);
    try {
      const alone = await verifyStore(store, TABLES);
      expect(report(alone, 'audit_orders').problems).toEqual([]);
      expect(report(alone, 'audit_risk_decisions').problems).toEqual([]);
      const anchored = await verifyStore(store, TABLES, 20, stored);
      expect(report(anchored, 'audit_orders').problems).toEqual([`seq ${orders.seq - 4}..${orders.seq}: missing from the end (the recorder has written up to seq ${orders.seq}; rows deleted)`]);
      expect(report(anchored, 'audit_risk_decisions').problems).toEqual([expect.stringMatching(new RegExp(`^seq ${risk.seq}: not the row the recorder wrote there .*: the chain was rewritten$`))]);
      expect(report(anchored, 'audit_connectivity').problems).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('verify clean on ClickHouse (chdb), and find an edited column and an edited event', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const t = await chdbTransport(join(dir, 'ch'));
    const store = new ClickHouseStore(t);
    try {
      await store.init(TABLES);
      await record(store, dir, evs);
      const clean = await verifyStore(store, TABLES);
      for (const r of clean) {
        expect(r.problems, r.table).toEqual([]);
        expect(r.head.seq, r.table).toBe(await store.count(r.table));
      }
      expect(report(clean, 'audit_orders').rows).toBeGreaterThan(100);
      // The same events give the same chains on either store: the hash covers the row's content, not the store's types.
      const duck = await DuckDbStore.open(':memory:');
      await duck.init(TABLES);
      await record(duck, join(dir, 'duck'), evs);
      expect(await duck.chainHeads(TABLES)).toEqual(await store.chainHeads(TABLES));
      await duck.close();

      await t.command('ALTER TABLE tickwatch.audit_orders UPDATE price = 1 WHERE chain_seq = 5 SETTINGS mutations_sync = 1');
      const found = await verifyStore(store, TABLES);
      expect(report(found, 'audit_orders').problems).toEqual([expect.stringMatching(/^seq 5: price is 1 where its event says \d+(\.\d+)? \(row altered\)$/)]);
      await t.command("ALTER TABLE tickwatch.audit_orders UPDATE fields = replaceOne(fields, '\"event\"', '\"event \"') WHERE chain_seq = 7 SETTINGS mutations_sync = 1");
      const again = await verifyStore(store, TABLES);
      expect(report(again, 'audit_orders').problems).toEqual([expect.stringMatching(/^seq 5: price/), "seq 7: the row's event does not match its hash (row altered)"]);
    } finally {
      await store.close();
    }
  });

  it('keeps a batch the write-ahead log refuses pending, pauses intake, and loses nothing when it recovers', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const store = await DuckDbStore.open(':memory:');
    await store.init(TABLES);
    // A log on a full disk: the first two batches are refused, as appendBatch does with ENOSPC.
    let refusals = 2;
    class FullDisk extends WriteAheadLog {
      override appendBatch(b: Parameters<WriteAheadLog['appendBatch']>[0]) {
        if (refusals-- > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return super.appendBatch(b);
      }
    }
    const wal = new FullDisk(join(dir, 'wal'));
    wal.open();
    const registry = new MetricRegistry();
    const logging = captureLogging();
    const rec = new Recorder({ store, wal, registry, log: logging.logger('recorder'), batchRows: 300 });
    const some = evs.slice(0, 2000);
    for (const e of some.slice(0, 1000)) rec.add(e.ev, e.line);
    const queued = rec.queuedRows;
    expect(rec.seal()).toBeUndefined();
    expect(rec.full).toBe(true);
    expect(rec.queuedRows).toBe(queued);
    expect(rec.seal()).toBeUndefined();
    expect(logging.lines.filter((l) => l.event === 'recorder.wal_failed')).toHaveLength(1);
    const samples = await samplesOf(registry);
    expect(samples.find((x) => x.name === 'hft_recorder_wal_append_failures_total')?.value).toBe(2);
    expect(rec.seal()).toBeDefined();
    expect(rec.full).toBe(false);
    expect(logging.lines.some((l) => l.event === 'recorder.wal_recovered')).toBe(true);
    for (const e of some.slice(1000)) rec.add(e.ev, e.line);
    rec.seal();
    await rec.drained();
    await rec.stop();
    const produced = new Map<string, number>();
    for (const e of some) for (const [t] of rowsFor(e.ev)) produced.set(t, (produced.get(t) ?? 0) + 1);
    for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(produced.get(t.name) ?? 0);
    for (const r of await verifyStore(store, TABLES)) expect(r.problems, r.table).toEqual([]);
    await store.close();
  });

  it('refuses a database made before the chains, naming the missing columns', async () => {
    const dir = tempDir();
    const path = join(dir, 'old.duckdb');
    const inst = await DuckDBInstance.create(path);
    const conn = await inst.connect();
    const old = TABLES.find((x) => x.name === 'audit_orders')!;
    // The table as the previous version made it: envelope and own columns, no chain columns.
    await conn.run(duckdbDDL({ ...old, chained: undefined }));
    conn.closeSync();
    inst.closeSync();
    const store = await DuckDbStore.open(path);
    try {
      const err = await store.init(TABLES).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(StoreSchemaError);
      expect(String((err as Error).message)).toMatch(/audit_orders lacks the columns chain_seq, prev_hash, row_hash/);
    } finally {
      await store.close();
    }
  });
});
