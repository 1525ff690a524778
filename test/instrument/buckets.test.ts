/**
 * The histogram bucket lookup (exporters/instrument/buckets.ts, inlined in
 * `HistogramSeries.observe`) gives exactly the binary search's bucket, Prometheus `le` semantics:
 * for every bucket layout of the catalog, over each bound, its neighbours (the adjacent doubles and
 * bound × (1 ± 1e-15)), zero of both signs, negatives, subnormals, huge values and infinities, and
 * for arbitrary layouts (property test), including those that fall back to binary search.
 * Speed is the benchmark's business (`npm run bench -- hotpath`), not this file's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOG, type MetricDef } from '../../exporters/catalog/index.js';
import { binarySearchBucket, BucketIndex, bucketIndexOf, floatKey, MAX_TABLE_ENTRIES } from '../../exporters/instrument/buckets.js';
import { HistogramSeries } from '../../exporters/instrument/series.js';

/** The adjacent doubles of `x` (nextafter toward -Inf and +Inf). */
function neighbours(x: number): [number, number] {
  if (x === 0) return [-Number.MIN_VALUE, Number.MIN_VALUE];
  if (!Number.isFinite(x)) return x > 0 ? [Number.MAX_VALUE, Infinity] : [-Infinity, -Number.MAX_VALUE];
  const f = new Float64Array([x]);
  const u = new BigInt64Array(f.buffer);
  const bits = u[0]!;
  u[0] = bits - 1n; // toward zero for both signs (sign-magnitude)
  const towardZero = f[0]!;
  u[0] = bits + 1n; // away from zero
  const awayFromZero = f[0]!;
  return x > 0 ? [towardZero, awayFromZero] : [awayFromZero, towardZero];
}

/** Values that probe a layout: each bound and its surroundings, and the special and extreme values. */
function probes(bounds: readonly number[]): number[] {
  const out = [0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, 1e-320, -1e-320, 1e-300, -1e-300, Number.MAX_VALUE, -Number.MAX_VALUE, 1e308, -1e308, Infinity, -Infinity, 1, -1, 2 ** 53 + 2, -(2 ** 60)];
  for (const b of bounds) {
    out.push(b, ...neighbours(b), b * (1 + 1e-15), b * (1 - 1e-15), b * 1.5, b / 1.5, b * 2, b / 2, -b, b + 1e-12, b - 1e-12);
  }
  // Every power of two over the whole range, and each one's neighbours (key boundaries).
  for (let e = -1074; e <= 1023; e++) {
    const p = 2 ** e;
    out.push(p, -p, ...neighbours(p), ...neighbours(-p), p * 1.25, p * 1.75);
  }
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const u = seed / 2 ** 31;
    out.push(10 ** (-12 + u * 16), -(10 ** (-12 + u * 16)), (u - 0.3) * 0.05);
  }
  return out;
}

/** The values whose table bucket differs from the binary search's, with both answers. */
function mismatches(idx: BucketIndex, values: readonly number[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const want = binarySearchBucket(idx.bounds, v);
    const got = idx.find(v);
    if (got !== want) out.push(`${v}: table ${got}, binary search ${want}`);
  }
  return out;
}

/** The bucket `HistogramSeries.observe` counts `v` in, read back from its slots. */
function observedBucket(bounds: Float64Array, v: number): number {
  const slots = new Float64Array(bounds.length + 2);
  let invalid = 0;
  new HistogramSeries(slots, 0, bounds, () => invalid++).observe(v);
  expect(invalid).toBe(0);
  const i = slots.findIndex((c, k) => k <= bounds.length && c === 1);
  expect(slots[bounds.length + 1]).toBe(v + 0); // the sum (+ 0: a sum starting at +0 adds -0 as +0)
  return i;
}

const histograms = (CATALOG as readonly MetricDef[]).filter((d) => d.type === 'histogram');

describe('histogram bucket lookup', () => {
  it('covers every bucket layout of the catalog with a table (none falls back to binary search)', () => {
    const layouts = new Set(histograms.map((d) => JSON.stringify(d.buckets)));
    expect(layouts.size).toBeGreaterThanOrEqual(4); // three latency decades and the signed slippage layout
    for (const d of histograms) {
      const idx = new BucketIndex(Float64Array.from(d.buckets!));
      expect(idx.table, d.name).not.toBeNull();
      expect(idx.table!.length).toBeLessThanOrEqual(MAX_TABLE_ENTRIES);
    }
  });

  for (const def of histograms) {
    it(`gives the binary search's bucket for ${def.name} (${def.buckets!.length} bounds) on every probe`, () => {
      const bounds = Float64Array.from(def.buckets!);
      expect(mismatches(bucketIndexOf(bounds), probes(def.buckets!))).toEqual([]);
      // The inlined copy in observe, through real slots: each bound, its neighbours, the extremes.
      for (const b of def.buckets!) {
        for (const v of [b, ...neighbours(b), b * (1 + 1e-15), b * (1 - 1e-15)]) expect(observedBucket(bounds, v), `${v}`).toBe(binarySearchBucket(bounds, v));
      }
      for (const v of [0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, 1e-310, -5, 5e300, Infinity, -Infinity]) expect(observedBucket(bounds, v), `${v}`).toBe(binarySearchBucket(bounds, v));
    });
  }

  it('counts a value equal to a bound in that bound\'s bucket (le is inclusive) and refuses NaN', () => {
    const bounds = Float64Array.from([0.001, 0.0025, 0.005]);
    expect(observedBucket(bounds, 0.0025)).toBe(1);
    expect(observedBucket(bounds, neighbours(0.0025)[1])).toBe(2);
    expect(observedBucket(bounds, 0.005)).toBe(2);
    expect(observedBucket(bounds, 0.0050000001)).toBe(3); // +Inf
    expect(observedBucket(bounds, -Infinity)).toBe(0);
    expect(observedBucket(bounds, Infinity)).toBe(3);
    const slots = new Float64Array(5);
    let invalid = 0;
    new HistogramSeries(slots, 0, bounds, () => invalid++).observe(NaN);
    expect(invalid).toBe(1);
    expect([...slots]).toEqual([0, 0, 0, 0, 0]);
  });

  it('keys grow with the value over all doubles', () => {
    const xs = [-Infinity, -Number.MAX_VALUE, -1e10, -1, -1e-300, -Number.MIN_VALUE, -0, 0, Number.MIN_VALUE, 1e-300, 1, 1e10, Number.MAX_VALUE, Infinity];
    for (const m of [0, 3, 7, 12]) {
      const keys = xs.map((x) => floatKey(x, m));
      for (let i = 1; i < keys.length; i++) expect(keys[i]!).toBeGreaterThanOrEqual(keys[i - 1]!);
    }
  });

  it('handles zero bounds of either sign, negative-only layouts and an infinite last bound', () => {
    for (const layout of [[-0, 1], [-1, 0, 1], [0], [-0], [-3, -2, -1], [1, Infinity], [-Infinity, 0], [Number.MIN_VALUE], [-Number.MAX_VALUE, Number.MAX_VALUE]]) {
      const bounds = Float64Array.from(layout);
      const idx = new BucketIndex(bounds);
      expect(idx.table, JSON.stringify(layout)).not.toBeNull(); // the table path is what is tested here
      expect(mismatches(idx, probes(layout))).toEqual([]);
    }
  });

  it('falls back to binary search for layouts the table does not suit, with the same answers', () => {
    const linear = Array.from({ length: 2000 }, (_, i) => 1 + i * 1e-9); // many bounds in one key
    const unsorted = [1, 3, 2];
    const withNaN = [1, NaN, 3];
    for (const layout of [linear, unsorted, withNaN, []]) {
      const bounds = Float64Array.from(layout);
      const idx = new BucketIndex(bounds);
      expect(idx.table).toBeNull();
      for (const v of [0, 1, 1 + 5e-7, 2, 2.5, 3, 4, -1, Infinity]) expect(idx.find(v)).toBe(binarySearchBucket(bounds, v));
      for (const v of [0, 1, 2.5, 4]) expect(observedBucket(bounds, v)).toBe(binarySearchBucket(bounds, v));
    }
    // A non-decade layout that the table does suit: linear buckets 1..100.
    const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    const idx = new BucketIndex(hundred);
    expect(idx.table).not.toBeNull();
    expect(mismatches(idx, probes([...hundred]))).toEqual([]);
  });

  it('agrees with the binary search on arbitrary layouts and values (property)', () => {
    const layout = fc
      .uniqueArray(fc.double({ noNaN: true }), { minLength: 1, maxLength: 40, comparator: (a, b) => a === b })
      .map((xs) => Float64Array.from(xs.sort((a, b) => a - b)));
    const value = fc.oneof(fc.double({ noNaN: true }), fc.double({ noNaN: true, min: -1e-3, max: 1e-3 }), fc.constantFrom(0, -0, Infinity, -Infinity));
    fc.assert(
      fc.property(layout, fc.array(value, { minLength: 1, maxLength: 50 }), fc.integer({ min: 16, max: MAX_TABLE_ENTRIES }), (bounds, values, maxEntries) => {
        const idx = new BucketIndex(bounds, maxEntries);
        for (const v of values) if (idx.find(v) !== binarySearchBucket(bounds, v)) return false;
        // The bounds themselves and their neighbours, where the table and the scan meet.
        for (const b of bounds) for (const x of [b, ...neighbours(b)]) if (idx.find(x) !== binarySearchBucket(bounds, x)) return false;
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
