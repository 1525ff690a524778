/**
 * Retention on PostgreSQL (issue 15, points 2-3): the clean-up archives and deletes exactly the
 * rows past their periods per table (`<table>_archive`, one transaction per table), moves seed 002's
 * `system_logs` past 30 days to `archived_system_logs`, which keeps them to 90, keeps `trading_logs`
 * 90 days, and cuts the hash chains at signed checkpoints: `audit verify` passes afterwards. A dry
 * run changes nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptDays, policyOf, resolveRetention, parseRetentionFlag } from '../../exporters/catalog/retention.js';
import { TABLE_DEFS, TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { EVENT_TYPES, type HftEvent } from '../../exporters/events/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { readCheckpointKey } from '../../exporters/recorder/checkpoint.js';
import { runCleanup } from '../../exporters/recorder/cleanup.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { PostgresStore } from '../../exporters/recorder/stores/postgres.js';
import { verifyStore } from '../../exporters/recorder/verify.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { captureLogging, tempDir } from '../helpers/env.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const AGES = [1900, 800, 400, 100, 60, 20, 1];
const example = (name: string) => EVENT_TYPES.find((e) => e.name === name)!.example;

describe('retention on PostgreSQL', () => {
  let pg: PostgresServer | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => pg?.destroy());

  it("archives and deletes exactly the rows past their periods, seed 002's tables included, and verify passes from the checkpoints", { timeout: 120_000 }, async () => {
    const dir = tempDir('tickwatch-pgclean-');
    const store = PostgresStore.open(pg!.url);
    try {
      await store.init(TABLES);
      const lines: string[] = [];
      for (const age of AGES) {
        const ts = new Date(T0 - age * DAY).toISOString();
        for (const name of ['order.submitted', 'execution.fill', 'service.started', 'perf.sample', 'anomaly.detected', 'security.login']) lines.push(JSON.stringify({ ts, level: 'info', ...example(name) }));
      }
      const wal = new WriteAheadLog(join(dir, 'wal'));
      wal.open();
      const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), batchRows: 1000 });
      for (const l of lines) rec.add(JSON.parse(l) as HftEvent, l);
      rec.seal();
      await rec.drained();
      await rec.stop();
      const ages = new Map<TableName, number[]>();
      for (const l of lines) for (const [t] of rowsFor(JSON.parse(l) as HftEvent, undefined, l)) (ages.get(t) ?? ages.set(t, []).get(t)!).push((T0 - Date.parse((JSON.parse(l) as HftEvent).ts)) / DAY);

      // An archive tier for the audit trail too: 1 year in place, then archived to 5 years.
      const cfg = resolveRetention([parseRetentionFlag('postgres.audit=1y:5y')]);
      const b = store.sqlBackend();
      const n = async (t: string) => ((await b.hasTable(t)) ? Number((await b.all(`SELECT count(*) AS n FROM ${t}`))[0]!.n) : 0);
      const before = await Promise.all([...ages.keys()].map(n));
      const keyFile = join(dir, 'key');
      writeFileSync(keyFile, 'a-checkpoint-key-of-32-bytes....');
      const key = readCheckpointKey(keyFile);
      const dry = await runCleanup(store, { retention: cfg, now: new Date(T0), dryRun: true, key });
      expect(await Promise.all([...ages.keys()].map(n))).toEqual(before);
      const r = await runCleanup(store, { retention: cfg, now: new Date(T0), key });
      expect(r.ok, JSON.stringify(r.tables.filter((x) => x.error))).toBe(true);
      for (const [t, a] of ages) {
        const p = policyOf(cfg, 'postgres', TABLE_DEFS.get(t)!);
        const out = r.tables.find((x) => x.table === t)!;
        expect(dry.tables.find((x) => x.table === t), t).toMatchObject({ archived: out.archived, deleted: out.deleted });
        expect(out.archived, t).toBe(p.archiveDays === null ? 0 : a.filter((x) => x > p.activeDays).length);
        expect(out.deleted, t).toBe(a.filter((x) => x > keptDays(p)).length);
        expect(await n(t), t).toBe(a.filter((x) => x <= p.activeDays).length);
        expect(await n(`${t}_archive`), t).toBe(p.archiveDays === null ? 0 : a.filter((x) => x > p.activeDays && x <= p.archiveDays!).length);
      }
      // Seed 002: system_logs (from the logs rows) past 30 days archived, the archive kept to 90; trading_logs 90 days.
      const logs = ages.get('logs')!;
      expect(r.tables.find((x) => x.table === 'system_logs')).toMatchObject({ archived: logs.filter((x) => x > 30).length, deleted: logs.filter((x) => x > 90).length });
      expect(await n('system_logs')).toBe(logs.filter((x) => x <= 30).length);
      expect(await n('archived_system_logs')).toBe(logs.filter((x) => x > 30 && x <= 90).length);
      // logs search reaches the archived log rows too.
      expect((await store.searchLogs({ limit: 10_000 })).length).toBe(logs.filter((x) => x <= 90).length);
      const orders = ages.get('audit_orders')!;
      expect(await n('trading_logs')).toBe(orders.filter((x) => x <= 90).length);
      expect(r.tables.find((x) => x.table === 'audit_orders')!.checkpoint?.algorithm).toBe('hmac-sha256');
      const v = await verifyStore(store, TABLES, 20, undefined, key);
      expect(v.flatMap((x) => x.problems)).toEqual([]);
      expect(v.find((x) => x.table === 'audit_orders')).toMatchObject({ checkpoint: { signed: true } });
      // The chains continue after the cut, from the store's heads.
      const heads = await store.chainHeads(TABLES);
      expect(heads.audit_orders?.seq).toBe(orders.length);
    } finally {
      await store.close();
    }
  });
});
