/**
 * The ClickHouse DDL on a current ClickHouse engine (chdb, in-process): every table is created,
 * TTL removes rows past retention, a retried insert with the same token is written once, the
 * correlation-id search returns the story in time order, and a batch past the server's 10 MiB is
 * one Compact part.
 */
import { describe, expect, it } from 'vitest';
import { tsNanos } from '../../exporters/recorder/rows.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore } from '../../exporters/recorder/stores/clickhouse.js';
import { WIDE_PART_MIN_BYTES } from '../../exporters/recorder/ddl.js';
import { DEFAULT_RETENTION, TABLES } from '../../exporters/catalog/tables.js';
import { tempDir } from '../helpers/env.js';

const row = (ts: string, cid: string, event = 'order.submitted') => ({
  ts_ns: String(tsNanos(ts)),
  event,
  component: 'order_adapter',
  level: 'info',
  correlation_id: cid,
  intent_id: null,
  trace_id: null,
  message: null,
  fields: JSON.stringify({ ts, event, cid }),
  strategy: 'mm-2330',
  order_id: 'o-1',
});

describe('ClickHouse store on chdb (current ClickHouse)', () => {
  it('creates every table, expires rows by TTL, deduplicates a retried insert, and searches in time order', { timeout: 120_000 }, async () => {
    const t = await chdbTransport(tempDir());
    const store = new ClickHouseStore(t, { database: 'tickwatch', retention: { ...DEFAULT_RETENTION, audit: 5 * 365, logs: 30 } });
    try {
      await store.init(TABLES);
      const tables = await t.query<{ name: string; engine_full: string }>("SELECT name, engine_full FROM system.tables WHERE database = 'tickwatch' ORDER BY name");
      expect(tables.map((x) => x.name).sort()).toEqual(TABLES.map((x) => x.name).sort());
      const logs = tables.find((x) => x.name === 'logs')!.engine_full;
      expect(logs).toMatch(/PARTITION BY toYYYYMM\(ts\)/);
      expect(logs).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(30\)/);
      const now = new Date();
      const recent = now.toISOString().replace(/\.(\d{3})Z$/, '.$1456789Z');
      const old = new Date(now.getTime() - 40 * 86_400_000).toISOString();
      // TTL: a log row 40 days old goes at the next merge; a fresh one stays; audit keeps both.
      await store.insert('logs', [row(old, 'c-old', 'feed.gap'), row(recent, 'c-new', 'feed.gap')], 'tok-logs');
      await store.insert('audit_orders', [row(old, 'c-old'), row(recent, 'c-new')], 'tok-orders');
      await t.command('OPTIMIZE TABLE tickwatch.logs FINAL');
      await t.command('OPTIMIZE TABLE tickwatch.audit_orders FINAL');
      expect(await store.count('logs')).toBe(1);
      expect(await store.count('audit_orders')).toBe(2);
      // A retried insert with the same token is not written twice; another token is.
      await store.insert('audit_orders', [row(recent, 'c-dup')], 'tok-retry');
      await store.insert('audit_orders', [row(recent, 'c-dup')], 'tok-retry');
      expect(await store.countByToken('audit_orders', 'tok-retry')).toBe(1);
      await store.insert('audit_orders', [row(recent, 'c-dup')], 'tok-other');
      expect(await store.count('audit_orders')).toBe(4);
      // Search: nanosecond order across tables.
      const a = '2026-11-23T01:00:00.000000002Z';
      const b = '2026-11-23T01:00:00.000000001Z';
      await store.insert('audit_orders', [row(a, 'c-story', 'order.acked')], 'tok-s1');
      await store.insert('logs', [row(b, 'c-story', 'order.submitted')], 'tok-s2');
      const story = await store.search({ correlationId: 'c-story' }, TABLES);
      expect(story.map((r) => [r.table, r.event, r.ts_ns])).toEqual([
        ['logs', 'order.submitted', tsNanos(b)],
        ['audit_orders', 'order.acked', tsNanos(a)],
      ]);
    } finally {
      await store.close();
    }
  });

  it("writes a batch past the server's 10 MiB wide-part threshold as one Compact part (ddl.ts WIDE_PART_MIN_BYTES)", { timeout: 120_000 }, async () => {
    const t = await chdbTransport(tempDir());
    const store = new ClickHouseStore(t);
    try {
      await store.init(TABLES);
      const [logs] = await t.query<{ engine_full: string }>("SELECT engine_full FROM system.tables WHERE database = 'tickwatch' AND name = 'logs'");
      expect(logs!.engine_full).toContain(`min_bytes_for_wide_part = ${WIDE_PART_MIN_BYTES}`);
      // 20,000 rows of about 700 bytes: some 14 MB, Wide at the server's default.
      const pad = 'x'.repeat(600);
      const rows = Array.from({ length: 20_000 }, (_, i) => row(new Date(Date.UTC(2026, 11, 7, 1, 0, i % 60)).toISOString(), `c-${i}`, 'feed.gap'));
      await store.insert('logs', rows.map((r, i) => ({ ...r, message: `${pad}${i}` })), 'tok-big');
      const parts = await t.query<{ part_type: string; rows: string | number; bytes: string | number }>(
        "SELECT part_type, rows, data_uncompressed_bytes AS bytes FROM system.parts WHERE database = 'tickwatch' AND table = 'logs' AND active",
      );
      expect(parts).toHaveLength(1);
      expect(Number(parts[0]!.rows)).toBe(20_000);
      expect(Number(parts[0]!.bytes)).toBeGreaterThan(10 * 1024 * 1024);
      expect(parts[0]!.part_type).toBe('Compact');
    } finally {
      await store.close();
    }
  });
});
