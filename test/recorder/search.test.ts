/**
 * Searching the log stream: every filter on both stores (the embedded DuckDB and ClickHouse through
 * chdb, a current engine in-process), pages by cursor that return every row once in time order,
 * values that try SQL injection staying plain values, seed 002's execution time per service, and
 * the issue's line end to end: an engine's error of a type the contract does not know, written to
 * the file tickwatch tails, found by `tickwatch logs search --level error --since 5m`.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HftEvent } from '../../exporters/events/index.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { CLI_ENTRY } from '../../exporters/lib/paths.js';
import { rowsFor, type Row } from '../../exporters/recorder/rows.js';
import { logQuery, searchLogs, type LogJson } from '../../exporters/recorder/search.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore } from '../../exporters/recorder/stores/clickhouse.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import type { AuditStore } from '../../exporters/recorder/stores/store.js';
import { TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { startTickwatch, type Tickwatch } from '../../exporters/start.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { runToolAsync } from '../helpers/tools.js';

const dir = tempDir('tickwatch-search-');
const T0 = Date.UTC(2026, 11, 1, 1, 0, 0); // ms
const COMPONENTS = ['strategy_runner', 'risk_engine', 'order_adapter', 'execution'] as const;
const LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'] as const;

/** 2,000 log lines over 2,000 s, one a second, deterministic; a few carry ids, statuses, durations. */
function corpus(): HftEvent[] {
  const out: HftEvent[] = [];
  for (let i = 0; i < 2000; i++) {
    const component = COMPONENTS[i % COMPONENTS.length]!;
    const level = LEVELS[i % LEVELS.length]!;
    const e: Record<string, unknown> = {
      ts: new Date(T0 + i * 1000).toISOString(),
      component,
      level,
      event: i % 10 === 0 ? 'strategy.exception' : i % 7 === 0 ? 'order.routed' : 'heartbeat.tick',
      message: i % 10 === 0 ? `ZeroDivisionError in signal calc #${i}` : `line ${i}`,
    };
    if (i % 5 === 0) e.correlation_id = `c-${i % 50}`;
    if (i % 9 === 0) e.status = i % 2 ? 'FAILED' : 'SUCCESS';
    if (i % 3 === 0) e.latency_ns = (i % 100) * 1000;
    if (i === 77) e.message = "it's a trap' OR 1=1 --";
    out.push(e as unknown as HftEvent);
  }
  return out;
}

async function load(store: AuditStore, events: readonly HftEvent[]): Promise<void> {
  await store.init(TABLES);
  const tables = new Map<TableName, Row[]>();
  for (const ev of events) for (const [t, r] of rowsFor(ev, { default: 'trace' })) (tables.get(t) ?? tables.set(t, []).get(t)!).push(r);
  for (const [t, rows] of tables) await store.insert(t, rows, `load-${t}`);
}

const events = corpus();
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const stores: [string, () => Promise<AuditStore>][] = [
  ['DuckDB', async () => DuckDbStore.open(join(dir, 'search.duckdb'))],
  ['ClickHouse (chdb)', async () => new ClickHouseStore(await chdbTransport(join(dir, 'chdb')))],
];

describe.each(stores)('log search on %s', (_name, open) => {
  let store: AuditStore | undefined;
  afterAll(async () => store?.close());

  it('filters by time, component, level, event (exact and glob), status, ids and message, in time order', { timeout: 120_000 }, async () => {
    store = await open();
    await load(store, events);
    const search = async (f: Parameters<typeof logQuery>[0]) => (await searchLogs(store!, logQuery({ limit: '10000', ...f }, T0 + 3_000_000))).rows;
    const want = (pred: (e: Record<string, unknown>, i: number) => boolean) => events.map((e, i) => [e as unknown as Record<string, unknown>, i] as const).filter(([e, i]) => pred(e, i)).map(([e]) => e.message);
    const messages = (rows: readonly LogJson[]) => rows.map((r) => r.message);

    // One hour, one component: the search the issue times on 10M rows.
    const window = await search({ since: new Date(T0 + 100_000).toISOString(), until: new Date(T0 + 700_000).toISOString(), component: 'risk_engine' });
    expect(messages(window)).toEqual(want((e, i) => i >= 100 && i < 700 && e.component === 'risk_engine'));
    // Minimum level, several components.
    expect(messages(await search({ level: 'warn', component: 'strategy_runner,execution' }))).toEqual(want((e) => ['warn', 'error'].includes(e.level as string) && ['strategy_runner', 'execution'].includes(e.component as string)));
    // Event type, exact and glob.
    expect(messages(await search({ event: 'order.routed' }))).toEqual(want((e) => e.event === 'order.routed'));
    expect(messages(await search({ event: '*.exception' }))).toEqual(want((e) => String(e.event).endsWith('.exception')));
    expect(messages(await search({ event: 'heartbeat.t?ck' }))).toEqual(want((e) => e.event === 'heartbeat.tick'));
    expect(await search({ event: 'heartbeat%' })).toEqual([]); // a LIKE wildcard in the input is a plain character
    // Status, correlation id, message substring.
    expect(messages(await search({ status: 'FAILED' }))).toEqual(want((e) => e.status === 'FAILED'));
    expect(messages(await search({ correlation_id: 'c-15' }))).toEqual(want((e) => e.correlation_id === 'c-15'));
    expect(messages(await search({ q: 'ZeroDivisionError', level: 'error' }))).toEqual(want((e) => String(e.message).includes('ZeroDivisionError') && e.level === 'error'));
    // Values that try SQL are values: they match only themselves.
    expect(messages(await search({ q: "' OR 1=1 --" }))).toEqual(["it's a trap' OR 1=1 --"]);
    expect(await search({ component: "risk_engine' OR '1'='1" })).toEqual([]);
    expect(await search({ correlation_id: "c-1' UNION SELECT * FROM audit_orders --" })).toEqual([]);
    // Relative times.
    expect((await search({ since: '10m' })).length).toBe(events.filter((e) => Date.parse(e.ts) >= T0 + 3_000_000 - 600_000).length);
    // The line as written comes back, and how it was read.
    expect(window[0]!.fields).toMatchObject({ component: 'risk_engine' });
    expect(window[0]!.format).toBe('tickwatch');
  });

  it('pages by cursor: every matching row once, in time order, whatever the page size', async () => {
    const all: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await searchLogs(store!, logQuery({ level: 'info', limit: '137', ...(cursor ? { cursor } : {}) }));
      all.push(...page.rows.map((r) => String(r.message)));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    const expected = events.filter((e) => e.level !== 'debug').map((e) => e.message!);
    expect(all).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 137));
    expect(() => logQuery({ cursor: 'not-a-cursor' })).toThrow(/cursor/);
    expect(() => logQuery({ level: 'loud' })).toThrow(/level 'loud'/);
    expect(() => logQuery({ since: 'yesterday' })).toThrow(/since 'yesterday'/);
  });

  it("averages execution time per component over a window (seed 002's second query)", async () => {
    const rows = await store!.execTime(ns(T0), ns(T0 + 1_000_000));
    for (const c of COMPONENTS) {
      const d = events.slice(0, 1000).filter((e) => e.component === c && typeof (e as { latency_ns?: number }).latency_ns === 'number').map((e) => (e as unknown as { latency_ns: number }).latency_ns);
      const r = rows.find((x) => x.component === c)!;
      expect(r.events, c).toBe(d.length);
      expect(r.avg_ns, c).toBeCloseTo(d.reduce((a, b) => a + b, 0) / d.length, 3);
      expect(r.max_ns, c).toBe(Math.max(...d));
    }
  });
});

describe('the issue\'s line, end to end', () => {
  let tw: Tickwatch | undefined;
  afterAll(async () => tw?.close());

  it('an error of a type the contract does not know is accepted, recorded, counted, and found by logs search --level error --since 5m', { timeout: 120_000 }, async () => {
    const file = join(dir, 'engine.ndjson');
    writeFileSync(file, '');
    tw = await startTickwatch(
      {
        dataDir: join(dir, 'e2e'),
        hft: { port: 0, tcp: null, files: [file], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 50 },
        recorders: [{ store: { kind: 'embedded', path: join(dir, 'e2e.duckdb') }, port: 0, queryPort: 0, batchMs: 100 }],
      },
      captureLogging(),
    );
    const line = { ts: new Date().toISOString(), component: 'strategy_runner', level: 'error', event: 'strategy.exception', message: 'ZeroDivisionError in signal calc' };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    const rec = tw.recorders[0]!;
    const t0 = Date.now();
    while ((await rec.store.count('logs').catch(() => 0)) < 1 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    // The CLI as a user runs it, against the running recorder's query API.
    const r = await runToolAsync(process.execPath, [CLI_ENTRY, 'logs', 'search', '--level', 'error', '--since', '5m', '--query-port', String(rec.queryPort)], { timeoutMs: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/error\s+strategy_runner\s+strategy\.exception\s+ZeroDivisionError in signal calc/);
    const json = await runToolAsync(process.execPath, [CLI_ENTRY, 'logs', 'search', '--level', 'error', '--since', '5m', '--json', '--query-port', String(rec.queryPort)], { timeoutMs: 120_000 });
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ event: 'strategy.exception', level: 'error', component: 'strategy_runner', fields: line });
    // Counted on the exporter's /metrics, never dead-lettered.
    const metrics = await (await fetch(`${tw.hft!.metrics.url}/metrics`)).text();
    expect(metrics).toMatch(/^tickwatch_log_events_total\{component="strategy_runner",level="error"\} 1$/m);
    expect(metrics).not.toMatch(/^tickwatch_ingest_rejected_total\{[^}]*\} [1-9]/m);
  });
});
