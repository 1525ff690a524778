/**
 * The embedded store's writes (stores/duckdb.ts): a batch stores the values it was given (nulls,
 * floats, 64-bit integers, quotes, non-ASCII) whatever its size, is all in or all out, and reads on
 * the store while a batch is being written (on its own connection) neither see half of it nor break it.
 */
import { describe, expect, it } from 'vitest';
import { columnsOf, TABLE_DEFS, TABLES } from '../../exporters/catalog/tables.js';
import { DUCKDB_CHECKPOINT_THRESHOLD, DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { tempDir } from '../helpers/env.js';
import { join } from 'node:path';
import type { WalRow } from '../../exporters/recorder/stores/store.js';
import { encodeRows } from '../../exporters/recorder/stores/row-codec.js';

const LOGS = TABLE_DEFS.get('logs')!;
const ORDERS = TABLE_DEFS.get('audit_orders')!;
const dir = tempDir('tickwatch-duckdb-insert-');

/** A row of `t` whose every column holds a value of its type that tells the row apart (some null). */
function row(t: typeof LOGS, n: number): WalRow {
  return Object.fromEntries(
    columnsOf(t).map((c) => {
      if (c.type === 'ts_ns' || c.type === 'int') return [c.name, c.name === 'ts_ns' ? `${1_795_000_000_000_000_000n + BigInt(n)}` : String(9_007_199_254_740_993n + BigInt(n))];
      if (c.type === 'float') return [c.name, n % 3 === 0 ? null : n + 0.125];
      return [c.name, c.required ? `v'${n}"é\u{1F4C8}` : n % 2 === 0 ? null : `o${n}`];
    }),
  );
}

async function readBack(store: DuckDbStore, t: typeof LOGS, token: string): Promise<Record<string, unknown>[]> {
  const cols = columnsOf(t).map((c) => c.name);
  const sql = `SELECT ${cols.map((c) => (columnsOf(t).find((x) => x.name === c)!.type === 'float' ? c : `CAST(${c} AS VARCHAR) AS ${c}`)).join(', ')} FROM ${t.name} WHERE batch_token = $1 ORDER BY ts_ns`;
  return (await store.sqlBackend().all(sql, [token])) as Record<string, unknown>[];
}

/** Runs `fn` on a new in-memory store with every table, and closes the store. */
async function withStore(fn: (store: DuckDbStore) => Promise<void>): Promise<void> {
  const store = await DuckDbStore.open(':memory:');
  try {
    await store.init(TABLES);
    await fn(store);
  } finally {
    await store.close();
  }
}

describe('DuckDbStore writes', () => {
  it('stores the values it was given, in batches of 1 to 200 rows a table', () =>
    withStore(async (store) => {
      for (const [n, token] of [[1, 'one'], [3, 'few'], [33, 'many'], [200, 'lots']] as const) {
        const rows = Array.from({ length: n }, (_, i) => row(LOGS, i));
        const orders = Array.from({ length: n }, (_, i) => row(ORDERS, i));
        await store.insertBatch(new Map([['logs', rows], ['audit_orders', orders]]), token);
        for (const [t, want] of [[LOGS, rows], [ORDERS, orders]] as const) {
          const got = await readBack(store, t, token);
          expect(got, `${t.name}, ${n} rows`).toEqual(want.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'batch_token' ? token : v === null ? null : typeof v === 'number' ? v : String(v)]))));
        }
      }
      expect(await store.count('logs')).toBe(1 + 3 + 33 + 200);
    }));

  it('stores through data chunks what it stores value by value: strings either side of the 12 bytes stored in place, ASCII or not, across chunks of 2,048 rows', async () => {
    // Strings of 0 to 14 characters, ASCII and not (é is 2 bytes, the chart 4: "é".repeat(6) is 12
    // bytes, 6 characters), numbers at the ends of their types, nulls in every column now and then.
    const texts = ['', 'a', 'info', 'x'.repeat(11), 'y'.repeat(12), 'z'.repeat(13), 'é', 'é'.repeat(6), 'é'.repeat(7), '\u{1F4C8}', 'ab\u{1F4C8}cd', 'tab\there', 'nul\u0000x', `q'"\\`, 'w'.repeat(300)];
    const rowOf = (t: typeof LOGS, i: number): WalRow =>
      Object.fromEntries(
        columnsOf(t).map((c, j) => {
          if (c.name === 'ts_ns') return [c.name, `${1_795_000_000_000_000_000n + BigInt(i)}`];
          if ((i + j) % 7 === 0 && !c.required) return [c.name, null];
          if (c.type === 'int') return [c.name, [0, -1, 2 ** 53 - 1, -(2 ** 53) + 1, i][i % 5]!];
          if (c.type === 'float') return [c.name, [0.5, -0, Number.MAX_VALUE, Number.MIN_VALUE, -i][i % 5]!];
          return [c.name, texts[(i + j) % texts.length]!];
        }),
      );
    const batch = new Map([LOGS, ORDERS].map((t) => [t.name, Array.from({ length: 5_000 }, (_, i) => rowOf(t, i))] as const));
    const [chunks, values] = [await DuckDbStore.open(':memory:'), await DuckDbStore.open(':memory:', { append: 'value' })];
    try {
      for (const s of [chunks, values]) {
        await s.init(TABLES);
        await s.insertBatch(batch, 'tok');
      }
      for (const t of [LOGS, ORDERS]) {
        const [a, b] = [await readBack(chunks, t, 'tok'), await readBack(values, t, 'tok')];
        expect(a.length, t.name).toBe(5_000);
        expect(a, t.name).toEqual(b);
        // And what was given, value for value.
        expect(a, t.name).toEqual(batch.get(t.name)!.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'batch_token' ? 'tok' : v === null ? null : typeof v === 'number' && columnsOf(t).find((c) => c.name === k)!.type === 'float' ? v : String(v)]))));
      }
    } finally {
      await chunks.close();
      await values.close();
    }
  });

  it('keeps every string whole once later chunks and batches have reused its memory: longer strings point into one UTF-8 copy a chunk, NUL and non-ASCII included, given as objects or encoded', () =>
    withStore(async (store) => {
      // Per row and column a different string: 13 to 62 ASCII bytes, 14 to 22 bytes of é (not
      // ASCII: the chunk's strings are measured one by one), 12 bytes of é (inlined from the UTF-8),
      // a NUL 2 bytes in, a 4-byte character across the prefix, and nulls now and then.
      const text = (token: string, i: number, j: number): string | null => {
        const tag = `${token}${i}.${j}`;
        switch ((i + j) % 6) {
          case 0: return `${tag}-${'x'.repeat((i % 50) + 13)}`;
          case 1: return i % 4 ? `${'é'.repeat((i % 5) + 7)}${tag}` : 'é'.repeat(6);
          case 2: return `a\u0000${tag}${'b'.repeat(20)}`;
          case 3: return `abc\u{1F4C8}${tag}`;
          case 4: return (i + j) % 5 ? tag : null;
          default: return `${tag}${'z'.repeat(300)}`;
        }
      };
      const batchOf = (token: string) =>
        Array.from({ length: 2_500 }, (_, i) => {
          const r: Record<string, unknown> = { ...row(LOGS, i) };
          columnsOf(LOGS).forEach((c, j) => {
            if (c.type !== 'string' && c.type !== 'lowcard') return;
            r[c.name] = c.required ? (text(token, i, j) ?? `req${i}`) : text(token, i, j);
          });
          return r as WalRow;
        });
      const batches = ['first', 'second', 'third'].map((t) => [t, batchOf(t)] as const);
      for (const [k, [token, rows]] of batches.entries()) {
        if (k === 1) await store.insertBatchEncoded([encodeRows('logs', rows)], token);
        else await store.insertBatch(new Map([['logs', rows]]), token);
      }
      for (const [token, rows] of batches) {
        const got = await readBack(store, LOGS, token);
        expect(got.length, token).toBe(2_500);
        expect(got, token).toEqual(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'batch_token' ? token : v === null ? null : typeof v === 'number' ? v : String(v)]))));
      }
    }));

  it('a column added by hand gets nulls, and a table with a column of another type than its own is appended value by value', async () => {
    const store = await DuckDbStore.open(':memory:');
    try {
      const sql = store.sqlBackend();
      await store.init(TABLES);
      await sql.run('ALTER TABLE logs ADD COLUMN note INTEGER');
      await sql.run("ALTER TABLE audit_orders ALTER COLUMN latency_ns TYPE INTEGER");
      await store.init(TABLES); // learns the columns as they are now
      const logs = Array.from({ length: 3_000 }, (_, i) => row(LOGS, i));
      const orders = Array.from({ length: 3_000 }, (_, i) => ({ ...row(ORDERS, i), latency_ns: i * 1000 }));
      await store.insertBatch(new Map([['logs', logs], ['audit_orders', orders]]), 'hand');
      expect(await sql.all('SELECT count(*) AS n, count(note) AS notes FROM logs')).toEqual([{ n: 3_000n, notes: 0n }]);
      expect(await sql.all('SELECT sum(latency_ns) AS s, typeof(any_value(latency_ns)) AS t FROM audit_orders')).toEqual([{ s: BigInt((2_999 * 3_000 * 1000) / 2), t: 'INTEGER' }]);
      expect((await readBack(store, LOGS, 'hand')).slice(0, 5)).toEqual(logs.slice(0, 5).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'batch_token' ? 'hand' : v === null ? null : typeof v === 'number' ? v : String(v)]))));
    } finally {
      await store.close();
    }
  });

  it('a batch that fails is not stored in part, and the next one goes in', () =>
    withStore(async (store) => {
      const bad = { ...row(ORDERS, 1), chain_seq: 'not a number' };
      await expect(store.insertBatch(new Map([['logs', [row(LOGS, 1)]], ['audit_orders', [bad]]]), 'bad')).rejects.toThrow();
      expect(await store.count('logs')).toBe(0);
      await store.insertBatch(new Map([['logs', [row(LOGS, 2)]], ['audit_orders', [row(ORDERS, 2)]]]), 'good');
      expect(await store.count('logs')).toBe(1);
      expect(await store.count('audit_orders')).toBe(1);
      // Again with the tables' appenders open from that batch, and whole rows before the bad one in its table's.
      await expect(store.insertBatch(new Map([['logs', [row(LOGS, 3), row(LOGS, 4)]], ['audit_orders', [row(ORDERS, 3), row(ORDERS, 4), bad]]]), 'bad2')).rejects.toThrow();
      expect(await store.count('logs')).toBe(1);
      expect(await store.count('audit_orders')).toBe(1);
      await store.insertBatch(new Map([['audit_orders', [row(ORDERS, 5)]], ['logs', [row(LOGS, 5)]]]), 'good2');
      expect(await store.count('logs')).toBe(2);
      expect(await store.count('audit_orders')).toBe(2);
      expect((await readBack(store, ORDERS, 'good2')).length).toBe(1);
    }));

  it('reads on the store while batches are written neither see half a batch nor break one', () =>
    withStore(async (store) => {
      const seen: Promise<number>[] = [];
      const failing: Promise<unknown>[] = [];
      for (let b = 0; b < 40; b++) {
        const n = b % 2 ? 5 : 40;
        const batch = store.insertBatch(new Map([['logs', Array.from({ length: n }, (_, i) => row(LOGS, b * 100 + i))], ['audit_orders', Array.from({ length: n }, (_, i) => row(ORDERS, b * 100 + i))]]), `b${b}`);
        // Reads issued at every step of the batch (each DuckDB call ends in a poll phase; setImmediate runs right after).
        for (let step = 0; step < 8; step++) {
          seen.push(store.count('logs'), store.count('audit_orders'));
          // A failing query on the reading connection must not touch the batch either.
          failing.push(store.sqlBackend().all('SELECT no_such_column FROM logs').catch(() => undefined));
          await new Promise((r) => setImmediate(r));
        }
        await batch;
      }
      await Promise.all(failing);
      const counts = await Promise.all(seen);
      expect(await store.count('logs')).toBe(20 * 40 + 20 * 5);
      expect(await store.count('audit_orders')).toBe(20 * 40 + 20 * 5);
      expect(counts.length).toBe(40 * 8 * 2);
      // Every count read was a whole number of batches (a batch is 40 or 5 rows a table, written in turn).
      const whole = new Set([0]);
      for (let b = 0, sum = 0; b < 40; b++) whole.add((sum += b % 2 ? 5 : 40));
      for (const c of counts) expect(whole.has(c), `a read saw ${c} rows`).toBe(true);
    }));

  it('opens a file with DuckDB checkpointing at DUCKDB_CHECKPOINT_THRESHOLD, not its 16 MiB default', async () => {
    expect(DUCKDB_CHECKPOINT_THRESHOLD).toBe('256MiB');
    const store = await DuckDbStore.open(join(dir, 'a.duckdb'));
    try {
      expect(await store.sqlBackend().all("SELECT current_setting('checkpoint_threshold') AS c")).toEqual([{ c: '256.0 MiB' }]);
    } finally {
      await store.close();
    }
  });
});
