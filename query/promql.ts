/**
 * Typed PromQL over the metric catalog.
 *
 * Selectors take catalog definitions, not strings: a metric that is not in the catalog cannot be
 * named, a label matcher must use one of the metric's labels (plus the target labels `job` and
 * `instance`), and `rate`/`increase` accept only counters (and histogram `_bucket`/`_count`/`_sum`
 * series). Every expression is also parsed with Prometheus' own grammar (lezer-promql) at build time
 * and its metric names checked against the catalog and the recording rules ({@link checkExpr}).
 */
import { parser } from '@prometheus-io/lezer-promql';
import { METRICS_BY_NAME } from '../exporters/catalog/index.js';
import type { LabelSpec, MetricDef, MetricType } from '../exporters/catalog/types.js';

/** A Prometheus duration: `30s`, `1m`, `5m`, `1h`. */
export type Duration = `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

/**
 * Grafana's range variables, which Grafana replaces with a duration before it sends a query:
 * `$__rate_interval` (at least four scrape intervals), `$__interval` (one point's width),
 * `$__range` (the dashboard's time range). For dashboard panels only: Prometheus itself does not
 * parse them, so a rule that used one fails the rules build's grammar check.
 */
export type GrafanaRange = '$__rate_interval' | '$__interval' | '$__range';

/** A range-vector window: a Prometheus duration, or (in dashboards) a Grafana range variable. */
export type Window = Duration | GrafanaRange;

/** Labels every scraped series carries. */
export type TargetLabel = 'job' | 'instance';

/** Label names of a definition. */
export type LabelsOf<D> = D extends MetricDef<string, MetricType, infer L> ? Extract<keyof L, string> : never;

/** One label matcher: equality (a string), or `{ re }`, `{ ne }`, `{ nre }`. */
export type Matcher = string | { readonly re: string } | { readonly ne: string } | { readonly nre: string };

/** Matchers keyed by the metric's own labels and the target labels. */
export type Matchers<D> = Partial<Record<LabelsOf<D> | TargetLabel, Matcher>>;

/** Grouping labels usable with a metric: its own, the target labels, and `le` for buckets. */
export type GroupLabel<D> = LabelsOf<D> | TargetLabel | 'le';

/**
 * A PromQL expression. A binary operation parenthesises any operand that is itself a binary
 * operation, so precedence never surprises; selectors, calls and aggregations stay bare.
 */
export class Expr {
  /** @param binary - whether the text is a binary operation (needs parentheses as an operand) */
  constructor(
    readonly text: string,
    readonly binary = false,
  ) {}
  toString(): string {
    return this.text;
  }
  private bin(op: string, rhs: Expr | number, mod = ''): Expr {
    const r = typeof rhs === 'number' ? num(rhs) : rhs.binary ? `(${rhs.text})` : rhs.text;
    const l = this.binary ? `(${this.text})` : this.text;
    return new Expr(`${l} ${op}${mod ? ` ${mod}` : ''} ${r}`, true);
  }
  /** `>` (filter). */
  gt(rhs: Expr | number, m?: Matching): Expr {
    return this.bin('>', rhs, matching(m));
  }
  /** `>=` (filter). */
  gte(rhs: Expr | number, m?: Matching): Expr {
    return this.bin('>=', rhs, matching(m));
  }
  /** `<` (filter). */
  lt(rhs: Expr | number, m?: Matching): Expr {
    return this.bin('<', rhs, matching(m));
  }
  /** `==` (filter). */
  eq(rhs: Expr | number, m?: Matching): Expr {
    return this.bin('==', rhs, matching(m));
  }
  /** `/`. */
  div(rhs: Expr | number, m?: Matching): Expr {
    return this.bin('/', rhs, matching(m));
  }
  /** `*`. */
  mul(rhs: Expr | number, m?: Matching): Expr {
    return this.bin('*', rhs, matching(m));
  }
  /** `-`. */
  sub(rhs: Expr | number, m?: Matching): Expr {
    return this.bin('-', rhs, matching(m));
  }
  /** `+`. */
  add(rhs: Expr | number, m?: Matching): Expr {
    return this.bin('+', rhs, matching(m));
  }
  /** `and` (set intersection), optionally `on(labels)`. */
  and(rhs: Expr, on?: readonly string[]): Expr {
    return this.bin('and', rhs, on ? `on(${on.join(', ')})` : '');
  }
  /** `or`, optionally `on(labels)` (then `rhs` adds only label groups `this` lacks). */
  or(rhs: Expr, on?: readonly string[]): Expr {
    return this.bin('or', rhs, on ? `on(${on.join(', ')})` : '');
  }
  /** `unless`, optionally `on(labels)`. */
  unless(rhs: Expr, on?: readonly string[]): Expr {
    return this.bin('unless', rhs, on ? `on(${on.join(', ')})` : '');
  }
}

/** Vector matching for a binary operation. */
export interface Matching {
  readonly on?: readonly string[];
  readonly ignoring?: readonly string[];
  readonly groupLeft?: readonly string[];
}

function matching(m?: Matching): string {
  if (!m) return '';
  let s = m.on ? `on(${m.on.join(', ')})` : m.ignoring ? `ignoring(${m.ignoring.join(', ')})` : '';
  if (m.groupLeft) s += ` group_left(${m.groupLeft.join(', ')})`;
  return s;
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : '-Inf';
}

function quote(v: string): string {
  return JSON.stringify(v);
}

function matchers(m: Readonly<Record<string, Matcher | undefined>> | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(m ?? {})) {
    if (v === undefined) continue;
    if (typeof v === 'string') parts.push(`${k}=${quote(v)}`);
    else if ('re' in v) parts.push(`${k}=~${quote(v.re)}`);
    else if ('ne' in v) parts.push(`${k}!=${quote(v.ne)}`);
    else parts.push(`${k}!~${quote(v.nre)}`);
  }
  return parts.length ? `{${parts.join(', ')}}` : '';
}

/** An instant-vector selector of one metric; `T` is what `rate` may be applied to. */
export class Selector<D extends MetricDef, T extends MetricType = D['type']> extends Expr {
  constructor(
    readonly def: D,
    readonly series: string,
    readonly kind: T,
    m?: Matchers<D>,
  ) {
    super(`${series}${matchers(m as Record<string, Matcher>)}`);
  }
}

/** Selects a catalog metric (for a histogram, see {@link bucket}, {@link count}, {@link sumOf}). */
export function sel<D extends MetricDef<string, 'counter' | 'gauge', LabelSpec>>(def: D, m?: Matchers<D>): Selector<D> {
  return new Selector(def, def.name, def.type, m);
}

/** A histogram's `_bucket` series (a counter per `le`). */
export function bucket<D extends MetricDef<string, 'histogram', LabelSpec>>(def: D, m?: Matchers<D>): Selector<D, 'counter'> {
  return new Selector(def, `${def.name}_bucket`, 'counter', m);
}

/**
 * One bucket of a histogram: its `_bucket` series at `le` = `bound` (`+Inf` for Infinity), for
 * counting the observations above a bound (`+Inf` minus `bound`). `bound` must be one of the
 * histogram's bucket bounds, or the selector matches nothing.
 * @param m - further matchers (not `le`)
 */
export function bucketAt<D extends MetricDef<string, 'histogram', LabelSpec>>(def: D, bound: number, m?: Matchers<D>): Selector<D, 'counter'> {
  return new Selector(def, `${def.name}_bucket`, 'counter', { ...m, le: Number.isFinite(bound) ? String(bound) : '+Inf' } as Matchers<D>);
}

/** A histogram's `_count` series. */
export function count<D extends MetricDef<string, 'histogram', LabelSpec>>(def: D, m?: Matchers<D>): Selector<D, 'counter'> {
  return new Selector(def, `${def.name}_count`, 'counter', m);
}

/** A histogram's `_sum` series. */
export function sumOf<D extends MetricDef<string, 'histogram', LabelSpec>>(def: D, m?: Matchers<D>): Selector<D, 'counter'> {
  return new Selector(def, `${def.name}_sum`, 'counter', m);
}

/** Counter-like selectors: the only ones `rate` and `increase` take. */
export type CounterSelector = Selector<MetricDef, 'counter'>;

/** `rate(counter[w])`, per second. */
export function rate(s: CounterSelector, w: Window): Expr {
  return new Expr(`rate(${s.text}[${w}])`);
}

/** `increase(counter[w])`. */
export function increase(s: CounterSelector, w: Window): Expr {
  return new Expr(`increase(${s.text}[${w}])`);
}

/** `changes(gauge[w])`. */
export function changes(s: Selector<MetricDef, 'gauge'>, w: Duration): Expr {
  return new Expr(`changes(${s.text}[${w}])`);
}

/**
 * `sum_over_time(gauge[w])`: the sum of a gauge's samples in the window (for a recorded count per
 * evaluation, such as the SLO rules' `slo:sli_total:increase5m`, summed over a long window).
 */
export function sumOverTime(s: Selector<MetricDef<string, 'gauge', LabelSpec>, MetricType>, w: Duration): Expr {
  return new Expr(`sum_over_time(${s.text}[${w}])`);
}

/** `predict_linear(gauge[w], seconds)`. */
export function predictLinear(s: Selector<MetricDef, 'gauge'>, w: Duration, seconds: number): Expr {
  return new Expr(`predict_linear(${s.text}[${w}], ${num(seconds)})`);
}

/** `max_over_time(gauge[w])`. */
export function maxOverTime(s: Selector<MetricDef, 'gauge'>, w: Duration): Expr {
  return new Expr(`max_over_time(${s.text}[${w}])`);
}

function agg(op: string, by: readonly string[] | undefined, e: Expr): Expr {
  return new Expr(`${op}${by ? ` by (${by.join(', ')})` : ''} (${e.text})`);
}

/** `topk(k, e)`: the `k` series of `e` with the largest values (per evaluation; a series may enter and leave). */
export function topk(k: number, e: Expr): Expr {
  if (!Number.isInteger(k) || k < 1) throw new Error(`topk: k must be a positive integer, not ${k}`);
  return new Expr(`topk(${k}, ${e.text})`);
}

/** `sum by (labels) (e)`. */
export const sum = (by: readonly string[] | undefined, e: Expr): Expr => agg('sum', by, e);
/** `max by (labels) (e)`. */
export const max = (by: readonly string[] | undefined, e: Expr): Expr => agg('max', by, e);
/** `min by (labels) (e)`. */
export const min = (by: readonly string[] | undefined, e: Expr): Expr => agg('min', by, e);
/** `avg by (labels) (e)`. */
export const avg = (by: readonly string[] | undefined, e: Expr): Expr => agg('avg', by, e);

/**
 * `histogram_quantile(q, sum by (le, ...by) (rate(h_bucket[w])))`.
 * @param q - quantile, 0 to 1
 */
export function quantile<D extends MetricDef<string, 'histogram', LabelSpec>>(q: number, def: D, by: readonly GroupLabel<D>[], w: Window, m?: Matchers<D>): Expr {
  return new Expr(`histogram_quantile(${num(q)}, ${sum(['le', ...by.filter((l) => l !== 'le')], rate(bucket(def, m), w)).text})`);
}

/** `vector(n)`. */
export function vector(n: number): Expr {
  return new Expr(`vector(${num(n)})`);
}

/** `absent(selector)`. */
export function absent(s: Selector<MetricDef>): Expr {
  return new Expr(`absent(${s.text})`);
}

/** `abs(e)`: the magnitude (drops the metric name). */
export function abs(e: Expr): Expr {
  return new Expr(`abs(${e.text})`);
}

/**
 * `label_replace(e, "label", "value", "", "")`: every series of `e` with `label` set to `value`, so
 * that series of different metrics but the same target can stand side by side in an `or`.
 */
export function withLabel(e: Expr, label: string, value: string): Expr {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label) || label.startsWith('__')) throw new Error(`withLabel: bad label name ${label}`);
  return new Expr(`label_replace(${e.text}, ${quote(label)}, ${quote(value)}, "", "")`);
}

/** `e != bool n`: 1 where `e` is not `n`, 0 where it is (the metric name dropped). */
export function notEqualBool(e: Expr, n: number): Expr {
  return new Expr(`${e.binary ? `(${e.text})` : e.text} != bool ${num(n)}`, true);
}

/** `clamp_min(e, n)`. */
export function clampMin(e: Expr, n: number): Expr {
  return new Expr(`clamp_min(${e.text}, ${num(n)})`);
}

/**
 * Series Prometheus itself makes for every target. Not exported by us, so not in the catalog;
 * listed here so rules can use them with the same typing.
 */
export const PROMETHEUS_SERIES = {
  up: { name: 'up', type: 'gauge', help: 'Whether the last scrape of the target succeeded (1) or not (0).', unit: 'boolean', labels: {}, domain: 'prometheus', exportedBy: [] },
} as const satisfies Record<string, MetricDef>;

/**
 * Series Prometheus' rule evaluator writes, not a scrape: `ALERTS`, one series per pending or
 * firing alert, value 1, with the alert's labels (`alertname`, `alertstate`, the expression's own
 * labels and the rule's static ones: `severity` and `family`, alert-rules/model.ts' `staticLabels`).
 * Source: Prometheus' alerting rules documentation ("Inspecting alerts during runtime"). They carry
 * `job` and `instance` only when the alert's expression keeps them, so a dashboard does not narrow
 * them by its `job` and `instance` variables (dashboards-src/check.ts exempts them from that rule,
 * and no scrape job exports them).
 */
export const PROMETHEUS_RULE_SERIES = {
  ALERTS: {
    name: 'ALERTS',
    type: 'gauge',
    help: 'One series per pending or firing alert, value 1, with the alert labels (written by the rule evaluator).',
    unit: 'boolean',
    labels: { alertname: 'open', alertstate: ['pending', 'firing'], severity: ['critical', 'warning', 'none'], family: 'open' },
    domain: 'prometheus',
    exportedBy: [],
  },
} as const satisfies Record<string, MetricDef>;

/** Whether `name` is a series of {@link PROMETHEUS_RULE_SERIES} (`ALERTS`). */
export function isRuleSeries(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(PROMETHEUS_RULE_SERIES, name);
}

/** Names an expression may use: the catalog, Prometheus' own series, and recording rules. */
export interface KnownNames {
  readonly recorded: ReadonlySet<string>;
}

/**
 * Parses an expression with Prometheus' grammar and checks every metric it names.
 * @returns problems (syntax errors, unknown metrics); empty when sound
 */
export function checkExpr(expr: string, known: KnownNames): string[] {
  const problems: string[] = [];
  const tree = parser.parse(expr);
  const cur = tree.cursor();
  do {
    if (cur.type.isError) problems.push(`syntax error at ${cur.from}: ${JSON.stringify(expr.slice(Math.max(0, cur.from - 20), cur.from + 20))}`);
    if (cur.name === 'VectorSelector') {
      const id = cur.node.getChild('Identifier');
      if (id) {
        const name = expr.slice(id.from, id.to);
        if (!isKnown(name, known)) problems.push(`unknown metric ${name}: not in the catalog, not a recording rule`);
      }
    }
  } while (cur.next());
  return problems;
}

/** Metric names an expression selects (parsed, not matched by a regular expression). */
export function metricNames(expr: string): string[] {
  const out: string[] = [];
  const cur = parser.parse(expr).cursor();
  do {
    if (cur.name === 'VectorSelector') {
      const id = cur.node.getChild('Identifier');
      if (id) out.push(expr.slice(id.from, id.to));
    }
  } while (cur.next());
  return out;
}

function isKnown(name: string, known: KnownNames): boolean {
  if (known.recorded.has(name) || name in PROMETHEUS_SERIES || isRuleSeries(name)) return true;
  if (METRICS_BY_NAME.has(name)) return true;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return base !== name && METRICS_BY_NAME.get(base)?.type === 'histogram';
}
