/**
 * Retention on ClickHouse (issue 15, points 2-3): the DDL carries each table's configured TTL
 * (`TO VOLUME 'archive'` when the storage policy has an archive volume, the `DELETE` at the table's
 * period, none on a hash-chained table), and runs on a current ClickHouse (chdb, with a tiered
 * storage policy from a config file: the archive tier's parts move to the archive disk) and the
 * clean-up deletes a chained table's rows past their period after a checkpoint, `audit verify`
 * passing. On Debian's 18.16 server the current DDL is refused (no TTL there), and the clean-up
 * deletes every table's rows past their period itself (`ALTER TABLE ... DELETE`, 18.16's mutations),
 * verify passing.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptDays, parseRetentionFlag, policyOf, resolveRetention, DEFAULT_RETENTION_CONFIG, type RetentionConfig } from '../../exporters/catalog/retention.js';
import { TABLE_DEFS, TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { EVENT_TYPES, type HftEvent } from '../../exporters/events/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { runCleanup } from '../../exporters/recorder/cleanup.js';
import { clickhouseDDL, clickhouseTtl } from '../../exporters/recorder/ddl.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore, httpTransport } from '../../exporters/recorder/stores/clickhouse.js';
import type { AuditStore } from '../../exporters/recorder/stores/store.js';
import { verifyStore, type ChainReport } from '../../exporters/recorder/verify.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { startClickHouse, type ClickHouseServer } from '../helpers/clickhouse.js';
import { captureLogging, tempDir } from '../helpers/env.js';

const DAY = 86_400_000;
const example = (name: string) => EVENT_TYPES.find((e) => e.name === name)!.example;

/** One line of each kind per age (days before `t0`), oldest first. */
function lines(t0: number, ages: readonly number[]): string[] {
  const out: string[] = [];
  for (const age of ages) {
    const ts = new Date(t0 - age * DAY).toISOString();
    for (const name of ['order.submitted', 'execution.fill', 'service.started', 'perf.sample', 'anomaly.detected', 'security.login']) out.push(JSON.stringify({ ts, level: 'info', ...example(name) }));
    out.push(JSON.stringify({ ts, level: 'info', component: 'strategy_runner', event: 'app.note', message: `aged ${age}` }));
  }
  return out;
}

async function record(store: AuditStore, dir: string, ls: readonly string[]): Promise<void> {
  const wal = new WriteAheadLog(join(dir, 'wal'));
  wal.open();
  // A new write-ahead log continues the chains from the store's heads (as the service does).
  const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), batchRows: 1000, chain: await store.chainHeads(TABLES) });
  for (const l of ls) rec.add(JSON.parse(l) as HftEvent, l);
  rec.seal();
  await rec.drained();
  await rec.stop();
}

/** Per table, the ages of its rows. */
function rowAges(t0: number, ls: readonly string[]): Map<TableName, number[]> {
  const out = new Map<TableName, number[]>();
  for (const l of ls) {
    const ev = JSON.parse(l) as HftEvent;
    for (const [t] of rowsFor(ev, undefined, l)) (out.get(t) ?? out.set(t, []).get(t)!).push((t0 - Date.parse(ev.ts)) / DAY);
  }
  return out;
}

const problems = (rs: readonly ChainReport[]) => rs.flatMap((r) => r.problems.map((p) => `${r.table}: ${p}`));

/** A tiered storage policy: the default disk for new parts, a second local disk as the volume `archive`. */
function tieredConfig(dir: string): string {
  const disk = join(dir, 'archive-disk');
  mkdirSync(disk, { recursive: true });
  const file = join(dir, 'tiered.xml');
  writeFileSync(
    file,
    `<clickhouse><storage_configuration>
  <disks><default/><archive_disk><type>local</type><path>${disk}/</path></archive_disk></disks>
  <policies><tickwatch_tiered><volumes>
    <hot><disk>default</disk></hot>
    <archive><disk>archive_disk</disk></archive>
  </volumes></tickwatch_tiered></policies>
</storage_configuration></clickhouse>`,
  );
  return file;
}

describe('retention on a current ClickHouse (chdb)', () => {
  const cfg: RetentionConfig = resolveRetention([parseRetentionFlag('logs=14d:60d,anomaly_log=200d,audit_orders=1y:5y')]);
  const periods = cfg.periods.clickhouse;

  it('generates the configured TTL per table: TO VOLUME with an archive volume, DELETE at the period, none on a chained table', () => {
    const ddl = (name: TableName, archiveVolume: boolean) => clickhouseDDL(TABLE_DEFS.get(name)!, periods[name]!, 'tickwatch', archiveVolume ? 'tickwatch_tiered' : undefined, archiveVolume);
    expect(ddl('logs', false)).toContain('\nTTL toDateTime(ts) + INTERVAL 60 DAY DELETE\n');
    expect(ddl('logs', true)).toContain("\nTTL toDateTime(ts) + INTERVAL 14 DAY TO VOLUME 'archive', toDateTime(ts) + INTERVAL 60 DAY DELETE\n");
    expect(ddl('anomaly_log', true)).toContain('\nTTL toDateTime(ts) + INTERVAL 200 DAY DELETE\n');
    expect(ddl('system_events', false)).toContain('\nTTL toDateTime(ts) + INTERVAL 731 DAY DELETE\n');
    expect(ddl('trade_executions', false)).toContain('\nTTL toDateTime(ts) + INTERVAL 1827 DAY DELETE\n');
    // A chained table: no TTL delete (the clean-up deletes after a checkpoint); the move, when there is a volume.
    expect(ddl('audit_security', true)).not.toContain('TTL');
    expect(ddl('audit_orders', false)).not.toContain('TTL');
    expect(ddl('audit_orders', true)).toContain("\nTTL toDateTime(ts) + INTERVAL 366 DAY TO VOLUME 'archive'\n");
    expect(ddl('audit_orders', true)).toContain("storage_policy = 'tickwatch_tiered'");
    expect(clickhouseTtl(TABLE_DEFS.get('logs')!, { activeDays: 30, archiveDays: null }, true)).toBe('TTL toDateTime(ts) + INTERVAL 30 DAY DELETE');
  });

  it('gives existing tables the TTL the config now says, and takes an older TTL delete off a chained table', { timeout: 60_000 }, async () => {
    const t = await chdbTransport(join(tempDir('tickwatch-chsync-'), 'ch'));
    try {
      await new ClickHouseStore(t).init(TABLES);
      // As an older tickwatch made it: a TTL delete on a chained table.
      await t.command('ALTER TABLE tickwatch.audit_orders MODIFY TTL toDateTime(ts) + INTERVAL 1825 DAY DELETE');
      const engine = async () => new Map((await t.query<{ name: string; engine_full: string }>("SELECT name, engine_full FROM system.tables WHERE database = 'tickwatch'")).map((x) => [x.name, x.engine_full]));
      expect((await engine()).get('logs')).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(90\) SETTINGS/);
      await new ClickHouseStore(t, { periods }).init(TABLES);
      const e = await engine();
      expect(e.get('logs')).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(60\) SETTINGS/);
      expect(e.get('anomaly_log')).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(200\) SETTINGS/);
      expect(e.get('system_events')).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(731\) SETTINGS/);
      expect(e.get('audit_orders')).not.toMatch(/TTL/);
      // The same config again changes nothing (no new mutation).
      const mutations = async () => Number((await t.query<{ n: string }>("SELECT toString(count()) AS n FROM system.mutations WHERE database = 'tickwatch'"))[0]!.n);
      const before = await mutations();
      await new ClickHouseStore(t, { periods }).init(TABLES);
      expect(await mutations()).toBe(before);
      expect(await engine()).toEqual(e);
    } finally {
      await t.close();
    }
  });

  it('runs the DDL with a tiered storage policy: parts past the active period move to the archive volume, past the period they go', { timeout: 120_000 }, async () => {
    const dir = tempDir('tickwatch-chttl-');
    const t = await chdbTransport(join(dir, 'ch'), [`--config-file=${tieredConfig(dir)}`]);
    try {
      const store = new ClickHouseStore(t, { periods, storagePolicy: 'tickwatch_tiered' });
      await store.init(TABLES);
      const tables = await t.query<{ name: string; engine_full: string }>("SELECT name, engine_full FROM system.tables WHERE database = 'tickwatch'");
      const of = (n: string) => tables.find((x) => x.name === n)!.engine_full;
      expect(of('logs')).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(14\) TO VOLUME 'archive', toDateTime\(ts\) \+ toIntervalDay\(60\)/);
      expect(of('audit_orders')).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(366\) TO VOLUME 'archive'/);
      expect(of('audit_orders')).not.toMatch(/DELETE|toIntervalDay\(1827\)/);
      expect(of('audit_security')).not.toMatch(/TTL/);
      expect(of('anomaly_log')).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(200\)/);
      // One insert per age (a part each): 1 day old stays hot, 20 days goes to the archive disk, 70 days goes.
      const now = Date.now();
      for (const age of [70, 20, 1]) await record(store, join(dir, `rec-${age}`), lines(now, [age]));
      // The TTL applied part by part (a merge would join the parts of a month).
      await t.command('ALTER TABLE tickwatch.logs MATERIALIZE TTL SETTINGS mutations_sync = 2');
      let parts: { disk_name: string; n: string }[] = [];
      for (let i = 0; i < 100; i++) {
        parts = await t.query<{ disk_name: string; n: string }>("SELECT disk_name, toString(sum(rows)) AS n FROM system.parts WHERE database = 'tickwatch' AND table = 'logs' AND active GROUP BY disk_name ORDER BY disk_name");
        if (parts.some((p) => p.disk_name === 'archive_disk')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(parts).toEqual([
        { disk_name: 'archive_disk', n: '7' },
        { disk_name: 'default', n: '7' },
      ]);
    } finally {
      await t.close();
    }
  });

  it('deletes a chained table\'s rows past their period after a checkpoint (the TTL does the rest), and verify passes', { timeout: 120_000 }, async () => {
    const dir = tempDir('tickwatch-chclean-');
    const t = await chdbTransport(join(dir, 'ch'));
    try {
      const store = new ClickHouseStore(t, { periods });
      await store.init(TABLES);
      const now = Date.now();
      const ls = lines(now, [1900, 1830, 400, 100, 3]);
      await record(store, dir, ls);
      const ages = rowAges(now, ls);
      const dry = await runCleanup(store, { retention: cfg, now: new Date(now), dryRun: true });
      // The chained tables hold every row (a current server may drop rows already past a TTL delete as they arrive).
      for (const [n] of ages) if (TABLE_DEFS.get(n)!.chained) expect(await store.count(n), n).toBe(ages.get(n)!.length);
      const r = await runCleanup(store, { retention: cfg, now: new Date(now) });
      expect(r.ok, JSON.stringify(r.tables.filter((x) => x.error))).toBe(true);
      for (const [n, a] of ages) {
        const def = TABLE_DEFS.get(n)!;
        const out = r.tables.find((x) => x.table === n)!;
        expect(dry.tables.find((x) => x.table === n), n).toMatchObject({ archived: out.archived, deleted: out.deleted });
        if (!def.chained) {
          expect(out, n).toMatchObject({ by: 'ttl', archived: 0, deleted: 0 });
          continue;
        }
        const gone = a.filter((x) => x > keptDays(policyOf(cfg, 'clickhouse', def))).length;
        expect(out, n).toMatchObject({ by: 'job', archived: 0, deleted: gone });
        expect(await store.count(n), n).toBe(a.length - gone);
        expect(out.checkpoint?.seq, n).toBe(gone + 1);
      }
      expect(problems(await verifyStore(store, TABLES))).toEqual([]);
      // The TTL removes the others at its merge (against the server's clock: the ages are from now).
      for (const n of ['logs', 'anomaly_log', 'trade_executions']) await t.command(`OPTIMIZE TABLE tickwatch.${n} FINAL`);
      for (const n of ['logs', 'anomaly_log', 'trade_executions'] as const) expect(await store.count(n), n).toBe(ages.get(n)!.filter((x) => x <= keptDays(periods[n]!)).length);
      // A checkpoint edited is named.
      await t.command("ALTER TABLE tickwatch.chain_checkpoints UPDATE rows_removed = 99 WHERE table_name = 'audit_orders' SETTINGS mutations_sync = 1");
      expect(problems(await verifyStore(store, TABLES)).join('\n')).toMatch(/audit_orders: checkpoint of audit_orders at seq \d+: its digest does not match its fields/);
    } finally {
      await t.close();
    }
  });
});

describe("retention on Debian's ClickHouse 18.16 (no TTL)", () => {
  let ch: ClickHouseServer | undefined;
  beforeAll(async () => {
    ch = await startClickHouse();
  }, 120_000);
  afterAll(async () => ch?.destroy());

  it('refuses the TTL DDL, and the clean-up deletes every table\'s rows past their period with ALTER TABLE DELETE; verify passes', { timeout: 180_000 }, async () => {
    // What 18.16 cannot do: the current DDL (its data-skipping indexes fail first), a TTL clause at all
    // (TTL came with 19.6), storage policies and volumes (19.15), and waiting for a mutation
    // (`mutations_sync`): the clean-up polls system.mutations instead.
    await ch!.query('CREATE DATABASE IF NOT EXISTS ttl_probe');
    await expect(ch!.query(clickhouseDDL(TABLE_DEFS.get('logs')!, DEFAULT_RETENTION_CONFIG.periods.clickhouse.logs!, 'ttl_probe'))).rejects.toThrow(/Syntax error/);
    await expect(ch!.query('CREATE TABLE ttl_probe.t (ts DateTime, x Int64) ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY ts TTL ts + INTERVAL 30 DAY')).rejects.toThrow(/Syntax error: failed at position \d+: TTL ts \+ INTERVAL 30 DAY/);
    await expect(ch!.query('SELECT * FROM system.storage_policies')).rejects.toThrow(/system\.storage_policies doesn't exist/);
    await ch!.query('CREATE TABLE ttl_probe.u (ts DateTime, x Int64) ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY ts');
    await expect(ch!.query('ALTER TABLE ttl_probe.u DELETE WHERE x < 5 SETTINGS mutations_sync = 2')).rejects.toThrow(/Syntax error: failed at position \d+: SETTINGS mutations_sync/);
    const dir = tempDir('tickwatch-ch18-');
    const store = new ClickHouseStore(httpTransport(ch!.url), { legacy: true });
    try {
      await store.init(TABLES);
      const now = Date.now();
      const ls = lines(now, [1900, 800, 400, 100, 40, 3]);
      await record(store, dir, ls);
      const ages = rowAges(now, ls);
      const cfg = DEFAULT_RETENTION_CONFIG;
      const dry = await runCleanup(store, { retention: cfg, now: new Date(now), dryRun: true });
      for (const [n, a] of ages) expect(await store.count(n), n).toBe(a.length);
      const r = await runCleanup(store, { retention: cfg, now: new Date(now) });
      expect(r.ok, JSON.stringify(r.tables.filter((x) => x.error))).toBe(true);
      for (const [n, a] of ages) {
        const p = policyOf(cfg, 'clickhouse', TABLE_DEFS.get(n)!);
        const gone = a.filter((x) => x > keptDays(p)).length;
        const out = r.tables.find((x) => x.table === n)!;
        expect(out, n).toMatchObject({ by: 'job', archived: 0, deleted: gone });
        expect(dry.tables.find((x) => x.table === n), n).toMatchObject({ deleted: gone });
        expect(await store.count(n), n).toBe(a.length - gone);
      }
      expect(r.tables.find((x) => x.table === 'logs')!.deleted).toBe(4 * 7); // 1900, 800, 400 and 100 days: past 90
      expect(r.tables.find((x) => x.table === 'audit_orders')!.checkpoint?.seq).toBe(2 + 1);
      expect(problems(await verifyStore(store, TABLES))).toEqual([]);
      // The next run has nothing to do.
      const again = await runCleanup(store, { retention: cfg, now: new Date(now) });
      expect(again.deleted).toBe(0);
      expect(problems(await verifyStore(store, TABLES))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
