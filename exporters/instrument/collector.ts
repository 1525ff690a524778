/**
 * The collector harness: one shape for every scrape-time collector (the host exporter's /proc and
 * /sys readers, the ClickHouse exporter's system-table queries), after node_exporter's
 * (https://github.com/prometheus/node_exporter/blob/master/collector/collector.go): each collector
 * reads one source into {@link Samples}; the harness runs them once per scrape and reports, for the
 * same scrape, each one's success (`<prefix>_scrape_collector_success{collector}`) and duration
 * (`<prefix>_scrape_collector_duration_seconds{collector}`), and, when asked, a running count of
 * its failures.
 *
 * A scrape is one *round*: the first collector the `/metrics` worker calls starts it, and every
 * collector called in the same tick joins it (the worker starts all of a scrape's collector sets in
 * one go, see `SeriesView.addCollectorSet`). A round carries a context made once per scrape (the
 * ClickHouse exporter's availability query and abort signal), and the report waits for the
 * round's collectors still running.
 *
 * Failures: a collector that throws {@link NoDataError} (a source this host does not have, such as
 * hwmon in a VM) reports success 0 and is not logged; any other error reports success 0, yields no
 * samples, and is reported (thrown to the view, which passes it to the owner's log) once per new
 * message, not on every scrape. Errors that are consequences of one cause (every query skipped
 * because the server is down) can be folded into one report per outage.
 */
import { DEFAULT_MAX_SERIES, type HistogramDef, type LabelSpec, type MetricDef } from '../catalog/types.js';
import type { CollectedHistogram } from './exposition.js';
import type { CollectedSamples, CollectorSet } from './view.js';

/** Thrown by a collector whose source does not exist here: the scrape reports success 0, nothing is logged. */
export class NoDataError extends Error {
  override readonly name = 'NoDataError';
}

type SampleList = Array<readonly [readonly string[], number, CollectedHistogram?]>;

/** Samples of one collector's scrape, keyed by metric name, in the shape a `CollectorSet` returns. */
export class Samples {
  private readonly byName = new Map<string, SampleList>();
  /**
   * Set by a collector that serves samples and still failed (the ClickHouse availability collector
   * serves `up 0` when the server does not answer): success 0 and the failure counted, the samples
   * served; not reported as a problem (the samples say it).
   */
  error: Error | undefined;

  /**
   * Adds one sample.
   * @param def - the metric, or its name (for names learned at run time)
   * @param labels - label values in the definition's label order
   */
  add(def: MetricDef | string, labels: readonly string[], value: number): void {
    const name = typeof def === 'string' ? def : def.name;
    let list = this.byName.get(name);
    if (!list) this.byName.set(name, (list = []));
    list.push([labels, value]);
  }

  /**
   * Adds one histogram series: what it has observed so far, as the collector keeps it.
   * @param def - a histogram of the catalog
   * @param labels - label values in the definition's label order
   * @param cumulative - observations at or below each finite bucket bound, cumulative, one per
   *   bound of `def.buckets` (in the metric's unit)
   * @param count - every observation (the `+Inf` bucket), at least the last cumulative count
   * @param sum - sum of the observations, in the metric's unit
   * @throws Error when `cumulative` does not have one count per bound, or the counts decrease
   */
  addHistogram(def: HistogramDef<string, LabelSpec>, labels: readonly string[], cumulative: readonly number[], count: number, sum: number): void {
    if (cumulative.length !== def.buckets.length) throw new Error(`${def.name}: ${cumulative.length} bucket counts for ${def.buckets.length} bounds`);
    for (let i = 0; i <= cumulative.length; i++) {
      const c = i < cumulative.length ? cumulative[i]! : count;
      if (i > 0 && !(c >= cumulative[i - 1]!)) throw new Error(`${def.name}: bucket counts decrease at ${i < cumulative.length ? `le=${def.buckets[i]}` : 'le=+Inf'}`);
    }
    let list = this.byName.get(def.name);
    if (!list) this.byName.set(def.name, (list = []));
    list.push([labels, count, { cumulative: [...cumulative], sum }]);
  }

  /** Whether a metric has any sample. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Number of samples of a metric. */
  count(name: string): number {
    return this.byName.get(name)?.length ?? 0;
  }

  /** The samples by metric name. */
  get map(): ReadonlyMap<string, CollectedSamples> {
    return this.byName;
  }
}

/**
 * One collector: a source read once per scrape into the metrics it feeds.
 * @typeParam Ctx - what each scrape's round gives it (nothing for /proc readers)
 */
export interface Collector<Ctx = void> {
  /** The `collector` label value (`cpu`, `parts`). */
  readonly name: string;
  /** Every definition it serves from the start. */
  readonly defs: readonly MetricDef[];
  /**
   * Reads its source.
   * @throws NoDataError when the source does not exist here; any other error is a failure
   */
  collect(ctx: Ctx): Samples | Promise<Samples>;
  /** For sources whose metric names are learned at run time: the definition of a name it returned. */
  define?(name: string): MetricDef | undefined;
}

/** The report metrics of a harness: gauges and a counter with one `collector` label. */
export interface HarnessMetrics {
  /** Gauge: 1 when the collector succeeded in this scrape, else 0. */
  readonly success: MetricDef;
  /** Gauge: how long the collector took in this scrape, in seconds. */
  readonly duration: MetricDef;
  /** Counter: failed scrapes of the collector since start (optional). */
  readonly errors?: MetricDef;
}

/** Options of {@link toCollectorSets}. */
export interface HarnessOptions<Ctx> {
  /** Prefix of the collector sets' names in problem reports (`host` gives `host.cpu`). */
  readonly prefix: string;
  readonly metrics: HarnessMetrics;
  /** The context of a new round (one per scrape). */
  readonly context: () => Ctx;
  /**
   * Whether a failure is a consequence of a cause shared by the round (every query skipped because
   * the server is down): such failures are reported once per message across all collectors, until a
   * round in which {@link HarnessOptions.recovered} says the cause is gone.
   */
  readonly shared?: (err: unknown, ctx: Ctx) => boolean;
  /** Whether this round shows the shared cause gone (the availability collector succeeded). */
  readonly recovered?: (name: string, samples: Samples) => boolean;
}

interface Round<Ctx> {
  readonly ctx: Ctx;
  closed: boolean;
  readonly inflight: Set<Promise<unknown>>;
}

/**
 * Wraps collectors into collector sets, plus a `<prefix>.scrape` set that reports each one's
 * success and duration (and failures) for the same scrape. Each collector's samples are capped at
 * its definitions' series limits (`maxSeries`, default 1000): the first samples are kept and the
 * cap is reported once.
 */
export function toCollectorSets<Ctx>(collectors: readonly Collector<Ctx>[], o: HarnessOptions<Ctx>): CollectorSet[] {
  const outcomes = new Map<string, { success: number; seconds: number }>();
  const errors = new Map<string, number>(collectors.map((c) => [c.name, 0]));
  let current: Round<Ctx> | undefined;
  let lastShared: string | undefined;

  const join = (): Round<Ctx> => {
    if (current && !current.closed) return current;
    const round: Round<Ctx> = { ctx: o.context(), closed: false, inflight: new Set() };
    current = round;
    setImmediate(() => (round.closed = true)); // the worker starts every set of a scrape within one tick
    return round;
  };

  const wrap = (c: Collector<Ctx>): CollectorSet => {
    const limits = new Map(c.defs.map((d) => [d.name, d.maxSeries ?? DEFAULT_MAX_SERIES]));
    const capped = new Set<string>();
    let lastError: string | undefined;

    const done = (t0: number, samples: Samples): ReadonlyMap<string, CollectedSamples> => {
      const failed = samples.error !== undefined;
      outcomes.set(c.name, { success: failed ? 0 : 1, seconds: (performance.now() - t0) / 1000 });
      if (failed) errors.set(c.name, (errors.get(c.name) ?? 0) + 1);
      else lastError = undefined;
      if (o.recovered?.(c.name, samples)) lastShared = undefined;
      const out = new Map<string, CollectedSamples>();
      const newlyCapped: string[] = [];
      for (const [name, list] of samples.map) {
        const limit = limits.get(name) ?? DEFAULT_MAX_SERIES;
        const arr = list as readonly (readonly [readonly string[], number, CollectedHistogram?])[];
        if (arr.length <= limit) out.set(name, arr);
        else {
          out.set(name, arr.slice(0, limit));
          if (!capped.has(name)) newlyCapped.push(`${name} has ${arr.length} series, more than its limit of ${limit}: the first ${limit} are kept from now on`);
          capped.add(name);
        }
      }
      if (newlyCapped.length) throw new Error(newlyCapped.join('; '));
      return out;
    };

    const failed = (t0: number, err: unknown, round: Round<Ctx>): ReadonlyMap<string, CollectedSamples> => {
      outcomes.set(c.name, { success: 0, seconds: (performance.now() - t0) / 1000 });
      if (err instanceof NoDataError) return new Map();
      errors.set(c.name, (errors.get(c.name) ?? 0) + 1);
      const msg = err instanceof Error ? err.message : String(err);
      if (o.shared?.(err, round.ctx)) {
        // One cause, many collectors: say so once per outage, not per collector and scrape.
        if (msg === lastShared) return new Map();
        lastShared = msg;
      } else {
        if (msg === lastError) return new Map(); // reported already: success 0 (and the counter) say it goes on
        lastError = msg;
      }
      throw err instanceof Error ? err : new Error(msg);
    };

    const set: CollectorSet = {
      name: `${o.prefix}.${c.name}`,
      defs: c.defs,
      collect() {
        const round = join();
        const t0 = performance.now();
        let r: Samples | Promise<Samples>;
        try {
          r = c.collect(round.ctx);
        } catch (err) {
          return failed(t0, err, round);
        }
        if (!(r instanceof Promise)) return done(t0, r);
        const p = r.then(
          (samples) => done(t0, samples),
          (err: unknown) => failed(t0, err, round),
        );
        round.inflight.add(p);
        void p.finally(() => round.inflight.delete(p)).catch(() => undefined);
        return p;
      },
    };
    if (c.define) return { ...set, define: c.define.bind(c) };
    return set;
  };

  const defs = [o.metrics.success, o.metrics.duration, ...(o.metrics.errors ? [o.metrics.errors] : [])];
  const scrape: CollectorSet = {
    name: `${o.prefix}.scrape`,
    defs,
    async collect() {
      const round = current ?? join();
      await Promise.allSettled([...round.inflight]);
      const success: [string[], number][] = [];
      const duration: [string[], number][] = [];
      for (const c of collectors) {
        const out = outcomes.get(c.name);
        if (!out) continue;
        success.push([[c.name], out.success]);
        duration.push([[c.name], out.seconds]);
      }
      const m = new Map<string, CollectedSamples>([
        [o.metrics.success.name, success],
        [o.metrics.duration.name, duration],
      ]);
      if (o.metrics.errors) m.set(o.metrics.errors.name, [...errors].map(([n, v]) => [[n], v] as [string[], number]));
      return m;
    },
  };
  // The scrape report goes last: the view starts sets in registration order, so by the time it
  // runs every collector of this scrape has finished or registered its pending promise.
  return [...collectors.map(wrap), scrape];
}
