/**
 * The exposition writer: Prometheus text format 0.0.4 and OpenMetrics 1.0 straight from shared
 * memory, written byte for byte as prom-client 15's `Registry#metrics()` writes the same families
 * (test/instrument/exposition.test.ts compares the two), without building a sample object per
 * value or formatting a label set per scrape.
 *
 * Specifications:
 * - text 0.0.4: https://github.com/prometheus/docs/blob/main/content/docs/instrumenting/exposition_formats.md
 *   ("Text format details": `# HELP` escapes `\` and newline; label values escape `\`, `"` and newline);
 * - OpenMetrics 1.0: https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md
 *   (section "Text format": ABNF `escaped-string` for HELP and label values, `# EOF`; "Counter":
 *   samples named `<family>_total`; "Histogram": `_bucket`, `_sum`, `_count`).
 *
 * What prom-client does, and so what this writer does (read from prom-client 15.1's
 * `lib/registry.js` and `lib/util.js`):
 * - per family `# HELP <name> <help>` then `# TYPE <name> <type>`, then one line per sample:
 *   `<name>{<label>="<value>",...} <value>`, or `<name> <value>` without labels. No `# UNIT`, no
 *   `_created`, no timestamps, no exemplars (this writer has none to write).
 * - text 0.0.4 separates families by a blank line and ends in a newline (an empty exposition is a
 *   single newline); OpenMetrics separates them by nothing and ends in `# EOF`.
 * - OpenMetrics counters: the family name loses a trailing `_total` (`hft_feed_events`), every
 *   sample gets `_total` appended (`hft_feed_events_total`), so a counter named without `_total`
 *   (`ClickHouseProfileEvents_Query`) gains one on its samples.
 * - values: `String(v)` (shortest round-trip decimal: `0.1`, `1e-7`, `1e+21`,
 *   `9007199254740994`, `-0` as `0`), `+Inf`, `-Inf`, and NaN as `Nan` (OpenMetrics' ABNF and Go's
 *   `strconv.ParseFloat` both read `nan` case-insensitively).
 * - escaping: `\` to `\\` and newline to `\n` in HELP and names; in label values also `"` to
 *   `\"`; a label value that is not a string is written with `String()` unescaped (`le`).
 *   This writer also escapes `"` in OpenMetrics HELP, which prom-client does not (the ABNF's
 *   `escaped-string` wants `\"`; text 0.0.4 knows only `\\` and `\n` there).
 */
import type { MetricType } from '../catalog/types.js';

/**
 * The buckets and sum of one histogram series a collector serves (see {@link CollectedSamples}):
 * what a recording thread's histogram keeps in shared memory, read from another source (the
 * ClickHouse exporter's query log) at scrape time.
 */
export interface CollectedHistogram {
  /**
   * Observations at or below each finite bucket bound of the family, cumulative, one per bound in
   * the definition's order (the `+Inf` bucket is the sample's value, the series' count).
   */
  readonly cumulative: ArrayLike<number>;
  /** Sum of the observations, in the metric's unit. */
  readonly sum: number;
}

/**
 * Samples of one metric: label values in the definition's label order, and the value. For a
 * histogram family the value is the series' count and the third element its cumulative buckets and
 * sum ({@link CollectedHistogram}); a histogram sample without it is written as a plain sample line
 * under the family's name, as prom-client writes it.
 */
export type CollectedSamples = Iterable<readonly [labelValues: readonly string[], value: number, histogram?: CollectedHistogram]>;

/** Content-Type of text format 0.0.4. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Content-Type of OpenMetrics 1.0.0. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** The OpenMetrics terminator line. */
export const EOF_LINE = '# EOF\n';

/**
 * A sample value as prom-client writes it: `Nan`, `+Inf`, `-Inf`, else `String(v)`. A value of
 * another type than number is written as prom-client writes it too (`+Inf` or `-Inf`: its
 * finiteness test is `Number.isFinite`).
 */
export function formatValue(v: number): string {
  if (typeof v === 'number' && v - v === 0) return '' + v; // finite: Inf - Inf and NaN - NaN are NaN
  if (Number.isNaN(v)) return 'Nan';
  return v < 0 ? '-Inf' : '+Inf';
}

/** Infinite or NaN `v` (a number) as prom-client writes it; the rare branch of the writers' inlined formatting. */
function nonFinite(v: number): string {
  return v !== v ? 'Nan' : v < 0 ? '-Inf' : '+Inf';
}

const NEEDS_ESCAPE = /[\\\n"]/;
const BACKSLASH = /\\/g;
const NEWLINE = /\n/g;
const QUOTE = /"/g;

/** A label value escaped for both formats: `\` as `\\`, `"` as `\"`, newline as `\n`. Other characters (any Unicode) as they are. */
export function escapeLabelValue(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(BACKSLASH, '\\\\').replace(NEWLINE, '\\n').replace(QUOTE, '\\"');
}

/** A name or a text 0.0.4 HELP escaped as prom-client does: `\` as `\\`, newline as `\n`. */
export function escapeText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(BACKSLASH, '\\\\').replace(NEWLINE, '\\n');
}

/**
 * HELP text for a format: text 0.0.4 escapes `\` and newline; OpenMetrics also `"` (its
 * `escaped-string`).
 */
export function escapeHelp(help: string, openMetrics: boolean): string {
  return openMetrics ? escapeLabelValue(help) : escapeText(help);
}

/** One label value as written inside quotes: escaped when a string, `String(v)` otherwise (prom-client's `le` numbers). */
function labelValueText(v: unknown): string {
  return typeof v === 'string' ? escapeLabelValue(v) : `${v as string}`;
}

/**
 * The label pairs of a sample without braces: `a="x",b="y"` (empty without labels). A missing
 * or `null` value is written as the empty string, as the view always did.
 * @param names - label names in exposition order
 * @param values - label values in the same order
 */
export function labelPairs(names: readonly string[], values: ArrayLike<unknown>): string {
  let s = '';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) s += ',';
    s += names[i]! + '="' + labelValueText(values[i] ?? '') + '"';
  }
  return s;
}

/**
 * The name a family is exposed under: an OpenMetrics counter loses a trailing `_total` (its
 * samples get it back, see {@link sampleName}); otherwise the name itself.
 */
export function familyName(name: string, type: MetricType, openMetrics: boolean): string {
  return openMetrics && type === 'counter' ? name.replace(/_total$/, '') : name;
}

/** The name on a counter's or gauge's sample lines: the escaped family name, plus `_total` for OpenMetrics counters. */
export function sampleName(name: string, type: MetricType, openMetrics: boolean): string {
  const n = escapeText(familyName(name, type, openMetrics));
  return openMetrics && type === 'counter' ? `${n}_total` : n;
}

/** A family's `# HELP` and `# TYPE` lines, each ending in a newline. */
export function familyHeader(name: string, help: string, type: MetricType, openMetrics: boolean): string {
  const n = escapeText(familyName(name, type, openMetrics));
  return `# HELP ${n} ${escapeHelp(help, openMetrics)}\n# TYPE ${n} ${type}\n`;
}

/** What a family needs to be written: its catalog name, HELP and type. */
export interface FamilyDescriptor {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
}

/**
 * A family served from shared memory (a recording thread's registry). Everything that does not
 * change between scrapes is computed when a series is announced: the header lines per format, each
 * series' sample prefix (`name{labels} `), a histogram's per-series `name_bucket{labels,` head and
 * the family's `le="…"} ` tails. A scrape then only reads the slots and formats the numbers.
 */
export class RecordedFamilyWriter {
  /** Label names in exposition order. */
  readonly labelNames: readonly string[];
  /**
   * A bucket bound below zero: the family's `_sum` is not a counter, so OpenMetrics gets neither
   * `_sum` nor `_count` (OpenMetrics 1.0, "Histogram": "Negative threshold buckets MAY be used, but
   * then the Histogram MetricPoint MUST NOT contain a sum value"; "Text format > Histogram": `_count`
   * appears if and only if a sum does). Text 0.0.4 keeps both.
   */
  readonly negativeBounds: boolean;
  private readonly headerText: string;
  private readonly headerOpen: string;
  /** Segment index and first slot per series. */
  private readonly segment: number[] = [];
  private readonly offset: number[] = [];
  /** Counters and gauges: `name{labels} ` per series (text 0.0.4, and OpenMetrics gauges). */
  private readonly prefixText: string[] = [];
  /** OpenMetrics counters: `family_total{labels} `, built on the first OpenMetrics scrape. */
  private readonly prefixOpen: string[] = [];
  /** Histograms: `name_bucket{labels,` (or `name_bucket{`), `name_sum{labels} `, `name_count{labels} ` per series. */
  private readonly bucketHead: string[] = [];
  private readonly sumPrefix: string[] = [];
  private readonly countPrefix: string[] = [];
  /** Histograms: `le="<bound>"} ` per bound, then `le="+Inf"} `. */
  private readonly leTail: readonly string[];
  private readonly textName: string;
  private readonly openName: string;

  /**
   * @param family - name, HELP, type
   * @param labelNames - label names in exposition order
   * @param buckets - histogram bounds (without +Inf); empty otherwise
   */
  constructor(
    readonly family: FamilyDescriptor,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    this.labelNames = labelNames;
    this.negativeBounds = family.type === 'histogram' && buckets.some((b) => b < 0);
    this.headerText = familyHeader(family.name, family.help, family.type, false);
    this.headerOpen = familyHeader(family.name, family.help, family.type, true);
    this.textName = sampleName(family.name, family.type, false);
    this.openName = sampleName(family.name, family.type, true);
    this.leTail = family.type === 'histogram' ? [...buckets.map((b) => flat('le="', `${b}`, '"} ')), 'le="+Inf"} '] : [];
  }

  /** Number of series. */
  get size(): number {
    return this.segment.length;
  }

  /**
   * Adds a series.
   * @param labelValues - in {@link labelNames} order
   * @param segment - index of the segment holding its slots
   * @param offset - its first slot (see `SeriesMessage`)
   */
  addSeries(labelValues: readonly string[], segment: number, offset: number): void {
    this.segment.push(segment);
    this.offset.push(offset);
    const pairs = labelPairs(this.labelNames, labelValues);
    if (this.family.type !== 'histogram') {
      this.prefixText.push(pairs ? flat(this.textName, '{', pairs, '} ') : flat(this.textName, ' '));
      return;
    }
    // prom-client writes histogram sample names unescaped (its `metricName` path).
    const n = this.family.name;
    this.bucketHead.push(pairs ? flat(n, '_bucket{', pairs, ',') : flat(n, '_bucket{'));
    this.sumPrefix.push(pairs ? flat(n, '_sum{', pairs, '} ') : flat(n, '_sum '));
    this.countPrefix.push(pairs ? flat(n, '_count{', pairs, '} ') : flat(n, '_count '));
  }

  /**
   * Appends the family to `out`: its header lines, then (unless `withSamples` is false) a line per
   * sample read from `segments` now. A series whose segment is unknown is skipped. Every line ends
   * in a newline.
   * @param out - the exposition so far
   * @param segments - the shared-memory segments by index
   * @param openMetrics - OpenMetrics 1.0 when true, text 0.0.4 otherwise
   * @param withSamples - false for a family served without samples (a stale freshness group)
   * @returns `out` with the family appended
   */
  write(out: string, segments: readonly (Float64Array | undefined)[], openMetrics: boolean, withSamples = true): string {
    out += openMetrics ? this.headerOpen : this.headerText;
    if (!withSamples) return out;
    if (this.family.type === 'histogram') return this.writeHistograms(out, segments, !(openMetrics && this.negativeBounds));
    const prefix = openMetrics && this.family.type === 'counter' ? this.openPrefixes() : this.prefixText;
    const seg = this.segment;
    const off = this.offset;
    for (let i = 0; i < seg.length; i++) {
      const v = segments[seg[i]!];
      if (v === undefined) continue;
      const x = v[off[i]!]!;
      out += prefix[i]!;
      out += x - x === 0 ? '' + x : nonFinite(x);
      out += '\n';
    }
    return out;
  }

  private writeHistograms(out: string, segments: readonly (Float64Array | undefined)[], sumAndCount: boolean): string {
    const seg = this.segment;
    const off = this.offset;
    const le = this.leTail;
    const nb = le.length; // bounds + the +Inf bucket
    for (let i = 0; i < seg.length; i++) {
      const v = segments[seg[i]!];
      if (v === undefined) continue;
      const o = off[i]!;
      const head = this.bucketHead[i]!;
      let c = 0;
      for (let j = 0; j < nb; j++) {
        c += v[o + j]!;
        out += head;
        out += le[j]!;
        out += c - c === 0 ? '' + c : nonFinite(c);
        out += '\n';
      }
      if (!sumAndCount) continue;
      const sum = v[o + nb]!;
      out += this.sumPrefix[i]!;
      out += sum - sum === 0 ? '' + sum : nonFinite(sum);
      out += '\n';
      out += this.countPrefix[i]!;
      out += c - c === 0 ? '' + c : nonFinite(c);
      out += '\n';
    }
    return out;
  }

  /** OpenMetrics counter prefixes: the text prefix with the family's `_total` sample name. */
  private openPrefixes(): string[] {
    const p = this.prefixOpen;
    const cut = this.textName.length;
    for (let i = p.length; i < this.prefixText.length; i++) p.push(flat(this.openName, this.prefixText[i]!.slice(cut)));
    return p;
  }
}

/**
 * A family whose samples come from a collector at scrape time. Counters and gauges: a line per
 * sample. Histograms: a sample that carries its buckets ({@link CollectedHistogram}) is written
 * exactly as {@link RecordedFamilyWriter} writes a recorded histogram series (`_bucket` lines with
 * `le` last, `_sum`, `_count`; neither `_sum` nor `_count` in OpenMetrics for a family with a
 * negative bound); one without is written as prom-client would, a plain sample line. Labels are
 * formatted per scrape, since the samples are new each time.
 */
export class CollectedFamilyWriter {
  /** Label names in exposition order. */
  readonly labelNames: readonly string[];
  /** A histogram family with a bucket bound below zero: no `_sum`/`_count` in OpenMetrics (see {@link RecordedFamilyWriter.negativeBounds}). */
  readonly negativeBounds: boolean;
  private readonly headerText: string;
  private readonly headerOpen: string;
  private readonly textName: string;
  private readonly openName: string;
  /** Histograms: `le="<bound>"} ` per bound, then `le="+Inf"} `. */
  private readonly leTail: readonly string[];

  /**
   * @param family - name, HELP, type
   * @param labelNames - label names in exposition order (`Object.keys(def.labels)`)
   * @param buckets - a histogram's finite bucket bounds (`def.buckets`); empty otherwise
   */
  constructor(
    readonly family: FamilyDescriptor,
    labelNames: readonly string[],
    readonly buckets: readonly number[] = [],
  ) {
    this.labelNames = labelNames;
    this.negativeBounds = family.type === 'histogram' && buckets.some((b) => b < 0);
    this.headerText = familyHeader(family.name, family.help, family.type, false);
    this.headerOpen = familyHeader(family.name, family.help, family.type, true);
    this.textName = sampleName(family.name, family.type, false);
    this.openName = sampleName(family.name, family.type, true);
    this.leTail = family.type === 'histogram' ? [...buckets.map((b) => flat('le="', `${b}`, '"} ')), 'le="+Inf"} '] : [];
  }

  /**
   * Appends the family to `out`: header lines, then a line per sample (none when `samples` is
   * undefined), or a histogram series' lines per sample that carries its buckets. Label values are
   * taken in {@link labelNames} order; extra values are ignored, missing ones written empty. A
   * histogram sample with fewer cumulative counts than bounds gets its count for the missing ones.
   * @returns `out` with the family appended
   * @throws whatever iterating `samples` throws
   */
  write(out: string, samples: CollectedSamples | undefined, openMetrics: boolean): string {
    out += openMetrics ? this.headerOpen : this.headerText;
    if (samples === undefined) return out;
    const name = openMetrics ? this.openName : this.textName;
    const names = this.labelNames;
    const histogram = this.family.type === 'histogram';
    for (const [values, value, h] of samples) {
      if (histogram && h !== undefined) {
        out = this.writeHistogram(out, values, value, h, !(openMetrics && this.negativeBounds));
        continue;
      }
      out += name;
      if (names.length > 0) out += '{' + labelPairs(names, values) + '}';
      out += ' ';
      out += formatValue(value);
      out += '\n';
    }
    return out;
  }

  /** One histogram series, in {@link RecordedFamilyWriter}'s bytes (prom-client writes histogram sample names unescaped). */
  private writeHistogram(out: string, values: readonly string[], count: number, h: CollectedHistogram, sumAndCount: boolean): string {
    const pairs = labelPairs(this.labelNames, values);
    const n = this.family.name;
    const head = pairs ? flat(n, '_bucket{', pairs, ',') : flat(n, '_bucket{');
    const le = this.leTail;
    const last = le.length - 1;
    for (let j = 0; j < le.length; j++) {
      out += head;
      out += le[j]!;
      out += formatValue(j < last ? (h.cumulative[j] ?? count) : count);
      out += '\n';
    }
    if (!sumAndCount) return out;
    out += pairs ? flat(n, '_sum{', pairs, '} ') : flat(n, '_sum ');
    out += formatValue(h.sum);
    out += '\n';
    out += pairs ? flat(n, '_count{', pairs, '} ') : flat(n, '_count ');
    out += formatValue(count);
    out += '\n';
    return out;
  }
}

/**
 * The concatenation of `parts` as one sequential string. A template literal or `+` makes a rope
 * (a tree of pieces) that every scrape would walk again; `Array#join` copies the parts once.
 */
function flat(...parts: string[]): string {
  return parts.join('');
}

/**
 * Makes `s` a flat string (V8 builds `+=` chains as ropes; reading a character flattens one in
 * place), so the copy happens here rather than in the socket write, once either way.
 */
export function flatten(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}
