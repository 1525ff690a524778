/**
 * Retention (issue 15, points 1-3) on the embedded store (a DuckDB file), through a running
 * recorder: with the clock moved forward (`--now`), a day's clean-up archives and deletes exactly
 * the rows past their periods, per table (counted before and after); a dry run changes nothing and
 * counts what the next run does; `audit verify` still passes afterwards (each chain starts at its
 * signed checkpoint), and names a tampered checkpoint, a chain cut without one, and refuses to cut
 * a chain that no longer verifies; the run is a `store.cleanup` system event and in the metrics;
 * `tickwatch store cleanup` runs through a running recorder's API and on the file directly. Also:
 * the typed config (defaults, flags, file, errors naming the key) and the schedule (croner's next
 * run for a time zone, the next-run gauge, the catch-up of a missed run).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/net.js';
import { DEFAULT_PERIODS, DEFAULT_RETENTION_CONFIG, daysOfYears, formatTier, keptDays, parseRetentionFile, parseRetentionFlag, policyOf, resolveRetention, RetentionConfigError, type TierPolicy } from '../../exporters/catalog/retention.js';
import { TABLE_DEFS, TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { EVENT_TYPES, VALIDATORS, type HftEvent } from '../../exporters/events/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { readCheckpointKey } from '../../exporters/recorder/checkpoint.js';
import { CleanupService, cleanupEvent, runCleanup } from '../../exporters/recorder/cleanup.js';
import { rowsFor } from '../../exporters/recorder/rows.js';
import { startRecorder } from '../../exporters/recorder/run.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { verifyStore, type ChainReport } from '../../exporters/recorder/verify.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';

const CLI = fileURLToPath(new URL('../../scripts/tickwatch.mjs', import.meta.url));
const run = promisify(execFile);
/** Runs `tickwatch`; never throws: exit code, stdout, stderr. */
async function tickwatch(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { timeout: 120_000, env: { ...process.env, TICKWATCH_LOG_LEVEL: 'warn' } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

const DAY = 86_400_000;
/** The clock the data is laid out from (the recorder's own clock is today: the test moves it with `now`). */
const T0 = Date.parse('2026-06-01T00:00:00Z');
/** Event ages at T0, days: each side of every period of the embedded store's defaults. */
const AGES = [1827.5, 1826.5, 731.5, 730.5, 366.5, 365.5, 90.5, 89.5, 30.5, 29.5, 0.2];

const example = (name: string) => EVENT_TYPES.find((e) => e.name === name)!.example;
/** One line of each kind per age, oldest first (so each chain runs in time order). */
function lines(): string[] {
  const out: string[] = [];
  for (const age of AGES) {
    const ts = new Date(T0 - age * DAY).toISOString();
    for (const name of ['order.submitted', 'execution.fill', 'service.started', 'perf.sample', 'anomaly.detected', 'security.login']) out.push(JSON.stringify({ ts, level: 'info', ...example(name), correlation_id: `c-${age}` }));
    out.push(JSON.stringify({ ts, level: 'info', component: 'strategy_runner', event: 'app.note', message: `note aged ${age}` }));
  }
  return out;
}

/** Per table, the ages of its rows (from the mapping itself, rows.ts). */
function rowAges(ls: readonly string[]): Map<TableName, number[]> {
  const out = new Map<TableName, number[]>();
  for (const l of ls) {
    const ev = JSON.parse(l) as HftEvent;
    const age = (T0 - Date.parse(ev.ts)) / DAY;
    for (const [t] of rowsFor(ev, undefined, l)) (out.get(t) ?? out.set(t, []).get(t)!).push(age);
  }
  return out;
}

/** What a table and its archive hold after a clean-up at T0 + `shift` days, by the policy alone. */
function expected(ages: readonly number[], p: TierPolicy, shift: number): { main: number; archive: number } {
  const at = ages.map((a) => a + shift);
  return { main: at.filter((a) => a <= p.activeDays).length, archive: p.archiveDays === null ? 0 : at.filter((a) => a > p.activeDays && a <= p.archiveDays!).length };
}

async function counts(store: DuckDbStore): Promise<Map<string, { main: number; archive: number }>> {
  const b = store.sqlBackend();
  const out = new Map<string, { main: number; archive: number }>();
  for (const t of TABLES) {
    // The clean-up's own events (in system_events and logs, at today's time) are not the data laid out here.
    const n = async (name: string) => ((await b.hasTable(name)) ? Number((await b.all(`SELECT count(*) AS n FROM ${name} WHERE event <> 'store.cleanup'`))[0]!.n) : 0);
    out.set(t.name, { main: await n(t.name), archive: await n(`${t.name}_archive`) });
  }
  return out;
}

const problems = (rs: readonly ChainReport[]) => rs.flatMap((r) => r.problems.map((p) => `${r.table}: ${p}`));
const sample = (s: Awaited<ReturnType<typeof samplesOf>>, name: string, labels: Record<string, string> = {}) =>
  s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

describe('retention config', () => {
  it('defaults per store and table with the seeds\' figures, flags and a file override them, and errors name the key', () => {
    const d = DEFAULT_RETENTION_CONFIG;
    expect(daysOfYears(1)).toBe(366);
    expect(daysOfYears(2)).toBe(731);
    expect(daysOfYears(5)).toBe(1827);
    // Seed 000: DuckDB 30 days for every table (then the archive to the long-term period).
    for (const t of TABLES) expect(d.periods.embedded[t.name]!.activeDays, t.name).toBe(30);
    expect(d.periods.embedded.logs).toEqual({ activeDays: 30, archiveDays: 90 }); // seed 002
    expect(d.periods.embedded.audit_orders).toEqual({ activeDays: 30, archiveDays: 1827 });
    // Seed 000's ClickHouse: 2 years for system events and performance, 1 year for anomalies (and alerts);
    // trade executions and security events are audit records here: 5 years (seed 004's 2-3 years kept at our 5).
    expect(keptDays(d.periods.clickhouse.system_events!)).toBe(731);
    expect(keptDays(d.periods.clickhouse.performance_log!)).toBe(731);
    expect(keptDays(d.periods.clickhouse.anomaly_log!)).toBe(366);
    expect(keptDays(d.periods.clickhouse.trade_executions!)).toBe(1827);
    expect(keptDays(d.periods.clickhouse.audit_security!)).toBe(1827);
    expect(d.periods.postgres.logs).toEqual({ activeDays: 30, archiveDays: 90 });
    expect(d.schedule).toEqual({ cron: '0 2 * * *', timeZone: 'Asia/Taipei' });

    const file = parseRetentionFile(
      ['schedule: { cron: "30 3 * * *", timezone: Europe/London }', 'retention:', '  audit: 7y', 'embedded:', '  logs: { active: 14d, archive: 60d }', '  trade_executions: 30d:none'].join('\n'),
      'retention.yaml',
    );
    const cfg = resolveRetention([file, parseRetentionFlag('clickhouse.system_events=3y,anomaly_log=400d')]);
    expect(cfg.schedule).toEqual({ cron: '30 3 * * *', timeZone: 'Europe/London' });
    expect(cfg.periods.embedded.logs).toEqual({ activeDays: 14, archiveDays: 60 });
    expect(cfg.periods.embedded.trade_executions).toEqual({ activeDays: 30, archiveDays: null });
    expect(cfg.periods.clickhouse.audit_orders).toEqual({ activeDays: daysOfYears(7), archiveDays: null });
    expect(cfg.periods.embedded.audit_orders).toEqual({ activeDays: daysOfYears(7), archiveDays: null }); // the class key, for every store
    expect(cfg.periods.clickhouse.system_events).toEqual({ activeDays: daysOfYears(3), archiveDays: null });
    expect(cfg.periods.embedded.system_events).toEqual(DEFAULT_PERIODS.embedded.operations);
    expect(cfg.periods.postgres.anomaly_log).toEqual({ activeDays: 400, archiveDays: null });
    expect(formatTier(cfg.periods.embedded.logs!)).toBe('14d:60d');
    expect(formatTier(DEFAULT_PERIODS.embedded.audit)).toBe('30d:5y');
    // JSON is YAML too.
    expect(resolveRetention([parseRetentionFile('{"postgres": {"logs": "7d:30d"}}', 'r.json')]).periods.postgres.logs).toEqual({ activeDays: 7, archiveDays: 30 });

    const bad: [() => unknown, RegExp][] = [
      [() => parseRetentionFile('embedded:\n  audit_ordrs: 5y\n', 'r.yaml'), /r\.yaml: embedded\.audit_ordrs: not a table or retention class/],
      [() => parseRetentionFile('embedded:\n  logs: { active: 30d, archive: 20d }\n', 'r.yaml'), /r\.yaml: embedded\.logs\.archive: the archive tier keeps rows to 20 days, which is not past the active period \(30 days\)/],
      [() => parseRetentionFile('embedded:\n  logs: { active: 30 days }\n', 'r.yaml'), /r\.yaml: embedded\.logs\.active: "30 days" is not a period/],
      [() => parseRetentionFile('embedded:\n  logs: { keep: 30d }\n', 'r.yaml'), /r\.yaml: embedded\.logs\.keep: unknown key/],
      [() => parseRetentionFile('retension:\n  audit: 5y\n', 'r.yaml'), /r\.yaml: retension: unknown key/],
      [() => parseRetentionFile('schedule: { timezone: Mars/Olympus }\n', 'r.yaml'), /r\.yaml: schedule\.timezone: "Mars\/Olympus" is not an IANA time zone/],
      [() => parseRetentionFile('embedded: [1, 2]\n', 'r.yaml'), /r\.yaml: embedded: expected a map/],
      [() => parseRetentionFlag('audit=5 years'), /--retention audit: "5 years" is not a period/],
      [() => parseRetentionFlag('mysql.logs=5d'), /--retention mysql\.logs: mysql is not a store/],
      [() => parseRetentionFlag('logs'), /--retention logs: expected key=period/],
    ];
    for (const [f, re] of bad) {
      expect(f).toThrow(RetentionConfigError);
      expect(f).toThrow(re);
    }
  });
});

describe('the clean-up schedule', () => {
  it('fires daily at 02:00 in the configured time zone (croner), serves the next run, and catches up a missed run at start', { timeout: 60_000 }, async () => {
    // croner's own next-run computation: 02:00 in Taipei (UTC+8, no daylight saving) is 18:00 UTC the day before.
    const taipei = new Cron('0 2 * * *', { timezone: 'Asia/Taipei', paused: true });
    expect(taipei.nextRun(new Date('2026-06-01T17:59:59Z'))?.toISOString()).toBe('2026-06-01T18:00:00.000Z');
    expect(taipei.nextRun(new Date('2026-06-01T18:00:00Z'))?.toISOString()).toBe('2026-06-02T18:00:00.000Z');
    // London: 02:00 is 01:00 UTC in summer, 02:00 UTC in winter.
    const london = new Cron('0 2 * * *', { timezone: 'Europe/London', paused: true });
    expect(london.nextRun(new Date('2026-07-01T00:00:00Z'))?.toISOString()).toBe('2026-07-01T01:00:00.000Z');
    expect(london.nextRun(new Date('2026-12-01T00:00:00Z'))?.toISOString()).toBe('2026-12-01T02:00:00.000Z');

    // The service: the next run as a gauge; no successful run recorded yet, so one runs at start.
    const store = await DuckDbStore.open(':memory:');
    await store.init(TABLES);
    const registry = new MetricRegistry();
    const recorded: HftEvent[] = [];
    const cleanup = new CleanupService({ store, registry, log: captureLogging().logger('recorder'), record: (ev) => recorded.push(ev) }, { retention: DEFAULT_RETENTION_CONFIG });
    try {
      cleanup.start();
      const next = cleanup.nextRun()!;
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(DAY);
      expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Taipei', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next)).toBe('02:00');
      await cleanup.catchingUp;
      const s = await samplesOf(registry);
      expect(sample(s, 'hft_recorder_cleanup_next_run_timestamp_seconds')).toBe(next.getTime() / 1000);
      expect(recorded.map((e) => [e.event, (e as unknown as { status: string }).status])).toEqual([['store.cleanup', 'ok']]);
      expect(sample(s, 'hft_recorder_cleanup_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(sample(s, 'hft_recorder_cleanup_failures_total')).toBe(0);
      expect(sample(s, 'hft_recorder_cleanup_rows_total', { table: 'audit_orders', action: 'deleted' })).toBe(0);
      // The job function itself, run directly (as croner runs it at 02:00): a second run, recorded too.
      const r = await cleanup.run();
      expect(r.ok).toBe(true);
      expect(recorded.length).toBe(2);
    } finally {
      await cleanup.stop();
      await store.close();
    }
    // With a success recorded in the store within the day, no catch-up: the gauge starts from it.
    const store2 = await DuckDbStore.open(':memory:');
    await store2.init(TABLES);
    const ev = recorded[0]!;
    const rows = new Map<TableName, ReturnType<typeof rowsFor>[number][1][]>();
    for (const [t, row] of rowsFor(ev)) rows.set(t, [row]);
    await store2.insertBatch(rows, 'earlier-run');
    const registry2 = new MetricRegistry();
    const again: HftEvent[] = [];
    const c2 = new CleanupService({ store: store2, registry: registry2, log: captureLogging().logger('recorder'), record: (e) => again.push(e) }, { retention: DEFAULT_RETENTION_CONFIG });
    try {
      c2.start();
      await c2.catchingUp;
      expect(again).toEqual([]);
      expect(sample(await samplesOf(registry2), 'hft_recorder_cleanup_last_success_timestamp_seconds')).toBe(Date.parse(ev.ts) / 1000);
    } finally {
      await c2.stop();
      await store2.close();
    }
  });
});

describe('the retention clean-up on DuckDB', () => {
  it('archives and deletes exactly the rows past their periods per table, keeps verify passing from signed checkpoints, and records each run', { timeout: 240_000 }, async () => {
    const dir = tempDir();
    const events = join(dir, 'events.ndjson');
    const all = lines();
    writeFileSync(events, `${all.join('\n')}\n`);
    const ages = rowAges(all);
    const keyFile = join(dir, 'checkpoint.key');
    writeFileSync(keyFile, 'k'.repeat(32) + '\n');
    const key = readCheckpointKey(keyFile);
    const retention = DEFAULT_RETENTION_CONFIG;
    const queryPort = await freePort();
    const path = join(dir, 'audit.duckdb');
    const rec = await startRecorder({ events: [events], dataDir: dir, store: { kind: 'embedded', path }, port: 0, queryPort, batchMs: 100, pollMs: 50, cleanup: { retention, key, schedule: false } }, captureLogging());
    const store = rec.store as DuckDbStore;
    let closed = false;
    try {
      // Every line recorded.
      const want = [...ages].map(([t, a]) => [t, a.length] as const);
      for (let i = 0; i < 200; i++) {
        const have = await Promise.all(want.map(async ([t]) => store.count(t)));
        if (have.every((n, j) => n === want[j]![1])) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const [t, n] of want) expect(await store.count(t), t).toBe(n);
      expect(problems(await verifyStore(store, TABLES))).toEqual([]);

      // One trade's story and a log search, before: the same after the clean-up, from the archives.
      const story = await store.search({ correlationId: 'c-89.5' }, TABLES);
      const found = await store.searchLogs({ correlationId: 'c-89.5', limit: 100 });
      expect(story.length).toBe(13);
      expect(found.length).toBe(6);

      // A dry run, through the CLI and the running recorder's API: counts, changes nothing.
      const before = await counts(store);
      const dry = await tickwatch(['store', 'cleanup', '--dry-run', '--now', new Date(T0).toISOString(), '--query-port', String(queryPort), '--json']);
      expect(dry.code, dry.err).toBe(0);
      const dryReport = JSON.parse(dry.out) as { dryRun: boolean; tables: { table: string; archived: number; deleted: number }[] };
      expect(dryReport.dryRun).toBe(true);
      expect(await counts(store)).toEqual(before);

      // The day's clean-up at T0: per table, rows past the active period left the table (archived),
      // rows past the archive period left the store (deleted); exactly those.
      const first = await rec.service.cleanup.run({ now: new Date(T0) });
      expect(first.ok, JSON.stringify(first.tables.filter((x) => x.error))).toBe(true);
      const after = await counts(store);
      for (const [t, a] of ages) {
        const p = policyOf(retention, 'embedded', TABLE_DEFS.get(t)!);
        expect(after.get(t), t).toEqual(expected(a, p, 0));
        const out = first.tables.find((x) => x.table === t)!;
        expect(out.archived, t).toBe(a.filter((x) => x > p.activeDays).length);
        expect(out.deleted, t).toBe(a.filter((x) => x > keptDays(p)).length);
        // The dry run said exactly this.
        expect(dryReport.tables.find((x) => x.table === t), t).toMatchObject({ archived: out.archived, deleted: out.deleted });
      }
      expect(after.get('audit_orders')!.main).toBe(4); // the 89.5 day old order rows are in the archive now
      expect(await store.search({ correlationId: 'c-89.5' }, TABLES)).toEqual(story);
      expect(await store.searchLogs({ correlationId: 'c-89.5', limit: 100 })).toEqual(found);
      // The chained tables were cut at a signed checkpoint; verify starts there and passes.
      const orders = first.tables.find((x) => x.table === 'audit_orders')!;
      expect(orders.checkpoint?.algorithm).toBe('hmac-sha256');
      expect(orders.checkpoint?.seq).toBe(orders.deleted + 1);
      const v1 = await verifyStore(store, TABLES, 20, rec.service.recorder.storedHeads, key);
      expect(problems(v1)).toEqual([]);
      expect(v1.find((r) => r.table === 'audit_orders')).toMatchObject({ firstSeq: orders.deleted + 1, checkpoint: { seq: orders.deleted + 1, signed: true } });
      // Through the running recorder's API, as `tickwatch audit verify` asks it.
      const verified = await tickwatch(['audit', 'verify', '--query-port', String(queryPort)]);
      expect(verified.code, verified.out + verified.err).toBe(0);
      expect(verified.out).toMatch(/audit_orders .* \(from the retention checkpoint at seq \d+, signed\)/);

      // The next day: the rows that crossed a period in that day, and only those.
      const second = await rec.service.cleanup.run({ now: new Date(T0 + DAY) });
      expect(second.ok).toBe(true);
      const day2 = await counts(store);
      for (const [t, a] of ages) {
        const p = policyOf(retention, 'embedded', TABLE_DEFS.get(t)!);
        expect(day2.get(t), t).toEqual(expected(a, p, 1));
        const out = second.tables.find((x) => x.table === t)!;
        expect(out.archived, t).toBe(a.filter((x) => x <= p.activeDays && x + 1 > p.activeDays).length);
        expect(out.deleted, t).toBe(a.filter((x) => x <= keptDays(p) && x + 1 > keptDays(p)).length);
      }
      expect(second.tables.find((x) => x.table === 'logs')).toMatchObject({ archived: 7, deleted: 7 }); // the 29.5 day old lines; the 89.5 day old ones
      expect(problems(await verifyStore(store, TABLES, 20, rec.service.recorder.storedHeads, key))).toEqual([]);

      // Each run is a system event (kind cleanup) with its counts, and in the metrics.
      rec.service.recorder.seal();
      await rec.service.recorder.drained();
      const b = store.sqlBackend();
      const runs = await b.all("SELECT kind, status, fields FROM system_events WHERE event = 'store.cleanup' ORDER BY ts_ns");
      expect(runs.map((r) => [r.kind, r.status])).toEqual([
        ['cleanup', 'ok'],
        ['cleanup', 'ok'],
      ]);
      const f1 = JSON.parse(String(runs[0]!.fields)) as { tables: Record<string, { archived: number; deleted: number; checkpoint_seq?: number }>; as_of: string; archived: number; deleted: number };
      expect(f1.as_of).toBe(new Date(T0).toISOString());
      expect(f1.tables.audit_orders).toEqual({ archived: orders.archived, deleted: orders.deleted, checkpoint_seq: orders.checkpoint!.seq });
      expect([f1.archived, f1.deleted]).toEqual([first.archived, first.deleted]);
      const s = await samplesOf(rec.service.registry);
      for (const t of TABLES) {
        const sum = (k: 'archived' | 'deleted') => first.tables.find((x) => x.table === t.name)![k] + second.tables.find((x) => x.table === t.name)![k];
        expect(sample(s, 'hft_recorder_cleanup_rows_total', { table: t.name, action: 'archived' }), t.name).toBe(sum('archived'));
        expect(sample(s, 'hft_recorder_cleanup_rows_total', { table: t.name, action: 'deleted' }), t.name).toBe(sum('deleted'));
      }
      expect(sample(s, 'hft_recorder_cleanup_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 120);
      expect(sample(s, 'hft_recorder_cleanup_failures_total')).toBe(0);
      expect(sample(s, 'hft_recorder_cleanup_next_run_timestamp_seconds')).toBe(0); // no schedule in this recorder

      // A chain that no longer verifies up to the cut is not cut: the table fails, the others are cleaned.
      const victim = (await b.all('SELECT min(chain_seq) AS s FROM audit_security_archive'))[0]!.s;
      await b.run("UPDATE audit_security_archive SET source_ip = '10.6.6.6' WHERE chain_seq = $1", [victim]);
      const refused = await rec.service.cleanup.run({ now: new Date(T0 + 1100 * DAY) });
      const sec = refused.tables.find((x) => x.table === 'audit_security')!;
      expect(refused.ok).toBe(false);
      expect(sec.deleted).toBe(0);
      expect(sec.error).toMatch(/does not verify up to the cut.*row altered/);
      expect(refused.tables.find((x) => x.table === 'audit_orders')!.deleted).toBeGreaterThan(0);
      const s2 = await samplesOf(rec.service.registry);
      expect(sample(s2, 'hft_recorder_cleanup_failures_total')).toBe(1);
      expect(sample(s2, 'hft_recorder_cleanup_last_failure_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 120);
      await b.run("UPDATE audit_security_archive SET source_ip = '10.20.30.40' WHERE chain_seq = $1", [victim]);

      await rec.close();
      closed = true;

      // No recorder running: the CLI opens the file itself, signs with the key, records its event.
      const direct = await tickwatch(['store', 'cleanup', '--data-dir', dir, '--query-port', String(queryPort), '--now', new Date(T0 + 1100 * DAY).toISOString(), '--checkpoint-key-file', keyFile]);
      expect(direct.code, direct.out + direct.err).toBe(0);
      expect(direct.out).toMatch(/audit_security\s+30d:5y\s+1\s+2\s+chain now starts at seq \d+ \(checkpoint signed\)/);
      const ok = await tickwatch(['audit', 'verify', '--data-dir', dir, '--query-port', String(queryPort), '--checkpoint-key-file', keyFile]);
      expect(ok.code, ok.out + ok.err).toBe(0);
      // Without the key a signed checkpoint cannot be checked, and verify says so.
      const noKey = await tickwatch(['audit', 'verify', '--data-dir', dir, '--query-port', String(queryPort)]);
      expect(noKey.code).toBe(1);
      expect(noKey.out).toMatch(/is signed \(HMAC-SHA256, key [0-9a-f]{16}\) and cannot be checked without the key/);

      // Tampering: a checkpoint edited is named; a chain whose checkpoint is gone is reported.
      const file = await DuckDbStore.open(path);
      try {
        await file.init(TABLES);
        const fb = file.sqlBackend();
        // The CLI's run is recorded too (the recorder's three, at today's time, were past 2 years at T0 + 1100 days: gone).
        const events2 = await fb.all("SELECT service, kind, status FROM system_events WHERE event = 'store.cleanup'");
        expect(events2).toEqual([{ service: 'tickwatch-cli', kind: 'cleanup', status: 'ok' }]);
        expect(problems(await verifyStore(file, TABLES, 20, undefined, key))).toEqual([]);
        await fb.run("UPDATE chain_checkpoints SET rows_removed = rows_removed + 1 WHERE table_name = 'audit_orders'");
        const edited = problems(await verifyStore(file, TABLES, 20, undefined, key));
        expect(edited.some((p) => /^audit_orders: checkpoint of audit_orders at seq \d+: its signature does not match its fields \(checkpoint altered\)$/.test(p)), edited.join('\n')).toBe(true);
        expect(edited.some((p) => /^audit_orders: seq 1\.\.\d+: missing, and no valid checkpoint starts the chain/.test(p)), edited.join('\n')).toBe(true);
        await fb.run("DELETE FROM chain_checkpoints WHERE table_name = 'audit_security'");
        const gone = problems(await verifyStore(file, TABLES, 20, undefined, key));
        expect(gone.some((p) => /^audit_security: seq 1\.\.\d+: missing, and no valid checkpoint starts the chain/.test(p)), gone.join('\n')).toBe(true);
      } finally {
        await file.close();
      }
    } finally {
      if (!closed) await rec.close();
    }
  });

  it('empties a table whole and continues its chain from the checkpoint; unsigned checkpoints verify without a key and are refused with one', { timeout: 60_000 }, async () => {
    const store = await DuckDbStore.open(':memory:');
    await store.init(TABLES);
    const dir = tempDir();
    const all = lines();
    const { WriteAheadLog } = await import('../../exporters/recorder/wal.js');
    const { Recorder } = await import('../../exporters/recorder/recorder.js');
    const wal = new WriteAheadLog(join(dir, 'wal'));
    wal.open();
    const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), batchRows: 50 });
    for (const l of all) rec.add(JSON.parse(l) as HftEvent, l);
    rec.seal();
    await rec.drained();
    try {
      // Everything past every period: the chains are emptied, and continue where they were.
      const heads = await store.chainHeads(TABLES);
      const r = await runCleanup(store, { now: new Date(T0 + 3000 * DAY) });
      expect(r.ok).toBe(true);
      for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(0);
      expect(await store.chainHeads(TABLES)).toEqual(heads);
      const v = await verifyStore(store, TABLES);
      expect(problems(v)).toEqual([]);
      expect(v.find((x) => x.table === 'audit_orders')).toMatchObject({ rows: 0, head: heads.audit_orders });
      const cp = r.tables.find((x) => x.table === 'audit_orders')!.checkpoint!;
      expect(cp.algorithm).toBe('sha256');
      // With a key given, an unsigned checkpoint is refused (it could stand in for a signed one).
      const keyFile = join(dir, 'k');
      writeFileSync(keyFile, 'x'.repeat(24));
      const withKey = problems(await verifyStore(store, TABLES, 20, undefined, readCheckpointKey(keyFile)));
      expect(withKey.some((p) => /audit_orders: checkpoint of audit_orders at seq \d+ is not signed, and a key was given/.test(p))).toBe(true);
      // New rows continue the chain after the cut.
      const late = { ts: new Date(T0 + 3000 * DAY).toISOString(), level: 'info', ...example('order.submitted') } as unknown as HftEvent;
      expect(VALIDATORS.get('order.submitted')!.Check(late)).toBe(true);
      rec.add(late);
      rec.seal();
      await rec.drained();
      expect(problems(await verifyStore(store, TABLES))).toEqual([]);
      expect((await store.chainHeads(TABLES)).audit_orders?.seq).toBe(heads.audit_orders!.seq + 1);
      // The run's event fits the contract and lands in system_events.
      const ev = cleanupEvent(r, 'tickwatch-recorder');
      expect(VALIDATORS.get('store.cleanup')!.Check(ev)).toBe(true);
      expect(rowsFor(ev).map(([t]) => t).sort()).toEqual(['logs', 'system_events']);
    } finally {
      await rec.stop();
      await store.close();
    }
  });
});
