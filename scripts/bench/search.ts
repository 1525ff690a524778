/**
 * Log search at scale (issue 13): 10 million rows of the `logs` table, 30 days at a realistic rate
 * (about 3.9 lines a second over 7 components), on the embedded DuckDB store and on ClickHouse
 * (chdb, a current engine in-process). The query a user runs most: one hour, one component,
 * through the same `searchLogs` the CLI and the API use (bound parameters, first page of 10,000
 * rows), median of 5 runs at hours spread over the month. Beside it, the same hour across every
 * component (a time-range scan), as the baseline. Target: the one-hour, one-component search under
 * one second on both stores.
 *
 * The rows are generated in SQL inside each engine (`range`, `numbers`), which loads 10M rows in
 * seconds; a row is shaped like a recorded one (envelope columns, a JSON line in `fields`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPONENTS } from '../../exporters/catalog/enums.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore } from '../../exporters/recorder/stores/clickhouse.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import type { AuditStore } from '../../exporters/recorder/stores/store.js';
import { TABLES } from '../../exporters/catalog/tables.js';
import { median, table, verdict } from './measure.js';

/** Rows of the `logs` table. */
const ROWS = 10_000_000;
/** Thirty days, in nanoseconds: the span the rows cover. */
const SPAN_NS = 30n * 86_400n * 1_000_000_000n;
/** Where the month starts: 2026-11-01T00:00:00Z. */
const START_NS = BigInt(Date.UTC(2026, 10, 1)) * 1_000_000n;
const HOUR_NS = 3_600n * 1_000_000_000n;
const STEP_NS = SPAN_NS / BigInt(ROWS);

/** SQL of a component list and a level list, as literals (the generator's own constants). */
const components = `[${COMPONENTS.map((c) => `'${c}'`).join(', ')}]`;
const levels = "['debug', 'info', 'info', 'info', 'info', 'info', 'info', 'warn', 'info', 'error']";

/** Fills the embedded store's `logs` with ROWS rows, in time order (as the recorder appends them). */
async function fillDuckDb(store: DuckDbStore): Promise<void> {
  const conn = (store as unknown as { conn: { run(sql: string): Promise<unknown> } }).conn;
  await conn.run(`INSERT INTO logs (ts_ns, event, component, level, correlation_id, intent_id, trace_id, message, batch_token, fields, format, status, duration_ns)
    SELECT ${START_NS}::BIGINT + i * ${STEP_NS}::BIGINT,
      CASE WHEN i % 13 = 0 THEN 'order.submitted' WHEN i % 17 = 0 THEN 'strategy.exception' ELSE 'engine.heartbeat' END,
      (${components})[(i % ${COMPONENTS.length}) + 1],
      (${levels})[(i % 10) + 1],
      CASE WHEN i % 13 = 0 THEN 'c-' || (i // 13)::VARCHAR END, NULL, NULL,
      'line ' || i::VARCHAR, 'bench-' || (i // 1000)::VARCHAR,
      '{"ts":"x","component":"' || (${components})[(i % ${COMPONENTS.length}) + 1] || '","level":"info","event":"engine.heartbeat","seq":' || i::VARCHAR || '}',
      NULL, NULL, CASE WHEN i % 3 = 0 THEN (i % 1000) * 1000 END
    FROM range(${ROWS}) t(i)`);
}

/** Fills ClickHouse's `logs` with the same rows. */
async function fillClickHouse(t: Awaited<ReturnType<typeof chdbTransport>>): Promise<void> {
  await t.command(`INSERT INTO tickwatch.logs (ts, event, component, level, correlation_id, intent_id, trace_id, message, batch_token, fields, format, status, duration_ns)
    SELECT fromUnixTimestamp64Nano(toInt64(${START_NS} + number * ${STEP_NS})),
      multiIf(number % 13 = 0, 'order.submitted', number % 17 = 0, 'strategy.exception', 'engine.heartbeat'),
      ${components}[(number % ${COMPONENTS.length}) + 1],
      ${levels}[(number % 10) + 1],
      if(number % 13 = 0, concat('c-', toString(intDiv(number, 13))), NULL), NULL, NULL,
      concat('line ', toString(number)), concat('bench-', toString(intDiv(number, 1000))),
      concat('{"ts":"x","component":"', ${components}[(number % ${COMPONENTS.length}) + 1], '","level":"info","event":"engine.heartbeat","seq":', toString(number), '}'),
      NULL, NULL, if(number % 3 = 0, toInt64((number % 1000) * 1000), NULL)
    FROM numbers(${ROWS})`);
  await t.command('OPTIMIZE TABLE tickwatch.logs FINAL');
}

/** Median milliseconds of a search at five hours spread over the month, and the rows it returned. */
async function timeSearch(store: AuditStore, component: string | undefined): Promise<{ ms: number; rows: number }> {
  const ms: number[] = [];
  let rows = 0;
  for (const day of [3, 9, 15, 21, 27]) {
    const since = START_NS + BigInt(day) * 86_400n * 1_000_000_000n + 10n * HOUR_NS;
    const t0 = process.hrtime.bigint();
    const r = await store.searchLogs({ sinceNs: since, untilNs: since + HOUR_NS, ...(component ? { components: [component] } : {}), limit: 10_000 });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rows = r.length;
  }
  return { ms: median(ms), rows };
}

/** Runs the search benchmark. @returns whether the one-hour, one-component search is under a second on both stores */
export async function benchSearch(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'tickwatch-bench-search-'));
  const results: (string | number)[][] = [];
  let ok = true;
  try {
    const duck = await DuckDbStore.open(join(dir, 'logs.duckdb'));
    await duck.init(TABLES);
    let t0 = Date.now();
    await fillDuckDb(duck);
    const duckLoad = (Date.now() - t0) / 1000;
    const dOne = await timeSearch(duck, 'risk_engine');
    const dAll = await timeSearch(duck, undefined);
    await duck.close();
    ok = ok && dOne.ms < 1000;
    results.push(['DuckDB (embedded)', `${duckLoad.toFixed(0)} s`, dAll.rows, Math.round(dAll.ms), dOne.rows, Math.round(dOne.ms), verdict(dOne.ms < 1000)]);

    const transport = await chdbTransport(join(dir, 'chdb'));
    const ch = new ClickHouseStore(transport);
    await ch.init(TABLES);
    t0 = Date.now();
    await fillClickHouse(transport);
    const chLoad = (Date.now() - t0) / 1000;
    const cOne = await timeSearch(ch, 'risk_engine');
    const cAll = await timeSearch(ch, undefined);
    await ch.close();
    ok = ok && cOne.ms < 1000;
    results.push(['ClickHouse (chdb)', `${chLoad.toFixed(0)} s`, cAll.rows, Math.round(cAll.ms), cOne.rows, Math.round(cOne.ms), verdict(cOne.ms < 1000)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  table(
    `Log search on ${ROWS.toLocaleString('en')} rows (30 days, ${COMPONENTS.length} components; median of 5 hours spread over the month)`,
    ['store', 'load', 'one hour: rows', 'one hour: ms', 'one hour, one component: rows', 'ms', 'target < 1000 ms'],
    results,
  );
  return ok;
}
