/**
 * The ClickHouse store's rows (stores/clickhouse.ts `row`, built by a function compiled per table):
 * as JSON, each is what the store sent before it built them so (each key copied, `ts` from `ts_ns`,
 * 18.16's `ts_ns` kept, the batch token; a value of undefined left out, NaN and infinities null),
 * except that a null is left out too (JSONEachRow stores NULL for a Nullable column it is not given),
 * for every table's rows of every simulator scenario and values of every kind. Inserting them into
 * a real ClickHouse is what the store tests do (categories, search, cleanup-clickhouse, cluster).
 */
import { describe, expect, it } from 'vitest';
import { columnsOf, TABLE_DEFS, TABLES, type TableName } from '../../exporters/catalog/tables.js';
import { generate } from '../../exporters/hft/simulator/run.js';
import { SCENARIOS } from '../../exporters/hft/simulator/scenarios/index.js';
import { formatNanos, rowsFor, type Row } from '../../exporters/recorder/rows.js';
import { ClickHouseStore, type ClickHouseTransport } from '../../exporters/recorder/stores/clickhouse.js';
import type { WalRow } from '../../exporters/recorder/stores/store.js';
import type { HftEvent } from '../../exporters/events/index.js';

/** A transport the row builder never calls. */
const unused = new Proxy({} as ClickHouseTransport, {
  get: (_t, k) => () => Promise.reject(new Error(`transport.${String(k)} called`)),
});

/** The row's ClickHouse object as the store built it before, through JSON as it was sent. */
function expected(r: WalRow, token: string, legacy: boolean): unknown {
  const out: Record<string, unknown> = {};
  for (const k in r) if (k !== 'ts_ns' && r[k] !== null) out[k] = r[k];
  out.batch_token = token;
  const iso = formatNanos(BigInt(String(r.ts_ns)));
  const date = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  if (legacy) {
    out.ts = date;
    out.ts_ns = String(r.ts_ns);
  } else out.ts = `${date}.${iso.slice(20, 29)}`;
  return JSON.parse(JSON.stringify(out));
}

function rowsOfEveryTable(): Map<TableName, Row[]> {
  const out = new Map<TableName, Row[]>();
  for (const s of SCENARIOS) {
    for (const [, evs] of generate({ scenario: s, seed: 5, start: 1_795_000_000, speed: Infinity, duration: 10, model: { tickRate: 2 } })) {
      for (const e of evs) {
        for (const [t, r] of rowsFor(e as unknown as HftEvent, undefined, JSON.stringify(e), null)) {
          let rows = out.get(t);
          if (!rows) out.set(t, (rows = []));
          rows.push(r);
        }
      }
    }
  }
  return out;
}

/** Rows of `t` as the store sends them: its objects, through JSON. */
function sent(store: ClickHouseStore, t: TableName, rows: readonly WalRow[], token: string): Record<string, unknown>[] {
  return rows.map((r) => JSON.parse(JSON.stringify(store.row(t, r, token))) as Record<string, unknown>);
}

describe('ClickHouse rows as the store sends them', () => {
  const all = rowsOfEveryTable();

  it("writes every table's rows as the objects the store sent before, current and 18.16", () => {
    expect(all.size).toBeGreaterThanOrEqual(8);
    for (const legacy of [false, true]) {
      const store = new ClickHouseStore(unused, { legacy });
      for (const [t, rows] of all) {
        expect(sent(store, t, rows, 'tw-x-7'), `${t}, legacy ${legacy}`).toEqual(rows.map((r) => expected(r, 'tw-x-7', legacy)));
      }
    }
  });

  it('sends strings of every kind, numbers as JSON writes them, and leaves out undefined, null and keys the catalog lacks', () => {
    const store = new ClickHouseStore(unused);
    const cols = columnsOf(TABLE_DEFS.get('logs')!).map((c) => c.name);
    const weird = ['', 'quote " and \\ backslash', 'line\nbreak\ttab\u0000nul', 'é \u{1F4C8}', '\uD800 lone', '</script>'];
    const numbers = [0, -0, 1.5, 1e21, -1e-7, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 + 2];
    const rows: WalRow[] = Array.from({ length: 48 }, (_, i) => ({
      ts_ns: String(1_795_000_000_123_456_789n + BigInt(i) * 1_000_000_000n),
      event: weird[i % weird.length],
      component: i % 3 === 0 ? undefined : 'c',
      level: i % 5 === 0 ? null : 'info',
      message: weird[(i + 2) % weird.length],
      duration_ns: numbers[i % numbers.length],
      status: i % 4 === 0 ? true : 'ok',
      fields: '{"a":1}',
      not_a_column: 'dropped',
    }));
    const lines = sent(store, 'logs', rows, 'tok "q"');
    for (let i = 0; i < rows.length; i++) {
      const { not_a_column: _drop, ...want } = expected(rows[i]!, 'tok "q"', false) as Record<string, unknown>;
      expect(lines[i], `row ${i}`).toEqual(want);
      expect(Object.keys(lines[i]!).every((k) => cols.includes(k) || k === 'ts'), `row ${i} keys`).toBe(true);
    }
    expect(() => sent(store, 'logs', [{ ...rows[1]!, duration_ns: 5n as unknown as number }], 't')).toThrow(TypeError);
  });

  it("compiles each table's builder from column names that are plain identifiers", () => {
    for (const t of TABLES) for (const c of columnsOf(t)) expect(c.name, t.name).toMatch(/^[a-z_][a-z0-9_]*$/);
  });
});
