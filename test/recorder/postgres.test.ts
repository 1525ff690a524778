/**
 * The PostgreSQL store (issue 15, point 5) against a real PostgreSQL (Debian's `postgresql`,
 * started by test/helpers/postgres.ts on a loopback port and stopped after): every table of
 * tables.ts and seed 002's four log tables with their four indexes are created; events recorded
 * through the real Recorder and its write-ahead log land in the audit tables and in seed 002's
 * tables; seed 002's example queries (our reading of seed 002: ddl.ts `SEED002_TABLES`) run
 * unchanged and return the expected rows; searches answer as DuckDB's do; `audit verify` is clean
 * and names a tampered row (`tickwatch audit verify --postgres-url` exits 1); a batch written twice
 * under one token, or replayed after a lost reply, is in the store once; retention removes old rows
 * (and moves seed 002's to its archive); PostgreSQL stopped
 * mid-run: the recorder spools and resumes with nothing lost or doubled; and a recorder process
 * killed with SIGKILL mid-batch, several times, loses and duplicates nothing.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { EVENT_TYPES, VALIDATORS, type HftEvent } from '../../exporters/events/index.js';
import { normalize, type LogFormat } from '../../exporters/events/formats.js';
import { generate, runScenario } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { SEED002_COLUMNS, SEED002_INDEXES, SEED002_TABLES } from '../../exporters/recorder/ddl.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { DEFAULT_LEVELS, rowsFor, type Row } from '../../exporters/recorder/rows.js';
import { startRecorderService } from '../../exporters/recorder/service.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { PostgresStore } from '../../exporters/recorder/stores/postgres.js';
import { storableText, StoreSchemaError, type AuditStore, type LogQuery, type LogRow } from '../../exporters/recorder/stores/store.js';
import { verifyStore } from '../../exporters/recorder/verify.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { columnsOf, TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { freePort } from '../../scripts/lib/net.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { valueOf } from '../helpers/exposition.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';

const CLI = fileURLToPath(new URL('../../scripts/tickwatch.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/run-recorder.ts', import.meta.url));
const dir = tempDir('tickwatch-pgtest-');

/**
 * Seed 002's example queries, as a Python system on seed 002's schema runs them (our reading of
 * seed 002, see ddl.ts `SEED002_TABLES`), run here unchanged: a service's recent errors, a
 * service's execution times over a window, one trade's log lines, and the archiving of old rows.
 */
const SEED002_QUERIES = {
  recentErrors: `SELECT timestamp, level, service, module, function, line, message, exception, extra
FROM system_logs
WHERE service = 'risk_engine' AND level IN ('ERROR', 'CRITICAL') AND timestamp > NOW() - INTERVAL '1 hour'
ORDER BY timestamp DESC
LIMIT 100`,
  executionTimes: `SELECT operation, COUNT(*) AS samples, AVG(execution_time_ms) AS avg_ms, MAX(execution_time_ms) AS max_ms
FROM performance_logs
WHERE service = 'order_adapter' AND timestamp BETWEEN NOW() - INTERVAL '1 hour' AND NOW()
GROUP BY operation
ORDER BY operation`,
  tradeLines: `SELECT timestamp, level, service, event_type, order_id, trade_id, status, quantity, price, message
FROM trading_logs
WHERE correlation_id = 'c-seed002-42'
ORDER BY timestamp`,
  archiveSystemLogs: `WITH moved AS (
  DELETE FROM system_logs WHERE timestamp < NOW() - INTERVAL '30 days' RETURNING *
)
INSERT INTO archived_system_logs SELECT *, NOW() FROM moved`,
  purgeArchive: `DELETE FROM archived_system_logs WHERE timestamp < NOW() - INTERVAL '90 days'`,
  purgeTradingLogs: `DELETE FROM trading_logs WHERE timestamp < NOW() - INTERVAL '90 days'`,
} as const;

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(async () => server?.destroy(), 60_000);

/** One line as the engine wrote it, and the event the pipeline reads from it. */
interface Line {
  readonly raw: string;
  readonly ev: HftEvent;
  readonly info: { readonly format: LogFormat; readonly mapped: boolean };
}

const example = (name: string): Record<string, unknown> => {
  const t = EVENT_TYPES.find((e) => e.name === name);
  if (!t) throw new Error(`no event type ${name}`);
  return { ...t.example };
};

/** Reads `raw` as the pipeline does (format detected, `component` the file's default), checking a known type against its schema. */
function read(raw: string, component?: string): Line {
  const n = normalize(JSON.parse(raw) as Record<string, unknown>, 'auto', component ? { component } : {});
  if (!n.ok) throw new Error(n.detail);
  const ev = n.event as unknown as HftEvent;
  const check = VALIDATORS.get(String(ev.event));
  if (check && !check.Check(ev)) throw new Error(`${raw} is not a valid ${String((ev as { event: unknown }).event)}: ${JSON.stringify([...check.Errors(ev)].slice(0, 2))}`);
  return { raw, ev, info: { format: n.format, mapped: n.mapped } };
}

const NOW = Date.now();
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const MIN = 60_000;
const DAY = 86_400_000;

/** A tickwatch line: the event type's example, changed by `over`. */
const tw = (name: string, msAgo: number, over: Record<string, unknown> = {}) => read(JSON.stringify({ ts: iso(msAgo), level: 'info', ...example(name), ...over }));

/** A Loguru `serialize=True` record of the risk engine's own log file (its service from the file). */
function loguru(msAgo: number, level: 'ERROR' | 'WARNING' | 'INFO', message: string, extra: Record<string, unknown> = {}, exception: unknown = null): Line {
  const t = new Date(NOW - msAgo);
  const local = new Date(t.getTime() + 8 * 3_600_000).toISOString().slice(0, 23).replace('T', ' ');
  return read(
    JSON.stringify({
      text: `${local} | ${level} | ${message}\n`,
      record: {
        elapsed: { repr: '0:00:01.000000', seconds: 1 },
        exception,
        extra,
        file: { name: 'risk.py', path: '/srv/app/risk.py' },
        function: 'check_limits',
        level: { icon: '', name: level, no: level === 'ERROR' ? 40 : level === 'WARNING' ? 30 : 20 },
        line: 120,
        message,
        module: 'risk',
        name: 'app.risk',
        process: { id: 4242, name: 'MainProcess' },
        thread: { id: 1, name: 'MainThread' },
        time: { repr: `${local}000+08:00`, timestamp: t.getTime() / 1000 },
      },
    }),
    'risk_engine',
  );
}

/**
 * The hand-made lines the example queries are about: the risk engine's errors (three in the last
 * hour, one older, a warning, another service's error), performance samples of the order adapter
 * (and one outside the window, one of another service), one trade's order flow under
 * `c-seed002-42`, rows 40 and 100 days old for the archive, and a message holding U+0000.
 */
function seedLines(): Line[] {
  const exc = { type: 'LimitBreach', value: 'max_position exceeded', traceback: true };
  return [
    loguru(2 * 3_600_000, 'ERROR', 'limit check failed (old)', { limit: 'max_position' }, exc),
    loguru(5 * MIN, 'ERROR', 'limit check failed #1', { limit: 'max_position', correlation_id: 'c-seed002-42', strategy: 'mm-2330' }, exc),
    loguru(4 * MIN, 'WARNING', 'limit close to breach', { limit: 'max_notional' }),
    loguru(3 * MIN, 'ERROR', 'limit check failed #2', { limit: 'max_notional' }),
    loguru(2 * MIN, 'ERROR', 'limit check failed #3', { limit: 'max_order_rate', note: 'nul \u0000 inside' }),
    tw('order.rejected', 2 * MIN, { component: 'order_adapter', level: 'error', order_id: 'o-9001', correlation_id: 'c-seed002-43', message: 'broker said no' }),
    tw('perf.sample', 10 * MIN, { operation: 'place_order', execution_time_ms: 1.5 }),
    tw('perf.sample', 9 * MIN, { operation: 'place_order', execution_time_ms: 2.5 }),
    tw('perf.sample', 8 * MIN, { operation: 'place_order', execution_time_ms: 3.5 }),
    tw('perf.sample', 7 * MIN, { operation: 'cancel_order', execution_time_ms: 0.5 }),
    tw('perf.sample', 2 * 3_600_000, { operation: 'place_order', execution_time_ms: 99 }),
    tw('perf.sample', 6 * MIN, { service: 'risk_engine', operation: 'risk_check', execution_time_ms: 0.07 }),
    tw('strategy.intent', 6 * MIN, { intent_id: 'i-seed002-42', correlation_id: 'c-seed002-42' }),
    tw('order.submitted', 6 * MIN - 1000, { order_id: 'o-seed002-42', intent_id: 'i-seed002-42', correlation_id: 'c-seed002-42', message: 'null byte \u0000 in a message' }),
    tw('order.acked', 6 * MIN - 2000, { order_id: 'o-seed002-42', correlation_id: 'c-seed002-42' }),
    tw('execution.fill', 6 * MIN - 3000, { order_id: 'o-seed002-42', trade_id: 't-seed002-1', qty: 600, leaves_qty: 400, price: 1015.5, correlation_id: 'c-seed002-42' }),
    tw('execution.fill', 6 * MIN - 4000, { order_id: 'o-seed002-42', trade_id: 't-seed002-2', qty: 400, leaves_qty: 0, price: 1015, correlation_id: 'c-seed002-42' }),
    read(JSON.stringify({ ts: iso(40 * DAY), component: 'monitor', level: 'info', event: 'monitor.sweep', message: 'forty days old' })),
    read(JSON.stringify({ ts: iso(100 * DAY), component: 'monitor', level: 'info', event: 'monitor.sweep', message: 'a hundred days old' })),
    tw('order.submitted', 40 * DAY, { order_id: 'o-old-40', correlation_id: 'c-old-40' }),
    tw('order.submitted', 100 * DAY, { order_id: 'o-old-100', correlation_id: 'c-old-100' }),
  ];
}

/** Info-and-above lines of a simulated StormGuard session that started 50 minutes ago. */
function sessionLines(n: number): Line[] {
  const out: Line[] = [];
  for (const [, evs] of generate({ scenario: scenarioByName('storm-halt'), seed: 21, start: Math.floor((NOW - 50 * MIN) / 1000), speed: Infinity, duration: 0 })) {
    for (const e of evs) if (e.level !== 'debug') out.push(read(JSON.stringify(e)));
    if (out.length >= n) break;
  }
  return out;
}

/** Rows each table of tables.ts should hold for `lines` (the default level policy). */
function expectedCounts(lines: readonly Line[]): Map<TableName, number> {
  const out = new Map<TableName, number>(TABLES.map((t) => [t.name, 0]));
  for (const l of lines) for (const [t] of rowsFor(l.ev, DEFAULT_LEVELS, l.raw, l.info.mapped ? l.info.format : null)) out.set(t, out.get(t)! + 1);
  return out;
}

/** Records `lines` through a Recorder and its write-ahead log into `store` (batches of 300 rows). */
async function record(store: AuditStore, walDir: string, lines: readonly Line[], log = captureLogging()): Promise<void> {
  const wal = new WriteAheadLog(walDir);
  wal.open();
  const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: log.logger('recorder'), batchRows: 300, retryStartMs: 20, retryMaxMs: 200 });
  for (let i = 0; i < lines.length; i++) {
    rec.add(lines[i]!.ev, lines[i]!.raw, lines[i]!.info);
    if (i % 100 === 99) rec.maybeSeal();
  }
  rec.seal();
  await rec.drained();
  await rec.stop();
}

/** Rows per seed-002 table. */
async function seedCounts(db: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of SEED002_TABLES) out[t] = Number((await server.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`, [], db))[0]!.n);
  return out;
}

/** Rows of each table of tables.ts stored more than once (the same line twice in one table). */
async function duplicates(db: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const n = Number((await server.query<{ dup: string }>(`SELECT count(*) - count(DISTINCT fields) AS dup FROM ${t.name}`, [], db))[0]!.dup);
    if (n) out[t.name] = n;
  }
  return out;
}

describe('PostgreSQL store (seed 002)', () => {
  it("creates every table of tables.ts, seed 002's four tables with their four indexes, and the batch ledger; refuses a foreign system_logs", { timeout: 60_000 }, async () => {
    const url = await server.createDatabase('t_init');
    const store = PostgresStore.open(url);
    try {
      await store.init(TABLES);
      await store.init(TABLES); // again: a no-op
      const tables = (await server.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name", [], 't_init')).map((r) => r.table_name);
      expect(tables).toEqual([...TABLES.map((t) => t.name), ...SEED002_TABLES, 'tickwatch_batches'].sort());
      for (const t of TABLES) {
        const cols = await server.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position", [t.name], 't_init');
        expect(cols.map((c) => c.column_name), t.name).toEqual(columnsOf(t).map((c) => c.name));
      }
      for (const t of SEED002_TABLES) {
        const cols = await server.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position", [t], 't_init');
        expect(cols.map((c) => c.column_name), t).toEqual(SEED002_COLUMNS[t]);
      }
      const seedIndexes = await server.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1::text[]) AND indexname NOT LIKE '%_pkey' ORDER BY indexname",
        [[...SEED002_TABLES]],
        't_init',
      );
      expect(seedIndexes.map((r) => r.indexname)).toEqual([...SEED002_INDEXES].sort());
    } finally {
      await store.close();
    }

    // A system_logs that another program made, without seed 002's columns as we read them.
    const other = await server.createDatabase('t_foreign');
    await server.query('CREATE TABLE system_logs (id SERIAL PRIMARY KEY, ts TIMESTAMPTZ, msg TEXT)', [], 't_foreign');
    const foreign = PostgresStore.open(other);
    try {
      const err = await foreign.init(TABLES).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreSchemaError);
      expect((err as Error).message).toMatch(/table system_logs lacks the columns timestamp, level, service, .*batch_token/);
    } finally {
      await foreign.close();
    }
  });

  it("records through the Recorder: audit tables and seed 002's tables, the example queries, searches as on DuckDB, verify clean, then a tampered row named", { timeout: 120_000 }, async () => {
    const url = await server.createDatabase('t_record');
    const seed = seedLines();
    const lines = [...sessionLines(2500), ...seed];
    const expected = expectedCounts(lines);
    const store = PostgresStore.open(url);
    const duck = await DuckDbStore.open(':memory:');
    try {
      await store.init(TABLES);
      await record(store, join(dir, 'wal-record'), lines);

      // Every table holds the rows the events produce; seed 002's tables are filled from the same rows.
      for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(expected.get(t.name));
      expect(await seedCounts('t_record')).toEqual({
        system_logs: expected.get('logs'),
        archived_system_logs: 0,
        trading_logs: expected.get('audit_orders'),
        performance_logs: expected.get('performance_log'),
      });
      expect(expected.get('audit_orders')).toBeGreaterThan(100);

      // Seed 002's example queries, unchanged.
      const errors = await server.query<Record<string, unknown>>(SEED002_QUERIES.recentErrors, [], 't_record');
      expect(errors.map((r) => r.message)).toEqual(['limit check failed #3', 'limit check failed #2', 'limit check failed #1']);
      expect(errors[2]).toMatchObject({ level: 'ERROR', service: 'risk_engine', module: 'app.risk', function: 'check_limits', line: 120 });
      expect(errors[2]!.extra).toMatchObject({ limit: 'max_position', strategy: 'mm-2330', file: '/srv/app/risk.py' });
      expect(JSON.parse(String(errors[2]!.exception))).toEqual({ type: 'LimitBreach', value: 'max_position exceeded', traceback: true });
      expect(errors[1]!.exception).toBeNull();
      expect(errors[0]!.extra).toMatchObject({ note: 'nul \ufffd inside' });
      expect(errors[0]!.timestamp).toBeInstanceOf(Date);
      expect((errors[0]!.timestamp as Date).getTime()).toBe(NOW - 2 * MIN);

      const times = await server.query<{ operation: string; samples: string; avg_ms: number; max_ms: number }>(SEED002_QUERIES.executionTimes, [], 't_record');
      expect(times.map((r) => ({ ...r, samples: Number(r.samples) }))).toEqual([
        { operation: 'cancel_order', samples: 1, avg_ms: 0.5, max_ms: 0.5 },
        { operation: 'place_order', samples: 3, avg_ms: 2.5, max_ms: 3.5 },
      ]);

      const trade = await server.query<Record<string, unknown>>(SEED002_QUERIES.tradeLines, [], 't_record');
      expect(trade.map((r) => [r.event_type, r.status, r.order_id ?? null, r.trade_id ?? null, r.quantity ?? null])).toEqual([
        ['strategy.intent', 'INTENT', null, null, 1000],
        ['order.submitted', 'SUBMITTED', 'o-seed002-42', null, 1000],
        ['order.acked', 'ACKED', 'o-seed002-42', null, null],
        ['execution.fill', 'PARTIALLY_FILLED', 'o-seed002-42', 't-seed002-1', 600],
        ['execution.fill', 'FILLED', 'o-seed002-42', 't-seed002-2', 400],
      ]);
      expect(trade[1]!.message).toBe('null byte \ufffd in a message');
      expect(trade.map((r) => r.service)).toEqual(['strategy_runner', 'order_adapter', 'order_adapter', 'execution', 'execution']);

      // tickwatch's own reading: one trade's story across the log stream and the audit tables.
      const story = await store.search({ correlationId: 'c-seed002-42' }, TABLES);
      expect(new Set(story.map((r) => r.table))).toEqual(new Set(['logs', 'audit_orders', 'trade_executions']));
      expect(story.filter((r) => r.table === 'audit_orders')).toHaveLength(5);

      // The log search answers as DuckDB's does on the same rows (filters, order, pages).
      await duck.init(TABLES);
      const byTable = new Map<TableName, Row[]>();
      for (const l of lines) for (const [t, r] of rowsFor(l.ev, DEFAULT_LEVELS, l.raw, l.info.mapped ? l.info.format : null)) (byTable.get(t) ?? byTable.set(t, []).get(t)!).push(r);
      for (const [t, rows] of byTable) await duck.insert(t, rows, `load-${t}`);
      const ns = (msAgo: number) => BigInt(NOW - msAgo) * 1_000_000n;
      const queries: LogQuery[] = [
        { limit: 10_000 },
        { components: ['risk_engine'], minLevel: 'error', limit: 100 },
        { components: ['order_adapter', 'execution'], sinceNs: ns(45 * MIN), untilNs: ns(40 * MIN), limit: 500 },
        { event: 'order.*', limit: 300 },
        { event: 'execution.fil?', limit: 300 },
        { text: 'limit', limit: 100 },
        { correlationId: 'c-seed002-42', limit: 100 },
        { status: 'FAILED', limit: 100 },
        { minLevel: 'warn', sinceNs: ns(30 * DAY), limit: 1000 },
      ];
      // (PostgreSQL stores U+0000 of a message as U+FFFD: see storableText.)
      const asStored = (rows: LogRow[]) => rows.map((r) => ({ ...r, message: r.message === null ? null : storableText(r.message) }));
      for (const q of queries) expect(await store.searchLogs(q), JSON.stringify(q, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toEqual(asStored(await duck.searchLogs(q)));
      // Pages by cursor: every row once, in the same order.
      const pages = async (s: AuditStore) => {
        const out: string[] = [];
        let after: LogQuery['after'];
        for (let i = 0; i < 200; i++) {
          const rows = await s.searchLogs({ components: ['strategy_runner', 'risk_engine'], limit: 29, ...(after ? { after } : {}) });
          out.push(...rows.map((r) => `${r.ts_ns} ${r.fields}`));
          if (rows.length < 29) break;
          const l = rows[rows.length - 1]!;
          after = { tsNs: l.ts_ns, fields: l.fields };
        }
        return out;
      };
      const paged = await pages(store);
      expect(paged.length).toBeGreaterThan(29 * 3);
      expect(paged).toEqual(await pages(duck));
      expect(new Set(paged).size).toBe(paged.length);
      expect(paged.length).toBe((await store.searchLogs({ components: ['strategy_runner', 'risk_engine'], limit: 10_000 })).length);
      expect(await store.execTime(ns(60 * MIN), ns(0))).toEqual(await duck.execTime(ns(60 * MIN), ns(0)));

      // The chains verify clean (the message holding U+0000, stored as U+FFFD, included).
      for (const r of await verifyStore(store, TABLES)) {
        expect(r.problems, r.table).toEqual([]);
        expect(r.head.seq, r.table).toBe(expected.get(r.table));
      }

      // Seed 002's retention, unchanged: rows past 30 days move to the archive, which keeps 90; trading_logs keeps 90.
      await server.query(SEED002_QUERIES.archiveSystemLogs, [], 't_record');
      await server.query(SEED002_QUERIES.purgeArchive, [], 't_record');
      await server.query(SEED002_QUERIES.purgeTradingLogs, [], 't_record');
      const archived = await server.query<Record<string, unknown>>('SELECT event_type, message, service, level, correlation_id FROM archived_system_logs ORDER BY id', [], 't_record');
      expect(archived).toEqual([
        { event_type: 'monitor.sweep', message: 'forty days old', service: 'monitor', level: 'INFO', correlation_id: null },
        { event_type: 'order.submitted', message: null, service: 'order_adapter', level: 'INFO', correlation_id: 'c-old-40' },
      ]);
      expect(Number((await server.query<{ n: string }>("SELECT count(*) AS n FROM system_logs WHERE timestamp < NOW() - INTERVAL '30 days'", [], 't_record'))[0]!.n)).toBe(0);
      expect((await server.query<{ order_id: string }>("SELECT order_id FROM trading_logs WHERE order_id LIKE 'o-old-%'", [], 't_record')).map((r) => r.order_id)).toEqual(['o-old-40']);
      const after = await seedCounts('t_record');
      expect(after.system_logs).toBe(expected.get('logs')! - 4); // two lines 40 days old archived, two 100 days old archived and purged
      expect(after.trading_logs).toBe(expected.get('audit_orders')! - 1);
      // The audit tables are not the archive's business: they still hold every row, and verify.
      for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(expected.get(t.name));

      // Tamper, as someone with write access to the database would.
      const edited = Number((await server.query<{ s: string }>('SELECT min(chain_seq) AS s FROM audit_orders WHERE chain_seq >= 5 AND price IS NOT NULL', [], 't_record'))[0]!.s);
      await server.query('UPDATE audit_orders SET price = price + 1 WHERE chain_seq = $1', [edited], 't_record');
      await server.query('DELETE FROM audit_risk_decisions WHERE chain_seq = 3', [], 't_record');
      const found = await verifyStore(store, TABLES);
      const orders = found.find((r) => r.table === 'audit_orders')!.problems.join('\n');
      expect(orders).toMatch(new RegExp(`seq ${edited}: price is \\d+(\\.\\d+)? where its event says \\d+(\\.\\d+)? \\(row altered\\)`));
      expect(found.find((r) => r.table === 'audit_risk_decisions')!.problems.join('\n')).toMatch(/seq 3: missing/);
      expect(found.find((r) => r.table === 'audit_connectivity')!.problems).toEqual([]);

      // The command says the same, and exits 1.
      const bad = await promisify(execFile)(process.execPath, [CLI, 'audit', 'verify', '--postgres-url', url, '--query-port', String(await freePort())]).then(
        () => undefined,
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(bad?.code, bad?.stderr).toBe(1);
      expect(bad?.stdout).toMatch(/^FAIL audit_orders/m);
      expect(bad?.stdout).toMatch(new RegExp(`seq ${edited}: price is`));
      expect(bad?.stdout).toMatch(/^ok {3}audit_connectivity/m);
    } finally {
      await duck.close();
      await store.close();
    }
  });

  it("writes a batch once (the same token twice, two writers at once, a replay after a lost reply), and prunes by retention as DuckDB does, with seed 002's archive", { timeout: 60_000 }, async () => {
    const url = await server.createDatabase('t_token');
    const store = PostgresStore.open(url);
    try {
      await store.init(TABLES);
      const lines = seedLines();
      const expected = expectedCounts(lines);
      const batch = new Map<TableName, Row[]>();
      for (const l of lines) for (const [t, r] of rowsFor(l.ev, DEFAULT_LEVELS, l.raw, l.info.mapped ? l.info.format : null)) (batch.get(t) ?? batch.set(t, []).get(t)!).push(r);
      const seedWant = { system_logs: expected.get('logs'), archived_system_logs: 0, trading_logs: expected.get('audit_orders'), performance_logs: expected.get('performance_log') };

      await store.insertBatch(batch, 'tok-1');
      await store.insertBatch(batch, 'tok-1');
      for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(expected.get(t.name));
      expect(await seedCounts('t_token')).toEqual(seedWant);
      expect(await store.countByToken('logs', 'tok-1')).toBe(expected.get('logs'));
      expect(await store.countByToken('logs', 'tok-never')).toBe(0);

      // Two writers with the same token at once: one waits on the other's ledger row, then skips.
      await Promise.all([store.insertBatch(batch, 'tok-2'), store.insertBatch(batch, 'tok-2')]);
      for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(2 * expected.get(t.name)!);
      expect((await seedCounts('t_token')).system_logs).toBe(2 * expected.get('logs')!);

      // Retention, as DuckDB's prune: rows past their class go, seed 002's rows past 30 days move to
      // the archive, which drops those past 90, and trading_logs drops those past 90. Each batch
      // above holds four lines older than 30 days (two 40 days old, two 100 days old).
      const removed = await store.prune(BigInt(NOW) * 1_000_000n);
      expect(removed).toMatchObject({ logs: 8, audit_orders: 0, system_logs: 8, archived_system_logs: 4, trading_logs: 2, performance_logs: 0 });
      expect(await seedCounts('t_token')).toEqual({ system_logs: 2 * expected.get('logs')! - 8, archived_system_logs: 4, trading_logs: 2 * expected.get('audit_orders')! - 2, performance_logs: 2 * expected.get('performance_log')! });
      expect(await store.count('logs')).toBe(2 * expected.get('logs')! - 8);

      // Through the Recorder: the store takes a batch but the reply is lost; the retry finds it in.
      const fresh = await server.createDatabase('t_lost');
      const inner = PostgresStore.open(fresh);
      let lose = 1;
      const flaky: AuditStore = Object.assign(Object.create(inner) as AuditStore, {
        async insertBatch(tables: ReadonlyMap<TableName, readonly Row[]>, token: string) {
          await inner.insertBatch(tables, token);
          if (lose-- > 0) throw new Error('connection reset (reply lost after the commit)');
        },
      });
      const log = captureLogging();
      try {
        await record(flaky, join(dir, 'wal-lost'), lines, log);
        expect(lose).toBe(0); // the retry found the batch in the ledger and did not write it again
        expect(log.lines.some((l) => l.event === 'recorder.write_failed')).toBe(true);
        for (const t of TABLES) expect(await inner.count(t.name), t.name).toBe(expected.get(t.name));
        expect(await seedCounts('t_lost')).toEqual(seedWant);
        expect(await duplicates('t_lost')).toEqual({});
      } finally {
        await inner.close();
      }
    } finally {
      await store.close();
    }
  });

  it('spools while PostgreSQL is down, replays after it is back, and ends with every row exactly once', { timeout: 120_000 }, async () => {
    const db = 't_outage';
    const url = await server.createDatabase(db);
    const store = PostgresStore.open(url, { connectTimeoutMs: 2000, statementTimeoutMs: 10_000 });
    const events = join(dir, 'outage.ndjson');
    const sink = new FileSink(events);
    const writing = runScenario({ scenario: scenarioByName('normal'), seed: 9, start: Date.UTC(2026, 10, 23, 1) / 1000, speed: 10, duration: 100 }, sink).then(() => sink.close());
    const logging = captureLogging();
    const svc = await startRecorderService({ events, dataDir: join(dir, 'rec-outage'), store, port: 0, batchRows: 500, batchMs: 200, pollMs: 50, retryMaxMs: 500 }, logging);
    try {
      await new Promise((r) => setTimeout(r, 2500));
      await server.stop('SIGKILL'); // a crash, mid-run: whatever transaction was open is rolled back at restart
      await new Promise((r) => setTimeout(r, 4000));
      const during = await samplesOf(svc.registry);
      expect(valueOf(during, 'hft_recorder_store_up', { store: 'postgres' })).toBe(0);
      expect(valueOf(during, 'hft_recorder_spool_bytes')).toBeGreaterThan(0);
      await server.start();
      await writing;
      const size = readFileSync(events).length;
      const t0 = Date.now();
      const tail = svc.tailers[0]!;
      while (!(tail.currentState()?.offset === size && svc.recorder.queuedRows === 0) && Date.now() - t0 < 60_000) {
        await new Promise((r) => setTimeout(r, 200));
        const st = tail.currentState();
        svc.recorder.seal(st ? { [st.path]: st } : undefined);
      }
      await svc.recorder.drained();
      const expected = new Map<string, number>(TABLES.map((t) => [t.name, 0]));
      for (const line of readFileSync(events, 'utf8').split('\n').filter(Boolean)) for (const [t] of rowsFor(JSON.parse(line) as HftEvent)) expected.set(t, expected.get(t)! + 1);
      for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(expected.get(t.name));
      expect(await duplicates(db)).toEqual({});
      expect(await seedCounts(db)).toEqual({ system_logs: expected.get('logs'), archived_system_logs: 0, trading_logs: expected.get('audit_orders'), performance_logs: expected.get('performance_log') });
      for (const r of await verifyStore(store, TABLES)) {
        expect(r.problems, r.table).toEqual([]);
        expect(r.head.seq, r.table).toBe(expected.get(r.table));
      }
      const after = await samplesOf(svc.registry);
      expect(valueOf(after, 'hft_recorder_store_up', { store: 'postgres' })).toBe(1);
      expect(valueOf(after, 'hft_recorder_spool_bytes')).toBe(0);
      const failed = logging.lines.filter((l) => l.event === 'recorder.write_failed');
      expect(failed.length).toBeGreaterThan(0);
      // The failure names the server and what failed.
      expect(JSON.stringify(failed[0])).toContain(`PostgreSQL 127.0.0.1:${server.port}/${db}`);
      expect(expected.get('logs')).toBeGreaterThan(2000);
    } finally {
      await svc.close();
      await store.close();
      if (!server.running) await server.start(); // up for the next test, whatever happened above
    }
  });

  // The time-out covers every wait inside (3 x (60 + 60 + 1.3) s + 90 s, plus checks), so on a busy
  // machine the message names the wait that ran out; a clean-clone run under load ran out of 150 s.
  it('survives SIGKILL of the recorder at random moments: every row once, none lost, seed 002 tables too', { timeout: 520_000 }, async () => {
    const db = 't_kill';
    const url = await server.createDatabase(db);
    const events = join(dir, 'kill.ndjson');
    const data = join(dir, 'rec-kill');
    const sink = new FileSink(events);
    const engine = new AbortController();
    onTestFinished(() => engine.abort());
    // Until the last kill or 600 simulated seconds: a slow start under load adds no lines to drain.
    const writing = runScenario({ scenario: scenarioByName('storm-halt'), seed: 5, start: Date.UTC(2026, 10, 23, 1) / 1000, speed: 12, duration: 600 }, sink, engine.signal).then(() => sink.close());
    // Past the writer's cap a child may resume at the end of the finished file: it then has nothing
    // to do and prints no progress, and there is nothing to kill it in the middle of.
    let written = false;
    void writing.then(() => {
      written = true;
    });
    const runChild = (args: string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      // A wait that runs out must not leave the child recording through the rest of the run.
      onTestFinished(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      const until = async (word: string, ms: number, enough: () => boolean = () => false) => {
        const t0 = Date.now();
        while (!out.includes(word) && !enough()) {
          if (Date.now() - t0 > ms || child.exitCode !== null) throw new Error(`recorder child did not print '${word}' within ${ms} ms:\n${out}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      return { child, exited, until, out: () => out };
    };
    let seed = 17;
    const resumed: number[] = [];
    for (let k = 0; k < 3; k++) {
      const c = runChild([events, data, url]);
      await c.until('ready', 60_000);
      const at = Number(/resume offset=(\d+)/.exec(c.out())![1]);
      await c.until('progress', 60_000, () => written && at >= statSync(events).size);
      resumed.push(at);
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      await new Promise((r) => setTimeout(r, 400 + (seed % 900)));
      c.child.kill('SIGKILL');
      await c.exited;
    }
    engine.abort();
    await writing;
    const size = readFileSync(events).length;
    const last = runChild([events, data, url, '--until-drained']);
    await last.until('drained', 90_000);
    expect(await last.exited).toBe(0);
    resumed.push(Number(/resume offset=(\d+)/.exec(last.out())![1]));
    expect(resumed.filter((o) => o > 0 && o < size).length, `resume offsets ${resumed.join(', ')} of ${size}`).toBeGreaterThanOrEqual(2);

    const expected = new Map<string, number>(TABLES.map((t) => [t.name, 0]));
    for (const line of readFileSync(events, 'utf8').split('\n').filter(Boolean)) for (const [t] of rowsFor(JSON.parse(line) as HftEvent)) expected.set(t, expected.get(t)! + 1);
    const store = PostgresStore.open(url);
    try {
      for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(expected.get(t.name));
      expect(await duplicates(db)).toEqual({});
      expect(await seedCounts(db)).toEqual({ system_logs: expected.get('logs'), archived_system_logs: 0, trading_logs: expected.get('audit_orders'), performance_logs: expected.get('performance_log') });
      for (const r of await verifyStore(store, TABLES)) {
        expect(r.problems, r.table).toEqual([]);
        expect(r.head.seq, r.table).toBe(expected.get(r.table));
      }
      expect(expected.get('logs')).toBeGreaterThan(1000);
    } finally {
      await store.close();
    }
  });
});
