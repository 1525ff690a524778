/**
 * Histogram bucket lookup for the hot path: which bucket an observation falls in, with Prometheus
 * `le` semantics (a bucket counts `v <= bound`; the first bound `>= v` wins, `bounds.length` is
 * the `+Inf` bucket).
 *
 * A binary search over ~20 bounds costs 4-5 data-dependent branches, most of them mispredicted for
 * spread-out latencies. {@link BucketIndex} instead reads the float's bits: the sign, the 11
 * exponent bits and the top `mantissaBits` of the mantissa form a key that grows with the value
 * (log-linear: `2^mantissaBits` equal steps per power of two). A table maps each key to the number
 * of bounds whose key is smaller, which is the bucket itself unless a bound shares the value's key;
 * the entry's low bit says so, and only then a short linear scan over those few bounds (at most
 * {@link MAX_BOUNDS_PER_KEY}) decides. With 128 steps per power of two, under 1% of spread-out
 * latencies need the scan, so the lookup is a load and a well-predicted branch. The table spans
 * only the keys between the smallest and the largest bound; keys outside are clamped to its ends.
 *
 * Layouts for which the table would be too big, or whose keys would still hold too many bounds,
 * get no table ({@link BucketIndex.table} is `null`) and callers use {@link binarySearchBucket}.
 */

/**
 * Most table entries (Uint16 each: 32 KiB). A latency layout takes 7 mantissa bits over its ~25
 * powers of two (~3,000 entries); a signed layout spans every power of two between its negative
 * and positive bounds (~2,050 per mantissa bit, so 2-3 bits). A scrape of random values touches
 * only the entries of the powers of two they fall in.
 */
export const MAX_TABLE_ENTRIES = 16384;

/** Mantissa bits a key uses when the table fits: 128 steps per power of two. */
export const PREFERRED_MANTISSA_BITS = 7;

/** Most bounds one key may hold before the layout falls back to binary search. */
export const MAX_BOUNDS_PER_KEY = 3;

/** Most mantissa bits a key uses, for dense layouts (keeps keys below 2^24, so all key arithmetic is int32). */
const MAX_MANTISSA_BITS = 12;

/** Scratch for reading a float's bits: one float64 aliased by two int32 words. */
const SCRATCH_F64 = new Float64Array(1);
const SCRATCH_I32 = new Int32Array(SCRATCH_F64.buffer);
/** Index of the int32 word of a float64 that holds the sign and the exponent (1 on little-endian platforms). */
export const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * The key of `v` with `mantissaBits` mantissa bits: monotonic non-decreasing in `v` over all
 * non-NaN doubles (negative values map below positive ones, larger magnitudes further down).
 * `-0` and `+0` get different keys (`-0` the smaller), like their bit patterns.
 */
export function floatKey(v: number, mantissaBits: number): number {
  SCRATCH_F64[0] = v;
  const h = SCRATCH_I32[HI_WORD]!;
  // Flip every bit of a negative value, only the sign of a positive one: the bit patterns then
  // order like the values (the standard total-order trick), as unsigned 32-bit integers.
  return (h ^ ((h >> 31) | 0x80000000)) >>> (20 - mantissaBits);
}

/** The bucket of `v` by binary search: the first index `i` with `v <= bounds[i]`, `bounds.length` if none. */
export function binarySearchBucket(bounds: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= bounds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The precomputed lookup of one bucket layout. Built once per layout (see {@link bucketIndexOf})
 * and shared by every series of the family.
 */
export class BucketIndex {
  /** The bounds followed by `+Infinity`, so a scan always stops (at `bounds.length` at the latest). */
  readonly sentinel: Float64Array;
  /**
   * Table entry per key minus {@link keyOffset}: `(count << 1) | shared`, where `count` is how many
   * bounds have a smaller key (the bucket of every value of that key, unless `shared`) and `shared`
   * is 1 when some bound has that very key (then a scan from `count` decides). `null` when the
   * layout uses binary search instead (too big a table, too many bounds per key, unsorted or NaN
   * bounds, an empty layout, 32,767 bounds or more).
   */
  readonly table: Uint16Array | null;
  /** Right shift that turns the transformed high word into a key: `20 - mantissaBits`. */
  readonly shift: number;
  /** Key of the smallest bound: table index 0. */
  readonly keyOffset: number;
  /** Last table index (keys above it clamp to it). */
  readonly lastEntry: number;
  /** Mantissa bits per key (0 when there is no table). */
  readonly mantissaBits: number;

  /**
   * @param bounds - upper bounds, strictly increasing (`+Inf` implicit); other layouts work, through binary search
   * @param maxEntries - table size limit, in entries (default {@link MAX_TABLE_ENTRIES})
   */
  constructor(
    readonly bounds: Float64Array,
    maxEntries = MAX_TABLE_ENTRIES,
  ) {
    const n = bounds.length;
    this.sentinel = new Float64Array(n + 1);
    this.sentinel.set(bounds);
    this.sentinel[n] = Infinity;
    const m = n > 0 && n < 0x7fff && strictlyIncreasing(bounds) ? chooseMantissaBits(bounds, maxEntries) : -1;
    const table = m >= 0 ? buildTable(bounds, m) : null;
    const bits = m >= 0 ? m : 0;
    const lo = m >= 0 ? keyOf(bounds[0]!, m) : 0;
    this.table = table;
    this.mantissaBits = bits;
    this.shift = 20 - bits;
    this.keyOffset = lo;
    this.lastEntry = table ? table.length - 1 : 0;
  }

  /**
   * The bucket of `v`: the first index `i` with `v <= bounds[i]`, `bounds.length` (the `+Inf`
   * bucket) when `v` is above every bound. Exactly {@link binarySearchBucket}'s answer for every
   * non-NaN `v` (NaN is the caller's to refuse). Allocates nothing.
   */
  find(v: number): number {
    const t = this.table;
    if (t === null) return binarySearchBucket(this.bounds, v);
    SCRATCH_F64[0] = v;
    const h = SCRATCH_I32[HI_WORD]!;
    let k = ((h ^ ((h >> 31) | 0x80000000)) >>> this.shift) - this.keyOffset;
    if (k < 0) k = 0; // below the smallest bound's key: no bound is certainly below v
    else if (k > this.lastEntry) k = this.lastEntry; // above the largest bound's key: every bound is below v
    const e = t[k]!;
    let i = e >> 1;
    if ((e & 1) !== 0) {
      const b = this.sentinel;
      while (v > b[i]!) i++; // only bounds of v's own key can still be below v
    }
    return i;
  }
}

/** The key of a bound: `-0` keys as `+0` (the larger key), so no bound equal to a value keys below it. */
function keyOf(bound: number, m: number): number {
  return floatKey(bound + 0, m);
}

/** Table size at `m` mantissa bits: every key from the smallest bound's to the largest's, plus one above. */
function tableSize(bounds: Float64Array, m: number): number {
  return keyOf(bounds[bounds.length - 1]!, m) - keyOf(bounds[0]!, m) + 2;
}

/** The most bounds sharing one key at `m` mantissa bits. */
function maxBoundsPerKey(bounds: Float64Array, m: number): number {
  let most = 0;
  let run = 0;
  let prev = -1;
  for (let i = 0; i < bounds.length; i++) {
    const key = keyOf(bounds[i]!, m);
    run = key === prev ? run + 1 : 1;
    prev = key;
    if (run > most) most = run;
  }
  return most;
}

/**
 * Mantissa bits for a layout's keys, or -1 when no table suits it. {@link PREFERRED_MANTISSA_BITS}
 * when that table fits (finer tables spread random values over more cache lines for little gain),
 * else the most bits that fit; more bits (up to 12) only when keys hold too many bounds.
 */
function chooseMantissaBits(bounds: Float64Array, maxEntries: number): number {
  for (let m = PREFERRED_MANTISSA_BITS; m >= 0; m--) {
    if (tableSize(bounds, m) > maxEntries) continue;
    if (maxBoundsPerKey(bounds, m) <= MAX_BOUNDS_PER_KEY) return m;
    break; // fewer bits only put more bounds in a key
  }
  for (let m = PREFERRED_MANTISSA_BITS + 1; m <= MAX_MANTISSA_BITS; m++) {
    if (tableSize(bounds, m) > maxEntries) break;
    if (maxBoundsPerKey(bounds, m) <= MAX_BOUNDS_PER_KEY) return m;
  }
  return -1;
}

/**
 * The table at `m` mantissa bits: entry `k` is `(count << 1) | shared` for the key
 * `keyOf(bounds[0]) + k`, `count` the bounds with a smaller key, `shared` whether a bound has this key.
 */
function buildTable(bounds: Float64Array, m: number): Uint16Array {
  const first = keyOf(bounds[0]!, m);
  const t = new Uint16Array(tableSize(bounds, m));
  let j = 0;
  for (let k = 0; k < t.length; k++) {
    // Bounds whose key is below this one are all smaller than any value with this key; bounds
    // whose key is above it are all larger. Only bounds of this very key need a comparison.
    while (j < bounds.length && keyOf(bounds[j]!, m) < first + k) j++;
    const shared = j < bounds.length && keyOf(bounds[j]!, m) === first + k ? 1 : 0;
    t[k] = (j << 1) | shared;
  }
  return t;
}

function strictlyIncreasing(b: Float64Array): boolean {
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== b[i]) return false;
    if (i > 0 && !(b[i]! > b[i - 1]!)) return false;
  }
  return true;
}

/** One index per bounds array: every series of a family shares its family's array. */
const INDEXES = new WeakMap<Float64Array, BucketIndex>();

/** The {@link BucketIndex} of a bounds array, built on first use and then shared. */
export function bucketIndexOf(bounds: Float64Array): BucketIndex {
  let idx = INDEXES.get(bounds);
  if (idx === undefined) INDEXES.set(bounds, (idx = new BucketIndex(bounds)));
  return idx;
}
