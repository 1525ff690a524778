/**
 * The seeds' log categories (issue 14), each in its own table on every store: the example line of
 * each new event type (`EVENT_TYPES`), and variants (a partial fill, rejects with and without a
 * volume, a refused login, outcomes right and wrong, lines written by structlog and Loguru, a debug
 * sample), go through the real `Recorder` (write-ahead log, batches, `rowsFor`) into DuckDB, into
 * ClickHouse on chdb (the current DDL) and into a real Debian clickhouse-server 18.16 (the legacy
 * DDL). Each lands in its table with the columns it states (the status and slippage of a partial
 * fill, FAILED for a reject), still goes to `logs` by the level policy, and shows in a trade's
 * story; the tables are added to a database made with the earlier tables alone, whose columns stay
 * as they were. `audit verify` is clean on `audit_security` and `audit_ai_decisions`, and names an
 * edited column (of a mapped line, too) and a deleted row in each, on DuckDB and on chdb. On chdb
 * the sorting keys, indexes and TTLs are the ones tables.ts chooses, and retention removes rows by
 * each table's class on both current stores.
 */
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES, VALIDATORS, type HftEvent } from '../../exporters/events/index.js';
import { normalize } from '../../exporters/events/formats.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { rowsFor, type Row } from '../../exporters/recorder/rows.js';
import { logQuery, searchLogs } from '../../exporters/recorder/search.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore, httpTransport, type ClickHouseTransport } from '../../exporters/recorder/stores/clickhouse.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import type { AuditStore } from '../../exporters/recorder/stores/store.js';
import { DEFAULT_RETENTION, TABLE_DEFS, TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { verifyStore, type ChainReport } from '../../exporters/recorder/verify.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { startClickHouse, type ClickHouseServer } from '../helpers/clickhouse.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';

const T0 = Date.UTC(2026, 10, 23, 1, 0, 0); // ms
/** The tables before issue 14: a database made by the previous version has these alone. */
const EARLIER: readonly TableName[] = ['audit_orders', 'audit_risk_decisions', 'audit_guardrail_transitions', 'audit_connectivity', 'audit_config_changes', 'logs'];

const example = (name: string): Record<string, unknown> => {
  const t = EVENT_TYPES.find((e) => e.name === name);
  if (!t) throw new Error(`no event type ${name}`);
  return { ...t.example };
};

/** One line as the engine writes it: `ts` one second after the previous line's. */
interface Line {
  readonly raw: string;
}
const lines: Line[] = [];
const at = (i: number) => new Date(T0 + i * 1000).toISOString();
/** The same time as Loguru writes it in Asia/Taipei (UTC+8), without the offset: `2026-11-23 09:00:22`. */
const local = (i: number) => new Date(T0 + 8 * 3_600_000 + i * 1000).toISOString().slice(0, 19).replace('T', ' ');
/** A tickwatch line: the event type's example, changed by `over`; checked against the contract. */
function tw(name: string, over: Record<string, unknown> = {}): void {
  const ev = { ts: at(lines.length), level: 'info', ...example(name), ...over };
  const check = VALIDATORS.get(name);
  if (check && !check.Check(ev)) throw new Error(`${name} ${JSON.stringify(ev)} is not a valid event: ${JSON.stringify([...check.Errors(ev)].slice(0, 2))}`);
  lines.push({ raw: JSON.stringify(ev) });
}

for (const name of ['service.started', 'service.stopped', 'service.restarted', 'service.failed', 'perf.sample']) tw(name);
// Below the default level: performance_log takes it, logs does not.
tw('perf.sample', { level: 'debug', operation: 'risk_check', execution_time_ms: 0.07, instance_id: 'engine-2' });
tw('execution.fill'); // leaves_qty 0: SUCCESS
tw('execution.fill', { order_id: 'o-55104', trade_id: 't-77121', qty: 600, leaves_qty: 400, price: 1015.5, slippage_ticks: 1.5, slippage_ratio: 0.0002, order_type: 'ioc', correlation_id: 'c-8f50' });
tw('order.rejected'); // no volume or price in the reject
tw('order.rejected', { order_id: 'o-55105', reason: 'rate_limited', qty: 500, price: 1016.5, side: 'sell', symbol: '2330', correlation_id: 'c-8f51' });
for (const name of ['security.login', 'security.logout', 'security.mfa_success', 'security.mfa_failed', 'security.session_expired', 'security.permission_denied']) tw(name);
tw('security.login', { status: 'FAILURE', source_ip: '203.0.113.9', session_id: undefined, level: 'warn' });
// structlog's JSONRenderer: message under `event`, the type under `event_type`, `timestamp`, `warning`.
lines.push({
  raw: JSON.stringify({ event: 'login refused', event_type: 'security.login', level: 'warning', timestamp: at(lines.length), component: 'monitor', user_id: 'ops-mchen', source_ip: '198.51.100.7', status: 'FAILURE' }),
});
tw('anomaly.detected');
tw('anomaly.resolved');
tw('ai.decision');
tw('ai.outcome');
// Loguru's serialize=True: everything under `record`, the fields in `extra`; a class prediction, a fractional inference time.
lines.push({
  raw: JSON.stringify({
    text: `${local(lines.length)} | INFO | model decided\n`,
    record: {
      extra: { component: 'strategy_runner', event_type: 'ai.decision', model_id: 'alpha-gbm', model_version: '2026.11.3', decision_id: 'd-55103', strategy: 'mm-2330', features: { spread_bp: 2.4, imbalance: -0.12, regime: 'calm' }, prediction: 'down', confidence: 0.64, latency_ns: 91000.6, correlation_id: 'c-8f52' },
      level: { icon: 'ℹ️', name: 'INFO', no: 20 },
      message: 'model decided',
      name: 'app.models',
      function: 'decide',
      line: 88,
      file: { name: 'models.py', path: '/srv/app/models.py' },
      time: { repr: `${local(lines.length)}.000000+08:00`, timestamp: (T0 + lines.length * 1000) / 1000 },
    },
  }),
});
tw('ai.outcome', { decision_id: 'd-55103', correct: false, actual: 'up', correlation_id: 'c-8f52' });
// A line of a type the contract does not know: logs only.
lines.push({ raw: JSON.stringify({ ts: at(lines.length), component: 'strategy_runner', level: 'error', event: 'strategy.exception', message: 'ZeroDivisionError' }) });

/** Each line read as the pipeline reads it (format detected per line). */
const events = lines.map(({ raw }) => {
  const n = normalize(JSON.parse(raw) as Record<string, unknown>, 'auto');
  if (!n.ok) throw new Error(n.detail);
  const ev = n.event as unknown as HftEvent;
  const name = String(ev.event);
  const check = VALIDATORS.get(name);
  if (check && !check.Check(ev)) throw new Error(`${raw} does not map onto a valid ${name}`);
  return { ev, raw, info: { format: n.format, mapped: n.mapped } };
});

/** Rows each table should hold. */
const EXPECTED_COUNTS: Partial<Record<TableName, number>> = {
  system_events: 4,
  performance_log: 2,
  trade_executions: 4,
  audit_orders: 4,
  audit_security: 8,
  anomaly_log: 2,
  audit_ai_decisions: 4,
  logs: lines.length - 1, // all but the debug sample
};

/** A store under test, with raw SQL for reading and tampering. */
interface Target {
  readonly store: AuditStore;
  /** Every row of a table, its columns by name. */
  rows(table: TableName): Promise<Record<string, unknown>[]>;
  columns(table: TableName): Promise<string[]>;
  exec(sql: string): Promise<void>;
}

function duckTarget(store: DuckDbStore): Target {
  // The store's own connection: the file is locked by its one writer.
  const conn = (store as unknown as { conn: DuckDBConnection }).conn;
  return {
    store,
    rows: async (t) => (await conn.runAndReadAll(`SELECT * FROM ${t}`)).getRowObjects(),
    columns: async (t) => (await conn.runAndReadAll('SELECT column_name FROM information_schema.columns WHERE table_name = $t ORDER BY ordinal_position', { t })).getRowObjects().map((o) => String(o.column_name)),
    exec: async (sql) => {
      await conn.run(sql);
    },
  };
}

function clickhouseTarget(store: ClickHouseStore, t: ClickHouseTransport): Target {
  return {
    store,
    rows: (table) => t.query<Record<string, unknown>>(`SELECT * FROM tickwatch.${table}`),
    // In the table's order (18.16's system.columns has no `position` to sort by).
    columns: async (table) => (await t.query<{ name: string }>(`SELECT name FROM system.columns WHERE database = 'tickwatch' AND table = '${table}'`)).map((c) => c.name),
    exec: (sql) => t.command(sql),
  };
}

/** A column's value in comparable form, by its type: numbers for numeric columns, strings for the rest. */
function comparable(table: TableName, name: string, v: unknown): unknown {
  const c = TABLE_DEFS.get(table)!.columns.find((x) => x.name === name);
  if (v === null || v === undefined) return null;
  if (c && (c.type === 'float' || c.type === 'int')) return Number(v);
  return typeof v === 'bigint' ? Number(v) : v;
}

/** The rows of `table` whose columns include `match`, each reduced to the columns `want` names. */
async function find(target: Target, table: TableName, match: Record<string, unknown>, want: readonly string[]): Promise<Record<string, unknown>[]> {
  const all = await target.rows(table);
  return all
    .filter((r) => Object.entries(match).every(([k, v]) => comparable(table, k, r[k]) === v))
    .map((r) => Object.fromEntries(want.map((k) => [k, comparable(table, k, r[k])])));
}

/** Records every line through a recorder (write-ahead log, batches of 8 rows) into the store. */
async function record(store: AuditStore, dir: string) {
  const wal = new WriteAheadLog(join(dir, 'wal'));
  wal.open();
  const registry = new MetricRegistry();
  const rec = new Recorder({ store, wal, registry, log: captureLogging().logger('recorder'), batchRows: 8 });
  for (const e of events) {
    rec.add(e.ev, e.raw, e.info);
    rec.maybeSeal();
  }
  rec.seal();
  await rec.drained();
  await rec.stop();
  return { heads: rec.storedHeads, registry };
}

const report = (rs: readonly ChainReport[], table: TableName) => rs.find((r) => r.table === table)!;

/**
 * Everything a store must hold after {@link record}: the earlier tables' columns as they were
 * (`before`), each table's rows and their columns, the logs rows, a trade's story, clean chains.
 */
async function checkRecorded(target: Target, registry: MetricRegistry, before: ReadonlyMap<TableName, string[]>): Promise<void> {
  const { store } = target;
  // The earlier tables keep their columns; the new ones were added beside them.
  for (const [t, cols] of before) expect(await target.columns(t), t).toEqual(cols);
  for (const t of TABLES) expect(await store.count(t.name), t.name).toBe(EXPECTED_COUNTS[t.name] ?? 0);
  // Rows written are counted under each table's own label.
  const written = (await samplesOf(registry)).filter((s) => s.name === 'hft_recorder_rows_written_total');
  for (const t of TABLES) expect(written.find((s) => s.labels.table === t.name)?.value ?? 0, t.name).toBe(EXPECTED_COUNTS[t.name] ?? 0);

  // `logs search` finds each category's events by their type and by time (issue 14), through the
  // same filters the CLI and the query API parse.
  const loggedRows = events.flatMap((e) => rowsFor(e.ev, undefined, e.raw, e.info.mapped ? e.info.format : null).filter(([t]) => t === 'logs').map(([, r]) => r));
  const categoryTypes = new Set(events.filter((e) => rowsFor(e.ev).some(([t]) => t !== 'logs')).map((e) => e.ev.event as string));
  expect(categoryTypes.size).toBeGreaterThan(10);
  for (const type of categoryTypes) {
    const want = loggedRows.filter((r) => r.event === type).map((r) => String(r.ts_ns)).sort();
    if (want.length === 0) continue; // below the logs' level (the debug perf.sample)
    const byType = await searchLogs(store, logQuery({ event: type, limit: '1000' }));
    expect(byType.rows.map((r) => r.ts_ns).sort(), type).toEqual(want);
    // A window of one millisecond around the first finds exactly the rows of that millisecond.
    const at = BigInt(want[0]!);
    const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
    const inWindow = await searchLogs(store, logQuery({ event: type, since: iso(at), until: iso(at + 1_000_000n), limit: '1000' }));
    expect(inWindow.rows.map((r) => r.ts_ns), `${type} at ${iso(at)}`).toEqual(want.filter((n) => BigInt(n) / 1_000_000n === at / 1_000_000n));
    expect(inWindow.rows.every((r) => r.event === type)).toBe(true);
  }
  // A family by glob over the whole window: every security event, nothing else.
  const security = await searchLogs(store, logQuery({ event: 'security.*', since: new Date(T0).toISOString(), until: new Date(T0 + 3_600_000).toISOString(), limit: '1000' }));
  expect(security.rows.length).toBe(loggedRows.filter((r) => String(r.event).startsWith('security.')).length);
  expect(security.rows.length).toBeGreaterThan(0);

  // trade_executions: status from leaves_qty, slippage in its own columns, rejects FAILED.
  const cols = ['trade_id', 'order_id', 'strategy', 'side', 'symbol', 'order_type', 'volume', 'price', 'leaves_qty', 'slippage_ticks', 'slippage_ratio', 'status', 'reason', 'broker', 'gateway'];
  expect(await find(target, 'trade_executions', { trade_id: 't-77120' }, cols)).toEqual([
    { trade_id: 't-77120', order_id: 'o-55102', strategy: 'mm-2330', side: 'buy', symbol: '2330', order_type: 'limit', volume: 1000, price: 1015, leaves_qty: 0, slippage_ticks: 0.08, slippage_ratio: 0.00004, status: 'SUCCESS', reason: null, broker: 'broker-a', gateway: 'broker-a' },
  ]);
  expect(await find(target, 'trade_executions', { trade_id: 't-77121' }, ['volume', 'price', 'leaves_qty', 'slippage_ticks', 'slippage_ratio', 'order_type', 'status'])).toEqual([
    { volume: 600, price: 1015.5, leaves_qty: 400, slippage_ticks: 1.5, slippage_ratio: 0.0002, order_type: 'ioc', status: 'PARTIAL' },
  ]);
  expect(await find(target, 'trade_executions', { order_id: 'o-55103' }, ['status', 'reason', 'volume', 'price', 'trade_id', 'strategy', 'gateway', 'event', 'level'])).toEqual([
    { status: 'FAILED', reason: 'invalid_price', volume: null, price: null, trade_id: null, strategy: 'mm-2330', gateway: 'broker-a', event: 'order.rejected', level: 'warn' },
  ]);
  expect(await find(target, 'trade_executions', { order_id: 'o-55105' }, ['status', 'reason', 'volume', 'price', 'side', 'symbol'])).toEqual([{ status: 'FAILED', reason: 'rate_limited', volume: 500, price: 1016.5, side: 'sell', symbol: '2330' }]);

  // system_events
  const sys = ['service', 'kind', 'status', 'instance_id', 'reason', 'exit_code', 'attempt', 'version', 'level'];
  expect(await find(target, 'system_events', { kind: 'failed' }, sys)).toEqual([
    { service: 'risk_engine', kind: 'failed', status: 'crashed', instance_id: null, reason: 'SIGSEGV in limits table', exit_code: 139, attempt: null, version: null, level: 'error' },
  ]);
  expect(await find(target, 'system_events', { kind: 'started' }, sys)).toEqual([
    { service: 'strategy_runner', kind: 'started', status: 'running', instance_id: 'engine-1:4242', reason: null, exit_code: null, attempt: null, version: '3.8.1', level: 'info' },
  ]);
  expect(await find(target, 'system_events', { kind: 'restarted' }, ['attempt', 'reason'])).toEqual([{ attempt: 2, reason: 'watchdog restart' }]);
  expect((await find(target, 'system_events', {}, ['kind'])).map((r) => r.kind).sort()).toEqual(['failed', 'restarted', 'started', 'stopped']);

  // performance_log: units as the event states them.
  expect(await find(target, 'performance_log', { operation: 'place_order' }, ['service', 'execution_time_ms', 'cpu_percent', 'memory_mb', 'disk_mb', 'latency_ms', 'instance_id'])).toEqual([
    { service: 'order_adapter', execution_time_ms: 0.42, cpu_percent: 37.5, memory_mb: 512, disk_mb: 1200, latency_ms: 0.9, instance_id: 'engine-1' },
  ]);
  expect(await find(target, 'performance_log', { operation: 'risk_check' }, ['execution_time_ms', 'instance_id', 'level'])).toEqual([{ execution_time_ms: 0.07, instance_id: 'engine-2', level: 'debug' }]);

  // audit_security, the structlog line read through its mapping.
  const sec = ['kind', 'user_id', 'source_ip', 'status', 'session_id', 'resource', 'format', 'message'];
  expect(await find(target, 'audit_security', { kind: 'permission_denied' }, sec)).toEqual([
    { kind: 'permission_denied', user_id: 'trader-jlin', source_ip: '10.20.30.40', status: 'FAILURE', session_id: 's-77a1', resource: 'risk.limits.write', format: null, message: null },
  ]);
  expect(await find(target, 'audit_security', { user_id: 'ops-mchen' }, sec)).toEqual([
    { kind: 'login', user_id: 'ops-mchen', source_ip: '198.51.100.7', status: 'FAILURE', session_id: null, resource: null, format: 'structlog', message: 'login refused' },
  ]);
  expect((await find(target, 'audit_security', { source_ip: '203.0.113.9' }, ['kind', 'status', 'level']))).toEqual([{ kind: 'login', status: 'FAILURE', level: 'warn' }]);

  // anomaly_log: OPEN when detected, CLOSED when resolved.
  const an = ['anomaly_id', 'detected_by', 'anomaly_type', 'severity', 'status', 'symbol', 'value', 'expected', 'message'];
  expect(await find(target, 'anomaly_log', { status: 'OPEN' }, an)).toEqual([
    { anomaly_id: 'an-9f1', detected_by: 'risk_engine', anomaly_type: 'volatility_spike', severity: 'high', status: 'OPEN', symbol: '2330', value: 0.041, expected: 0.012, message: 'realized volatility 3.4x its 30-day mean' },
  ]);
  expect(await find(target, 'anomaly_log', { status: 'CLOSED' }, ['anomaly_id', 'value', 'message'])).toEqual([{ anomaly_id: 'an-9f1', value: null, message: 'volatility back within bounds' }]);

  // audit_ai_decisions: decisions with their inputs as JSON text, outcomes with correct 1 / 0.
  const ai = ['event', 'model_id', 'model_version', 'strategy', 'prediction', 'confidence', 'latency_ns', 'correct', 'actual', 'format'];
  const decision = await find(target, 'audit_ai_decisions', { decision_id: 'd-55102' }, [...ai, 'features', 'explanation']);
  expect(decision.map((r) => ({ ...r, features: JSON.parse(String(r.features ?? 'null')) as unknown, explanation: JSON.parse(String(r.explanation ?? 'null')) as unknown }))).toEqual([
    { event: 'ai.decision', model_id: 'alpha-gbm', model_version: '2026.11.3', strategy: 'mm-2330', prediction: '0.7', confidence: 0.82, latency_ns: 84000, correct: null, actual: null, format: null, features: { spread_bp: 1.8, imbalance: 0.31, vol_5m: 0.012 }, explanation: { spread_bp: 0.21, imbalance: 0.38, vol_5m: -0.05 } },
    { event: 'ai.outcome', model_id: 'alpha-gbm', model_version: '2026.11.3', strategy: null, prediction: null, confidence: null, latency_ns: null, correct: 1, actual: '1', format: null, features: null, explanation: null },
  ]);
  expect(await find(target, 'audit_ai_decisions', { decision_id: 'd-55103' }, ['event', 'prediction', 'latency_ns', 'correct', 'actual', 'format', 'strategy'])).toEqual([
    { event: 'ai.decision', prediction: 'down', latency_ns: 91001, correct: null, actual: null, format: 'loguru', strategy: 'mm-2330' },
    { event: 'ai.outcome', prediction: null, latency_ns: null, correct: 0, actual: 'up', format: null, strategy: null },
  ]);

  // Every category's event is in logs too (at or above info), the debug sample is not.
  const logged = await find(target, 'logs', {}, ['event']);
  expect(logged.map((r) => r.event).sort()).toEqual(events.filter((e) => e.ev.level !== 'debug').map((e) => e.ev.event).sort());

  // A trade's story reaches the new tables.
  const story = await store.search({ correlationId: 'c-8f31' }, TABLES);
  expect(story.map((r) => `${r.table} ${r.event}`).sort()).toEqual(
    ['logs execution.fill', 'audit_orders execution.fill', 'trade_executions execution.fill', 'logs ai.decision', 'audit_ai_decisions ai.decision', 'logs ai.outcome', 'audit_ai_decisions ai.outcome'].sort(),
  );
  expect((await store.search({ correlationId: 'c-8f51' }, TABLES)).map((r) => r.table).sort()).toEqual(['audit_orders', 'logs', 'trade_executions']);

  // The chains verify clean, each as long as its table.
  const clean = await verifyStore(store, TABLES);
  expect(clean.map((r) => r.table)).toEqual(TABLES.filter((t) => t.chained).map((t) => t.name));
  for (const r of clean) {
    expect(r.problems, r.table).toEqual([]);
    expect(r.head.seq, r.table).toBe(EXPECTED_COUNTS[r.table] ?? 0);
  }
}

/** The tamper checks on the two new chained tables (same seqs on every store). */
function expectTamperFound(found: readonly ChainReport[]): void {
  const sec = report(found, 'audit_security');
  expect(sec.problems).toEqual([
    'seq 2: source_ip is "10.0.0.66" where its event says "10.20.30.40" (row altered)',
    'seq 5: missing (rows deleted)',
    'seq 6: prev_hash does not match the row before it (rows deleted, inserted or reordered)',
    'seq 8: status is "SUCCESS" where its event says "FAILURE" (row altered)',
  ]);
  const ai = report(found, 'audit_ai_decisions');
  expect(ai.problems).toEqual([
    'seq 1: features is "{\\"spread_bp\\":9}" where its event says "{\\"spread_bp\\":1.8,\\"imbalance\\":0.31,\\"vol_5m\\":0.012}" (row altered)',
    'seq 2: missing (rows deleted)',
    'seq 3: prev_hash does not match the row before it (rows deleted, inserted or reordered)',
    'seq 4: correct is "1" where its event says "0" (row altered)',
  ]);
  for (const r of found) if (r.table !== 'audit_security' && r.table !== 'audit_ai_decisions') expect(r.problems, r.table).toEqual([]);
}

/** Makes a database with the earlier tables alone, and returns their columns. */
async function earlierDatabase(target: Target): Promise<Map<TableName, string[]>> {
  await target.store.init(TABLES.filter((t) => EARLIER.includes(t.name)));
  return new Map(await Promise.all(EARLIER.map(async (t) => [t, await target.columns(t)] as const)));
}

describe("the seeds' log categories, each in its table", () => {
  it('maps each event to its rows: the table, the status of a fill and a reject, the logs row by level', () => {
    const tables = (i: number) => rowsFor(events[i]!.ev, undefined, events[i]!.raw, events[i]!.info.mapped ? events[i]!.info.format : null).map(([t]) => t);
    const byEvent = new Map<string, TableName[]>();
    events.forEach((e, i) => byEvent.set(e.ev.event, tables(i)));
    expect(byEvent.get('service.failed')).toEqual(['logs', 'system_events']);
    expect(byEvent.get('execution.fill')).toEqual(['logs', 'audit_orders', 'trade_executions']);
    expect(byEvent.get('order.rejected')).toEqual(['logs', 'audit_orders', 'trade_executions']);
    expect(byEvent.get('security.mfa_failed')).toEqual(['logs', 'audit_security']);
    expect(byEvent.get('anomaly.resolved')).toEqual(['logs', 'anomaly_log']);
    expect(byEvent.get('ai.outcome')).toEqual(['logs', 'audit_ai_decisions']);
    expect(tables(5)).toEqual(['performance_log']); // the debug sample
    // Rows of tables without a chain carry no chain columns (ClickHouse would refuse unknown fields).
    const trade: Row = rowsFor(events[6]!.ev).find(([t]) => t === 'trade_executions')![1];
    expect(Object.keys(trade)).not.toContain('chain_seq');
    expect(Object.keys(rowsFor(events[10]!.ev).find(([t]) => t === 'audit_security')![1])).toContain('chain_seq');
  });

  it('DuckDB: adds the tables to an earlier database, records every category, verifies, and names tampered rows', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const store = await DuckDbStore.open(join(dir, 'audit.duckdb'));
    try {
      const target = duckTarget(store);
      const before = await earlierDatabase(target);
      const { registry } = await record(store, dir);
      await checkRecorded(target, registry, before);

      await target.exec("UPDATE audit_security SET source_ip = '10.0.0.66' WHERE chain_seq = 2");
      await target.exec('DELETE FROM audit_security WHERE chain_seq = 5');
      // A refused login (read through structlog's mapping) made to look like a success.
      await target.exec("UPDATE audit_security SET status = 'SUCCESS' WHERE chain_seq = 8");
      await target.exec(`UPDATE audit_ai_decisions SET features = '{"spread_bp":9}' WHERE chain_seq = 1`);
      await target.exec('DELETE FROM audit_ai_decisions WHERE chain_seq = 2');
      await target.exec('UPDATE audit_ai_decisions SET correct = 1 WHERE chain_seq = 4');
      expectTamperFound(await verifyStore(store, TABLES));
    } finally {
      await store.close();
    }
  });

  it('ClickHouse on chdb (current DDL): the same, with the sorting keys, indexes and TTLs tables.ts chooses', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const t = await chdbTransport(join(dir, 'ch'));
    const store = new ClickHouseStore(t);
    try {
      const target = clickhouseTarget(store, t);
      const before = await earlierDatabase(target);
      const { registry } = await record(store, dir);
      await checkRecorded(target, registry, before);

      const layout = await t.query<{ name: string; sorting_key: string; engine_full: string }>("SELECT name, sorting_key, engine_full FROM system.tables WHERE database = 'tickwatch'");
      const of = (n: string) => layout.find((x) => x.name === n)!;
      expect(of('trade_executions').sorting_key).toBe('strategy, ts');
      expect(of('audit_security').sorting_key).toBe('user_id, ts');
      expect(of('audit_ai_decisions').sorting_key).toBe('model_id, ts');
      expect(of('system_events').sorting_key).toBe('service, ts');
      expect(of('performance_log').sorting_key).toBe('service, ts');
      expect(of('anomaly_log').sorting_key).toBe('anomaly_type, ts');
      // TTL from the retention config's ClickHouse defaults (catalog/retention.ts: a year is 366 days,
      // 5 years 1,827); a hash-chained table has none: the clean-up deletes its rows after a checkpoint.
      for (const [n, days] of [['trade_executions', 1827], ['system_events', 731], ['performance_log', 731], ['anomaly_log', 366]] as const) {
        expect(of(n).engine_full, n).toContain(`TTL toDateTime(ts) + toIntervalDay(${days})`);
      }
      for (const n of ['audit_security', 'audit_ai_decisions']) expect(of(n).engine_full, n).not.toContain('TTL');
      const indexes = await t.query<{ table: string; name: string; type: string }>("SELECT table, name, type FROM system.data_skipping_indices WHERE database = 'tickwatch' AND table = 'trade_executions' ORDER BY name");
      expect(indexes.map((x) => `${x.name} ${x.type}`)).toEqual(['idx_correlation_id bloom_filter', 'idx_order_id bloom_filter', 'idx_status set', 'idx_symbol bloom_filter', 'idx_trade_id bloom_filter']);
      // The bloom filters serve lookups of the plain column (an index over ifNull(column, '') would not).
      const plan = (await t.query<{ explain: string }>("EXPLAIN indexes = 1 SELECT count() FROM tickwatch.trade_executions WHERE trade_id = 't-77121'")).map((x) => x.explain).join('\n');
      expect(plan).toMatch(/Name: idx_trade_id/);
      const story = (await t.query<{ explain: string }>("EXPLAIN indexes = 1 SELECT count() FROM tickwatch.audit_security WHERE correlation_id = 'c-1'")).map((x) => x.explain).join('\n');
      expect(story).toMatch(/Name: idx_correlation_id/);
      // A chained table sorted by another key carries the chain_seq projection audit verify reads
      // through; the audit trail is kept in chain order, read by its key, with no second copy.
      const projections = await t.query<{ table: string }>("SELECT DISTINCT table FROM system.projection_parts WHERE database = 'tickwatch' AND name = 'by_chain_seq' AND active");
      expect(projections.map((x) => x.table)).toEqual(expect.arrayContaining(['audit_security', 'audit_ai_decisions']));
      expect(projections.map((x) => x.table)).not.toContain('audit_orders');
      for (const n of ['audit_orders', 'audit_risk_decisions', 'audit_guardrail_transitions', 'audit_connectivity', 'audit_config_changes']) expect(of(n).sorting_key, n).toBe('chain_seq');
      const range = (await t.query<{ explain: string }>('EXPLAIN indexes = 1 SELECT * FROM tickwatch.audit_orders WHERE chain_seq > 2 AND chain_seq < 5 ORDER BY chain_seq')).map((x) => x.explain).join('\n');
      expect(range).toMatch(/PrimaryKey\s+Keys:\s+chain_seq/);
      const trade = (await t.query<{ explain: string }>("EXPLAIN indexes = 1 SELECT count() FROM tickwatch.audit_orders WHERE correlation_id = 'c-1'")).map((x) => x.explain).join('\n');
      expect(trade).toMatch(/Name: idx_correlation_id/);
      const window = (await t.query<{ explain: string }>("EXPLAIN indexes = 1 SELECT count() FROM tickwatch.audit_orders WHERE ts > '2026-01-01 00:00:00'")).map((x) => x.explain).join('\n');
      expect(window).toMatch(/Name: idx_ts/);

      await t.command("ALTER TABLE tickwatch.audit_security UPDATE source_ip = '10.0.0.66' WHERE chain_seq = 2 SETTINGS mutations_sync = 1");
      await t.command('ALTER TABLE tickwatch.audit_security DELETE WHERE chain_seq = 5 SETTINGS mutations_sync = 1');
      await t.command("ALTER TABLE tickwatch.audit_security UPDATE status = 'SUCCESS' WHERE chain_seq = 8 SETTINGS mutations_sync = 1");
      await t.command(`ALTER TABLE tickwatch.audit_ai_decisions UPDATE features = '{"spread_bp":9}' WHERE chain_seq = 1 SETTINGS mutations_sync = 1`);
      await t.command('ALTER TABLE tickwatch.audit_ai_decisions DELETE WHERE chain_seq = 2 SETTINGS mutations_sync = 1');
      await t.command('ALTER TABLE tickwatch.audit_ai_decisions UPDATE correct = 1 WHERE chain_seq = 4 SETTINGS mutations_sync = 1');
      expectTamperFound(await verifyStore(store, TABLES));
    } finally {
      await store.close();
    }
  });

  it("removes rows past their table's retention class: DuckDB's prune and ClickHouse's TTL (chdb)", { timeout: 120_000 }, async () => {
    // 400 days old: past incidents (1 year), within operations (2 years) and audit (5 years).
    const old = new Date(Date.now() - 400 * 86_400_000).toISOString();
    const byTable = new Map<TableName, Row[]>();
    for (const name of ['anomaly.detected', 'service.failed', 'perf.sample', 'security.login', 'execution.fill']) {
      for (const [t, r] of rowsFor({ ts: old, level: 'info', ...example(name) } as unknown as HftEvent)) (byTable.get(t) ?? byTable.set(t, []).get(t)!).push(r);
    }
    const kept = { anomaly_log: 0, system_events: 1, performance_log: 1, audit_security: 1, trade_executions: 1, logs: 0 } as const;
    const duck = await DuckDbStore.open(':memory:');
    try {
      await duck.init(TABLES);
      for (const [t, rows] of byTable) await duck.insert(t, rows, `old-${t}`);
      await duck.prune(BigInt(Date.now()) * 1_000_000n, DEFAULT_RETENTION);
      for (const [t, n] of Object.entries(kept)) expect(await duck.count(t as TableName), t).toBe(n);
    } finally {
      await duck.close();
    }
    const t = await chdbTransport(join(tempDir(), 'ch'));
    const ch = new ClickHouseStore(t);
    try {
      await ch.init(TABLES);
      for (const [name, rows] of byTable) {
        await ch.insert(name, rows, `old-${name}`);
        await t.command(`OPTIMIZE TABLE tickwatch.${name} FINAL`);
      }
      for (const [name, n] of Object.entries(kept)) expect(await ch.count(name as TableName), name).toBe(n);
    } finally {
      await ch.close();
    }
  });
});

describe("the seeds' log categories on a real ClickHouse 18.16 (legacy DDL)", () => {
  let ch: ClickHouseServer | undefined;
  beforeAll(async () => {
    ch = await startClickHouse();
  }, 120_000);
  afterAll(async () => ch?.destroy());

  it('adds the tables to an earlier database, records every category in its table, and verifies clean', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const transport = httpTransport(ch!.url, { timeoutMs: 10_000 });
    const store = new ClickHouseStore(transport, { legacy: true });
    try {
      const target = clickhouseTarget(store, transport);
      const before = await earlierDatabase(target);
      const { registry } = await record(store, dir);
      await checkRecorded(target, registry, before);
    } finally {
      await store.close();
    }
  });
});
