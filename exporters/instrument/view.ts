/**
 * The reading side of the instrumentation core: rebuilds the registry's layout from
 * {@link LayoutMessage}s, reads values from shared memory and writes the exposition (Prometheus
 * text 0.0.4 and OpenMetrics 1.0.0) with tickwatch's own writer (`exposition.ts`), whose output is
 * byte for byte what prom-client's registry wrote for the same families before (checked against
 * prom-client in test/instrument/exposition.test.ts).
 *
 * Where the two formats differ in what they allow, each gets what its specification says (see
 * {@link SeriesView.render}): a histogram with a negative bucket bound has no `_sum`/`_count` in
 * OpenMetrics, HELP text escapes `"` in OpenMetrics only, and an empty OpenMetrics exposition is
 * `# EOF` alone. test/instrument/conformance.test.ts checks every exporter's output with the strict
 * parsers of Python's prometheus_client.
 *
 * Runs in the worker that serves `/metrics`; tests and benchmarks may run it in-thread.
 */
import type { MetricDef } from '../catalog/types.js';
import {
  CollectedFamilyWriter,
  EOF_LINE,
  flatten,
  OPENMETRICS_CONTENT_TYPE,
  RecordedFamilyWriter,
  TEXT_CONTENT_TYPE,
  type CollectedSamples,
} from './exposition.js';
import { FRESHNESS_CHANGES_SLOT, type FamilyMessage, type LayoutMessage } from './protocol.js';

export type { CollectedHistogram, CollectedSamples } from './exposition.js';

/** A value source computed at scrape time in the rendering thread (process CPU, RSS, ...). Counters and gauges only. */
export interface Collector {
  /** The catalog definition the samples belong to. */
  readonly def: MetricDef;
  collect(): CollectedSamples;
}

/**
 * Several metrics read from one source once per scrape (one read of /proc/stat, one query to
 * ClickHouse). `collect` may be async; it runs at most once per render, and a collect that throws
 * or rejects yields no samples for that scrape (the error goes to {@link SeriesView.problems}), it
 * never fails the scrape. Counters and gauges, and histograms whose samples carry their buckets
 * (`CollectedHistogram` in exposition.ts: the ClickHouse exporter's query durations); a family
 * learned at run time through `define` is a counter or a gauge.
 */
export interface CollectorSet {
  /** Name for problem reports (`cpu`, `clickhouse.system.metrics`). */
  readonly name: string;
  /** The catalog definitions it yields samples for. */
  readonly defs: readonly MetricDef[];
  /** Samples per metric name; a name it has nothing for this time may be absent. */
  collect(): ReadonlyMap<string, CollectedSamples> | Promise<ReadonlyMap<string, CollectedSamples>>;
  /**
   * Optional, for sources whose metric names are only known at run time (ClickHouse's
   * `system.events` gains a row the first time an event happens). Called with each name `collect`
   * returned that no family serves yet; a definition it returns (of that name; counter or gauge)
   * becomes a family served from the next scrape on, `undefined` ignores the name.
   */
  readonly define?: (name: string) => MetricDef | undefined;
}

/** A recorded family: its layout message and its writer. */
interface FamilyState {
  readonly msg: FamilyMessage;
  readonly writer: RecordedFamilyWriter;
}

/**
 * One family served by the view, in registration order: recorded (shared memory), collected by a
 * {@link Collector} (synchronous) or by a {@link CollectorSet} (possibly asynchronous).
 */
type Served =
  | { readonly kind: 'recorded'; readonly state: FamilyState }
  | { readonly kind: 'collector'; readonly writer: CollectedFamilyWriter; readonly collector: Collector }
  | { readonly kind: 'set'; readonly writer: CollectedFamilyWriter; readonly samples: () => Promise<CollectedSamples | undefined> };

/** The OpenMetrics 1.0 exposition with no metric family: the `# EOF` line alone. */
const EMPTY_OPENMETRICS = EOF_LINE;

/** The text 0.0.4 exposition with no metric family: one newline, as prom-client wrote it. */
const EMPTY_TEXT = '\n';

/** Rebuilt view of one or more registries' shared memory; renders `/metrics`. */
export class SeriesView {
  private readonly segments: (Float64Array | undefined)[] = [];
  private readonly families: FamilyState[] = [];
  /** Every served family in registration order (the exposition's order). */
  private readonly served: Served[] = [];
  /** Names served, for refusing a second family of the same name. */
  private readonly servedNames = new Set<string>();
  /** Names served by scrape-time collectors; a registry family of the same name is ignored. */
  private readonly collected = new Set<string>();
  /** Layout problems seen (a duplicate name, a series of an unknown family), for the owner to log. */
  readonly problems: string[] = [];
  /**
   * Each freshness group's flag in shared memory (protocol.ts `FreshnessMessage`): its families are
   * served without samples while it is 1.
   */
  private readonly freshness = new Map<string, { readonly flags: Int32Array; readonly index: number }>();
  /** The registries' flag arrays, each once: their change counts are summed. */
  private readonly freshnessFlags: Int32Array[] = [];

  /** Changes of every freshness flag so far (protocol.ts {@link FRESHNESS_CHANGES_SLOT}). */
  private freshnessChanges(): number {
    let n = 0;
    for (const f of this.freshnessFlags) n += Atomics.load(f, FRESHNESS_CHANGES_SLOT);
    return n;
  }

  /** Whether a freshness group is stale now; a group never announced is fresh. */
  private isStale(group: string): boolean {
    const f = this.freshness.get(group);
    return f !== undefined && Atomics.load(f.flags, f.index) === 1;
  }

  /**
   * Serves one family.
   * @throws Error when a family of the same name is already served (prom-client's message)
   */
  private serve(name: string, entry: Served): void {
    if (this.servedNames.has(name)) throw new Error(`A metric with the name ${name} has already been registered.`);
    this.servedNames.add(name);
    this.served.push(entry);
  }

  /** Applies one layout message from the recording thread. */
  apply(m: LayoutMessage): void {
    if (m.t === 'segment') {
      this.segments[m.id] = new Float64Array(m.buffer);
    } else if (m.t === 'freshness') {
      let flags = this.freshnessFlags.find((f) => f.buffer === m.flags);
      if (flags === undefined) this.freshnessFlags.push((flags = new Int32Array(m.flags)));
      this.freshness.set(m.group, { flags, index: m.index });
    } else if (m.t === 'family') {
      const state: FamilyState = { msg: m, writer: new RecordedFamilyWriter(m, m.labelNames, m.buckets) };
      this.families[m.id] = state;
      if (this.collected.has(m.name)) {
        this.problems.push(`${m.name} is collected at scrape time here; the recorded family is not served`);
        return;
      }
      this.serve(m.name, { kind: 'recorded', state });
    } else {
      const f = this.families[m.family];
      if (!f) {
        this.problems.push(`series for unknown family ${m.family}`);
        return;
      }
      f.writer.addSeries(m.labelValues, m.segment, m.offset);
    }
  }

  /**
   * Adds a scrape-time collector (process metrics, host counters read from /proc, ...).
   * @throws Error when a metric of the same name is already present
   */
  addCollector(c: Collector): void {
    this.serve(c.def.name, { kind: 'collector', writer: collectedWriter(c.def), collector: c });
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
      this.serve(def.name, { kind: 'set', writer: collectedWriter(def), samples: async () => (await once()).get(def.name) });
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
        pending = collected.catch((err: unknown) => {
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

  /** Passes made again because a freshness flag changed during one ({@link render}). */
  rereads = 0;

  /** Number of series known per family name. */
  seriesCounts(): Map<string, number> {
    return new Map(this.families.filter(Boolean).map((f) => [f.msg.name, f.writer.size]));
  }

  /** Total series across families (a histogram series counts once). */
  get seriesTotal(): number {
    let n = 0;
    for (const f of this.families) if (f) n += f.writer.size;
    return n;
  }

  /**
   * One synchronous pass of {@link render}: the recorded and collected families written, each
   * collector set's chunk started (`parts`, with the text before and between them), and the first
   * error a synchronous collector threw.
   */
  private pass(n: number, openMetrics: boolean): { out: string; parts: (string | Promise<string>)[] | undefined; failed: boolean; failure: unknown } {
    const served = this.served;
    let out = '';
    /** Chunks before and after each collector set's pending chunk, when there are sets. */
    let parts: (string | Promise<string>)[] | undefined;
    let failed = false;
    let failure: unknown;
    for (let i = 0; i < n; i++) {
      if (i > 0 && !openMetrics) out += '\n'; // text 0.0.4: a blank line between families
      const f = served[i]!;
      try {
        if (f.kind === 'recorded') {
          const { msg, writer } = f.state;
          const fresh = msg.freshness === undefined || !this.isStale(msg.freshness);
          out = writer.write(out, this.segments, openMetrics, fresh);
        } else if (f.kind === 'collector') {
          out = f.writer.write(out, f.collector.collect(), openMetrics);
        } else {
          const w = f.writer;
          (parts ??= []).push(
            out,
            f.samples().then((samples) => w.write('', samples ?? [], openMetrics)),
          );
          out = '';
        }
      } catch (err) {
        // Like prom-client: the render fails, but every collector set of this scrape was started.
        if (!failed) failure = err;
        failed = true;
      }
    }
    return { out, parts, failed, failure };
  }

  /**
   * Renders every family, in the order they were added: `# HELP` and `# TYPE` lines, then the
   * samples (see `exposition.ts` for the exact bytes: those prom-client 15 writes). Recorded
   * families are read from shared memory and every synchronous collector is called in one
   * synchronous pass, and every collector set is started in that same pass (so a scrape is one
   * round for the collector harness, see `collector.ts`); the render then waits for the sets.
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
   *   only `\\` and `\n` there. So OpenMetrics HELP lines escape `"` and text ones do not.
   * - Counters: OpenMetrics names the family without `_total` and every sample with it.
   * - With no family at all, OpenMetrics is `# EOF` alone, text 0.0.4 a single newline.
   *
   * A family whose freshness group is stale is written without samples (Prometheus then marks its
   * series stale instead of keeping the engine's last values as if they were current).
   *
   * Prometheus asks for OpenMetrics first, so a query of a negative-bounded histogram's `_sum` or
   * `_count` finds nothing there: use `_bucket{le="+Inf"}` for the count.
   *
   * @param openMetrics - OpenMetrics 1.0.0 when true, Prometheus text 0.0.4 otherwise
   * @returns the exposition body (a flat string), and its Content-Type (`application/openmetrics-text;
   *   version=1.0.0; charset=utf-8` or `text/plain; version=0.0.4; charset=utf-8`)
   * @throws (rejects with) what a synchronous {@link Collector} throws; collector sets never fail a render
   */
  async render(openMetrics = false): Promise<{ body: string; contentType: string }> {
    this.generation++;
    const contentType = openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE;
    const n = this.served.length; // families a collector set defines during this render come next time
    if (n === 0) return { body: openMetrics ? EMPTY_OPENMETRICS : EMPTY_TEXT, contentType };
    // A freshness flag that changed during the pass (the engine went silent, or spoke again, on
    // the recording thread) may have left families read on either side of the change: the pass is
    // made again, at most twice more (a collector set is started once per render, see `once`).
    let changes = this.freshnessChanges();
    let pass = this.pass(n, openMetrics);
    for (let again = 0; again < 2; again++) {
      const now = this.freshnessChanges();
      if (now === changes) break;
      changes = now;
      this.rereads++;
      if (pass.parts) void Promise.allSettled(pass.parts);
      pass = this.pass(n, openMetrics);
    }
    const { out, parts, failed, failure } = pass;
    if (failed) {
      if (parts) void Promise.allSettled(parts);
      throw failure;
    }
    let body: string;
    if (parts) {
      parts.push(out);
      body = (await Promise.all(parts)).join('');
    } else body = out;
    if (openMetrics) body += EOF_LINE;
    return { body: flatten(body), contentType };
  }
}

/** The writer of a collected family. */
function collectedWriter(def: MetricDef): CollectedFamilyWriter {
  return new CollectedFamilyWriter(def, Object.keys(def.labels), def.type === 'histogram' ? (def.buckets ?? []) : []);
}
