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

/** A distribution over fixed buckets (Prometheus `le` semantics: a bucket counts `v <= bound`). */
export class HistogramSeries {
  private readonly sumSlot: number;

  /**
   * @param values - the segment's slots
   * @param base - first slot: bucket counts (non-cumulative, `bounds.length + 1` with +Inf), then the sum
   * @param bounds - upper bounds, strictly increasing, shared by all series of the family
   * @param onInvalid - counts refused observations
   */
  constructor(
    private readonly values: Float64Array,
    private readonly base: number,
    private readonly bounds: Float64Array,
    private readonly onInvalid: InvalidUpdateSink,
  ) {
    this.sumSlot = base + bounds.length + 1;
  }

  /**
   * Records one observation in the metric's unit (seconds for latencies: pass `ns / 1e9`).
   * NaN is refused and counted in `tickwatch_instrument_invalid_updates_total`.
   */
  observe(v: number): void {
    if (v !== v) {
      this.onInvalid();
      return;
    }
    const b = this.bounds;
    // First bound >= v by binary search; b.length means +Inf.
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= b[mid]!) hi = mid;
      else lo = mid + 1;
    }
    this.values[this.base + lo]! += 1;
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
