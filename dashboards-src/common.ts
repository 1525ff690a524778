/**
 * Shared pieces of every tickwatch dashboard, on @grafana/grafana-foundation-sdk (pinned 0.0.21):
 * the datasource, job, instance and label variables and the matchers on them ({@link targetFilter}),
 * Grafana unit ids, threshold steps from `alert-rules/thresholds.ts`, panel factories and the
 * dashboard factory.
 *
 * Queries are typed {@link Expr}s from `alert-rules/promql.ts` over catalog handles, so a panel
 * cannot name a metric or a label the catalog does not have. The factories set what the SDK leaves
 * out or gets wrong by default: every target gets a `refId` and the `${datasource}` datasource,
 * every legend is shown, every panel states its description and unit, and a panel that an alert
 * links to (a {@link PanelRef} from ids.ts) carries a link to each such alert's runbook.
 */
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type AnnotationQuery,
  type Dashboard,
  type DashboardLink,
  type Panel,
  type ThresholdsConfig,
  type ValueMapping,
  type VariableModel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { ALERTS } from '../alert-rules/index.js';
import { runbookUrl } from '../query/links.js';
import { Expr, max, PROMETHEUS_RULE_SERIES, PROMETHEUS_SERIES, sel, sum, vector, withLabel, type GrafanaRange, type LabelsOf, type Matcher, type Matchers, type TargetLabel } from '../query/promql.js';
import { JOBS, type JobName } from '../exporters/catalog/index.js';
import type { LabelSpec, MetricDef } from '../exporters/catalog/types.js';
import { ALERT_LIST_PANEL_ID, DASHBOARD_UIDS, familiesOn, type AlertFamily, type DashboardUid, type PanelRef } from '../query/panels.js';

/** Name of the datasource variable every dashboard has. */
export const DATASOURCE_VARIABLE = 'datasource';

/** The datasource every panel and target uses: whatever the `datasource` variable selects. */
export const DATASOURCE = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` } as const;

/** The uid of the Prometheus datasource the provisioning file creates (the variable's default). */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';

/** Window of every `rate()`/`increase()` in a panel: Grafana's `$__rate_interval`. */
export const RATE: GrafanaRange = '$__rate_interval';

/** Name of the variable over scrape jobs, see {@link jobVariable}. */
export const JOB_VARIABLE = 'job';

/** Name of the variable over scrape targets, see {@link instanceVariable}. */
export const INSTANCE_VARIABLE = 'instance';

/**
 * What the `instance` variable sends for "All": `.+` (every target of the selected jobs; the
 * linter's value, and an `instance` label is never empty, so it selects what `.*` did).
 */
export const INSTANCE_ALL = '.+';

/**
 * Matchers on the `job` and `instance` variables: spread them into the matchers of every selector
 * of every panel (`sel(def, { ...targetFilter, table: 'x' })`). They are the one way a panel
 * narrows to the targets the user picked, for every metric alike: application, recorder, host and
 * ClickHouse metrics differ only in the job that exports them. The build refuses a selector
 * without both (see `checkDashboards` in check.ts), so no panel can forget them.
 *
 * Design (the model of Grafana's dashboard linter: job and instance everywhere). Every dashboard
 * has, after `datasource`:
 *
 * - `job` ({@link jobVariable}): the tickwatch scrape jobs whose metrics the dashboard's panels
 *   read, and only those; "All" sends exactly those jobs as a regex (not `.*`), so the shared
 *   metric names (`up`, `process_*`, `nodejs_*`, node_exporter's `node_*`, ClickHouse's
 *   `ClickHouse*`) never pick up another team's targets scraped by the same Prometheus;
 * - `instance` ({@link instanceVariable}): the targets of the selected jobs, from `up`, so a target
 *   that is down (or never came up) is still listed.
 *
 * The former `host` (host exporter targets) and `clickhouse` (ClickHouse exporter targets)
 * variables are gone: they selected instances of one job each, which `job` and `instance` now do
 * for every panel. On a dashboard that mixes jobs (System health: host and tickwatch process
 * panels; Recorder & ClickHouse: recorder and ClickHouse panels) every panel shows with both
 * variables at "All"; narrowing `job` (or picking instances) empties the panels of the other jobs
 * instead of mixing their targets in, since each series is selected by its own job and instance.
 * What a user gives up is picking "this host exporter" and "that HFT exporter" in two separate
 * drop-downs: the same selection is now two values of the multi-value `instance` variable.
 */
export const targetFilter = { job: { re: '$job' }, instance: { re: '$instance' } } as const satisfies Record<TargetLabel, Matcher>;

/** {@link targetFilter} plus a matcher on the `strategy` variable, for metrics with a `strategy` label. */
export const strategyFilter = { ...targetFilter, strategy: { re: '$strategy' } } as const;

/**
 * Grafana unit ids the dashboards use, by meaning. Values are ids from the SDK's `units` module;
 * the checks accept no other ids.
 */
export const UNIT = {
  /** Durations and latencies in seconds. */
  seconds: units.Seconds,
  /** A 0-1 ratio, drawn as a percentage. */
  ratio: units.PercentUnit,
  /** Bytes (IEC). */
  bytes: units.BytesIEC,
  /** Bytes per second. */
  bytesPerSecond: units.BytesPerSecondSI,
  /** A plain count or a dimensionless value (leverage, series, rows). */
  count: units.Short,
  /** Money in the trading account's currency, which the catalog does not name: a plain number. */
  currency: units.Short,
  /** An enumerated state or a 0/1 flag, shown through value mappings. */
  state: units.Short,
  /** Operations (orders, intents, writes, folds) per second. */
  opsPerSecond: units.OpsPerSecond,
  /** Events per second. */
  eventsPerSecond: units.EventsPerSecond,
  /** Market-data messages per second. */
  messagesPerSecond: units.MessagesPerSecond,
  /** Rows per second. */
  rowsPerSecond: units.RowsPerSecond,
  /** Network packets (errors, drops) per second. */
  packetsPerSecond: units.PacketsPerSecond,
  /** Disk I/O operations (reads, writes completed) per second. */
  iops: units.IOOpsPerSecond,
  /** Temperatures in degrees Celsius. */
  celsius: units.Celsius,
} as const;

/** A Grafana unit id from {@link UNIT}. */
export type Unit = (typeof UNIT)[keyof typeof UNIT];

/** Every unit id the SDK knows (the checks reject any other). */
export const GRAFANA_UNITS: ReadonlySet<string> = new Set(Object.values(units as Record<string, unknown>).filter((v): v is string => typeof v === 'string'));

/** Colours of the threshold steps and the value mappings. */
export const COLOR = { ok: 'green', warning: 'orange', critical: 'red', neutral: 'text' } as const;

export { dur, pct } from '../query/format.js';

/** One threshold step: from `value` (in the panel's unit) upwards the panel uses `color`. */
export interface Step {
  readonly value: number;
  readonly color: string;
}

/** A warning step at `value` (use a constant from alert-rules/thresholds.ts). */
export const warningAt = (value: number): Step => ({ value, color: COLOR.warning });

/** A critical step at `value` (use a constant from alert-rules/thresholds.ts). */
export const criticalAt = (value: number): Step => ({ value, color: COLOR.critical });

/** A step back to healthy at `value`: for a value where low is bad, see {@link lowIsBad}. */
export const okAt = (value: number): Step => ({ value, color: COLOR.ok });

/**
 * Absolute thresholds: `base` (green unless given) below the first step, then each step's colour.
 * @param steps - steps in increasing order of value
 * @param base - colour below the first step; {@link lowIsBad} sets it for values where low is bad
 */
export function thresholds(steps: readonly Step[], base: string = COLOR.ok): cog.Builder<ThresholdsConfig> {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([{ value: null, color: base }, ...steps.map((s) => ({ value: s.value, color: s.color }))]);
}

/**
 * Threshold fields of a panel whose value is bad when low (available memory, free space): critical
 * below `critical`, warning from `critical` up to `warning`, green from `warning` upwards. Spread
 * the result into a {@link PanelSpec}; use constants from alert-rules/thresholds.ts.
 * @param t - the alerts' lower bounds, in the panel's unit; `critical` below `warning` when both are given
 * @throws Error when `critical` is not below `warning`
 */
export function lowIsBad(t: { readonly critical?: number; readonly warning: number }): Pick<PanelSpec, 'thresholds' | 'thresholdsBase'> {
  if (t.critical === undefined) return { thresholdsBase: COLOR.warning, thresholds: [okAt(t.warning)] };
  if (!(t.critical < t.warning)) throw new Error(`lowIsBad: critical ${t.critical} is not below warning ${t.warning}`);
  return { thresholdsBase: COLOR.critical, thresholds: [warningAt(t.critical), okAt(t.warning)] };
}

/** Display text and colour of one value of a state or flag. */
export interface StateText {
  readonly text: string;
  readonly color: string;
}

/**
 * Value mappings from numeric values to text and colour (a state gauge, a 0/1 flag).
 * @param states - keyed by the numeric value
 */
export function valueMappings(states: Readonly<Record<number, StateText>>): ValueMapping[] {
  const options: Record<string, { text: string; color: string; index: number }> = {};
  Object.entries(states).forEach(([value, s], index) => (options[value] = { text: s.text, color: s.color, index }));
  return [{ type: MappingType.ValueToText, options }];
}

/** Mappings of a 0/1 flag. */
export function flagMappings(zero: StateText, one: StateText): ValueMapping[] {
  return valueMappings({ 0: zero, 1: one });
}

/**
 * `e or on(by) (sum by (by) (like) * 0)`: `e`, plus a 0 for every `by` group of `like` that has
 * no series in `e`. A counter has no series until its first increment, so a rate of something that
 * has not happened yet draws 0 instead of "No data"; an instance that does not export `like`
 * still draws nothing.
 * @param by - labels that `e`'s result carries (it may carry more) and `like` carries too
 */
export function orZero(e: Expr, by: readonly string[], like: Expr): Expr {
  return e.or(sum(by, like).mul(0), by);
}

/**
 * `1 - e`: the complement of a 0-1 ratio (busy from idle, used from available).
 */
export function complement(e: Expr): Expr {
  return new Expr('1').sub(e);
}

/**
 * `count by (labels) (e)`: how many series `e` has per group (cores per host from the per-core CPU
 * counter). `alert-rules/promql.ts` has no instant-vector `count` (its `count` is a histogram's
 * `_count` series).
 */
export function countBy(by: readonly string[], e: Expr): Expr {
  return new Expr(`count by (${by.join(', ')}) (${e.text})`);
}

/** The datasource variable (Prometheus datasources; defaults to the provisioned one). */
export function datasourceVariable(): cog.Builder<VariableModel> {
  return new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label('Data source')
    .type('prometheus')
    .current({ selected: true, text: 'Prometheus', value: PROMETHEUS_DATASOURCE_UID });
}

/**
 * A multi-value variable over the values of `label` on a catalog metric
 * (`label_values(metric{filter}, label)`), with "All" selected.
 * @param name - variable name, as panels use it (`$name`)
 * @param def - a counter or gauge of the catalog (or a recording rule's `def`)
 * @param filter - matchers that narrow the values: {@link targetFilter} (or the `job` matcher alone
 *   for the `instance` variable), which the checks require
 * @param allValue - what "All" sends (default `.*`)
 */
export function labelVariable<D extends MetricDef<string, 'counter' | 'gauge', LabelSpec>>(
  name: string,
  label: LabelsOf<D> | TargetLabel,
  def: D,
  filter?: Matchers<D>,
  allValue = '.*',
): cog.Builder<VariableModel> {
  return queryVariable(name, name[0]!.toUpperCase() + name.slice(1), `label_values(${sel(def, filter).text}, ${label})`, allValue);
}

/** A multi-value `label_values` query variable with "All" selected, refreshed when the time range changes. */
function queryVariable(name: string, title: string, query: string, allValue: string): cog.Builder<VariableModel> {
  return new QueryVariableBuilder(name)
    .label(title)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(allValue)
    .current({ selected: true, text: 'All', value: '$__all' });
}

/**
 * The regex of scrape jobs a dashboard offers: the `job` names of `jobs` (jobs.ts), sorted, joined
 * with `|` (`tickwatch-clickhouse|tickwatch-recorder`).
 * @throws Error when `jobs` is empty
 */
export function jobRegex(jobs: readonly JobName[]): string {
  if (jobs.length === 0) throw new Error('jobRegex: no job');
  return [...new Set(jobs.map((j) => JOBS[j].job))].sort().join('|');
}

/**
 * The `job` variable (label "Job"): `label_values(up{job=~"<jobs>"}, job)` over the jobs whose
 * metrics the dashboard reads, multi-value; "All" sends the same regex (`allValue`), so "All"
 * means this dashboard's jobs, not every job the Prometheus scrapes (the linter's `.+` would: see
 * {@link targetFilter}). The checks require every job of the regex to export a metric some panel
 * reads, and every metric a panel reads to be exported by one of them.
 * @param jobs - the services (jobs.ts) whose metrics the dashboard's panels read
 */
export function jobVariable(jobs: readonly JobName[]): cog.Builder<VariableModel> {
  const re = jobRegex(jobs);
  return labelVariable(JOB_VARIABLE, 'job', PROMETHEUS_SERIES.up, { job: { re } }, re);
}

/**
 * The `instance` variable (label "Instance"): the targets of the selected jobs,
 * `label_values(up{job=~"$job"}, instance)`, multi-value, "All" `.+`. From Prometheus' own `up`,
 * so a target that is down is still listed (an application metric would drop it).
 */
export function instanceVariable(): cog.Builder<VariableModel> {
  return labelVariable(INSTANCE_VARIABLE, 'instance', PROMETHEUS_SERIES.up, { job: targetFilter.job }, INSTANCE_ALL);
}

/** The `strategy` variable: strategies of `def` (a metric with a `strategy` label) on the selected jobs and instances. */
export function strategyVariable(def: MetricDef<string, 'counter' | 'gauge', { readonly strategy: 'open' }>): cog.Builder<VariableModel> {
  return labelVariable('strategy', 'strategy', def, targetFilter);
}

/** One query of a panel. */
export interface Query {
  readonly expr: Expr;
  /** Grafana legend template, e.g. `{{feed}}`. */
  readonly legend: string;
}

/** Identity of a panel: its id (unique within the dashboard) and title; `ref` when an alert links to it. */
export interface PanelHead {
  readonly id: number;
  readonly title: string;
  readonly ref?: PanelRef;
}

/** The head of a panel that alerts link to: id and title exactly as ids.ts gives them. */
export function linked(ref: PanelRef): PanelHead {
  return { id: ref.panelId, title: ref.title, ref };
}

/** What every panel states. */
export interface PanelSpec extends PanelHead {
  /** What the panel shows and how to read it (shown as the panel's info tooltip). */
  readonly description: string;
  readonly unit: Unit;
  /** At least one; refIds A, B, ... in this order. */
  readonly queries: readonly Query[];
  /** Grid width (of 24) and height; default 12 × 8. */
  readonly width?: number;
  readonly height?: number;
  readonly min?: number;
  readonly max?: number;
  /** Threshold steps (from alert-rules/thresholds.ts constants). */
  readonly thresholds?: readonly Step[];
  /** Colour below the first threshold step (default green); see {@link lowIsBad}. */
  readonly thresholdsBase?: string;
  /** Value mappings (states, flags). */
  readonly mappings?: ValueMapping[];
}

/** The alerts whose `dashboard_url` opens this panel. */
export function alertsOn(ref: PanelRef): (typeof ALERTS)[number][] {
  return ALERTS.filter((a) => a.panel !== null && a.panel.dashboard === ref.dashboard && a.panel.panelId === ref.panelId);
}

/** Panel links to the runbook of every alert that points at `ref`. */
export function runbookLinks(ref: PanelRef): cog.Builder<DashboardLink>[] {
  const seen = new Set<string>();
  const out: cog.Builder<DashboardLink>[] = [];
  for (const a of alertsOn(ref)) {
    const url = runbookUrl(a.runbook ?? a.name);
    if (seen.has(url)) continue;
    seen.add(url);
    out.push(new DashboardLinkBuilder(`Runbook: ${a.name}`).type(DashboardLinkType.Link).url(url).tooltip(a.summary).targetBlank(true));
  }
  return out;
}

/** The SDK panel builders' common surface the factories use. */
interface CommonPanelBuilder<B> extends cog.Builder<Panel> {
  id(id: number): B;
  title(title: string): B;
  description(description: string): B;
  unit(unit: string): B;
  datasource(datasource: common.DataSourceRef): B;
  withTarget(target: cog.Builder<cog.Dataquery>): B;
  links(links: cog.Builder<DashboardLink>[]): B;
  span(w: number): B;
  height(h: number): B;
  min(min: number): B;
  max(max: number): B;
  thresholds(thresholds: cog.Builder<ThresholdsConfig>): B;
  mappings(mappings: ValueMapping[]): B;
}

/**
 * A Prometheus target: refId, datasource, legend and code-mode editor set; a range query, except in
 * the table format (an instant query: one row per series, its value now).
 */
function target(q: Query, refId: string, format?: prometheus.PromQueryFormat, datasource: common.DataSourceRef = DATASOURCE): cog.Builder<cog.Dataquery> {
  const t = new prometheus.DataqueryBuilder().refId(refId).datasource(datasource).expr(q.expr.text).legendFormat(q.legend).editorMode(prometheus.QueryEditorMode.Code);
  if (format === prometheus.PromQueryFormat.Table) t.instant();
  else t.range();
  return format ? t.format(format) : t;
}

function base<B extends CommonPanelBuilder<B>>(b: B, s: PanelSpec, format?: prometheus.PromQueryFormat, datasource: common.DataSourceRef = DATASOURCE): B {
  if (s.queries.length > 26) throw new Error(`${s.title}: more than 26 queries`);
  b.id(s.id)
    .title(s.title)
    .description(s.description)
    .unit(s.unit)
    .datasource(datasource)
    .span(s.width ?? 12)
    .height(s.height ?? 8);
  s.queries.forEach((q, i) => b.withTarget(target(q, String.fromCharCode(65 + i), format, datasource)));
  if (s.min !== undefined) b.min(s.min);
  if (s.max !== undefined) b.max(s.max);
  if (s.thresholds) b.thresholds(thresholds(s.thresholds, s.thresholdsBase));
  if (s.mappings) b.mappings(s.mappings);
  if (s.ref) {
    const links = runbookLinks(s.ref);
    if (links.length) b.links(links);
  }
  return b;
}

function legend(calcs: readonly string[] = []): cog.Builder<common.VizLegendOptions> {
  return new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(calcs.length ? common.LegendDisplayMode.Table : common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom)
    .calcs([...calcs]);
}

/** Options of a time series panel beyond {@link PanelSpec}. */
export interface TimeseriesOptions {
  /** Stack the series (rates by reason). */
  readonly stacked?: boolean;
  /** Draw bars (counts of rare events) instead of lines. */
  readonly bars?: boolean;
  /** Legend as a table with these reducers (`lastNotNull`, `max`, `mean`). */
  readonly legendCalcs?: readonly string[];
  /**
   * Queries drawn against a right-hand axis in their own unit, with their own threshold lines: for
   * a panel linked from alerts that watch quantities in two units (errors per second and a drop
   * ratio; pending mutations and the age of the oldest).
   */
  readonly rightAxis?: RightAxis;
}

/** The right-hand axis of a time series panel: which queries use it, its unit and thresholds. */
export interface RightAxis {
  /** refIds of the queries on this axis (A for the first query, B for the second...). */
  readonly refIds: readonly string[];
  readonly unit: Unit;
  readonly min?: number;
  readonly max?: number;
  /** Threshold steps in this axis' unit (from alert-rules/thresholds.ts constants), drawn dashed. */
  readonly thresholds?: readonly Step[];
  /** Colour below the first step (default green); see {@link lowIsBad}. */
  readonly thresholdsBase?: string;
}

/** Field overrides that put the queries of `axis` on a right-hand axis with its unit and thresholds. */
function rightAxisOverrides(s: PanelSpec, axis: RightAxis): { refId: string; properties: { id: string; value: unknown }[] }[] {
  const refIds = s.queries.map((_, i) => String.fromCharCode(65 + i));
  const properties: { id: string; value: unknown }[] = [
    { id: 'unit', value: axis.unit },
    { id: 'custom.axisPlacement', value: common.AxisPlacement.Right },
  ];
  if (axis.min !== undefined) properties.push({ id: 'min', value: axis.min });
  if (axis.max !== undefined) properties.push({ id: 'max', value: axis.max });
  if (axis.thresholds) {
    properties.push({ id: 'thresholds', value: thresholds(axis.thresholds, axis.thresholdsBase).build() });
    properties.push({ id: 'custom.thresholdsStyle', value: { mode: common.GraphThresholdsStyleMode.Dashed } });
  }
  return axis.refIds.map((refId) => {
    if (!refIds.includes(refId)) throw new Error(`${s.title}: right axis names query ${refId}, which the panel does not have`);
    return { refId, properties };
  });
}

/** A time series panel; thresholds, when given, are drawn as dashed lines. */
export function timeseriesPanel(s: PanelSpec, o: TimeseriesOptions = {}): cog.Builder<Panel> {
  const b = base(new timeseries.PanelBuilder(), s)
    .legend(legend(o.legendCalcs))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .lineWidth(1)
    .fillOpacity(o.stacked || o.bars ? 60 : 10)
    .showPoints(common.VisibilityMode.Never)
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(s.thresholds ? common.GraphThresholdsStyleMode.Dashed : common.GraphThresholdsStyleMode.Off));
  if (o.bars) b.drawStyle(common.GraphDrawStyle.Bars);
  if (o.stacked) b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (o.rightAxis) for (const { refId, properties } of rightAxisOverrides(s, o.rightAxis)) b.overrideByQuery(refId, properties);
  return b;
}

/** A stat panel showing each series' last value, coloured by thresholds or mappings. */
export function statPanel(s: PanelSpec): cog.Builder<Panel> {
  return base(new stat.PanelBuilder(), { width: 6, ...s })
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .colorMode(s.thresholds || s.mappings ? common.BigValueColorMode.Background : common.BigValueColorMode.Value)
    .graphMode(s.mappings ? common.BigValueGraphMode.None : common.BigValueGraphMode.Area)
    .textMode(common.BigValueTextMode.ValueAndName);
}

/** A state timeline: one lane per series, coloured by value mappings (required). */
export function stateTimelinePanel(s: PanelSpec & { readonly mappings: ValueMapping[] }): cog.Builder<Panel> {
  return base(new statetimeline.PanelBuilder(), s)
    .legend(legend())
    .showValue(common.VisibilityMode.Auto)
    .mergeValues(true)
    .rowHeight(0.8)
    .fillOpacity(80);
}

/**
 * A heatmap of a histogram's buckets: the query must be `sum by (instance, le) (rate(h_bucket[...]))`;
 * it is sent in Prometheus' heatmap format and drawn without recalculation. Repeated per value of
 * the `instance` variable ({@link INSTANCE_VARIABLE}), one copy under the other (`repeatDirection`
 * `v`, so each copy keeps the panel's width and column): the heatmap format takes one series per
 * bucket bound, so the buckets of two engines in one panel would be drawn as one distribution
 * (Grafana's repeating panels: each copy's `$instance` is one selected value). Put `$instance` in
 * the title, so the copies are told apart.
 */
export function heatmapPanel(s: PanelSpec): cog.Builder<Panel> {
  return base(new heatmap.PanelBuilder(), s, prometheus.PromQueryFormat.Heatmap)
    .repeat(INSTANCE_VARIABLE)
    .repeatDirection('v')
    .calculate(false)
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Le))
    .yAxis(new heatmap.YAxisConfigBuilder().unit(s.unit))
    .color(new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Oranges').scale(heatmap.HeatmapColorScale.Exponential).exponent(0.5).steps(64))
    .cellGap(1)
    .showLegend();
}

/**
 * A table of the series' values now (an instant query in Prometheus' table format): one row per
 * series, its labels as columns and its value in `Value`, sorted by value, largest first. The
 * transformation drops Grafana's `Time` column.
 */
export function tablePanel(s: PanelSpec): cog.Builder<Panel> {
  return base(new table.PanelBuilder(), s, prometheus.PromQueryFormat.Table)
    .showHeader(true)
    .cellHeight(common.TableCellHeight.Sm)
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('Value').desc(true)])
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true } } });
}

/**
 * Values of the alert list ({@link alertListPanel}): 0 OK (no pending or firing instance), 1 PENDING
 * (the condition holds, its `for` not yet over), 2 FIRING.
 */
export const ALERT_STATE = { ok: 0, pending: 1, firing: 2 } as const;

/** Name of the firing-alerts annotation every dashboard has ({@link alertAnnotation}). */
export const ALERT_ANNOTATION_NAME = 'Firing alerts';

/** Title of the alert list panel every dashboard has ({@link alertListPanel}). */
export const ALERT_LIST_TITLE = 'Alerts of this dashboard';

/**
 * Min step of the firing-alerts annotation: Grafana samples `ALERTS` at this step and joins
 * consecutive samples into one region, so an alert that fires for 15 s or longer shows.
 */
export const ALERT_ANNOTATION_STEP = '15s';

/**
 * The alert families a dashboard shows (query/panels.ts' `ALERT_FAMILY_DASHBOARDS`) and their alerts.
 * @throws Error when no family maps to `uid` (every dashboard must show its alerts)
 */
export function dashboardAlerts(uid: DashboardUid): { readonly families: AlertFamily[]; readonly alerts: (typeof ALERTS)[number][] } {
  const families = familiesOn(uid);
  if (families.length === 0) throw new Error(`${uid}: no alert family maps to this dashboard (query/panels.ts ALERT_FAMILY_DASHBOARDS)`);
  const set: ReadonlySet<string> = new Set(families);
  return { families, alerts: ALERTS.filter((a) => set.has(a.family)) };
}

/** `{family=~"a|b|..."}`: the matcher on the families of {@link dashboardAlerts}. */
function familyMatcher(uid: DashboardUid): { readonly family: { readonly re: string } } {
  return { family: { re: dashboardAlerts(uid).families.join('|') } };
}

/**
 * `ALERTS{alertstate="firing", family=~"<the dashboard's families>"}`: the dashboard's firing alerts
 * (Prometheus' own series, {@link PROMETHEUS_RULE_SERIES}; not narrowed by `job` and `instance`,
 * which an alert carries only when its expression keeps them).
 */
export function firingAlertsExpr(uid: DashboardUid): Expr {
  return sel(PROMETHEUS_RULE_SERIES.ALERTS, { alertstate: 'firing', ...familyMatcher(uid) });
}

/**
 * The state of each alert of the dashboard's families, one series per alert name (labels
 * `alertname`, `severity`), value {@link ALERT_STATE}: the worst of its instances' states from
 * `ALERTS` (firing ×2 or pending), or 0 when none is pending or firing, so every alert is listed
 * even on a quiet day:
 * `max by (alertname, severity) (ALERTS{firing} * 2 or ALERTS{pending}) or on(alertname) (<0 per alert>)`.
 */
export function alertStateExpr(uid: DashboardUid): Expr {
  const { alerts } = dashboardAlerts(uid);
  const f = familyMatcher(uid);
  const firing = sel(PROMETHEUS_RULE_SERIES.ALERTS, { alertstate: 'firing', ...f }).mul(ALERT_STATE.firing);
  const pending = sel(PROMETHEUS_RULE_SERIES.ALERTS, { alertstate: 'pending', ...f }).mul(ALERT_STATE.pending);
  const ok = alerts.map((a) => withLabel(withLabel(vector(ALERT_STATE.ok), 'alertname', a.name), 'severity', a.severity)).reduce((acc, e) => acc.or(e));
  return max(['alertname', 'severity'], firing.or(pending)).or(ok, ['alertname']);
}

/**
 * The alert list every dashboard has (id `ALERT_LIST_PANEL_ID` of query/panels.ts): a state
 * timeline with one lane per alert of the dashboard's families, OK / PENDING / FIRING over the
 * time range ({@link alertStateExpr}). Grafana's own `alertlist` panel lists Grafana-managed
 * alerts only (Grafana's Alert list documentation), and tickwatch's alerts are Prometheus rules, so
 * the list reads Prometheus' `ALERTS` series.
 * @param datasource - the Prometheus datasource (default the dashboard's `${datasource}`; a SQL
 *   dashboard passes its Prometheus variable)
 */
export function alertListPanel(uid: DashboardUid, datasource: common.DataSourceRef = DATASOURCE): cog.Builder<Panel> {
  const { families, alerts } = dashboardAlerts(uid);
  const s: PanelSpec = {
    id: ALERT_LIST_PANEL_ID,
    title: ALERT_LIST_TITLE,
    description:
      `Every alert of this dashboard's families (${families.join(', ')}): FIRING, PENDING (its condition holds, its hold not over yet) or OK, the worst of its instances, from Prometheus' ALERTS series. ` +
      `Firing alerts are also drawn as red "${ALERT_ANNOTATION_NAME}" annotations on the time series panels; the panel an alert links to carries its runbook link and threshold.`,
    unit: UNIT.state,
    queries: [{ expr: alertStateExpr(uid), legend: '{{alertname}} ({{severity}})' }],
    width: 24,
    height: Math.min(16, 3 + Math.ceil(alerts.length * 0.75)),
    mappings: valueMappings({
      [ALERT_STATE.ok]: { text: 'OK', color: COLOR.ok },
      [ALERT_STATE.pending]: { text: 'PENDING', color: COLOR.warning },
      [ALERT_STATE.firing]: { text: 'FIRING', color: COLOR.critical },
    }),
  };
  return base(new statetimeline.PanelBuilder(), s, undefined, datasource).legend(legend()).showValue(common.VisibilityMode.Never).mergeValues(true).rowHeight(0.8).fillOpacity(80);
}

/**
 * The firing-alerts annotation every dashboard has: {@link firingAlertsExpr} on Prometheus, drawn
 * red on every time series panel, titled with the alert name, tagged with severity and family. Set
 * both ways Grafana reads a Prometheus annotation: the query in `target` (Grafana 10 and later) and
 * the legacy top-level `expr` and `step` (which it moves into `target` when `target` is missing).
 * @param datasource - the Prometheus datasource (default the dashboard's `${datasource}`)
 */
export function alertAnnotation(uid: DashboardUid, datasource: common.DataSourceRef = DATASOURCE): cog.Builder<AnnotationQuery> {
  const expr = firingAlertsExpr(uid).text;
  return new AnnotationQueryBuilder()
    .name(ALERT_ANNOTATION_NAME)
    .datasource(datasource)
    .enable(true)
    .iconColor(COLOR.critical)
    .expr(expr)
    .step(ALERT_ANNOTATION_STEP)
    .target(new prometheus.DataqueryBuilder().refId('Anno').datasource(datasource).expr(expr).interval(ALERT_ANNOTATION_STEP).range().editorMode(prometheus.QueryEditorMode.Code))
    .titleFormat('{{alertname}}')
    .textFormat('{{severity}} alert of family {{family}} firing {{instance}}')
    .tagKeys('severity,family')
    .useValueForTime(false);
}

/** A row of panels. Rows are expanded: their panels follow them at the top level of the dashboard. */
export interface Row {
  readonly title: string;
  readonly panels: readonly cog.Builder<Panel>[];
}

/**
 * The "Alerts" row every dashboard starts with: the alert list of its alert families
 * ({@link alertListPanel}).
 */
export function alertRow(uid: DashboardUid, datasource: common.DataSourceRef = DATASOURCE): Row {
  return { title: 'Alerts', panels: [alertListPanel(uid, datasource)] };
}

/** A dashboard's content. */
export interface DashboardSpec {
  readonly uid: (typeof DASHBOARD_UIDS)[keyof typeof DASHBOARD_UIDS];
  readonly title: string;
  readonly description: string;
  /** Tags besides `tickwatch`. */
  readonly tags: readonly string[];
  /**
   * The services (jobs.ts) whose metrics the panels read: the values of the `job` variable
   * ({@link jobVariable}).
   */
  readonly jobs: readonly JobName[];
  /** Variables after `datasource`, `job` and `instance` (strategy). */
  readonly variables: readonly cog.Builder<VariableModel>[];
  readonly rows: readonly Row[];
}

/** Row ids start here (panel ids stay below it); the checks reject any id used twice. */
export const ROW_ID_BASE = 100;

/**
 * Builds a dashboard: stable uid, UTC, 10 s refresh, last hour, shared crosshair, read-only
 * (`editable: false`: it is provisioned from this repository, and the provider refuses UI saves
 * anyway), the `datasource`, `job` ({@link jobVariable} over `s.jobs`) and `instance`
 * ({@link instanceVariable}) variables first, a link menu to the other tickwatch dashboards, the
 * firing-alerts annotation ({@link alertAnnotation}), then an "Alerts" row with the alert list
 * ({@link alertListPanel}) and the rows in order (row `i` of all these gets id {@link ROW_ID_BASE} + i).
 */
export function buildDashboard(s: DashboardSpec): Dashboard {
  const d = new DashboardBuilder(s.title)
    .uid(s.uid)
    .description(s.description)
    .tags(['tickwatch', ...s.tags])
    .timezone('utc')
    .refresh('10s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(datasourceVariable())
    .withVariable(jobVariable(s.jobs))
    .withVariable(instanceVariable())
    .link(new DashboardLinkBuilder('tickwatch').type(DashboardLinkType.Dashboards).tags(['tickwatch']).asDropdown(true).includeVars(true).keepTime(true))
    .annotation(alertAnnotation(s.uid));
  for (const v of s.variables) d.withVariable(v);
  [alertRow(s.uid), ...s.rows].forEach((r, i) => {
    d.withRow(new RowBuilder(r.title).id(ROW_ID_BASE + i));
    for (const p of r.panels) d.withPanel(p);
  });
  return d.build();
}
