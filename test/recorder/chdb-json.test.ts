/**
 * chdb's insert payload (stores/chdb.ts `jsonArrayOf`): the bytes of `JSON.stringify(rows)`, written
 * a piece of rows at a time into a buffer kept for later batches.
 */
import { describe, expect, it } from 'vitest';
import { jsonArrayOf } from '../../exporters/recorder/stores/chdb.js';

const rowsOf = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ ts_ns: String(1_795_000_000_000_000_000n + BigInt(i)), n: i % 3 === 0 ? -0 : i / 7, s: 'é\u{1F4C8}'.repeat(i % 5), lone: i % 11 === 0 ? '\uD800' : 'ok', long: 'x'.repeat((i * 37) % 3000), skip: undefined }));

describe("chdb's insert payload", () => {
  it('is the UTF-8 of JSON.stringify(rows) for any number of rows, across pieces', () => {
    for (const n of [0, 1, 63, 64, 65, 128, 129, 1000]) {
      const rows = rowsOf(n);
      const b = jsonArrayOf(rows);
      expect(b.subarray(0, b.used).equals(Buffer.from(JSON.stringify(rows))), `${n} rows`).toBe(true);
    }
  });

  it('writes into the buffer it is given when large enough, and into a larger one when not', () => {
    const big = jsonArrayOf(rowsOf(500));
    const small = rowsOf(70);
    const again = jsonArrayOf(small, big);
    expect(again).toBe(big);
    expect(again.subarray(0, again.used).toString('utf8')).toBe(JSON.stringify(small));
    const tiny = jsonArrayOf(rowsOf(1));
    const grown = jsonArrayOf(rowsOf(500), tiny);
    expect(grown).not.toBe(tiny);
    expect(grown.subarray(0, grown.used).toString('utf8')).toBe(JSON.stringify(rowsOf(500)));
  });
});
