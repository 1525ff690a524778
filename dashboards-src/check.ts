/**
 * Checks of built dashboards, used by the build (which refuses to write when any fails) and by
 * the tests. They work on the dashboard models as JSON would carry them, so a hand-edited or
 * regenerated file can be checked the same way. Besides tickwatch's own rules they implement the
 * rules of Grafana's dashboard linter (github.com/grafana/dashboard-linter) that apply to
 * Prometheus dashboards, on the catalog where the linter guesses (a counter is what the catalog
 * says, not a name ending in `_total`); {@link checkDashboards} lists them and the two deliberate
 * departures (the `job` variable's "All", and the windows other than `$__rate_interval` allowed).
 */
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { VariableRefresh } from '@grafana/grafana-foundation-sdk/dashboard';
import { parser } from '@prometheus-io/lezer-promql';
import { ALERTS, ALL_RECORDING_RULES } from '../alert-rules/index.js';
import { JOBS, METRICS_BY_NAME } from '../exporters/catalog/index.js';
import type { Exporter } from '../exporters/catalog/types.js';
import { runbookUrl } from '../query/links.js';
import { checkExpr, isRuleSeries, metricNames, PROMETHEUS_RULE_SERIES, PROMETHEUS_SERIES } from '../query/promql.js';
import { ALERT_ANNOTATION_NAME, DATASOURCE, DATASOURCE_VARIABLE, GRAFANA_UNITS, INSTANCE_ALL, INSTANCE_VARIABLE, JOB_VARIABLE } from './common.js';
import { ALERT_FAMILY_DASHBOARDS, ALERT_LIST_PANEL_ID, DASHBOARD_UIDS, PANELS } from '../query/panels.js';
import { checkSql, CLICKHOUSE_PLUGIN, DATABASE_VARIABLE, PROMETHEUS_VARIABLE, SQL_DATASOURCE, SQL_FORMAT, SQL_PROMETHEUS_DATASOURCE } from './sql.js';

/** A dashboard and the file name (without `.json`) it is written to. */
export interface NamedDashboard {
  readonly name: string;
  readonly dashboard: Dashboard;
}

/** One Prometheus query of a panel, as the dashboard JSON carries it. */
export interface PanelQuery {
  readonly refId: string | undefined;
  readonly expr: string | undefined;
  readonly datasourceUid: string | undefined;
  /** The SQL of a query of the ClickHouse plugin (sql.ts); undefined for PromQL. */
  readonly rawSql?: string | undefined;
}

/**
 * Values the checks (and the liveness test) give Grafana's built-in variables: a 1-minute rate
 * window and interval, a 1-hour range.
 */
export const BUILTIN_VALUES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '1m',
  __interval_ms: '60000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
};

/** `$name`, `${name}`, `${name:format}` and `[[name]]` references. */
const VARIABLE_RE = /\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]/g;

/** Names of the variables a query refers to (built-ins included). */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(VARIABLE_RE)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/**
 * Replaces variable references the way Grafana would before sending the query: `values` first,
 * then {@link BUILTIN_VALUES}, and `.*` for any other variable (an "All" selection).
 */
export function substituteVariables(text: string, values: Readonly<Record<string, string>> = {}): string {
  return text.replace(VARIABLE_RE, (_m, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    return values[name] ?? BUILTIN_VALUES[name] ?? '.*';
  });
}

function isRow(p: Panel | RowPanel): p is RowPanel {
  return p.type === 'row';
}

/** Every panel of a dashboard that is not a row, including panels inside collapsed rows, in order. */
export function panelsOf(d: Dashboard): Panel[] {
  const out: Panel[] = [];
  for (const p of d.panels ?? []) {
    if (isRow(p)) out.push(...(p.panels ?? []));
    else out.push(p);
  }
  return out;
}

/** Every panel id of a dashboard, rows included. */
function idsOf(d: Dashboard): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (const p of d.panels ?? []) {
    out.push(p.id);
    if (isRow(p)) for (const c of p.panels ?? []) out.push(c.id);
  }
  return out;
}

/** The queries of a panel. */
export function queriesOf(p: Panel): PanelQuery[] {
  return (p.targets ?? []).map((t) => {
    const q = t as unknown as { refId?: string; expr?: string; rawSql?: string; datasource?: { uid?: string } };
    return { refId: q.refId, expr: q.expr, datasourceUid: q.datasource?.uid, rawSql: q.rawSql };
  });
}

const LABEL_VALUES_RE = /^label_values\((.+),\s*([a-zA-Z_]\w*)\)$/;

/**
 * What "All" of each multi-value variable of `d` sends: its `allValue` (`.*` when it has none), as
 * {@link substituteVariables} takes it. The liveness test substitutes these to query as a user who
 * leaves every variable at "All".
 */
export function allSelection(d: Dashboard): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of d.templating.list ?? []) if (v.includeAll) out[v.name] = v.allValue ?? '.*';
  return out;
}

/** The scrape jobs (jobs.ts) of each exporter of the catalog; `instrument` is every tickwatch service. */
const EXPORTER_JOBS: Readonly<Record<Exporter, readonly string[]>> = {
  hft: [JOBS.hft.job],
  recorder: [JOBS.recorder.job],
  host: [JOBS.host.job],
  clickhouse: [JOBS.clickhouse.job],
  instrument: Object.values(JOBS).map((j) => j.job),
};

/** The metrics each recorded name reads; the SLO rules record one name per SLO (told apart by `sloth_id`): all of theirs. */
const RECORDING_SOURCES = new Map<string, string[]>();
for (const r of ALL_RECORDING_RULES) RECORDING_SOURCES.set(r.record, [...new Set([...(RECORDING_SOURCES.get(r.record) ?? []), ...metricNames(r.expr.text)])]);

/**
 * The tickwatch scrape jobs that export series named `name`: a catalog metric's exporters, a
 * histogram series' (`_bucket`, `_count`, `_sum`), the jobs of every metric a recording rule reads,
 * and every job for Prometheus' own series (`up`). From the catalog's `exportedBy`, which may list
 * fewer exporters than export a metric (the `tickwatch_ingest_*` metrics are listed as the HFT
 * exporter's, but the recorder service runs the ingest pipeline too): the checks use it only to
 * find a panel that no offered job can fill, where a missing exporter errs towards a complaint.
 * @returns job names; empty for a name none of these knows
 */
export function jobsExporting(name: string): string[] {
  if (name in PROMETHEUS_SERIES) return Object.values(JOBS).map((j) => j.job);
  const sources = RECORDING_SOURCES.get(name);
  if (sources) return [...new Set(sources.flatMap(jobsExporting))];
  const def = METRICS_BY_NAME.get(name) ?? histogramOf(name);
  return def ? [...new Set(def.exportedBy.flatMap((e) => EXPORTER_JOBS[e]))] : [];
}

function histogramOf(name: string) {
  const base = name.replace(/_(bucket|count|sum)$/, '');
  const def = base === name ? undefined : METRICS_BY_NAME.get(base);
  return def?.type === 'histogram' ? def : undefined;
}

/** Whether series named `name` are counters: a catalog counter, or a histogram's `_bucket`, `_count` or `_sum`. */
export function isCounterSeries(name: string): boolean {
  const def = METRICS_BY_NAME.get(name);
  return def ? def.type === 'counter' : histogramOf(name) !== undefined;
}

/**
 * Durations that stand in for Grafana's range variables while a query is parsed with its own
 * variables in place (Prometheus' grammar has no `$__rate_interval`); no query writes these.
 */
const RANGE_STAND_INS: Readonly<Record<string, string>> = { __rate_interval: '7000001ms', __interval: '7000002ms', __range: '7000003ms' };
const RANGE_OF_STAND_IN = new Map(Object.entries(RANGE_STAND_INS).map(([k, v]) => [v, `$${k}`]));

/**
 * Functions a counter's range may be given to: they read increments, not the raw value (which
 * starts at an arbitrary point and drops on every restart).
 */
const COUNTER_FUNCTIONS: ReadonlySet<string> = new Set(['rate', 'irate', 'increase', 'resets', 'changes']);

/**
 * Where an instant counter selector may stand: the argument of an aggregation or function that
 * reads no sample value, only which series exist (`count by (instance) (node_cpu_seconds_total{mode="idle"})`:
 * cores per host).
 */
const SERIES_ONLY: ReadonlySet<string> = new Set(['count', 'group', 'absent']);

/** One label matcher of a selector. */
interface LabelMatcher {
  readonly label: string;
  readonly op: string;
  readonly value: string;
}

/** One vector selector of a query, and what encloses it. */
interface SelectorUse {
  /** The selector as written, with Grafana's range variables put back. */
  readonly text: string;
  readonly name: string | undefined;
  readonly matchers: readonly LabelMatcher[];
  /** The window when the selector is a range (`x[5m]`), as written (`$__rate_interval`, `5m`). */
  readonly window: string | undefined;
  /** The function or aggregation the selector (or its range) is the direct argument of. */
  readonly within: string | undefined;
}

type Node = ReturnType<typeof parser.parse>['topNode'];

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function stringValue(literal: string): string {
  if (literal.startsWith('"')) {
    try {
      return JSON.parse(literal) as string;
    } catch {
      return literal.slice(1, -1);
    }
  }
  return literal.slice(1, -1);
}

/** The function or aggregation whose argument `n` is, if it is a direct argument of one. */
function enclosingCall(n: Node, text: string): string | undefined {
  const body = n.parent;
  if (body?.name !== 'FunctionCallBody') return undefined;
  const call = body.parent;
  const id = call?.getChild(call.name === 'AggregateExpr' ? 'AggregateOp' : 'FunctionIdentifier');
  return id ? text.slice(id.from, id.to) : undefined;
}

/**
 * Parses a dashboard query with its variables in place (`instance=~"$instance"` stays a string;
 * Grafana's range variables become stand-in durations) and lists its selectors.
 * @returns undefined when the query does not parse that way (a variable outside a string or a
 *   window; the substituted query is checked for syntax separately)
 */
export function selectorsOf(expr: string): SelectorUse[] | undefined {
  const text = expr.replace(VARIABLE_RE, (m, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    return RANGE_STAND_INS[name] ?? BUILTIN_VALUES[name] ?? m;
  });
  const tree = parser.parse(text);
  let broken = false;
  tree.iterate({ enter: (n) => void (n.type.isError && (broken = true)) });
  if (broken) return undefined;
  const restore = (t: string) => t.replace(/\d+ms/g, (d) => RANGE_OF_STAND_IN.get(d) ?? d);
  const out: SelectorUse[] = [];
  const visit = (n: Node): void => {
    if (n.name === 'VectorSelector') {
      const matchers: LabelMatcher[] = [];
      let name = n.getChild('Identifier') ? text.slice(n.getChild('Identifier')!.from, n.getChild('Identifier')!.to) : undefined;
      for (const m of n.getChild('LabelMatchers') ? children(n.getChild('LabelMatchers')!) : []) {
        const parts = children(m);
        const labelNode = parts.find((x) => x.name === 'LabelName' || x.name === 'QuotedLabelName');
        const op = parts.find((x) => x.name === 'MatchOp');
        const value = parts.find((x) => x.name === 'StringLiteral');
        if (m.name === 'QuotedLabelName' || (labelNode && !op)) {
          name ??= stringValue(text.slice(m.from, m.to));
          continue;
        }
        if (!labelNode || !op || !value) continue;
        const label = labelNode.name === 'LabelName' ? text.slice(labelNode.from, labelNode.to) : stringValue(text.slice(labelNode.from, labelNode.to));
        const matcher = { label, op: text.slice(op.from, op.to), value: stringValue(text.slice(value.from, value.to)) };
        if (matcher.label === '__name__' && matcher.op === '=') name ??= matcher.value;
        matchers.push(matcher);
      }
      const range = n.parent?.name === 'MatrixSelector' ? n.parent : undefined;
      const windowNode = range && children(range).find((x) => x.name === 'DurationExpr');
      out.push({
        text: restore(text.slice((range ?? n).from, (range ?? n).to)),
        name,
        matchers,
        window: windowNode ? restore(text.slice(windowNode.from, windowNode.to)) : undefined,
        within: enclosingCall(range ?? n, text),
      });
    }
    for (const c of children(n)) visit(c);
  };
  visit(tree.topNode);
  return out;
}

/** Whether a selector has `label=~"$label"` (or `${label}`): the matcher on the dashboard variable named like the label. */
function hasVariableMatcher(s: SelectorUse, label: string): boolean {
  return s.matchers.some((m) => m.label === label && m.op === '=~' && (m.value === `$${label}` || m.value === `\${${label}}`));
}

/**
 * Windows a query may give a counter besides Grafana's range variables: the window of a recording
 * rule the same query reads (`..._rate1m` gives `1m`), so that both sides of, say, a ratio and its
 * zero fallback cover the same samples.
 */
function recordedWindows(selectors: readonly SelectorUse[], known: { readonly recorded: ReadonlySet<string> }): Set<string> {
  const out = new Set<string>();
  for (const s of selectors) {
    const m = s.name && known.recorded.has(s.name) ? /(?:^|[_:])rate(\d+(?:ms|s|m|h|d|w|y))$/.exec(s.name) : null;
    if (m) out.add(m[1]!);
  }
  return out;
}

/**
 * The linter's target rules on one query: every selector matches `job=~"$job"` and
 * `instance=~"$instance"` (target-job-rule, target-instance-rule), except a selector of Prometheus'
 * rule series (`ALERTS`, query/promql.ts' `PROMETHEUS_RULE_SERIES`: no target exports it, and an
 * alert carries `job` and `instance` only when its expression keeps them); a counter (a catalog counter or a
 * histogram's series) appears only as the range of `rate`, `irate`, `increase`, `resets` or
 * `changes`, or inside `count`/`group`/`absent`, which read no value (target-counter-agg-rule); and
 * a range over a counter, and any `rate`/`irate`/`increase` window, is (target-rate-interval-rule):
 *
 * - `$__rate_interval`: at least four scrape intervals whatever the zoom, so every window has
 *   samples to take a rate from;
 * - `$__range`: the whole selected range, for figures "in the selected range" (a stat of
 *   `increase(x[$__range])`);
 * - `$__interval`, for `increase`, `resets` and `changes` only: a count per point, so bars of
 *   successive points add up to the range's total; `rate`/`irate` over one point's width show gaps
 *   whenever a point is narrower than two scrapes, which is what the linter's rule is for;
 * - a fixed window only when the same query reads a recording rule over that window
 *   ({@link recordedWindows}): the reject ratio's zero fallback counts submissions over the rule's
 *   own minute, so it covers the samples the rule covers.
 *
 * @param need - which matchers to require: a dashboard without the `job` or `instance` variable is
 *   reported once, for the variable, not once per selector
 * @returns problems, without the location prefix
 */
export function checkTargetRules(expr: string, known: { readonly recorded: ReadonlySet<string> }, need: { readonly job: boolean; readonly instance: boolean }): string[] {
  const selectors = selectorsOf(expr);
  if (!selectors) return ['cannot check matchers and windows: a dashboard variable stands outside a label value'];
  const problems: string[] = [];
  const windows = recordedWindows(selectors, known);
  for (const s of selectors) {
    // Prometheus' rule series (ALERTS) come from no target: they carry job and instance only when an alert's expression keeps them.
    const target = !(s.name !== undefined && isRuleSeries(s.name));
    if (target && need.job && !hasVariableMatcher(s, JOB_VARIABLE)) problems.push(`${s.text} has no ${JOB_VARIABLE}=~"$${JOB_VARIABLE}" matcher`);
    if (target && need.instance && !hasVariableMatcher(s, INSTANCE_VARIABLE)) problems.push(`${s.text} has no ${INSTANCE_VARIABLE}=~"$${INSTANCE_VARIABLE}" matcher`);
    const counter = s.name !== undefined && isCounterSeries(s.name);
    if (s.window === undefined) {
      if (counter && !(s.within && SERIES_ONLY.has(s.within))) problems.push(`counter ${s.name} is shown raw: wrap it in rate(), irate() or increase() (or resets(), changes())`);
      continue;
    }
    if (counter && !(s.within && COUNTER_FUNCTIONS.has(s.within)))
      problems.push(`counter ${s.name} is given to ${s.within ?? 'no function'}(): its range belongs in rate(), irate(), increase(), resets() or changes()`);
    if (!counter && !(s.within === 'rate' || s.within === 'irate' || s.within === 'increase')) continue;
    const w = s.window;
    const ok =
      w === '$__rate_interval' || w === '$__range' || (w === '$__interval' && s.within !== 'rate' && s.within !== 'irate') || (!w.startsWith('$') && windows.has(w));
    if (!ok)
      problems.push(
        `${s.within ?? 'range'}(${s.text}): window ${w} is not $__rate_interval` +
          (w === '$__interval' ? ` (a ${s.within}() over one point's width has gaps whenever a point is narrower than two scrapes)` : ` (nor $__range, nor the window of a recording rule the query reads)`),
      );
  }
  return problems;
}

/**
 * The linter's template rules on the variables of one dashboard (template-datasource-rule,
 * template-job-rule, template-instance-rule, template-label-promql-rule,
 * template-on-time-change-reload-rule), reported through `p`:
 *
 * - the list starts `datasource` (type datasource, Prometheus), `job`, `instance`;
 * - every query variable uses the `${datasource}` datasource, refreshes on time range change
 *   (`refresh: 2`), and is `label_values(selector, label)` with a selector that parses and names a
 *   known series;
 * - `job` (label "Job") and `instance` (label "Instance") are multi-value with "All";
 * - `job`'s selector matches `job=~"<regex>"`, an alternation of tickwatch jobs (jobs.ts), and its
 *   "All" sends that same regex. Not the linter's `.+`, which would send every job the Prometheus
 *   scrapes, so that panels on shared names (`up`, `process_*`, `node_*`, `ClickHouse*`) would
 *   show other teams' targets at "All";
 * - `instance`'s "All" is the linter's `.+`; its selector matches `job=~"$job"`;
 * - every other query variable's selector matches `job=~"$job"` and `instance=~"$instance"`.
 *
 * @returns the jobs `job` offers (empty when it is missing or broken)
 */
function checkVariables(vars: readonly VariableModel[], known: { readonly recorded: ReadonlySet<string> }, p: (msg: string) => void): string[] {
  const defined = new Set(vars.map((v) => v.name));
  const ds = vars.find((v) => v.name === DATASOURCE_VARIABLE);
  if (!ds || ds.type !== 'datasource' || ds.query !== 'prometheus') p(`no Prometheus datasource variable named ${DATASOURCE_VARIABLE}`);
  const order = [DATASOURCE_VARIABLE, JOB_VARIABLE, INSTANCE_VARIABLE];
  if (order.some((n, i) => vars[i]?.name !== n)) p(`variables must start with ${order.join(', ')}; they are ${vars.map((v) => v.name).join(', ') || 'none'}`);
  let jobs: string[] = [];
  for (const name of [JOB_VARIABLE, INSTANCE_VARIABLE]) {
    const v = vars.find((x) => x.name === name);
    if (!v) {
      p(`no ${name} variable`);
      continue;
    }
    const label = name[0]!.toUpperCase() + name.slice(1);
    if (v.type !== 'query') p(`variable ${name}: type is ${String(v.type)}, not query`);
    if (v.label !== label) p(`variable ${name}: label is ${JSON.stringify(v.label ?? '')}, not "${label}"`);
    if (!v.multi) p(`variable ${name}: not multi-value`);
    if (!v.includeAll) p(`variable ${name}: has no "All"`);
  }
  for (const v of vars) {
    if (v.type !== 'query') continue;
    const vp = (msg: string) => p(`variable ${v.name}: ${msg}`);
    if (v.datasource?.uid !== DATASOURCE.uid) vp(`datasource is not ${DATASOURCE.uid}`);
    if (v.refresh !== VariableRefresh.OnTimeRangeChanged) vp(`refresh is ${JSON.stringify(v.refresh)}, not ${VariableRefresh.OnTimeRangeChanged} (on time range change): its values would miss targets that came or went since the dashboard loaded`);
    const text = typeof v.query === 'string' ? v.query : '';
    const m = LABEL_VALUES_RE.exec(text);
    if (!m) {
      vp(`query ${JSON.stringify(text)} is not label_values(selector, label)`);
      continue;
    }
    const selector = m[1]!;
    for (const e of checkExpr(substituteVariables(selector), known)) vp(e);
    for (const ref of new Set(variablesIn(selector))) if (!defined.has(ref) && !(ref in BUILTIN_VALUES)) vp(`refers to undefined variable $${ref}`);
    const selectors = selectorsOf(selector);
    if (!selectors) {
      vp(`selector ${selector} does not parse with its variables in place`);
      continue;
    }
    if (v.name === JOB_VARIABLE) {
      const re = selectors[0]?.matchers.find((x) => x.label === JOB_VARIABLE && x.op === '=~')?.value;
      const tickwatch: ReadonlySet<string> = new Set(Object.values(JOBS).map((j) => j.job));
      if (!re) vp(`selector ${selector} has no ${JOB_VARIABLE}=~"<tickwatch jobs>" matcher: it offers every job the Prometheus scrapes`);
      else {
        const offered = re.split('|');
        const foreign = offered.filter((j) => !tickwatch.has(j));
        if (foreign.length) vp(`offers ${foreign.map((j) => JSON.stringify(j)).join(', ')}, not a tickwatch job of jobs.ts (${[...tickwatch].join(', ')})`);
        else jobs = offered;
        if (v.allValue !== re) vp(`"All" sends ${JSON.stringify(v.allValue ?? '')}, not the jobs it offers (${JSON.stringify(re)})`);
      }
      continue;
    }
    const need = v.name === INSTANCE_VARIABLE ? [JOB_VARIABLE] : [JOB_VARIABLE, INSTANCE_VARIABLE];
    for (const s of selectors) for (const l of need) if (!hasVariableMatcher(s, l)) vp(`${s.text} has no ${l}=~"$${l}" matcher`);
    if (v.name === INSTANCE_VARIABLE && v.allValue !== INSTANCE_ALL) vp(`"All" sends ${JSON.stringify(v.allValue ?? '')}, not ${INSTANCE_ALL}`);
  }
  return jobs;
}


/** Whether `d` reads the recorder's tables (its `datasource` variable is of the ClickHouse plugin) rather than Prometheus. */
export function isSqlDashboard(d: Dashboard): boolean {
  return (d.templating.list ?? []).some((v) => v.name === DATASOURCE_VARIABLE && v.type === 'datasource' && v.query === CLICKHOUSE_PLUGIN);
}

/** The SQL of a panel's query or of a query variable, as the JSON carries it. */
export function sqlOf(q: unknown): string | undefined {
  if (typeof q === 'string') return q;
  const raw = (q as { rawSql?: unknown } | undefined)?.rawSql;
  return typeof raw === 'string' ? raw : undefined;
}

/**
 * The checks of a SQL dashboard (sql.ts), reported through `p`: the Prometheus rules of
 * {@link checkDashboards} that apply (ids, titles, descriptions, units, legends, refIds) and, in
 * place of PromQL's:
 *
 * - the variables start `datasource` (of the ClickHouse plugin) and `database` (a text box);
 *   every query variable uses the `${datasource}` datasource, refreshes on time range change and
 *   passes {@link checkSql};
 * - every panel and query uses the `${datasource}` datasource of the plugin; every query is the
 *   SQL editor's, states its format (time series, table, logs), passes {@link checkSql} (tables
 *   and columns of exporters/catalog/tables.ts, `$__timeFilter(ts)`, known macros and variables),
 *   and in the time series format names a `time` column.
 */
function checkSqlDashboard(d: Dashboard, p: (msg: string) => void): void {
  const vars = d.templating.list ?? [];
  const defined = new Set(vars.map((v) => v.name));
  if (vars[0]?.name !== DATASOURCE_VARIABLE || vars[1]?.name !== DATABASE_VARIABLE || vars[1]?.type !== 'textbox')
    p(`variables must start with ${DATASOURCE_VARIABLE} (${CLICKHOUSE_PLUGIN}) and ${DATABASE_VARIABLE} (a text box); they are ${vars.map((v) => v.name).join(', ') || 'none'}`);
  for (const v of vars) {
    if (v.type !== 'query') continue;
    const vp = (msg: string) => p(`variable ${v.name}: ${msg}`);
    if (v.datasource?.uid !== SQL_DATASOURCE.uid || v.datasource?.type !== CLICKHOUSE_PLUGIN) vp(`datasource is not ${SQL_DATASOURCE.uid} of ${CLICKHOUSE_PLUGIN}`);
    if (v.refresh !== VariableRefresh.OnTimeRangeChanged) vp(`refresh is ${JSON.stringify(v.refresh)}, not ${VariableRefresh.OnTimeRangeChanged} (on time range change)`);
    const sql = sqlOf(v.query);
    if (!sql) vp('no SQL');
    else for (const e of checkSql(sql, defined)) vp(e);
  }
  const seen = new Set<number>();
  for (const id of idsOf(d)) {
    if (id === undefined) p('a panel or row has no id');
    else if (seen.has(id)) p(`panel id ${id} is used twice`);
    else seen.add(id);
  }
  const formats: ReadonlySet<unknown> = new Set(Object.values(SQL_FORMAT));
  for (const panel of panelsOf(d)) {
    const pp = (msg: string) => p(`panel ${String(panel.id)} "${panel.title ?? ''}": ${msg}`);
    if (!panel.title?.trim()) pp('no title');
    if (!panel.description?.trim()) pp('no description');
    const unit = panel.fieldConfig?.defaults?.unit;
    if (!unit) pp('no unit');
    else if (!GRAFANA_UNITS.has(unit)) pp(`unit ${unit} is not a Grafana unit id`);
    for (const o of panel.fieldConfig?.overrides ?? []) for (const prop of o.properties) if (prop.id === 'unit' && !GRAFANA_UNITS.has(String(prop.value))) pp(`override ${o.matcher.id}: unit ${String(prop.value)} is not a Grafana unit id`);
    if (panel.datasource?.uid === SQL_PROMETHEUS_DATASOURCE.uid) {
      checkRuleSeriesPanel(panel, defined, pp);
      continue;
    }
    if (panel.datasource?.uid !== SQL_DATASOURCE.uid || panel.datasource?.type !== CLICKHOUSE_PLUGIN) pp(`datasource is not ${SQL_DATASOURCE.uid} of ${CLICKHOUSE_PLUGIN}`);
    if (panel.type === 'timeseries' && (panel.options as { legend?: { showLegend?: boolean } } | undefined)?.legend?.showLegend !== true) pp('legend hidden');
    const targets = (panel.targets ?? []) as unknown as { refId?: string; datasource?: { uid?: string; type?: string }; editorType?: string; format?: unknown; rawSql?: string }[];
    if (targets.length === 0) pp('no query');
    const refIds = new Set<string>();
    for (const q of targets) {
      const qp = (msg: string) => pp(`query ${q.refId ?? '?'}: ${msg}`);
      if (!q.refId) qp('no refId');
      else if (refIds.has(q.refId)) qp('refId used twice');
      else refIds.add(q.refId);
      if (q.datasource?.uid !== SQL_DATASOURCE.uid || q.datasource?.type !== CLICKHOUSE_PLUGIN) qp(`datasource is not ${SQL_DATASOURCE.uid} of ${CLICKHOUSE_PLUGIN}`);
      if (q.editorType !== 'sql') qp(`editorType is ${String(q.editorType)}, not sql`);
      if (!formats.has(q.format)) qp(`format ${String(q.format)} is not one of the plugin's (0 time series, 1 table, 2 logs)`);
      if (!q.rawSql?.trim()) {
        qp('no SQL');
        continue;
      }
      for (const e of checkSql(q.rawSql, defined)) qp(e);
      if (q.format === SQL_FORMAT.timeSeries && !/\bAS time\b/i.test(q.rawSql)) qp('time series format without a `time` column');
    }
  }
}


/**
 * A Prometheus panel on a SQL dashboard (its alert list, through the {@link PROMETHEUS_VARIABLE}
 * variable), reported through `pp`: the datasource is that variable's, of type `prometheus`; the
 * legend shows; every query has a unique refId and that datasource, refers only to the dashboard's
 * variables, parses, and reads Prometheus' rule series (`ALERTS`) alone: a SQL dashboard has no
 * `job` and `instance` variables to narrow a scraped series with.
 */
function checkRuleSeriesPanel(panel: Panel, defined: ReadonlySet<string>, pp: (msg: string) => void): void {
  const known = { recorded: new Set<string>() };
  if (!defined.has(PROMETHEUS_VARIABLE)) pp(`reads Prometheus through $${PROMETHEUS_VARIABLE}, which the dashboard does not define`);
  if (panel.datasource?.type !== 'prometheus') pp(`datasource ${SQL_PROMETHEUS_DATASOURCE.uid} is of type ${String(panel.datasource?.type)}, not prometheus`);
  if ((panel.type === 'timeseries' || panel.type === 'state-timeline') && (panel.options as { legend?: { showLegend?: boolean } } | undefined)?.legend?.showLegend !== true) pp('legend hidden');
  const queries = queriesOf(panel);
  if (queries.length === 0) pp('no query');
  const refIds = new Set<string>();
  for (const q of queries) {
    const qp = (msg: string) => pp(`query ${q.refId ?? '?'}: ${msg}`);
    if (!q.refId) qp('no refId');
    else if (refIds.has(q.refId)) qp('refId used twice');
    else refIds.add(q.refId);
    if (q.datasourceUid !== SQL_PROMETHEUS_DATASOURCE.uid) qp(`datasource is not ${SQL_PROMETHEUS_DATASOURCE.uid}`);
    if (!q.expr?.trim()) {
      qp('no expression');
      continue;
    }
    for (const ref of new Set(variablesIn(q.expr))) if (!defined.has(ref) && !(ref in BUILTIN_VALUES)) qp(`refers to undefined variable $${ref}`);
    for (const e of checkExpr(substituteVariables(q.expr), known)) qp(e);
    for (const n of metricNames(substituteVariables(q.expr))) if (!isRuleSeries(n)) qp(`reads ${n}: a SQL dashboard's Prometheus panels read only ${Object.keys(PROMETHEUS_RULE_SERIES).join(', ')}`);
  }
}

/** The families a `family=~"a|b"` (or `family="a"`) matcher of an `ALERTS` selector of `expr` selects (only selectors with `alertstate="<state>"` when `state` is given); undefined when `expr` has no such selector. */
function alertFamiliesIn(expr: string, state?: string): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const sel of selectorsOf(expr) ?? []) {
    if (sel.name !== PROMETHEUS_RULE_SERIES.ALERTS.name) continue;
    if (state !== undefined && !sel.matchers.some((m) => m.label === 'alertstate' && m.op === '=' && m.value === state)) continue;
    const m = sel.matchers.find((x) => x.label === 'family' && (x.op === '=~' || x.op === '='));
    if (!m) continue;
    out ??= new Set();
    for (const f of m.op === '=' ? [m.value] : m.value.split('|')) out.add(f);
  }
  return out;
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

/**
 * Every dashboard shows its alerts, reported through `problems`:
 *
 * - the annotation {@link ALERT_ANNOTATION_NAME}: enabled, on the dashboard's Prometheus datasource
 *   (`${datasource}`, or a SQL dashboard's `${prometheus}`), its query (in `target`, and the legacy
 *   `expr` when present, the same) parses and selects `ALERTS{alertstate="firing"}` of exactly the
 *   dashboard's families (query/panels.ts' `ALERT_FAMILY_DASHBOARDS`);
 * - the alert list (panel `ALERT_LIST_PANEL_ID`): on that datasource, reading `ALERTS` of exactly
 *   those families, and naming every alert of them (so a quiet alert is listed as OK);
 * - every family of an alert of alert-rules/ is on some dashboard's annotation.
 */
function checkAlertViews(set: readonly NamedDashboard[], problems: string[]): void {
  const shown = new Set<string>();
  for (const { name, dashboard: d } of set) {
    const p = (msg: string) => problems.push(`${name}: ${msg}`);
    const families = new Set(Object.entries(ALERT_FAMILY_DASHBOARDS).filter(([, keys]) => (keys as readonly (keyof typeof DASHBOARD_UIDS)[]).some((k) => DASHBOARD_UIDS[k] === d.uid)).map(([f]) => f));
    if (families.size === 0) p(`no alert family maps to uid ${String(d.uid)} (query/panels.ts ALERT_FAMILY_DASHBOARDS)`);
    const alerts = ALERTS.filter((a) => families.has(a.family));
    const ds = isSqlDashboard(d) ? SQL_PROMETHEUS_DATASOURCE.uid : DATASOURCE.uid;
    const want = [...families].join('|');

    const annotation = (d.annotations?.list ?? []).find((a) => a.name === ALERT_ANNOTATION_NAME);
    if (!annotation) p(`no "${ALERT_ANNOTATION_NAME}" annotation`);
    else {
      const ap = (msg: string) => p(`annotation "${ALERT_ANNOTATION_NAME}": ${msg}`);
      if (annotation.enable !== true) ap('not enabled');
      if (annotation.datasource?.uid !== ds || annotation.datasource?.type !== 'prometheus') ap(`datasource is not ${ds} (prometheus)`);
      const target = (annotation.target as unknown as { expr?: string } | undefined)?.expr;
      const expr = target ?? annotation.expr;
      if (target !== undefined && annotation.expr !== undefined && target !== annotation.expr) ap(`target's query ${target} and the legacy expr ${annotation.expr} differ`);
      if (!expr?.trim()) ap('no query');
      else {
        for (const e of checkExpr(substituteVariables(expr), { recorded: new Set() })) ap(e);
        const got = alertFamiliesIn(expr, 'firing');
        if (!got) ap(`${expr} selects no ALERTS{alertstate="firing", family=~"..."}`);
        else {
          if (!sameSet(got, families)) ap(`selects families ${[...got].join('|')}, not the dashboard's ${want}`);
          for (const f of got) shown.add(f);
        }
      }
    }

    const list = panelsOf(d).find((x) => x.id === ALERT_LIST_PANEL_ID);
    if (!list) p(`no alert list (panel ${ALERT_LIST_PANEL_ID})`);
    else {
      const lp = (msg: string) => p(`alert list (panel ${ALERT_LIST_PANEL_ID} "${list.title ?? ''}"): ${msg}`);
      if (list.datasource?.uid !== ds) lp(`datasource is not ${ds}`);
      const exprs = queriesOf(list).map((q) => q.expr ?? '');
      const got = new Set(exprs.flatMap((e) => [...(alertFamiliesIn(e) ?? [])]));
      if (got.size === 0) lp('reads no ALERTS{family=~"..."}');
      else if (!sameSet(got, families)) lp(`reads families ${[...got].join('|')}, not the dashboard's ${want}`);
      const text = exprs.join('\n');
      const missing = alerts.filter((a) => !text.includes(JSON.stringify(a.name)));
      if (missing.length) lp(`does not list ${missing.map((a) => a.name).join(', ')} (an alert that is not firing must show as OK)`);
    }
  }
  for (const f of new Set(ALERTS.map((a) => a.family))) if (!shown.has(f)) problems.push(`alert family ${f} (${ALERTS.filter((a) => a.family === f).map((a) => a.name).join(', ')}) is on no dashboard's "${ALERT_ANNOTATION_NAME}" annotation`);
}

/**
 * Checks dashboards:
 *
 * - each has a uid and a title, both unique across the set, the `tickwatch` tag, UTC, and is
 *   read-only (`editable: false`; the linter's uneditable-dashboard rule: it is provisioned from
 *   this repository);
 * - its variables follow the linter's template rules ({@link checkVariables}): `datasource`, `job`,
 *   `instance` first, every query variable a valid `label_values` on the templated datasource,
 *   refreshed on time range change, filtered on the variables before it;
 * - panel ids (rows included) are unique within a dashboard;
 * - every panel that is not a row has a title, a description, a Grafana unit id, the
 *   `${datasource}` datasource and at least one query (panel-title-description-rule,
 *   panel-units-rule, panel-datasource-rule, panel-no-targets-rule); a time series or state
 *   timeline shows its legend; a field override sets only Grafana unit ids and matches only the
 *   panel's own refIds;
 * - every query has a unique refId and the `${datasource}` datasource, refers only to variables the
 *   dashboard defines (or Grafana's built-ins), and, with variables substituted
 *   ({@link substituteVariables}), parses as PromQL and names only catalog metrics, recording rules
 *   or Prometheus' own series (target-promql-rule);
 * - every query follows the linter's target rules ({@link checkTargetRules}): job and instance
 *   matchers on every selector, counters only through rate-like functions, range windows on
 *   `$__rate_interval` (or a justified `$__range`, `$__interval` or recording-rule window);
 * - every selector reads a metric that one of the jobs the `job` variable offers exports
 *   ({@link jobsExporting}), and every job offered exports a metric some panel reads;
 * - the panels of `PANELS` (ids.ts) exist with those ids and titles, and every alert's panel links
 *   to the alert's runbook;
 * - every dashboard has the firing-alerts annotation and the alert list of its alert families, and
 *   every alert family is on some dashboard ({@link checkAlertViews}).
 *
 * Every problem names its dashboard (file name) and, where it has one, its variable or its panel
 * (id and title) and query (refId).
 *
 * @returns problems; empty when all is sound
 */
export function checkDashboards(set: readonly NamedDashboard[]): string[] {
  const problems: string[] = [];
  const known = { recorded: new Set(ALL_RECORDING_RULES.map((r) => r.record)) };
  const uids = new Map<string, string>();
  const titles = new Map<string, string>();
  for (const { name, dashboard: d } of set) {
    const p = (msg: string) => problems.push(`${name}: ${msg}`);
    if (!d.uid) p('no uid');
    else if (uids.has(d.uid)) p(`uid ${d.uid} is also used by ${uids.get(d.uid)}`);
    else uids.set(d.uid, name);
    if (!d.title) p('no title');
    else if (titles.has(d.title)) p(`title "${d.title}" is also used by ${titles.get(d.title)}`);
    else titles.set(d.title, name);
    if (!d.tags?.includes('tickwatch')) p('no tickwatch tag');
    if (d.timezone !== 'utc') p(`timezone is ${String(d.timezone)}, not utc`);

    if (d.editable !== false) p(`editable is ${String(d.editable)}: a provisioned dashboard is read-only (editable: false), its source is dashboards-src/`);

    const vars = d.templating.list ?? [];
    const defined = new Set(vars.map((v) => v.name));
    if (isSqlDashboard(d)) {
      checkSqlDashboard(d, p);
      continue;
    }
    const need = { job: defined.has(JOB_VARIABLE), instance: defined.has(INSTANCE_VARIABLE) };
    const jobs = checkVariables(vars, known, p);
    const read = new Set<string>();

    const seen = new Set<number>();
    for (const id of idsOf(d)) {
      if (id === undefined) p('a panel or row has no id');
      else if (seen.has(id)) p(`panel id ${id} is used twice`);
      else seen.add(id);
    }

    for (const panel of panelsOf(d)) {
      const at = `panel ${String(panel.id)} "${panel.title ?? ''}"`;
      const pp = (msg: string) => p(`${at}: ${msg}`);
      if (!panel.title?.trim()) pp('no title');
      if (!panel.description?.trim()) pp('no description');
      const unit = panel.fieldConfig?.defaults?.unit;
      if (!unit) pp('no unit');
      else if (!GRAFANA_UNITS.has(unit)) pp(`unit ${unit} is not a Grafana unit id`);
      if (panel.datasource?.uid !== DATASOURCE.uid) pp(`datasource is not ${DATASOURCE.uid}`);
      if ((panel.type === 'timeseries' || panel.type === 'state-timeline') && (panel.options as { legend?: { showLegend?: boolean } } | undefined)?.legend?.showLegend !== true) pp('legend hidden');
      const queries = queriesOf(panel);
      if (queries.length === 0) pp('no query');
      for (const o of panel.fieldConfig?.overrides ?? []) {
        const oat = `override ${o.matcher.id}${o.matcher.options === undefined ? '' : ` ${JSON.stringify(o.matcher.options)}`}`;
        if (o.matcher.id === 'byFrameRefID' && !queries.some((q) => q.refId === o.matcher.options)) pp(`${oat}: the panel has no query ${String(o.matcher.options)}`);
        for (const prop of o.properties) if (prop.id === 'unit' && !GRAFANA_UNITS.has(String(prop.value))) pp(`${oat}: unit ${String(prop.value)} is not a Grafana unit id`);
      }
      const refIds = new Set<string>();
      for (const q of queries) {
        const qat = `query ${q.refId ?? '?'}`;
        if (!q.refId) pp(`${qat}: no refId`);
        else if (refIds.has(q.refId)) pp(`${qat}: refId used twice`);
        else refIds.add(q.refId);
        if (q.datasourceUid !== DATASOURCE.uid) pp(`${qat}: datasource is not ${DATASOURCE.uid}`);
        if (!q.expr?.trim()) {
          pp(`${qat}: no expression`);
          continue;
        }
        for (const ref of new Set(variablesIn(q.expr))) if (!defined.has(ref) && !(ref in BUILTIN_VALUES)) pp(`${qat}: refers to undefined variable $${ref}`);
        const syntax = checkExpr(substituteVariables(q.expr), known);
        for (const e of syntax) pp(`${qat}: ${e}`);
        if (syntax.some((e) => e.startsWith('syntax error'))) continue;
        for (const e of checkTargetRules(q.expr, known, need)) pp(`${qat}: ${e}`);
        for (const s of selectorsOf(q.expr) ?? []) {
          if (s.name === undefined) continue;
          const by = jobsExporting(s.name);
          by.forEach((j) => read.add(j));
          if (jobs.length && by.length && !by.some((j) => jobs.includes(j)))
            pp(`${qat}: reads ${s.name}, which only ${by.join(' and ')} ${by.length === 1 ? 'exports' : 'export'}, not offered by the ${JOB_VARIABLE} variable (${jobs.join('|')}): the query stays empty`);
        }
      }
    }
    for (const j of jobs) if (!read.has(j)) p(`variable ${JOB_VARIABLE}: offers ${j}, but no panel reads a metric it exports`);
  }

  const byUid = new Map(set.map((s) => [s.dashboard.uid, s.dashboard]));
  for (const [key, ref] of Object.entries(PANELS)) {
    const d = byUid.get(ref.dashboard);
    if (!d) {
      problems.push(`PANELS.${key}: no dashboard with uid ${ref.dashboard}`);
      continue;
    }
    const panel = panelsOf(d).find((x) => x.id === ref.panelId);
    if (!panel) problems.push(`PANELS.${key}: dashboard ${ref.dashboard} has no panel ${ref.panelId} ("${ref.title}")`);
    else if (panel.title !== ref.title) problems.push(`PANELS.${key}: panel ${ref.panelId} of ${ref.dashboard} is titled "${panel.title ?? ''}", not "${ref.title}"`);
  }
  for (const a of ALERTS) {
    if (!a.panel) continue;
    const d = byUid.get(a.panel.dashboard);
    const panel = d ? panelsOf(d).find((x) => x.id === a.panel!.panelId) : undefined;
    if (!panel) {
      problems.push(`alert ${a.name}: its dashboard link points at panel ${a.panel.panelId} of ${a.panel.dashboard}, which does not exist`);
      continue;
    }
    const url = runbookUrl(a.runbook ?? a.name);
    if (!(panel.links ?? []).some((l) => l.url === url)) problems.push(`alert ${a.name}: panel ${a.panel.panelId} of ${a.panel.dashboard} has no link to its runbook ${url}`);
  }
  checkAlertViews(set, problems);
  return problems;
}

/**
 * Runs {@link checkDashboards} and throws when anything is wrong.
 * @throws Error listing every problem
 */
export function assertDashboards(set: readonly NamedDashboard[]): void {
  const problems = checkDashboards(set);
  if (problems.length) throw new Error(`dashboards: ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
}
