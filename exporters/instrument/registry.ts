/**
 * The recording side of the instrumentation core.
 *
 * A {@link MetricRegistry} turns catalog definitions into families, and a family's `labels()` /
 * `with()` into bound series handles whose updates write shared memory (see `series.ts`). Layout
 * changes (new segment, family, series) are announced to listeners, normally the worker that
 * serves `/metrics`; a listener added late first receives a replay of everything so far.
 *
 * The cardinality guard lives here: a value outside a closed label set, a label set past the
 * metric's series limit, or a series that no longer fits in the configured memory is folded into
 * the series whose labels are all `other`, and the fold is counted in
 * `tickwatch_cardinality_overflow_total{metric,reason}`. Folded lookups are never cached, so a
 * million distinct bad values cost no memory.
 */
import { cardinalityOverflowTotal, invalidUpdatesTotal } from '../catalog/process.js';
import {
  DEFAULT_MAX_SERIES,
  type CounterDef,
  type GaugeDef,
  type HistogramDef,
  type LabelSpec,
  type LabelValues,
  type MetricDef,
} from '../catalog/types.js';
import { FRESHNESS_CHANGES_SLOT, MAX_FRESHNESS_GROUPS, slotsFor, type LayoutMessage } from './protocol.js';
import { CounterSeries, GaugeSeries, HistogramSeries } from './series.js';

/** The label value every folded label set gets. */
export const OTHER = 'other';

/** Options of a {@link MetricRegistry}. */
export interface RegistryOptions {
  /** Float64 slots per SharedArrayBuffer segment (8 bytes each). Default 65,536 (512 KiB). */
  readonly slotsPerSegment?: number;
  /** Upper bound on all slots of all segments. Default 16,777,216 (128 MiB). */
  readonly maxSlots?: number;
  /** Per-metric series limits by metric name; overrides the definition's `maxSeries`. */
  readonly seriesLimits?: Readonly<Record<string, number>>;
}

type Fold = 'unknown_label_value' | 'series_limit' | 'capacity';

/** Where a series' slots live. */
interface Placement {
  readonly segment: number;
  readonly offset: number;
  readonly values: Float64Array;
}

type SeriesOf<T> = T extends 'counter' ? CounterSeries : T extends 'gauge' ? GaugeSeries : HistogramSeries;

/**
 * One metric: resolves label values to bound series.
 * @typeParam T - metric type
 * @typeParam L - the label spec from the catalog definition
 */
export class Family<T extends MetricDef['type'], L extends LabelSpec> {
  /** Label names in exposition order. */
  readonly labelNames: readonly string[];
  /** Closed sets per label position (`null` for open labels). */
  private readonly closed: ReadonlyArray<ReadonlySet<string> | null>;
  private readonly bounds: Float64Array;
  private readonly limit: number;
  /** Nested maps: one level per label, leaves are series. Only unfolded lookups are cached. */
  private readonly tree = new Map<string, unknown>();
  /** Series by their effective label values joined with \u0000. */
  private readonly byKey = new Map<string, SeriesOf<T>>();
  private leaf: SeriesOf<T> | undefined;
  private otherSeries: SeriesOf<T> | undefined;
  private readonly foldCounters = new Map<Fold, CounterSeries>();
  private invalidCounter: CounterSeries | undefined;
  private readonly onInvalid = (): void => this.countInvalid();

  /** @internal created by {@link MetricRegistry} */
  constructor(
    private readonly registry: MetricRegistry,
    readonly id: number,
    readonly def: MetricDef<string, T, L>,
    limit: number,
  ) {
    this.labelNames = Object.keys(def.labels);
    this.closed = this.labelNames.map((n) => {
      const spec = def.labels[n];
      return spec === 'open' || spec === undefined ? null : new Set<string>(spec);
    });
    this.bounds = Float64Array.from(def.buckets ?? []);
    this.limit = limit;
  }

  /** Number of series allocated (the `other` series included once it exists). */
  get size(): number {
    return this.byKey.size;
  }

  /**
   * The series for a full label set, typed by the catalog definition.
   * Resolve once at setup and keep the handle; see {@link labels} for the positional form.
   */
  with(values: LabelValues<L>): SeriesOf<T> {
    const v = values as Record<string, string>;
    return this.resolve(this.labelNames.map((n) => v[n] ?? ''));
  }

  /**
   * The series for label values given in the definition's label order. Cached lookups allocate
   * nothing; use this form on ingest paths that resolve per event.
   * @throws Error when the number of values differs from the number of labels
   */
  labels(...values: string[]): SeriesOf<T> {
    return this.resolve(values);
  }

  /** The only series of a metric without labels. */
  series(): SeriesOf<T> {
    return this.resolve([]);
  }

  private resolve(values: readonly string[]): SeriesOf<T> {
    const n = this.labelNames.length;
    if (values.length !== n) throw new Error(`${this.def.name}: expected ${n} label values (${this.labelNames.join(', ')}), got ${values.length}`);
    if (n === 0) return (this.leaf ??= this.create([]) ?? this.fold('capacity'));
    let node: Map<string, unknown> = this.tree;
    for (let i = 0; i < n - 1; i++) {
      const next = node.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) return this.slowResolve(values);
      node = next;
    }
    const hit = node.get(values[n - 1]!) as SeriesOf<T> | undefined;
    return hit ?? this.slowResolve(values);
  }

  private slowResolve(values: readonly string[]): SeriesOf<T> {
    const effective: string[] = new Array<string>(values.length);
    let folded = false;
    for (let i = 0; i < values.length; i++) {
      const raw = String(values[i]);
      const set = this.closed[i];
      if (set && !set.has(raw) && raw !== OTHER) {
        effective[i] = OTHER;
        folded = true;
      } else effective[i] = raw;
    }
    if (folded) this.countFold('unknown_label_value');
    const key = effective.join('\u0000');
    let s = this.byKey.get(key);
    if (s === undefined) {
      if (this.byKey.size >= this.limit) return this.fold('series_limit');
      const created = this.create(effective);
      if (created === undefined) return this.fold('capacity');
      s = created;
    }
    if (!folded) this.cache(values, s);
    return s;
  }

  private cache(values: readonly string[], s: SeriesOf<T>): void {
    let node = this.tree;
    for (let i = 0; i < values.length - 1; i++) {
      let next = node.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) node.set(values[i]!, (next = new Map()));
      node = next;
    }
    node.set(values[values.length - 1]!, s);
  }

  /** The all-`other` series, created on the first fold (it may exceed the limit by one). */
  private fold(reason: Fold): SeriesOf<T> {
    this.countFold(reason);
    if (this.otherSeries) return this.otherSeries;
    const key = this.labelNames.map(() => OTHER).join('\u0000');
    const existing = this.byKey.get(key);
    if (existing) return (this.otherSeries = existing);
    // Capacity for the other series is reserved by the registry, so this cannot fail.
    this.otherSeries = this.create(
      this.labelNames.map(() => OTHER),
      true,
    )!;
    return this.otherSeries;
  }

  private countFold(reason: Fold): void {
    if (this.def.name === cardinalityOverflowTotal.name) return; // the guard's own metric has a bounded label set
    let c = this.foldCounters.get(reason);
    if (c === undefined) {
      c = this.registry.counter(cardinalityOverflowTotal).labels(this.def.name, reason);
      this.foldCounters.set(reason, c);
    }
    c.inc();
  }

  private countInvalid(): void {
    (this.invalidCounter ??= this.registry.counter(invalidUpdatesTotal).labels(this.def.name)).inc();
  }

  private create(effective: string[], reserved = false): SeriesOf<T> | undefined {
    const p = this.registry.allocate(this.id, effective, slotsFor(this.def.type, this.bounds.length), reserved);
    if (p === undefined) return undefined;
    let s: CounterSeries | GaugeSeries | HistogramSeries;
    if (this.def.type === 'counter') s = new CounterSeries(p.values, p.offset, this.onInvalid);
    else if (this.def.type === 'gauge') s = new GaugeSeries(p.values, p.offset);
    else s = new HistogramSeries(p.values, p.offset, this.bounds, this.onInvalid);
    this.byKey.set(effective.join('\u0000'), s as SeriesOf<T>);
    return s as SeriesOf<T>;
  }
}

/**
 * The registry of one recording thread. Not shared between threads: each recording thread owns
 * its registry, and each series has exactly one writer.
 *
 * ```ts
 * const reg = new MetricRegistry();
 * const ticks = reg.counter(feedEventsTotal).with({ feed: 'twse', type: 'tick' });
 * ticks.inc(); // ~1-3 ns, no allocation
 * ```
 */
export class MetricRegistry {
  private readonly slotsPerSegment: number;
  private readonly maxSegments: number;
  private readonly segments: Float64Array[] = [];
  private cursor = 0;
  /** Slots held back so every family can always create its `other` series. */
  private reservedSlots = 0;
  private readonly families = new Map<string, Family<MetricDef['type'], LabelSpec>>();
  private readonly log: LayoutMessage[] = [];
  private readonly listeners = new Set<(m: LayoutMessage) => void>();
  private readonly seriesLimits: Readonly<Record<string, number>>;

  /**
   * @throws RangeError when `slotsPerSegment` is not a positive integer or `maxSlots` is smaller than one segment
   */
  constructor(opts: RegistryOptions = {}) {
    this.slotsPerSegment = opts.slotsPerSegment ?? 1 << 16;
    const maxSlots = opts.maxSlots ?? 1 << 24;
    if (!Number.isInteger(this.slotsPerSegment) || this.slotsPerSegment < 64) throw new RangeError('slotsPerSegment must be an integer >= 64');
    if (maxSlots < this.slotsPerSegment) throw new RangeError('maxSlots must hold at least one segment');
    this.maxSegments = Math.floor(maxSlots / this.slotsPerSegment);
    this.seriesLimits = opts.seriesLimits ?? {};
  }

  /** The counter family of a catalog definition (created on first use, then the same object). */
  counter<L extends LabelSpec>(def: CounterDef<string, L>): Family<'counter', L> {
    return this.family(def);
  }

  /** The gauge family of a catalog definition. */
  gauge<L extends LabelSpec>(def: GaugeDef<string, L>): Family<'gauge', L> {
    return this.family(def);
  }

  /** The histogram family of a catalog definition. */
  histogram<L extends LabelSpec>(def: HistogramDef<string, L>): Family<'histogram', L> {
    return this.family(def);
  }

  /**
   * The family of any definition.
   * @throws Error when another definition with the same name was registered before
   * @throws RangeError when its `freshness` group is new and the registry already holds {@link MAX_FRESHNESS_GROUPS} groups
   */
  family<T extends MetricDef['type'], L extends LabelSpec>(def: MetricDef<string, T, L>): Family<T, L> {
    const existing = this.families.get(def.name);
    if (existing) {
      if (existing.def !== (def as MetricDef)) throw new Error(`metric ${def.name} registered twice with different definitions`);
      return existing as unknown as Family<T, L>;
    }
    if (def.freshness) this.freshnessSlot(def.freshness); // announced before its families
    const limit = this.seriesLimits[def.name] ?? def.maxSeries ?? DEFAULT_MAX_SERIES;
    const f = new Family<T, L>(this, this.families.size, def, limit);
    this.families.set(def.name, f as unknown as Family<MetricDef['type'], LabelSpec>);
    if (f.labelNames.length > 0) this.reservedSlots += slotsFor(def.type, def.buckets?.length ?? 0);
    this.emit({ t: 'family', id: f.id, name: def.name, type: def.type, help: def.help, labelNames: f.labelNames, buckets: def.buckets ?? [], ...(def.freshness ? { freshness: def.freshness } : {}) });
    return f;
  }

  /** All families registered so far. */
  allFamilies(): ReadonlyArray<Family<MetricDef['type'], LabelSpec>> {
    return [...this.families.values()];
  }

  /**
   * Subscribes to layout messages. The listener first receives every message so far, in order (the
   * freshness groups' among them: their flags are in shared memory), then each new message as it happens.
   * @returns a function that unsubscribes
   */
  subscribe(listener: (m: LayoutMessage) => void): () => void {
    for (const m of this.log) listener(m);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Freshness flags in shared memory (protocol.ts {@link FreshnessMessage}): one Int32 a group, then the change count. */
  private readonly freshness = new Int32Array(new SharedArrayBuffer(4 * (MAX_FRESHNESS_GROUPS + 1)));
  /** Each freshness group's slot in {@link freshness}. */
  private readonly freshnessSlots = new Map<string, number>();

  /** The slot of a freshness group, announced to the listeners the first time. @throws RangeError past {@link MAX_FRESHNESS_GROUPS} groups */
  private freshnessSlot(group: string): number {
    let i = this.freshnessSlots.get(group);
    if (i === undefined) {
      i = this.freshnessSlots.size;
      if (i >= MAX_FRESHNESS_GROUPS) throw new RangeError(`freshness group ${group}: a registry holds at most ${MAX_FRESHNESS_GROUPS}`);
      this.freshnessSlots.set(group, i);
      this.emit({ t: 'freshness', group, flags: this.freshness.buffer as SharedArrayBuffer, index: i });
    }
    return i;
  }

  /**
   * Marks a freshness group stale or fresh: the families whose definition has that `freshness`
   * (the engine's last reported values) are not served while it is stale. The flag is in shared
   * memory, written before this returns: a value set after this call is never rendered beside the
   * old state (view.ts reads the values again when a flag changed during its read).
   * @throws RangeError when the registry already holds {@link MAX_FRESHNESS_GROUPS} other groups
   */
  setStale(group: string, stale: boolean): void {
    const i = this.freshnessSlot(group);
    if (Atomics.load(this.freshness, i) === (stale ? 1 : 0)) return;
    Atomics.store(this.freshness, i, stale ? 1 : 0);
    Atomics.add(this.freshness, FRESHNESS_CHANGES_SLOT, 1);
  }

  /** Whether a freshness group is stale now ({@link setStale}). */
  isStale(group: string): boolean {
    const i = this.freshnessSlots.get(group);
    return i !== undefined && Atomics.load(this.freshness, i) === 1;
  }

  /** Bytes of shared memory allocated so far. */
  get allocatedBytes(): number {
    return this.segments.length * this.slotsPerSegment * 8;
  }

  /**
   * Finds room for a series. Returns `undefined` when memory is exhausted (the caller folds).
   * @internal used by {@link Family}
   */
  allocate(family: number, labelValues: readonly string[], slots: number, reserved: boolean): Placement | undefined {
    if (slots > this.slotsPerSegment) throw new RangeError(`a series of ${slots} slots does not fit a segment of ${this.slotsPerSegment}`);
    if (reserved) this.reservedSlots -= slots;
    let seg = this.segments.length - 1;
    if (seg < 0 || this.cursor + slots > this.slotsPerSegment) {
      const free = (this.maxSegments - this.segments.length) * this.slotsPerSegment;
      if (free - (reserved ? 0 : this.reservedSlots) < slots) return undefined;
      const buffer = new SharedArrayBuffer(this.slotsPerSegment * 8);
      this.segments.push(new Float64Array(buffer));
      seg = this.segments.length - 1;
      this.cursor = 0;
      this.emit({ t: 'segment', id: seg, buffer });
    } else if (!reserved) {
      const free = this.slotsPerSegment - this.cursor + (this.maxSegments - this.segments.length) * this.slotsPerSegment;
      if (free - this.reservedSlots < slots) return undefined;
    }
    const offset = this.cursor;
    this.cursor += slots;
    this.emit({ t: 'series', family, labelValues: [...labelValues], segment: seg, offset });
    return { segment: seg, offset, values: this.segments[seg]! };
  }

  private emit(m: LayoutMessage): void {
    this.log.push(m);
    for (const l of this.listeners) l(m);
  }
}
