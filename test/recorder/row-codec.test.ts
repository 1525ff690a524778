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
import { encodedReader, encodeRows, JOIN_EVERY, packedBytes, packRows, RowEncoder, unpackRows, type EncodedRows } from '../../exporters/recorder/stores/row-codec.js';
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

/**
 * The values a row object holds for the table's catalog columns, null for none; a string as its
 * UTF-8 reads back (the same string, but a lone surrogate becomes U+FFFD, as DuckDB stores it).
 */
function valuesOf(t: TableName, rows: readonly Readonly<Record<string, unknown>>[]): unknown[][] {
  const cols = columnsOf(TABLE_DEFS.get(t)!).map((c) => c.name);
  return rows.map((r) => cols.map((c) => (typeof r[c] === 'string' ? Buffer.from(r[c], 'utf8').toString('utf8') : (r[c] ?? null))));
}

/** A batch through packRows, a move to another thread (structuredClone with the buffer transferred) and unpackRows. */
function viaPacked(tables: readonly EncodedRows[]): EncodedRows[] {
  const buffer = new ArrayBuffer(packedBytes(tables));
  const meta = packRows(tables, buffer);
  const moved = structuredClone({ meta, buffer }, { transfer: [buffer] });
  expect(buffer.byteLength).toBe(0); // moved, not copied
  return unpackRows(moved.meta, moved.buffer);
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

  it('keeps strings of every kind (a lone surrogate as U+FFFD), numbers exactly, null and undefined as null, and other values as their clone', () => {
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
    expect(want.flat()).toContain('\uFFFD lone surrogate');
    expect(roundTrip(viaPacked([encodeRows('logs', rows)])[0]!)).toEqual(want);
    // -0 and NaN, one by one.
    const col = columnsOf(TABLE_DEFS.get('logs')!).findIndex((c) => c.name === 'duration_ns');
    for (let i = 0; i < rows.length; i++) expect(Object.is(got[i]![col], want[i]![col]), `row ${i}`).toBe(true);
  });

  it('reads strings across the pieces of the text: rows adding strings past each piece', () => {
    // 17 strings a row: the pieces of JOIN_EVERY strings end inside rows.
    const rows = Array.from({ length: 3 * JOIN_EVERY + 7 }, (_, i) => Object.fromEntries(columnsOf(TABLE_DEFS.get('audit_orders')!).map((c, j) => [c.name, (i + j) % 4 === 0 ? null : `${c.name}-${i}-${'é'.repeat(j % 3)}`])));
    const e = encodeRows('audit_orders', rows);
    const strings = rows.flatMap((r) => Object.values(r).filter((v): v is string => typeof v === 'string'));
    expect(e.text.length).toBe(strings.reduce((n, v) => n + Buffer.byteLength(v, 'utf8'), 0));
    expect(Buffer.from(e.text).toString('utf8')).toBe(strings.join(''));
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
      await b.insertBatchEncoded(viaPacked([...batch].map(([t, rows]) => encodeRows(t, rows))), 'tok-1');
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

  it('DuckDB stores strings at the inline bound, not ASCII, long, in a number column, and numbers in a string column, the same both ways', async () => {
    const texts = ['', 'twelve bytes', 'thirteen byte', 'é'.repeat(6), 'é'.repeat(7), 'ab\u{1F4C8}', '\u{1F4C8}'.repeat(9), 'x'.repeat(70_000), '\uD800 lone', 'ok'];
    const rows = Array.from({ length: 4_500 }, (_, i) => ({
      ts_ns: String(1_795_000_000_000_000_000n + BigInt(i)), // a string in a BIGINT column
      event: texts[i % texts.length],
      component: texts[(i + 3) % texts.length],
      correlation_id: i % 7 === 0 ? null : texts[(i + 4) % texts.length],
      level: 'info',
      message: i % 11 === 0 ? i : texts[(i + 5) % texts.length], // a number in a VARCHAR column
      fields: JSON.stringify({ i, t: texts[(i + 1) % texts.length] }),
      trace_id: i % 13 === 0 ? undefined : texts[(i + 6) % texts.length],
      duration_ns: i % 5 === 0 ? String(i * 1000) : i * 1000,
    }));
    const [a, b] = [await DuckDbStore.open(':memory:'), await DuckDbStore.open(':memory:')];
    try {
      await a.init(TABLES);
      await b.init(TABLES);
      await a.insertBatch(new Map([['logs', rows]]), 'a-token-longer-than-twelve');
      await b.insertBatchEncoded(viaPacked([encodeRows('logs', rows)]), 'a-token-longer-than-twelve');
      const sql = 'SELECT * FROM logs ORDER BY ALL';
      const [ra, rb] = [await a.sqlBackend().all(sql), await b.sqlBackend().all(sql)];
      expect(ra.length).toBe(rows.length);
      expect(rb).toEqual(ra);
      expect(ra.map((r) => r.event)).toContain('\uFFFD lone');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
