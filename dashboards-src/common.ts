/**
 * Shared pieces of every tickwatch dashboard, on @grafana/grafana-foundation-sdk (pinned 0.0.21):
 * the datasource and label variables, Grafana unit ids, threshold steps from
 * `alert-rules/thresholds.ts`, panel factories and the dashboard factory.
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
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { ALERTS } from '../alert-rules/index.js';
import { runbookUrl } from '../query/links.js';
import { Expr, sel, sum, type GrafanaRange, type LabelsOf, type Matchers } from '../query/promql.js';
import { clickhouseUp, nodeBootTimeSeconds } from '../exporters/catalog/index.js';
import type { LabelSpec, MetricDef } from '../exporters/catalog/types.js';
import { DASHBOARD_UIDS, type PanelRef } from '../query/panels.js';

/** Name of the datasource variable every dashboard has. */
export const DATASOURCE_VARIABLE = 'datasource';

/** The datasource every panel and target uses: whatever the `datasource` variable selects. */
export const DATASOURCE = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` } as const;

/** The uid of the Prometheus datasource the provisioning file creates (the variable's default). */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';

/** Window of every `rate()`/`increase()` in a panel: Grafana's `$__rate_interval`. */
export const RATE: GrafanaRange = '$__rate_interval';

/** Matcher on the `instance` variable; spread it into a selector's matchers. */
export const instanceFilter = { instance: { re: '$instance' } } as const;

/** Matchers on the `instance` and `strategy` variables, for metrics with a `strategy` label. */
export const strategyFilter = { instance: { re: '$instance' }, strategy: { re: '$strategy' } } as const;

/** Name of the variable over host exporter targets (job `tickwatch-host`), see {@link hostVariable}. */
export const HOST_VARIABLE = 'host';

/** Matcher on the `host` variable: host exporter targets; spread it into a selector of a host metric. */
export const hostFilter = { instance: { re: `$${HOST_VARIABLE}` } } as const;

/** Name of the variable over ClickHouse exporter targets (job `tickwatch-clickhouse`), see {@link clickhouseVariable}. */
export const CLICKHOUSE_VARIABLE = 'clickhouse';

/** Matcher on the `clickhouse` variable: ClickHouse exporter targets; spread it into a selector of a ClickHouse metric. */
export const clickhouseFilter = { instance: { re: `$${CLICKHOUSE_VARIABLE}` } } as const;

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

/** A 0-1 ratio as a percentage, for descriptions: `0.05` → `5 %`. */
export function pct(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))} %`;
}

/** Seconds in the unit that reads best, for descriptions: `0.0001` → `100 µs`, `0.005` → `5 ms`. */
export function dur(seconds: number): string {
  const [scale, unit] = seconds >= 1 ? [1, 's'] : seconds >= 1e-3 ? [1e3, 'ms'] : seconds >= 1e-6 ? [1e6, 'µs'] : [1e9, 'ns'];
  return `${Number((seconds * scale).toPrecision(6))} ${unit}`;
}

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
 * (`label_values(metric{filter}, label)`), with "All" (`.*`) selected.
 * @param name - variable name, as panels use it (`$name`)
 * @param def - a counter or gauge of the catalog (or a recording rule's `def`)
 * @param filter - matchers that narrow the values (e.g. on an earlier variable)
 */
export function labelVariable<D extends MetricDef<string, 'counter' | 'gauge', LabelSpec>>(
  name: string,
  label: LabelsOf<D> | 'instance' | 'job',
  def: D,
  filter?: Matchers<D>,
): cog.Builder<VariableModel> {
  return queryVariable(name, name[0]!.toUpperCase() + name.slice(1), `label_values(${sel(def, filter).text}, ${label})`);
}

/** A multi-value `label_values` query variable with "All" (`.*`) selected. */
function queryVariable(name: string, title: string, query: string): cog.Builder<VariableModel> {
  return new QueryVariableBuilder(name)
    .label(title)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: 'All', value: '$__all' });
}

/** The `instance` variable: scrape targets that export `def`. */
export function instanceVariable<D extends MetricDef<string, 'counter' | 'gauge', LabelSpec>>(def: D): cog.Builder<VariableModel> {
  return labelVariable('instance', 'instance', def);
}

/**
 * The `host` variable: host exporter targets (`label_values(node_boot_time_seconds, instance)`).
 * Host metrics come from their own job (`tickwatch-host`) and instance, which the `instance`
 * variable (built from an application metric) does not select, so host panels filter on this one
 * ({@link hostFilter}).
 */
export function hostVariable(): cog.Builder<VariableModel> {
  return queryVariable(HOST_VARIABLE, 'Host', `label_values(${sel(nodeBootTimeSeconds).text}, instance)`);
}

/**
 * The `clickhouse` variable: ClickHouse exporter targets (`label_values(tickwatch_clickhouse_up,
 * instance)`), one per ClickHouse server watched; ClickHouse panels filter on it
 * ({@link clickhouseFilter}).
 */
export function clickhouseVariable(): cog.Builder<VariableModel> {
  return queryVariable(CLICKHOUSE_VARIABLE, 'ClickHouse', `label_values(${sel(clickhouseUp).text}, instance)`);
}

/** The `strategy` variable: strategies of `def` (a metric with a `strategy` label) on the selected instances. */
export function strategyVariable(def: MetricDef<string, 'counter' | 'gauge', { readonly strategy: 'open' }>): cog.Builder<VariableModel> {
  return labelVariable('strategy', 'strategy', def, { instance: { re: '$instance' } });
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

/** A Prometheus target: refId, datasource, legend and code-mode editor set. */
function target(q: Query, refId: string, format?: prometheus.PromQueryFormat): cog.Builder<cog.Dataquery> {
  const t = new prometheus.DataqueryBuilder().refId(refId).datasource(DATASOURCE).expr(q.expr.text).legendFormat(q.legend).editorMode(prometheus.QueryEditorMode.Code).range();
  return format ? t.format(format) : t;
}

function base<B extends CommonPanelBuilder<B>>(b: B, s: PanelSpec, format?: prometheus.PromQueryFormat): B {
  if (s.queries.length > 26) throw new Error(`${s.title}: more than 26 queries`);
  b.id(s.id)
    .title(s.title)
    .description(s.description)
    .unit(s.unit)
    .datasource(DATASOURCE)
    .span(s.width ?? 12)
    .height(s.height ?? 8);
  s.queries.forEach((q, i) => b.withTarget(target(q, String.fromCharCode(65 + i), format)));
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
 * A heatmap of a histogram's buckets: the query must be `sum by (le) (rate(h_bucket[...]))`;
 * it is sent in Prometheus' heatmap format and drawn without recalculation.
 */
export function heatmapPanel(s: PanelSpec): cog.Builder<Panel> {
  return base(new heatmap.PanelBuilder(), s, prometheus.PromQueryFormat.Heatmap)
    .calculate(false)
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Le))
    .yAxis(new heatmap.YAxisConfigBuilder().unit(s.unit))
    .color(new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Oranges').scale(heatmap.HeatmapColorScale.Exponential).exponent(0.5).steps(64))
    .cellGap(1)
    .showLegend();
}

/** A row of panels. Rows are expanded: their panels follow them at the top level of the dashboard. */
export interface Row {
  readonly title: string;
  readonly panels: readonly cog.Builder<Panel>[];
}

/** A dashboard's content. */
export interface DashboardSpec {
  readonly uid: (typeof DASHBOARD_UIDS)[keyof typeof DASHBOARD_UIDS];
  readonly title: string;
  readonly description: string;
  /** Tags besides `tickwatch`. */
  readonly tags: readonly string[];
  /** Variables after the datasource variable (instance, strategy). */
  readonly variables: readonly cog.Builder<VariableModel>[];
  readonly rows: readonly Row[];
}

/** Row ids start here (panel ids stay below it); the checks reject any id used twice. */
export const ROW_ID_BASE = 100;

/**
 * Builds a dashboard: stable uid, UTC, 10 s refresh, last hour, shared crosshair, the datasource
 * variable first, a link menu to the other tickwatch dashboards, rows in order (row `i` gets id
 * {@link ROW_ID_BASE} + i).
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
    .withVariable(datasourceVariable())
    .link(new DashboardLinkBuilder('tickwatch').type(DashboardLinkType.Dashboards).tags(['tickwatch']).asDropdown(true).includeVars(true).keepTime(true));
  for (const v of s.variables) d.withVariable(v);
  s.rows.forEach((r, i) => {
    d.withRow(new RowBuilder(r.title).id(ROW_ID_BASE + i));
    for (const p of r.panels) d.withPanel(p);
  });
  return d.build();
}
