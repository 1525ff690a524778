/**
 * The ClickHouse exporter's `query_log` collector against a real Debian clickhouse-server 18.16
 * whose profile logs queries (test/helpers/clickhouse.ts turns `log_queries` on): the query
 * duration histogram counts exactly the test's own finished queries by kind (the exporter's own
 * selects, about ten per scrape, are left out by their user agent; a failed query is not a finished
 * one), each once although a scrape every second reads the log while it fills (flushed every 7.5 s,
 * one-second `event_time`), with the durations in the right buckets. The not-enabled case (18.16's
 * default `log_queries` 0, no system.query_log) is in test/clickhouse/exporter.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseExporter, type ClickHouseExporter } from '../../exporters/clickhouse/exporter.js';
import { DEFAULT_QUERY_LOG_DELAY_SECONDS } from '../../exporters/clickhouse/collectors/index.js';
import { tempDir } from '../helpers/env.js';
import { valueOf, type Sample } from '../helpers/exposition.js';
import { promtool } from '../helpers/tools.js';
import { scrape } from '../host/support.js';
import { startClickHouse, type ClickHouseServer } from '../helpers/clickhouse.js';

let ch: ClickHouseServer;
let exp: ClickHouseExporter;
const H = 'tickwatch_clickhouse_query_duration_seconds';

beforeAll(async () => {
  ch = await startClickHouse(tempDir('tickwatch-ch-ql-'));
  // The default delay (15 s): twice the server's flush interval, as in production.
  exp = await startClickHouseExporter({ url: ch.url, port: 0, pingTimeoutMs: 1000, queryTimeoutMs: 2000 });
}, 90_000);

afterAll(async () => {
  await exp?.close();
  await ch?.stop();
});

/** One kind's series: count, sum and cumulative bucket counts by `le`. */
function histogramOf(samples: readonly Sample[], kind: string): { count: number; sum: number; le: Map<string, number> } {
  const le = new Map<string, number>();
  for (const s of samples) if (s.name === `${H}_bucket` && s.labels.kind === kind) le.set(s.labels.le!, s.value);
  return { count: valueOf(samples, `${H}_count`, { kind }), sum: valueOf(samples, `${H}_sum`, { kind }), le };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('query_log collector against clickhouse-server 18.16 with log_queries on', () => {
  it('counts each finished query once by kind, in its bucket, leaving out its own queries, while scraping every second', { timeout: 120_000 }, async () => {
    // A fresh server has logged nothing yet, so there is no system.query_log: not enabled, no series.
    let { samples } = await scrape(exp.metrics.url);
    expect(valueOf(samples, 'tickwatch_clickhouse_query_log_enabled')).toBe(0);
    expect(samples.some((s) => s.name.startsWith(H))).toBe(false);
    expect(valueOf(samples, 'tickwatch_clickhouse_scrape_collector_success', { collector: 'query_log' })).toBe(1);

    // Every query this test runs from here on, and nothing else (the exporter's are left out).
    await ch.query('CREATE TABLE default.fills (k UInt64, v Float64) ENGINE = MergeTree() ORDER BY k'); // other
    const inserts = [
      'INSERT INTO default.fills VALUES (1, 1.5)',
      'INSERT INTO default.fills SELECT number, number FROM system.numbers LIMIT 1000',
      '  insert into default.fills values (2, 2.5)',
      '/* a comment */ INSERT INTO default.fills (k, v) VALUES (3, 3.5)',
      'INSERT INTO default.fills FORMAT TSV\n4\t4.5\n',
    ];
    for (const q of inserts) await ch.query(q);
    const selects = ['SELECT count() FROM default.fills', 'WITH 2 AS x SELECT x', '-- a line comment\n(SELECT 3)', 'SELECT sleep(0.3)'];
    for (const q of selects) await ch.query(q);
    await ch.query('SHOW TABLES'); // other
    await expect(ch.query('SELECT throwIf(1)')).rejects.toThrow(); // failed: not a finished query
    const last = Date.now();

    // Scrape every second until the last query's second has settled (delay + flush + margin): each
    // scrape reads the seconds that settled since the one before, while the log is being flushed.
    let seen = 0;
    let before = { insert: 0, select: 0, other: 0 };
    while (Date.now() < last + (DEFAULT_QUERY_LOG_DELAY_SECONDS + 3) * 1000) {
      await sleep(1000);
      ({ samples } = await scrape(exp.metrics.url));
      expect(valueOf(samples, 'tickwatch_clickhouse_scrape_collector_success', { collector: 'query_log' })).toBe(1);
      if (!samples.some((s) => s.name === `${H}_count`)) continue;
      seen++;
      const now = { insert: histogramOf(samples, 'insert').count, select: histogramOf(samples, 'select').count, other: histogramOf(samples, 'other').count };
      for (const k of ['insert', 'select', 'other'] as const) expect(now[k], `${k} never goes down`).toBeGreaterThanOrEqual(before[k]);
      before = now;
    }
    expect(seen, 'scrapes that served the histogram').toBeGreaterThan(5);
    expect(valueOf(samples, 'tickwatch_clickhouse_query_log_enabled')).toBe(1);

    const insert = histogramOf(samples, 'insert');
    const select = histogramOf(samples, 'select');
    const other = histogramOf(samples, 'other');
    expect(insert.count).toBe(inserts.length);
    expect(select.count).toBe(selects.length); // the exporter ran about ten selects a scrape: none counted
    expect(other.count).toBe(2); // CREATE TABLE and SHOW TABLES
    // sleep(0.3): one select above 250 ms and at most 500 ms; the rest fast.
    expect(select.le.get('0.25')).toBe(selects.length - 1);
    expect(select.le.get('0.5')).toBe(selects.length);
    expect(select.le.get('+Inf')).toBe(selects.length);
    expect(select.sum).toBeGreaterThanOrEqual(0.3);
    expect(select.sum).toBeLessThan(2);
    expect(insert.le.get('+Inf')).toBe(inserts.length);
    for (const h of [insert, select, other]) {
      const counts = [...h.le.values()];
      expect(counts, 'cumulative buckets').toEqual([...counts].sort((a, b) => a - b));
      expect(h.le.size).toBe(16); // 15 bounds from 1 ms to 50 s, and +Inf
    }

    // No double counting: later scrapes read later windows only.
    await sleep(2000);
    const again = (await scrape(exp.metrics.url)).samples;
    for (const kind of ['insert', 'select', 'other']) expect(histogramOf(again, kind)).toEqual(histogramOf(samples, kind));

    // The family passes promtool's lint.
    const body = (await scrape(exp.metrics.url)).body;
    const family = body.split('\n').filter((l) => l.includes(H)).join('\n') + '\n';
    const r = promtool(['check', 'metrics'], family);
    expect(r.stdout + r.stderr).toBe('');
  });
});
