/**
 * Types and constructors for the metric catalog: the single contract between the exporters,
 * the alert rules and the dashboards.
 *
 * A metric definition is a plain, deeply readonly object. Its literal types are kept (`name`,
 * label names, closed label values), so a rule or panel that names a metric or a label value the
 * catalog does not have is a compile error, not a silent empty query.
 *
 * Naming follows the Prometheus conventions (https://prometheus.io/docs/practices/naming/):
 * base units in the name (`_seconds`, `_bytes`, `_ratio`), `_total` on counters, `_info` on
 * metadata gauges. {@link validateDefinition} enforces them at build and test time.
 */

/** The Prometheus metric types the catalog uses. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * The unit of a metric's value, as written in the docs and used by dashboards for formatting.
 * `seconds`, `bytes` and `ratio` are Prometheus base units and must end the metric name
 * (before `_total`). `currency` is the trading account's currency; `events`, `rows`, `orders`,
 * `requests` and `series` are plain counts; `state` is an enumerated value documented by
 * {@link MetricDef.valueMap}; `boolean` is 0 or 1; `info` is a constant 1 carrying labels;
 * `celsius` is a temperature (Prometheus' base unit for temperatures, as node_exporter uses it).
 */
export type Unit =
  | 'seconds'
  | 'bytes'
  | 'ratio'
  | 'currency'
  | 'events'
  | 'rows'
  | 'orders'
  | 'requests'
  | 'series'
  | 'count'
  | 'state'
  | 'boolean'
  | 'info'
  | 'timestamp_seconds'
  | 'orders_per_second'
  | 'celsius';

/**
 * Label names and their value sets. A label with a readonly string tuple is closed: any other
 * value is folded into `other` by the cardinality guard. A label set to `'open'` takes values
 * from configuration or input (a strategy name from the configured list, a gateway name) and is
 * bounded by the metric's series limit instead.
 */
export type LabelSpec = { readonly [label: string]: readonly string[] | 'open' };

/** The empty label spec, for metrics without labels. */
export type NoLabels = { readonly [label: string]: never };

/** The value type a label accepts: the closed set's literal union, or any string when open. */
export type LabelValue<S> = S extends readonly (infer V)[] ? V : string;

/** A full label set of a metric, with each value typed by its spec. */
export type LabelValues<L extends LabelSpec> = { readonly [K in keyof L]: LabelValue<L[K]> };

/** One metric of the catalog. */
export interface MetricDef<
  N extends string = string,
  T extends MetricType = MetricType,
  L extends LabelSpec = LabelSpec,
> {
  /** Full metric name, as exposed (`hft_feed_events_total`). */
  readonly name: N;
  /** Prometheus metric type. */
  readonly type: T;
  /** HELP text: one sentence, says what is counted and in which unit. */
  readonly help: string;
  /** Unit of the value; see {@link Unit}. */
  readonly unit: Unit;
  /** Label names in exposition order, with closed value sets where they exist. */
  readonly labels: L;
  /** Histogram upper bounds, strictly increasing, in the metric's unit; `+Inf` is implicit. */
  readonly buckets?: readonly number[];
  /** Most series this metric may have before new label sets are folded into `other`. */
  readonly maxSeries?: number;
  /** For `state` gauges: the meaning of each numeric value (`0: NORMAL`, ...). */
  readonly valueMap?: Readonly<Record<number, string>>;
  /** Catalog domain (module) the metric belongs to: `feed`, `orders`, ... */
  readonly domain: string;
  /** Which service exports it: `hft` (event-derived), `instrument` (every tickwatch service), ... */
  readonly exportedBy: readonly Exporter[];
  /**
   * Set on a name kept verbatim from another exporter, so rules and dashboards written for that
   * exporter work unchanged with ours; see {@link Compat}. It relaxes only two naming rules of
   * {@link validateDefinition}: a counter need not end in `_total`, and the name need not end in
   * its unit's suffix. The help, label, type, bucket and series-limit rules still apply.
   */
  readonly compat?: Compat;
  /**
   * `engine`: a gauge holding a value the engine last reported (a connection state, a PnL, a
   * limit). The HFT exporter stops serving it while the engine is silent (`hft_engine_up` 0), so a
   * scrape never passes a stale value for a current one; Prometheus marks the series stale.
   */
  readonly freshness?: 'engine';
}

/**
 * Where a compatibility name comes from:
 * - `node_exporter`: Prometheus node_exporter 1.5's names (`node_thermal_zone_temp` has no unit
 *   suffix; `node_memory_MemTotal_bytes` is camelCase, which our rules allow anyway);
 * - `clickhouse`: ClickHouse's built-in Prometheus endpoint (`ClickHouseProfileEvents_<Event>`
 *   counters without `_total`, `ClickHouseMetrics_<Metric>` and `ClickHouseAsyncMetrics_<Metric>`
 *   gauges without unit suffixes);
 * - `chrony_exporter`: the community chrony_exporter's names (github.com/SuperQ/chrony_exporter:
 *   frequencies in ppm as `_ppms`, without a base-unit suffix).
 *
 * `promtool check metrics` lints these names on our output exactly as it lints the upstream
 * exporters' own output (camelCase, counters without `_total`); that is the price of keeping them.
 */
export type Compat = 'node_exporter' | 'clickhouse' | 'chrony_exporter';

/** The tickwatch services that export metrics. */
export type Exporter = 'hft' | 'recorder' | 'host' | 'clickhouse' | 'instrument';

/** A counter definition. */
export type CounterDef<N extends string = string, L extends LabelSpec = LabelSpec> = MetricDef<N, 'counter', L>;
/** A gauge definition. */
export type GaugeDef<N extends string = string, L extends LabelSpec = LabelSpec> = MetricDef<N, 'gauge', L>;
/** A histogram definition (always has buckets). */
export type HistogramDef<N extends string = string, L extends LabelSpec = LabelSpec> = MetricDef<N, 'histogram', L> & {
  readonly buckets: readonly number[];
};

type DefInput<N extends string, L extends LabelSpec> = Omit<MetricDef<N, MetricType, L>, 'type' | 'labels' | 'exportedBy'> & {
  readonly labels?: L;
  readonly exportedBy?: readonly Exporter[];
};

/** The default series limit per metric when a definition gives none. */
export const DEFAULT_MAX_SERIES = 1000;

/** Declares a counter. The name must end in `_total`. */
export function counter<const N extends string, const L extends LabelSpec = Record<never, never>>(
  def: DefInput<N, L>,
): CounterDef<N, L> {
  return freeze({ ...def, type: 'counter', labels: def.labels ?? ({} as L), exportedBy: def.exportedBy ?? ['hft'] });
}

/** Declares a gauge. */
export function gauge<const N extends string, const L extends LabelSpec = Record<never, never>>(
  def: DefInput<N, L>,
): GaugeDef<N, L> {
  return freeze({ ...def, type: 'gauge', labels: def.labels ?? ({} as L), exportedBy: def.exportedBy ?? ['hft'] });
}

/** Declares a histogram. `buckets` is required. */
export function histogram<const N extends string, const L extends LabelSpec = Record<never, never>>(
  def: DefInput<N, L> & { readonly buckets: readonly number[] },
): HistogramDef<N, L> {
  return freeze({ ...def, type: 'histogram', labels: def.labels ?? ({} as L), exportedBy: def.exportedBy ?? ['hft'] });
}

function freeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') Object.freeze(v);
  return Object.freeze(o);
}

/**
 * Latency buckets in seconds from 100 ns to 1 s: 1-2.5-5 steps per decade. The sub-microsecond
 * end exists for the strategy decision path, which the design measures in nanoseconds.
 */
export const LATENCY_BUCKETS_SUBMICRO_SECONDS: readonly number[] = decades(1e-7, 1);

/** Latency buckets in seconds from 10 µs to 10 s, for network round trips (order ack, ticks). */
export const LATENCY_BUCKETS_NETWORK_SECONDS: readonly number[] = decades(1e-5, 10);

/** Latency buckets in seconds from 100 µs to 30 s, for storage writes. */
export const LATENCY_BUCKETS_STORAGE_SECONDS: readonly number[] = decades(1e-4, 30);

/**
 * 1, 2.5, 5 × 10^k buckets from `from` up to and including `to`.
 * @param from - first bucket bound (a power of ten), in the metric's unit
 * @param to - last bucket bound, inclusive
 */
export function decades(from: number, to: number): number[] {
  const out: number[] = [];
  for (let exp = Math.round(Math.log10(from)); ; exp++) {
    for (const m of [1, 2.5, 5]) {
      // toPrecision keeps the bounds exact in decimal (2.5e-7, not 2.4999999999999998e-7).
      const v = Number((m * 10 ** exp).toPrecision(6));
      if (v > to * (1 + 1e-9)) return out;
      if (v >= from * (1 - 1e-9)) out.push(v);
    }
  }
}

const BASE_UNIT_SUFFIX: Partial<Record<Unit, string>> = {
  seconds: '_seconds',
  bytes: '_bytes',
  ratio: '_ratio',
  timestamp_seconds: '_seconds',
  info: '_info',
  celsius: '_celsius',
};

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Checks one definition against the Prometheus naming conventions and our own rules.
 * @returns a list of problems, empty when the definition is sound
 */
export function validateDefinition(def: MetricDef): string[] {
  const p: string[] = [];
  const n = def.name;
  if (!NAME_RE.test(n)) p.push(`${n}: not a valid metric name`);
  // A compatibility name (see MetricDef.compat) keeps its upstream spelling: only these two rules bend.
  const compat = def.compat !== undefined;
  if (def.type === 'counter' && !n.endsWith('_total') && !compat) p.push(`${n}: counter names end in _total`);
  if (def.type !== 'counter' && n.endsWith('_total')) p.push(`${n}: only counters end in _total`);
  const bare = n.replace(/_total$/, '');
  const suffix = BASE_UNIT_SUFFIX[def.unit];
  if (suffix && !bare.endsWith(suffix) && !compat) p.push(`${n}: unit ${def.unit} wants the name to end in ${suffix}`);
  if (def.unit === 'timestamp_seconds' && !/_time(stamp)?_seconds$/.test(n)) p.push(`${n}: timestamps end in _timestamp_seconds or _time_seconds`);
  if (/_(milli|micro|nano)seconds|_ms$|_us$|_ns$|_(kilo|mega|giga)bytes/.test(n)) p.push(`${n}: use base units`);
  if (!def.help || def.help.length < 10 || !/[.]$/.test(def.help)) p.push(`${n}: help must be a sentence ending in '.'`);
  for (const [label, spec] of Object.entries(def.labels)) {
    if (!LABEL_RE.test(label) || label.startsWith('__')) p.push(`${n}: bad label name ${label}`);
    if (label === 'le' || label === 'quantile') p.push(`${n}: label ${label} is reserved`);
    if (spec !== 'open') {
      if (spec.length === 0) p.push(`${n}: closed label ${label} has no values`);
      if (new Set(spec).size !== spec.length) p.push(`${n}: closed label ${label} repeats a value`);
    }
  }
  if (def.type === 'histogram') {
    const b = def.buckets ?? [];
    if (b.length === 0) p.push(`${n}: histogram without buckets`);
    for (let i = 1; i < b.length; i++) if (!(b[i]! > b[i - 1]!)) p.push(`${n}: buckets not strictly increasing at ${i}`);
  } else if (def.buckets) p.push(`${n}: only histograms have buckets`);
  if (def.unit === 'state' && !def.valueMap) p.push(`${n}: state gauges need a valueMap`);
  if (def.maxSeries !== undefined && !(Number.isInteger(def.maxSeries) && def.maxSeries > 0)) p.push(`${n}: maxSeries must be a positive integer`);
  return p;
}
