/**
 * Bound series handles: the hot-path recording API.
 *
 * A handle is resolved once (labels bound at setup, see {@link MetricRegistry}) and then updates
 * one or a few float64 slots of a SharedArrayBuffer. An update allocates nothing, takes no lock
 * and never blocks: the thread rendering `/metrics` reads the same memory.
 *
 * Concurrency contract: each series has one writing thread (the thread that owns the registry).
 * Readers see every aligned float64 store whole on the 64-bit platforms Node supports; a scrape
 * that races an `observe` may see the bucket count before the sum (off by one observation for one
 * scrape), never a torn number. Histogram `_count` is derived from the bucket counts at render
 * time, so `_count` always equals the `+Inf` bucket.
 */
import { binarySearchBucket, bucketIndexOf, HI_WORD } from './buckets.js';

/** Called on the rare invalid update (negative increment, NaN); counts it, never throws. */
export type InvalidUpdateSink = () => void;

/** A monotonically increasing count. */
export class CounterSeries {
  /**
   * @param values - the segment's slots
   * @param slot - this series' slot index in `values`
   * @param onInvalid - counts refused updates
   */
  constructor(
    private readonly values: Float64Array,
    private readonly slot: number,
    private readonly onInvalid: InvalidUpdateSink,
  ) {}

  /**
   * Adds `v` (default 1). A negative or NaN `v` is refused and counted in
   * `tickwatch_instrument_invalid_updates_total`; the counter is unchanged.
   */
  inc(v = 1): void {
    if (v >= 0) this.values[this.slot]! += v;
    else this.onInvalid();
  }

  /** Current value. */
  get(): number {
    return this.values[this.slot]!;
  }
}

/** A value that goes up and down. */
export class GaugeSeries {
  constructor(
    private readonly values: Float64Array,
    private readonly slot: number,
  ) {}

  /** Sets the value. */
  set(v: number): void {
    this.values[this.slot] = v;
  }

  /** Adds `v` (default 1). */
  inc(v = 1): void {
    this.values[this.slot]! += v;
  }

  /** Subtracts `v` (default 1). */
  dec(v = 1): void {
    this.values[this.slot]! -= v;
  }

  /** Current value. */
  get(): number {
    return this.values[this.slot]!;
  }
}

/** Scratch for reading an observation's bits in {@link HistogramSeries.observe} (one thread per module instance). */
const BITS_F64 = new Float64Array(1);
const BITS_I32 = new Int32Array(BITS_F64.buffer);
const HI = HI_WORD;

/**
 * A distribution over fixed buckets (Prometheus `le` semantics: a bucket counts `v <= bound`).
 *
 * The bucket is found through the layout's `BucketIndex` (`buckets.ts`): a table indexed by
 * the observation's sign, exponent and top mantissa bits gives it, or (rarely, when a bound shares
 * the value's key) where a comparison or two decides; layouts the table does not suit use a binary
 * search. Both give the same bucket for every value.
 */
export class HistogramSeries {
  private readonly sumSlot: number;
  /** Bounds then +Infinity (the scan's stop). */
  private readonly sentinel: Float64Array;
  /** Lookup table of the layout, or `null` for binary search. */
  private readonly table: Uint16Array | null;
  private readonly shift: number;
  private readonly keyOffset: number;
  private readonly lastEntry: number;

  /**
   * @param values - the segment's slots
   * @param base - first slot: bucket counts (non-cumulative, `bounds.length + 1` with +Inf), then the sum
   * @param bounds - upper bounds, strictly increasing, shared by all series of the family (its
   *   lookup table is built on first use and shared too)
   * @param onInvalid - counts refused observations
   */
  constructor(
    private readonly values: Float64Array,
    private readonly base: number,
    private readonly bounds: Float64Array,
    private readonly onInvalid: InvalidUpdateSink,
  ) {
    this.sumSlot = base + bounds.length + 1;
    const idx = bucketIndexOf(bounds);
    this.sentinel = idx.sentinel;
    this.table = idx.table;
    this.shift = idx.shift;
    this.keyOffset = idx.keyOffset;
    this.lastEntry = idx.lastEntry;
  }

  /**
   * Records one observation in the metric's unit (seconds for latencies: pass `ns / 1e9`).
   * NaN is refused and counted in `tickwatch_instrument_invalid_updates_total`; `-Inf` falls in
   * the first bucket, `+Inf` in the `+Inf` bucket (the sum then is infinite).
   */
  observe(v: number): void {
    if (v !== v) {
      this.onInvalid();
      return;
    }
    let i: number;
    const t = this.table;
    if (t !== null) {
      // BucketIndex.find, inlined: key from sign, exponent and top mantissa bits, clamped to the
      // table; the entry is how many bounds are below v, plus a bit when bounds share v's key and
      // a comparison must decide (rare).
      BITS_F64[0] = v;
      const h = BITS_I32[HI]!;
      let k = ((h ^ ((h >> 31) | 0x80000000)) >>> this.shift) - this.keyOffset;
      if (k < 0) k = 0; // below the smallest bound's key: no bound is certainly below v
      else if (k > this.lastEntry) k = this.lastEntry; // above the largest bound's key: every bound is below v
      const e = t[k]!;
      i = e >> 1;
      if ((e & 1) !== 0) {
        const b = this.sentinel;
        while (v > b[i]!) i++;
      }
    } else {
      i = binarySearchBucket(this.bounds, v);
    }
    this.values[this.base + i]! += 1;
    this.values[this.sumSlot]! += v;
  }

  /** Records `v` given in nanoseconds into a `_seconds` histogram. */
  observeNanos(ns: number): void {
    this.observe(ns * 1e-9);
  }

  /** Count of observations so far (sum of the bucket counts). */
  count(): number {
    let c = 0;
    for (let i = 0; i <= this.bounds.length; i++) c += this.values[this.base + i]!;
    return c;
  }

  /** Cumulative bucket counts, one per bound plus +Inf (allocates; not for the hot path). */
  cumulativeBuckets(): number[] {
    const out: number[] = [];
    let c = 0;
    for (let i = 0; i <= this.bounds.length; i++) out.push((c += this.values[this.base + i]!));
    return out;
  }

  /** Sum of observations so far. */
  sum(): number {
    return this.values[this.sumSlot]!;
  }
}
