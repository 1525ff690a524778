/**
 * The rows of a batch as they cross to the embedded store's thread (stores/row-codec.ts): what the
 * store's thread reads back is, value for value, what the row objects held (strings of every kind,
 * numbers including NaN and -0, null and undefined as null, anything else as its structured clone),
 * through a real structured clone; every row rowsFor makes keys only catalog columns; and DuckDB
 * stores the same table from the encoded batch as from the row objects.
 */
import { describe, expect, it } from 'vitest';
import { columnsOf, TABLE_DEFS, TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { generate } from '../../exporters/hft/simulator/run.js';
import { SCENARIOS } from '../../exporters/hft/simulator/scenarios/index.js';
import { ALERTMANAGER_FORMAT, alertLine } from '../../exporters/recorder/alert-rows.js';
import { rowsFor, type Row } from '../../exporters/recorder/rows.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { encodedReader, encodeRows, JOIN_EVERY, RowEncoder, type EncodedRows } from '../../exporters/recorder/stores/row-codec.js';
import type { HftEvent } from '../../exporters/events/index.js';

/** Rows of every table: each simulator scenario's events for 60 simulated seconds, and two Alertmanager notifications. */
function rowsOfEveryTable(): Map<TableName, Row[]> {
  const out = new Map<TableName, Row[]>();
  const add = (ev: HftEvent, raw: string, format: string | null) => {
    for (const [t, r] of rowsFor(ev, undefined, raw, format)) {
      let rows = out.get(t);
      if (!rows) out.set(t, (rows = []));
      rows.push(r);
    }
  };
  for (const s of SCENARIOS) {
    for (const [, evs] of generate({ scenario: s, seed: 3, start: 1_795_000_000, speed: Infinity, duration: 60, model: { tickRate: 2 } })) for (const e of evs) add(e as unknown as HftEvent, JSON.stringify(e), null);
  }
  for (const status of ['firing', 'resolved'] as const) {
    const line = alertLine(
      { receiver: 'oncall', groupKey: '{}:{alertname="FeedGap"}', externalURL: 'http://127.0.0.1:9093' },
      { status, labels: { alertname: 'FeedGap', severity: 'critical' }, annotations: { summary: 'feed gap' }, startsAt: '2026-12-06T01:00:00Z', ...(status === 'resolved' ? { endsAt: '2026-12-06T01:05:00Z' } : {}), fingerprint: 'a1b2c3' },
      Date.UTC(2026, 11, 6, 1, 5),
    );
    add(line as unknown as HftEvent, JSON.stringify(line), ALERTMANAGER_FORMAT);
  }
  return out;
}

/** What the store's thread reads back: the encoding through a real structured clone (as postMessage sends it), decoded. */
function roundTrip(e: EncodedRows): unknown[][] {
  const r = encodedReader(structuredClone(e));
  const out: unknown[][] = [];
  for (let i = 0; i < r.count; i++) {
    const vals: unknown[] = [];
    r.read(vals);
    out.push(vals);
  }
  return out;
}

/** The values a row object holds for the table's catalog columns, null for none. */
function valuesOf(t: TableName, rows: readonly Readonly<Record<string, unknown>>[]): unknown[][] {
  const cols = columnsOf(TABLE_DEFS.get(t)!).map((c) => c.name);
  return rows.map((r) => cols.map((c) => r[c] ?? null));
}

const ALL = rowsOfEveryTable();

describe('the rows crossing to the store thread (row-codec.ts)', () => {
  it('every table gets rows from the scenarios and alerts, and every key of every row is a catalog column', () => {
    expect([...ALL.keys()].sort()).toEqual(TABLES.map((t) => t.name).sort());
    for (const [t, rows] of ALL) {
      const cols = new Set(columnsOf(TABLE_DEFS.get(t)!).map((c) => c.name));
      const extra = new Set(rows.flatMap((r) => Object.keys(r).filter((k) => !cols.has(k))));
      expect([...extra], t).toEqual([]);
    }
  });

  it("reads back every table's rows value for value", () => {
    for (const [t, rows] of ALL) {
      const got = roundTrip(encodeRows(t, rows));
      expect(got.length, t).toBe(rows.length);
      expect(got, t).toEqual(valuesOf(t, rows));
    }
  });

  it('keeps strings of every kind, numbers exactly, null and undefined as null, and other values as their clone', () => {
    const weird = ['', 'a', 'é', '\u{1F4C8} chart', 'line\twith\0nul', '\uD800 lone surrogate', 'x'.repeat(70_000), '"quoted" \\ back'];
    const numbers = [0, -0, 1.5, -1e-300, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 + 2];
    const others = [true, false, 12345678901234567890n, { a: [1, 'b'] }];
    const rows = Array.from({ length: 40 }, (_, i) => ({
      ts_ns: String(1_795_000_000_000_000_000n + BigInt(i)),
      event: weird[i % weird.length],
      component: i % 3 === 0 ? undefined : 'c',
      level: i % 5 === 0 ? null : 'info',
      message: weird[(i + 3) % weird.length],
      fields: others[i % others.length],
      duration_ns: numbers[i % numbers.length],
      status: numbers[(i + 1) % numbers.length],
    }));
    const got = roundTrip(encodeRows('logs', rows));
    const want = valuesOf('logs', rows);
    expect(got).toEqual(want);
    // -0 and NaN, one by one.
    const col = columnsOf(TABLE_DEFS.get('logs')!).findIndex((c) => c.name === 'duration_ns');
    for (let i = 0; i < rows.length; i++) expect(Object.is(got[i]![col], want[i]![col]), `row ${i}`).toBe(true);
  });

  it('reads strings across the pieces of the text: rows adding strings past each piece', () => {
    // 17 strings a row: the pieces of JOIN_EVERY strings end inside rows.
    const rows = Array.from({ length: 3 * JOIN_EVERY + 7 }, (_, i) => Object.fromEntries(columnsOf(TABLE_DEFS.get('audit_orders')!).map((c, j) => [c.name, (i + j) % 4 === 0 ? null : `${c.name}-${i}-${'é'.repeat(j % 3)}`])));
    const e = encodeRows('audit_orders', rows);
    expect(e.text.length).toBeGreaterThan(1);
    expect(roundTrip(e)).toEqual(valuesOf('audit_orders', rows));
  });

  it('a row at a time (RowEncoder) encodes as a batch at once, and no rows encode to none', () => {
    const rows = ALL.get('audit_orders')!.slice(0, 500);
    const enc = new RowEncoder('audit_orders');
    for (const r of rows) enc.add(r);
    expect(enc.rows).toBe(500);
    expect(enc.finish()).toEqual(encodeRows('audit_orders', rows));
    const none = encodeRows('logs', []);
    expect(none.count).toBe(0);
    expect(roundTrip(none)).toEqual([]);
  });

  it('DuckDB stores the same tables from the encoded batch as from the row objects', async () => {
    const [a, b] = [await DuckDbStore.open(':memory:'), await DuckDbStore.open(':memory:')];
    try {
      await a.init(TABLES);
      await b.init(TABLES);
      const batch = new Map([...ALL].map(([t, rows]) => [t, rows.slice(0, 300)] as const));
      await a.insertBatch(batch, 'tok-1');
      await b.insertBatchEncoded(
        [...batch].map(([t, rows]) => structuredClone(encodeRows(t, rows))),
        'tok-1',
      );
      for (const t of TABLES) {
        const sql = `SELECT * EXCLUDE (fields), md5(fields) AS fields FROM ${t.name} ORDER BY ALL`;
        const [ra, rb] = [await a.sqlBackend().all(sql), await b.sqlBackend().all(sql)];
        expect(ra.length, t.name).toBe(batch.get(t.name)!.length);
        expect(rb, t.name).toEqual(ra);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
