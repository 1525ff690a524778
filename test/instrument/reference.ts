/**
 * Test-only reference: `SeriesView` as it was before tickwatch wrote its own exposition (issue 19),
 * rendering through prom-client 15's `Registry` and formats. test/instrument/exposition.test.ts
 * checks that the new writer's output is byte for byte this one's; scripts/bench/render.ts uses it
 * as a baseline beside prom-client's own metrics.
 *
 * Kept as it was, with one change: the class name. Do not "fix" it: it is the reference.
 */
import { Registry } from 'prom-client';
import type { MetricDef, MetricType } from '../../exporters/catalog/types.js';
import type { FamilyMessage, LayoutMessage } from '../../exporters/instrument/protocol.js';
import type { CollectedSamples, Collector, CollectorSet } from '../../exporters/instrument/view.js';

/** One sample as prom-client's registry formats it. */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** What prom-client's `Registry#getMetricsAsString` reads from a metric's `get()`. */
interface MetricSnapshot {
  name: string;
  help: string;
  type: MetricType;
  values: Sample[];
  aggregator: 'sum';
}

interface SeriesRef {
  readonly labels: Record<string, string>;
  readonly segment: number;
  readonly offset: number;
}

interface FamilyState {
  readonly msg: FamilyMessage;
  readonly series: SeriesRef[];
  /** Label objects with `le` per bucket, built once per series. */
  readonly bucketLabels: Record<string, string | number>[][];
  /**
   * A histogram with a bucket bound below zero (signed values such as slippage): its `_sum` is not
   * a counter, so OpenMetrics gets neither `_sum` nor `_count` (see {@link PromClientView.render}).
   */
  readonly negativeBounds: boolean;
}

/**
 * Adapter that prom-client's Registry treats as a metric. One per family and registry, because
 * prom-client's OpenMetrics path rewrites a counter's `name`.
 */
class FamilyAdapter {
  name: string;
  readonly help: string;
  readonly type: MetricType;
  constructor(
    msg: { name: string; help: string; type: MetricType },
    private readonly samples: () => Sample[] | Promise<Sample[]>,
  ) {
    this.name = msg.name;
    this.help = msg.help;
    this.type = msg.type;
  }
  get(): MetricSnapshot | Promise<MetricSnapshot> {
    const v = this.samples();
    const snap = (values: Sample[]): MetricSnapshot => ({ name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' });
    return Array.isArray(v) ? snap(v) : v.then(snap);
  }
  reset(): void {}
}

function toSamples(def: MetricDef, collected: CollectedSamples): Sample[] {
  const names = Object.keys(def.labels);
  const out: Sample[] = [];
  for (const [values, value] of collected) {
    const labels: Record<string, string> = {};
    names.forEach((n, i) => (labels[n] = values[i] ?? ''));
    out.push({ labels, value });
  }
  return out;
}

function openMetricsRegistry(): Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE> {
  const r = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  r.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return r;
}

/** prom-client's HELP lines leave `"` as is: right for text 0.0.4, not for OpenMetrics (see {@link PromClientView.render}). */
const HELP_LINE = /^# HELP .*$/gm;

/** The OpenMetrics 1.0 exposition with no metric family: the `# EOF` line alone. */
const EMPTY_OPENMETRICS = '# EOF\n';

/** The view as it rendered through prom-client (issue 19 replaced it); same API as `SeriesView`. */
export class PromClientView {
  private readonly segments: Float64Array[] = [];
  private readonly families: FamilyState[] = [];
  /** Names served by scrape-time collectors; a registry family of the same name is ignored. */
  private readonly collected = new Set<string>();
  /** Layout problems seen (a duplicate name, a series of an unknown family), for the owner to log. */
  readonly problems: string[] = [];
  private readonly text = new Registry();
  private readonly open = openMetricsRegistry();
  /** Some family's HELP has a `"`, which OpenMetrics wants escaped and prom-client does not escape. */
  private helpHasQuote = false;
  /** Each freshness group's flag in shared memory: its families are served without samples while it is 1. */
  private readonly freshness = new Map<string, { readonly flags: Int32Array; readonly index: number }>();

  /** Whether a freshness group is stale now; a group never announced is fresh. */
  private isStale(group: string): boolean {
    const f = this.freshness.get(group);
    return f !== undefined && Atomics.load(f.flags, f.index) === 1;
  }

  /**
   * Serves one family in both formats.
   * @throws Error when a family of the same name is already served
   */
  private serve(
    def: { name: string; help: string; type: MetricType },
    text: () => Sample[] | Promise<Sample[]>,
    openMetrics: () => Sample[] | Promise<Sample[]> = text,
  ): void {
    this.text.registerMetric(new FamilyAdapter(def, text) as never);
    this.open.registerMetric(new FamilyAdapter(def, openMetrics) as never);
    if (def.help.includes('"')) this.helpHasQuote = true;
  }

  /** Applies one layout message from the recording thread. */
  apply(m: LayoutMessage): void {
    if (m.t === 'segment') {
      this.segments[m.id] = new Float64Array(m.buffer);
    } else if (m.t === 'freshness') {
      this.freshness.set(m.group, { flags: new Int32Array(m.flags), index: m.index });
    } else if (m.t === 'family') {
      const state: FamilyState = { msg: m, series: [], bucketLabels: [], negativeBounds: m.type === 'histogram' && m.buckets.some((b) => b < 0) };
      this.families[m.id] = state;
      if (this.collected.has(m.name)) {
        this.problems.push(`${m.name} is collected at scrape time here; the recorded family is not served`);
        return;
      }
      this.serve(
        m,
        () => this.samples(state, false),
        () => this.samples(state, true),
      );
    } else {
      const f = this.families[m.family];
      if (!f) {
        this.problems.push(`series for unknown family ${m.family}`);
        return;
      }
      const labels: Record<string, string> = {};
      f.msg.labelNames.forEach((n, i) => (labels[n] = m.labelValues[i] ?? ''));
      f.series.push({ labels, segment: m.segment, offset: m.offset });
      if (f.msg.type === 'histogram') {
        f.bucketLabels.push([...f.msg.buckets.map((b) => ({ ...labels, le: b })), { ...labels, le: '+Inf' }]);
      }
    }
  }

  /**
   * Adds a scrape-time collector (process metrics, host counters read from /proc, ...).
   * @throws Error when a metric of the same name is already present
   */
  addCollector(c: Collector): void {
    this.serve(c.def, () => toSamples(c.def, c.collect()));
    this.collected.add(c.def.name);
  }

  /**
   * Adds a collector set: its source is read once per render and split into its metrics.
   * @throws Error when one of its metrics is already present
   */
  addCollectorSet(set: CollectorSet): void {
    let gen = -1;
    let pending: Promise<ReadonlyMap<string, CollectedSamples>> | undefined;
    const register = (def: MetricDef): void => {
      this.serve(def, async (): Promise<Sample[]> => toSamples(def, (await once()).get(def.name) ?? []));
      this.collected.add(def.name);
    };
    const defineNew = (m: ReadonlyMap<string, CollectedSamples>): ReadonlyMap<string, CollectedSamples> => {
      for (const name of m.keys()) {
        if (this.collected.has(name)) continue;
        try {
          const def = set.define?.(name);
          if (def && def.name === name && def.type !== 'histogram') register(def);
        } catch (err) {
          this.problems.push(`collector ${set.name}: no family for ${name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return m;
    };
    const once = (): Promise<ReadonlyMap<string, CollectedSamples>> => {
      if (gen !== this.generation || !pending) {
        gen = this.generation;
        let collected = Promise.resolve().then(() => set.collect());
        if (set.define) collected = collected.then(defineNew);
        pending = collected
          .catch((err: unknown) => {
            this.problems.push(`collector ${set.name} failed: ${err instanceof Error ? err.message : String(err)}`);
            return new Map<string, CollectedSamples>();
          });
      }
      return pending;
    };
    for (const def of set.defs) register(def);
  }

  /** Incremented by every render, so collector sets read their source once per scrape. */
  private generation = 0;

  /** Number of series known per family name. */
  seriesCounts(): Map<string, number> {
    return new Map(this.families.filter(Boolean).map((f) => [f.msg.name, f.series.length]));
  }

  /** Total series across families (a histogram series counts once). */
  get seriesTotal(): number {
    let n = 0;
    for (const f of this.families) if (f) n += f.series.length;
    return n;
  }

  /**
   * Renders every family.
   *
   * The formats differ where their specifications do:
   * - A histogram whose bucket bounds include a negative value (`hft_fill_slippage_ratio`: signed
   *   slippage) is written in OpenMetrics as its cumulative buckets only, ending in `+Inf`, without
   *   `_sum` and without `_count`. OpenMetrics 1.0, section "Histogram" (metric types): "Negative
   *   threshold buckets MAY be used, but then the Histogram MetricPoint MUST NOT contain a sum value
   *   as it would no longer be a counter semantically"; section "Text format > Histogram": the
   *   `_count` sample appears "if and only if" a Sum is present. The count is still there as the
   *   `+Inf` bucket. Text 0.0.4 has no such rule and keeps both. The rule goes by the family's
   *   bounds, not by the values, so a series never flips between the two shapes.
   * - HELP: OpenMetrics' ABNF (`escaped-string`) allows `"` only escaped as `\"`; text 0.0.4 knows
   *   only `\\` and `\n` there. prom-client escapes neither format's `"`, so OpenMetrics HELP lines
   *   get `\"` here (only when some HELP has a `"`: the catalog's have none today).
   * - With no family at all, OpenMetrics is `# EOF` alone (prom-client would start with a blank
   *   line, which the format forbids).
   *
   * Prometheus asks for OpenMetrics first, so a query of a negative-bounded histogram's `_sum` or
   * `_count` finds nothing there: use `_bucket{le="+Inf"}` for the count.
   *
   * @param openMetrics - OpenMetrics 1.0.0 when true, Prometheus text 0.0.4 otherwise
   * @returns the exposition body, and its Content-Type (`application/openmetrics-text; version=1.0.0;
   *   charset=utf-8` or `text/plain; version=0.0.4; charset=utf-8`)
   */
  async render(openMetrics = false): Promise<{ body: string; contentType: string }> {
    this.generation++;
    if (!openMetrics) return { body: await this.text.metrics(), contentType: this.text.contentType };
    if (this.open.getMetricsAsArray().length === 0) return { body: EMPTY_OPENMETRICS, contentType: this.open.contentType };
    let body = await this.open.metrics();
    if (this.helpHasQuote) body = body.replace(HELP_LINE, (line) => line.replace(/"/g, '\\"'));
    return { body, contentType: this.open.contentType };
  }

  /**
   * The samples of a recorded family (none while its freshness group is stale). A histogram series is its cumulative buckets (the last is
   * `+Inf`), then `_sum` and `_count` (= `+Inf`), except in OpenMetrics for a family with a negative
   * bound, which gets the buckets only (see {@link PromClientView.render}).
   */
  private samples(f: FamilyState, openMetrics: boolean): Sample[] {
    const out: Sample[] = [];
    // The engine's last reported values are not current while it is silent: no sample, so
    // Prometheus marks the series stale instead of keeping the last value as if it were fresh.
    if (f.msg.freshness !== undefined && this.isStale(f.msg.freshness)) return out;
    const { type, buckets, name } = f.msg;
    const sumAndCount = !(openMetrics && f.negativeBounds);
    for (let s = 0; s < f.series.length; s++) {
      const ref = f.series[s]!;
      const v = this.segments[ref.segment];
      if (!v) continue;
      if (type !== 'histogram') {
        out.push({ labels: ref.labels, value: v[ref.offset]! });
        continue;
      }
      const bl = f.bucketLabels[s]!;
      let cumulative = 0;
      for (let i = 0; i <= buckets.length; i++) {
        cumulative += v[ref.offset + i]!;
        out.push({ labels: bl[i]!, value: cumulative, metricName: `${name}_bucket` });
      }
      if (!sumAndCount) continue;
      out.push({ labels: ref.labels, value: v[ref.offset + buckets.length + 1]!, metricName: `${name}_sum` });
      out.push({ labels: ref.labels, value: cumulative, metricName: `${name}_count` });
    }
    return out;
  }
}
