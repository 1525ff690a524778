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
import { runbookUrl } from '../alert-rules/links.js';
import { sel, sum, type Expr, type GrafanaRange, type LabelsOf, type Matchers } from '../alert-rules/promql.js';
import type { LabelSpec, MetricDef } from '../exporters/catalog/types.js';
import { DASHBOARD_UIDS, type PanelRef } from './ids.js';

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

/**
 * Absolute thresholds: green below the first step, then each step's colour.
 * @param steps - steps in increasing order of value
 */
export function thresholds(steps: readonly Step[]): cog.Builder<ThresholdsConfig> {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([{ value: null, color: COLOR.ok }, ...steps.map((s) => ({ value: s.value, color: s.color }))]);
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
  const query = `label_values(${sel(def, filter).text}, ${label})`;
  return new QueryVariableBuilder(name)
    .label(name[0]!.toUpperCase() + name.slice(1))
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
  if (s.thresholds) b.thresholds(thresholds(s.thresholds));
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
