/**
 * The alert history (issue 15, point 4): the recorder's webhook takes Alertmanager's notifications
 * (payload version 4), records each alert once however often Alertmanager sends it, firing and
 * resolved, through the write-ahead log and the hash chain; refuses and counts what is not such a
 * payload; `GET /api/v1/alerts` and `tickwatch alerts history` read it with bound filters; and the
 * `alert_log` table works on every store (DuckDB, ClickHouse current on chdb, Debian's ClickHouse
 * 18.16, PostgreSQL).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../exporters/catalog/tables.js';
import type { HftEvent } from '../../exporters/events/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { CLI_ENTRY } from '../../exporters/lib/paths.js';
import { ALERTMANAGER_FORMAT, alertDedupKey, alertLine } from '../../exporters/recorder/alert-rows.js';
import { ALERT_WEBHOOK_PATH, AlertReceiver, AlertWebhookRejection, type AlertJson } from '../../exporters/recorder/alerts.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { startRecorder, type RunningRecorder } from '../../exporters/recorder/run.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore, httpTransport } from '../../exporters/recorder/stores/clickhouse.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { PostgresStore } from '../../exporters/recorder/stores/postgres.js';
import type { AuditStore } from '../../exporters/recorder/stores/store.js';
import { verifyStore } from '../../exporters/recorder/verify.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { notification } from '../helpers/alertmanager.js';
import { startClickHouse, type ClickHouseServer } from '../helpers/clickhouse.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { runToolAsync } from '../helpers/tools.js';

const dir = tempDir('tickwatch-alerts-');
const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.now() - 600_000;

/** A critical and its group: FeedGap on one instance, two feeds; Watchdog alone. */
const feedGap = (endsAt?: string) =>
  notification([
    { name: 'FeedGap', instance: '127.0.0.1:9470', startsAt: iso(T0), labels: { feed: 'twse' }, ...(endsAt ? { endsAt } : {}) },
    { name: 'FeedGap', instance: '127.0.0.1:9470', startsAt: iso(T0 + 2000), labels: { feed: 'tpex' } },
  ]);
const watchdog = () => notification([{ name: 'Watchdog', startsAt: iso(T0 - 3_600_000) }]);

describe('the alert history webhook on a running recorder (embedded store)', () => {
  let rec: RunningRecorder | undefined;
  const events = join(dir, 'engine.ndjson');
  const db = join(dir, 'audit.duckdb');
  const start = async () =>
    startRecorder({ events, dataDir: join(dir, 'data'), store: { kind: 'embedded', path: db }, port: 0, queryPort: 0, batchMs: 100 }, captureLogging());
  const url = () => `http://127.0.0.1:${rec!.queryPort}`;
  const post = async (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const r = await fetch(`${url()}${ALERT_WEBHOOK_PATH}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const history = async (q = '') => {
    const r = await fetch(`${url()}/api/v1/alerts${q}`);
    return { status: r.status, rows: (await r.json()) as AlertJson[] };
  };
  const metrics = async () => parseExposition(await (await fetch(`${rec!.service.metrics.url}/metrics`)).text());

  beforeAll(async () => {
    writeFileSync(events, '');
    rec = await start();
  });
  afterAll(async () => rec?.close());

  it('refuses, with 400 and the reason, what is not an Alertmanager webhook payload, counts it, and keeps taking notifications', { timeout: 60_000 }, async () => {
    const good = watchdog();
    const alert0 = good.alerts[0]!;
    const cases: [unknown, number, string, string][] = [
      ['{"version": "4", "alerts": [', 400, 'invalid_json', ''],
      [{ ...good, version: '3' }, 400, 'version', 'version "3"'],
      [[good], 400, 'schema', 'not a JSON object'],
      [{ ...good, alerts: [{ ...alert0, fingerprint: undefined }] }, 400, 'schema', '/alerts/0/fingerprint'],
      [{ ...good, alerts: [{ ...alert0, labels: { severity: 'none' } }] }, 400, 'schema', '/alerts/0/labels'],
      [{ ...good, alerts: [{ ...alert0, startsAt: 'yesterday at noon, roughly' }] }, 400, 'schema', '/alerts/0/startsAt'],
      [{ ...good, alerts: [{ ...alert0, status: 'resolved', endsAt: '0001-01-01' }] }, 400, 'schema', '/alerts/0/endsAt'],
      [{ ...good, groupKey: 7 }, 400, 'schema', '/groupKey'],
    ];
    for (const [body, status, reason, says] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(String(r.body.error)).toContain(`${reason}: `);
      expect(String(r.body.error)).toContain(says);
    }
    const plain = await post(JSON.stringify(good), { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    const huge = await post(JSON.stringify({ ...good, commonAnnotations: { pad: 'x'.repeat(17 * 1024 * 1024) } }));
    expect(huge.status).toBe(413);
    const m = await metrics();
    expect(valueOf(m, 'hft_recorder_alert_rejects_total', { reason: 'invalid_json' })).toBe(1);
    expect(valueOf(m, 'hft_recorder_alert_rejects_total', { reason: 'version' })).toBe(1);
    expect(valueOf(m, 'hft_recorder_alert_rejects_total', { reason: 'schema' })).toBe(6);
    expect(valueOf(m, 'hft_recorder_alert_rejects_total', { reason: 'content_type' })).toBe(1);
    expect(valueOf(m, 'hft_recorder_alert_rejects_total', { reason: 'too_large' })).toBe(1);
    expect(valueOf(m, 'hft_recorder_alert_rejects_total', { reason: 'unavailable' })).toBe(0);
    // Still serving: the good one is taken.
    expect(await post(good)).toEqual({ status: 200, body: { recorded: 1, duplicates: 0 } });
  });

  it('records each alert once, however often Alertmanager sends it (retries, repeats, at once), firing and resolved; the API and the CLI read it', { timeout: 120_000 }, async () => {
    expect(await post(feedGap())).toEqual({ status: 200, body: { recorded: 2, duplicates: 0 } });
    // A retry, a repeat, and two at once: nothing new.
    expect(await post(feedGap())).toEqual({ status: 200, body: { recorded: 0, duplicates: 2 } });
    const [a, b] = await Promise.all([post(watchdog()), post(watchdog())]);
    expect([a, b]).toEqual([
      { status: 200, body: { recorded: 0, duplicates: 1 } },
      { status: 200, body: { recorded: 0, duplicates: 1 } },
    ]);
    // The twse feed recovers: Alertmanager sends the group again, one alert resolved, one still firing.
    const resolvedAt = iso(T0 + 60_000);
    const [x, y] = await Promise.all([post(feedGap(resolvedAt)), post(feedGap(resolvedAt))]);
    expect([x, y].map((r) => r.body.recorded).sort()).toEqual([0, 1]);
    expect([x, y].map((r) => r.body.duplicates).sort()).toEqual([1, 2]);

    // Acknowledged once in the write-ahead log; in the store a moment later.
    let all = await history();
    for (const t = Date.now(); all.rows.length < 4 && Date.now() - t < 30_000; all = await history()) await new Promise((r) => setTimeout(r, 50));
    expect(all.status).toBe(200);
    expect(all.rows.map((r) => `${r.alertname} ${r.status} ${r.labels?.feed ?? '-'}`).sort()).toEqual(['FeedGap OPEN tpex', 'FeedGap OPEN twse', 'FeedGap RESOLVED twse', 'Watchdog OPEN -']);
    // Newest first; what each row carries.
    expect(all.rows[0]).toMatchObject({ alertname: 'FeedGap', status: 'RESOLVED', severity: 'critical', instance: '127.0.0.1:9470', job: 'tickwatch-hft', starts_at: `${iso(T0).slice(0, 19)}.${iso(T0).slice(20, 23)}000000Z`, ends_at: `${resolvedAt.slice(0, 23)}000000Z`, receiver: 'tickwatch-history' });
    expect(all.rows[0]!.runbook_url).toContain('runbooks/FeedGap.md');
    expect(all.rows[0]!.summary).toBeTruthy();
    expect(all.rows[0]!.family).toBeTruthy();
    expect(all.rows.find((r) => r.alertname === 'Watchdog')).toMatchObject({ severity: 'none', instance: null, ends_at: null });
    // Bound filters.
    expect((await history('?status=RESOLVED')).rows.map((r) => r.alertname)).toEqual(['FeedGap']);
    expect((await history('?status=firing&severity=critical')).rows).toHaveLength(2);
    expect((await history('?severity=none')).rows.map((r) => r.alertname)).toEqual(['Watchdog']);
    expect((await history("?alertname=FeedGap'%20OR%201=1%20--")).rows).toEqual([]);
    expect((await history('?since=1m')).rows).toHaveLength(4);
    expect((await history(`?until=${encodeURIComponent(iso(Date.now() - 3_600_000))}`)).rows).toEqual([]);
    expect(await history('?status=burning')).toMatchObject({ status: 400 });

    // The CLI, as a user runs it, against the running recorder.
    const json = await runToolAsync(process.execPath, [CLI_ENTRY, 'alerts', 'history', '--status', 'RESOLVED', '--json', '--query-port', String(rec!.queryPort)], { timeoutMs: 120_000 });
    expect(json.status, json.stderr).toBe(0);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l) as AlertJson)).toMatchObject([{ alertname: 'FeedGap', status: 'RESOLVED', labels: { feed: 'twse' } }]);
    const table = await runToolAsync(process.execPath, [CLI_ENTRY, 'alerts', 'history', '--since', '1h', '--severity', 'critical', '--query-port', String(rec!.queryPort)], { timeoutMs: 120_000 });
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^notified \(UTC\)\s+status\s+severity\s+alert\s+instance/);
    expect(table.stdout.match(/FeedGap/g)).toHaveLength(3);
    const bad = await runToolAsync(process.execPath, [CLI_ENTRY, 'alerts', 'history', '--status', 'maybe', '--query-port', String(rec!.queryPort)], { timeoutMs: 120_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("status 'maybe': OPEN or RESOLVED");

    // Hash-chained and whole; the lines are in the log stream too, as the monitor's.
    const reports = (await (await fetch(`${url()}/api/v1/verify`)).json()) as { table: string; rows: number; problemCount: number }[];
    expect(reports.find((r) => r.table === 'alert_log')).toMatchObject({ rows: 4, problemCount: 0 });
    const logs = (await (await fetch(`${url()}/api/v1/logs?event=alert.*`)).json()) as { rows: { component: string; level: string; format: string }[] };
    expect(logs.rows.map((r) => `${r.component} ${r.level} ${r.format}`).sort()).toEqual(['monitor error alertmanager', 'monitor error alertmanager', 'monitor info alertmanager', 'monitor info alertmanager']);
    const m = await metrics();
    expect(valueOf(m, 'hft_recorder_alert_notifications_total', { status: 'firing' })).toBe(7);
    expect(valueOf(m, 'hft_recorder_alert_duplicates_total')).toBe(7);
    expect(valueOf(m, 'hft_recorder_rows_written_total', { table: 'alert_log' })).toBe(4);
  });

  it('a recorder started again on the same store knows what it recorded: nothing twice, and the chain goes on', { timeout: 60_000 }, async () => {
    await rec!.close();
    rec = await start();
    expect(await post(feedGap())).toEqual({ status: 200, body: { recorded: 0, duplicates: 2 } });
    expect(await post(notification([{ name: 'FeedGap', instance: '127.0.0.1:9470', startsAt: iso(T0 + 120_000), labels: { feed: 'twse' } }]))).toEqual({ status: 200, body: { recorded: 1, duplicates: 0 } });
    // Acknowledged in the write-ahead log; in the store a moment later (a busy machine makes it longer).
    type Report = { table: string; rows: number; problemCount: number; head: { seq: number } };
    const verify = async () => ((await (await fetch(`${url()}/api/v1/verify`)).json()) as Report[]).find((r) => r.table === 'alert_log');
    let report = await verify();
    for (const t = Date.now(); report?.rows !== 5 && Date.now() - t < 30_000; report = await verify()) await new Promise((r) => setTimeout(r, 50));
    expect(report, 'alert_log not at 5 rows within 30 s of the acknowledgement').toMatchObject({ rows: 5, problemCount: 0, head: { seq: 5 } });
  });
});

describe('the alert history receiver in-process', () => {
  it('answers 503 while the write-ahead log refuses, records once when Alertmanager retries, and hands every alert to the Redis hot state', { timeout: 60_000 }, async () => {
    const store = await DuckDbStore.open(':memory:');
    await store.init(TABLES);
    const wal = new WriteAheadLog(join(dir, 'wal-503'));
    wal.open();
    const registry = new MetricRegistry();
    const log = captureLogging().logger('recorder');
    const recorder = new Recorder({ store, wal, registry, log });
    const hot: unknown[] = [];
    let refuse = true;
    const receiver = new AlertReceiver({ recorder, store, registry, log, redis: { recordAlerts: (a) => hot.push(...a) }, seal: () => (refuse ? undefined : recorder.seal()) });
    const n = feedGap();
    const err = await receiver.receive(n).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlertWebhookRejection);
    expect(err).toMatchObject({ reason: 'unavailable', statusCode: 503 });
    expect(hot).toEqual([]);
    // The log takes batches again (the service's timer seals the pending rows); Alertmanager retries.
    refuse = false;
    recorder.seal();
    expect(await receiver.receive(n)).toEqual({ recorded: 0, duplicates: 2 });
    expect(hot).toEqual(n.alerts);
    await recorder.drained();
    expect(await store.count('alert_log')).toBe(2);
    const samples = await samplesOf(registry);
    expect(valueOf(samples, 'hft_recorder_alert_rejects_total', { reason: 'unavailable' })).toBe(1);
    await recorder.stop();
    await store.close();
  });

  it('knows the alerts still spooled from an earlier run (the store down), so a repeat after a restart is not recorded twice', { timeout: 60_000 }, async () => {
    const duck = await DuckDbStore.open(':memory:');
    await duck.init(TABLES);
    let down = true;
    const failing = <T>(f: () => Promise<T>) => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : f());
    const store: AuditStore = Object.assign(Object.create(duck) as AuditStore, {
      insertBatch: (t: Parameters<NonNullable<AuditStore['insertBatch']>>[0], token: string) => failing(() => duck.insertBatch(t, token)),
      insert: (t: Parameters<AuditStore['insert']>[0], r: Parameters<AuditStore['insert']>[1], token: string) => failing(() => duck.insert(t, r, token)),
      countByToken: (t: Parameters<AuditStore['countByToken']>[0], token: string) => failing(() => duck.countByToken(t, token)),
      searchAlerts: (q: Parameters<AuditStore['searchAlerts']>[0]) => failing(() => duck.searchAlerts(q)),
    });
    const walDir = join(dir, 'wal-spool');
    const first = new WriteAheadLog(walDir);
    first.open();
    const log = captureLogging().logger('recorder');
    const a = new Recorder({ store, wal: first, registry: new MetricRegistry(), log, retryStartMs: 10, retryMaxMs: 20 });
    const ra = new AlertReceiver({ recorder: a, store, registry: new MetricRegistry(), log, seal: () => a.seal() });
    expect(await ra.receive(feedGap())).toEqual({ recorded: 2, duplicates: 0 });
    await a.stop();
    // Started again, the store still down: the spooled batch is replayed, its alerts known.
    const again = new WriteAheadLog(walDir);
    const recovery = again.open();
    expect(recovery.pending).toHaveLength(1);
    const b = new Recorder({ store, wal: again, registry: new MetricRegistry(), log, retryStartMs: 10, retryMaxMs: 20, chain: recovery.chain });
    b.resume(recovery.pending);
    const rb = new AlertReceiver({ recorder: b, store, registry: new MetricRegistry(), log, seal: () => b.seal() });
    expect(await rb.receive(feedGap())).toEqual({ recorded: 0, duplicates: 2 });
    down = false;
    await b.drained();
    expect(await duck.count('alert_log')).toBe(2);
    expect((await verifyStore(duck, TABLES)).find((r) => r.table === 'alert_log')).toMatchObject({ rows: 2, problemCount: 0 });
    await b.stop();
    await duck.close();
  });

  it("takes alert rows only from Alertmanager's notifications: an engine line naming alert.firing is a log line", () => {
    const n = feedGap();
    const line = alertLine(n, n.alerts[0]!, Date.now());
    const raw = JSON.stringify(line);
    expect(rowsFor(line as unknown as HftEvent, undefined, raw, ALERTMANAGER_FORMAT).map(([t]) => t)).toEqual(['logs', 'alert_log']);
    expect(rowsFor(line as unknown as HftEvent, undefined, raw, null).map(([t]) => t)).toEqual(['logs']);
    expect(rowsFor(line as unknown as HftEvent, undefined, raw, 'structlog').map(([t]) => t)).toEqual(['logs']);
    // The key: the same state notified again is the same key; a resolve or a new start is another.
    const k = alertDedupKey(n.groupKey, n.alerts[0]!);
    expect(alertDedupKey(n.groupKey, { ...n.alerts[0]!, endsAt: '2030-01-01T00:00:00Z' })).toBe(k);
    expect(alertDedupKey(n.groupKey, { ...n.alerts[0]!, status: 'resolved', endsAt: iso(T0 + 5000) })).not.toBe(k);
    expect(alertDedupKey(n.groupKey, { ...n.alerts[0]!, startsAt: iso(T0 + 1) })).not.toBe(k);
  });
});

describe('alert_log on every store', () => {
  let ch: ClickHouseServer | undefined;
  let pgs: PostgresServer | undefined;
  beforeAll(async () => {
    [ch, pgs] = await Promise.all([startClickHouse(join(dir, 'ch18')), startPostgres()]);
  }, 180_000);
  afterAll(async () => {
    await ch?.destroy();
    await pgs?.destroy();
  });

  /** Records a firing, a repeat and a resolve into `store`, then reads, looks up and verifies. */
  async function exercise(store: AuditStore, name: string): Promise<void> {
    await store.init(TABLES);
    const wal = new WriteAheadLog(join(dir, `wal-${name}`));
    wal.open();
    const registry = new MetricRegistry();
    const log = captureLogging().logger('recorder');
    const recorder = new Recorder({ store, wal, registry, log, chain: await store.chainHeads(TABLES) });
    const receiver = new AlertReceiver({ recorder, store, registry, log, seal: () => recorder.seal() });
    const received = Date.now();
    expect(await receiver.receive(feedGap(), received - 2000)).toEqual({ recorded: 2, duplicates: 0 });
    expect(await receiver.receive(watchdog(), received - 1000)).toEqual({ recorded: 1, duplicates: 0 });
    expect(await receiver.receive(feedGap(iso(T0 + 60_000)), received)).toEqual({ recorded: 1, duplicates: 1 });
    await recorder.drained();
    await recorder.stop();
    const since = BigInt(received - 60_000) * 1_000_000n;
    const rows = await store.searchAlerts({ sinceNs: since, limit: 100 });
    expect(rows.map((r) => `${r.alertname} ${r.status}`), name).toEqual(['FeedGap RESOLVED', 'Watchdog OPEN', 'FeedGap OPEN', 'FeedGap OPEN']);
    expect(rows[0]).toMatchObject({ severity: 'critical', instance: '127.0.0.1:9470', job: 'tickwatch-hft', receiver: 'tickwatch-history', starts_at_ns: BigInt(T0) * 1_000_000n, ends_at_ns: BigInt(T0 + 60_000) * 1_000_000n });
    expect(rows[0]!.ts_ns).toBe(BigInt(received) * 1_000_000n);
    expect(rows[1]).toMatchObject({ severity: 'none', instance: null, ends_at_ns: null });
    expect(JSON.parse(rows[0]!.labels!)).toMatchObject({ alertname: 'FeedGap', feed: 'twse' });
    expect((await store.searchAlerts({ severity: 'critical', status: 'OPEN', limit: 100 })).length, name).toBe(2);
    expect((await store.searchAlerts({ alertname: "Watchdog' OR '1'='1", limit: 100 })).length, name).toBe(0);
    expect((await store.searchAlerts({ untilNs: since, limit: 100 })).length, name).toBe(0);
    const keys = rows.slice(0, 2).map((r) => r.dedup_key);
    expect((await store.searchAlerts({ dedupKeys: [...keys, 'nosuch'], limit: 100 })).map((r) => r.dedup_key).sort(), name).toEqual([...keys].sort());
    expect(await store.searchAlerts({ dedupKeys: [], limit: 100 })).toEqual([]);
    expect((await verifyStore(store, TABLES)).find((r) => r.table === 'alert_log'), name).toMatchObject({ rows: 4, problemCount: 0 });
  }

  it('DuckDB', { timeout: 60_000 }, async () => {
    const store = await DuckDbStore.open(':memory:');
    try {
      await exercise(store, 'duckdb');
    } finally {
      await store.close();
    }
  });

  it('ClickHouse current (chdb): the layout tables.ts chooses, and a tampered row found', { timeout: 120_000 }, async () => {
    const t = await chdbTransport(join(dir, 'chdb'));
    const store = new ClickHouseStore(t);
    try {
      await exercise(store, 'chdb');
      const [layout] = await t.query<{ sorting_key: string }>("SELECT sorting_key FROM system.tables WHERE database = 'tickwatch' AND name = 'alert_log'");
      expect(layout!.sorting_key).toBe('alertname, ts');
      const idx = await t.query<{ name: string }>("SELECT name FROM system.data_skipping_indices WHERE database = 'tickwatch' AND table = 'alert_log' ORDER BY name");
      expect(idx.map((x) => x.name)).toEqual(['idx_correlation_id', 'idx_dedup_key', 'idx_fingerprint', 'idx_severity']);
      // Someone makes the resolve look like it never came.
      await t.command("ALTER TABLE tickwatch.alert_log UPDATE status = 'OPEN' WHERE status = 'RESOLVED' SETTINGS mutations_sync = 1");
      const report = (await verifyStore(store, TABLES)).find((r) => r.table === 'alert_log')!;
      expect(report.problems.join('\n')).toMatch(/seq 4: status is "OPEN" where its event says "RESOLVED" \(row altered\)/);
    } finally {
      await store.close();
    }
  });

  it("Debian's ClickHouse 18.16 (legacy DDL, literals for parameters)", { timeout: 120_000 }, async () => {
    const store = new ClickHouseStore(httpTransport(ch!.url), { legacy: true });
    try {
      await exercise(store, 'clickhouse 18.16');
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL', { timeout: 120_000 }, async () => {
    const store = await PostgresStore.open(await pgs!.createDatabase('alerts'));
    try {
      await exercise(store, 'postgres');
      const idx = await pgs!.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'alert_log' ORDER BY indexname", [], 'alerts');
      expect(idx.map((x) => x.indexname)).toEqual(['alert_log_chain_seq_idx', 'alert_log_correlation_id_idx', 'alert_log_dedup_key_idx', 'alert_log_ts_ns_idx']);
    } finally {
      await store.close();
    }
  });
});
