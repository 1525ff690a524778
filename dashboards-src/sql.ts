/**
 * SQL panels on the recorder's ClickHouse tables, through Grafana's ClickHouse datasource plugin
 * (`grafana-clickhouse-datasource`, github.com/grafana/clickhouse-datasource): the datasource and
 * its variables, the query model the plugin reads, panel factories, a check of every query against
 * the table definitions of exporters/catalog/tables.ts ({@link checkSql}), and the plugin's macro
 * expansion ({@link expandMacros}) so tests send each query as Grafana would.
 *
 * Every query reads `${database}.<table>` (the `database` variable, default `tickwatch`, the
 * recorder's database), is bounded by `$__timeFilter(ts)` (a panel never scans the whole audit
 * history), and runs on ClickHouse 18.16 (Debian's, which the tests run) as on current releases: so
 * no `$__timeInterval` (its `toStartOfInterval` is newer than 18.16); time buckets are
 * {@link timeBucket}.
 */
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  RowBuilder,
  type Dashboard,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
  VariableSort,
  type DashboardLink,
  type Panel,
  type ThresholdsConfig,
  type ValueMapping,
  type VariableModel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as tablePanel from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { columnsOf, TABLE_DEFS, type TableName } from '../exporters/catalog/tables.js';
import type { DashboardUid, PanelRef } from '../query/panels.js';
import { alertAnnotation, alertRow, PROMETHEUS_DATASOURCE_UID, runbookLinks } from './common.js';

/** The plugin's id: the datasource type of every SQL panel. */
export const CLICKHOUSE_PLUGIN = 'grafana-clickhouse-datasource';

/** The uid of the ClickHouse datasource the provisioning file creates (the variable's default). */
export const CLICKHOUSE_DATASOURCE_UID = 'clickhouse';

/**
 * Name of a SQL dashboard's Prometheus datasource variable: its firing-alerts annotation and its
 * alert list read Prometheus' `ALERTS` series through it (every other panel reads ClickHouse).
 */
export const PROMETHEUS_VARIABLE = 'prometheus';

/** The Prometheus datasource of a SQL dashboard's annotation and alert list: whatever {@link PROMETHEUS_VARIABLE} selects. */
export const SQL_PROMETHEUS_DATASOURCE = { type: 'prometheus', uid: `\${${PROMETHEUS_VARIABLE}}` } as const;

/** The datasource of every SQL panel and target: whatever the `datasource` variable selects. */
export const SQL_DATASOURCE = { type: CLICKHOUSE_PLUGIN, uid: '${datasource}' } as const;

/** Name of the variable holding the recorder's database. */
export const DATABASE_VARIABLE = 'database';

/** The recorder's default ClickHouse database (exporters/recorder/stores/clickhouse.ts). */
export const DEFAULT_DATABASE = 'tickwatch';

/**
 * How the plugin shapes a result (sqlds' `FormatQueryOption`, github.com/grafana/sqlds): 0 time
 * series (a `time` column, one series per combination of the string columns), 1 table, 2 logs.
 */
export const SQL_FORMAT = { timeSeries: 0, table: 1, logs: 2 } as const;
export type SqlFormat = (typeof SQL_FORMAT)[keyof typeof SQL_FORMAT];

/**
 * The datasource variable over ClickHouse datasources, defaulting to the provisioned one (uid
 * {@link CLICKHOUSE_DATASOURCE_UID}).
 */
export function clickhouseDatasourceVariable(): cog.Builder<VariableModel> {
  return new DatasourceVariableBuilder('datasource').label('Data source').type(CLICKHOUSE_PLUGIN).current({ selected: true, text: 'ClickHouse', value: CLICKHOUSE_DATASOURCE_UID });
}

/** The {@link PROMETHEUS_VARIABLE} variable (label "Prometheus"): Prometheus datasources, defaulting to the provisioned one. */
export function prometheusVariable(): cog.Builder<VariableModel> {
  return new DatasourceVariableBuilder(PROMETHEUS_VARIABLE).label('Prometheus').type('prometheus').current({ selected: true, text: 'Prometheus', value: PROMETHEUS_DATASOURCE_UID });
}

/** The `database` variable: a text box holding the recorder's database ({@link DEFAULT_DATABASE}). */
export function databaseVariable(): cog.Builder<VariableModel> {
  return new TextBoxVariableBuilder(DATABASE_VARIABLE)
    .label('Database')
    .description("The recorder's ClickHouse database (its --clickhouse-database).")
    .defaultValue(DEFAULT_DATABASE)
    .current({ selected: true, text: DEFAULT_DATABASE, value: DEFAULT_DATABASE });
}

/**
 * A multi-value SQL query variable with "All" selected (Grafana then sends every value it
 * listed), refreshed when the time range changes. Use it in a query as
 * `col IN (${name:singlequote})`.
 * @param sql - `SELECT DISTINCT <column> FROM ${database}.<table> WHERE $__timeFilter(ts) ...`
 */
export function sqlVariable(name: string, label: string, sql: string): cog.Builder<VariableModel> {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(SQL_DATASOURCE)
    .query(sql)
    .definition(sql)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: 'All', value: '$__all' });
}

/**
 * `${database}.<table>`, for a table of exporters/catalog/tables.ts.
 * @throws Error when no such table is defined (a table name from a string that bypassed the type)
 */
export function table(name: TableName): string {
  if (!TABLE_DEFS.has(name)) throw new Error(`no table ${name} in exporters/catalog/tables.ts`);
  return `\${${DATABASE_VARIABLE}}.${name}`;
}

/**
 * The time bucket of `ts` one point wide (`$__interval_s` seconds), as a DateTime named `time`:
 * `toDateTime(intDiv(toUInt32(ts), $__interval_s) * $__interval_s)`. The plugin's
 * `$__timeInterval(ts)` means the same but expands to `toStartOfInterval`, which ClickHouse 18.16
 * lacks.
 */
export const timeBucket = 'toDateTime(intDiv(toUInt32(ts), $__interval_s) * $__interval_s) AS time';

/** One SQL query of a panel. */
export interface SqlQuery {
  readonly sql: string;
  readonly format: SqlFormat;
}

/**
 * A query target of the plugin (its `CHSqlQuery`, src/types/sql.ts): the SQL editor, the raw
 * SQL, the result format, and the `${datasource}` datasource.
 */
export class SqlTargetBuilder implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly q: SqlQuery,
    private readonly refId: string,
  ) {}

  build(): cog.Dataquery {
    const queryType = this.q.format === SQL_FORMAT.timeSeries ? 'timeseries' : this.q.format === SQL_FORMAT.logs ? 'logs' : 'table';
    return {
      refId: this.refId,
      datasource: { ...SQL_DATASOURCE },
      editorType: 'sql',
      queryType,
      format: this.q.format,
      rawSql: this.q.sql,
      pluginVersion: '4.0.0',
      _implementsDataqueryVariant() {},
    } as cog.Dataquery;
  }
}

/**
 * The id and title of a panel that alerts link to (a {@link PanelRef} of query/panels.ts), with a
 * link to each such alert's runbook: spread it into a {@link SqlPanelSpec}.
 */
export function linkedSql(ref: PanelRef): Pick<SqlPanelSpec, 'id' | 'title' | 'links'> {
  return { id: ref.panelId, title: ref.title, links: runbookLinks(ref) };
}

/** What every SQL panel states (the SQL counterpart of common.ts' `PanelSpec`). */
export interface SqlPanelSpec {
  readonly id: number;
  readonly title: string;
  /** What the panel shows and how to read it. */
  readonly description: string;
  /** A Grafana unit id (common.ts' `UNIT`). */
  readonly unit: string;
  /** At least one; refIds A, B, ... in this order. */
  readonly queries: readonly SqlQuery[];
  readonly width?: number;
  readonly height?: number;
  readonly thresholds?: cog.Builder<ThresholdsConfig>;
  readonly mappings?: ValueMapping[];
  readonly links?: cog.Builder<DashboardLink>[];
}

/** The SDK panel builders' common surface the SQL factories use. */
export interface SqlPanelBuilder<B> extends cog.Builder<Panel> {
  id(id: number): B;
  title(title: string): B;
  description(description: string): B;
  unit(unit: string): B;
  datasource(datasource: common.DataSourceRef): B;
  withTarget(target: cog.Builder<cog.Dataquery>): B;
  links(links: cog.Builder<DashboardLink>[]): B;
  span(w: number): B;
  height(h: number): B;
  thresholds(thresholds: cog.Builder<ThresholdsConfig>): B;
  mappings(mappings: ValueMapping[]): B;
}

/** Sets what every SQL panel has: id, title, description, unit, the datasource, its targets, size, thresholds, links. */
export function sqlBase<B extends SqlPanelBuilder<B>>(b: B, s: SqlPanelSpec): B {
  if (s.queries.length === 0 || s.queries.length > 26) throw new Error(`${s.title}: a panel has 1 to 26 queries`);
  b.id(s.id)
    .title(s.title)
    .description(s.description)
    .unit(s.unit)
    .datasource(SQL_DATASOURCE)
    .span(s.width ?? 12)
    .height(s.height ?? 8);
  s.queries.forEach((q, i) => b.withTarget(new SqlTargetBuilder(q, String.fromCharCode(65 + i))));
  if (s.thresholds) b.thresholds(s.thresholds);
  if (s.mappings) b.mappings(s.mappings);
  if (s.links?.length) b.links(s.links);
  return b;
}

// ---------------------------------------------------------------------------------------------
// The plugin's macros

/** What a macro expands from: the dashboard's time range and a point's width. */
export interface MacroContext {
  /** Start of the range, milliseconds since the Unix epoch. */
  readonly fromMs: number;
  /** End of the range, milliseconds since the Unix epoch. */
  readonly toMs: number;
  /** A point's width (Grafana's `$__interval`), milliseconds. */
  readonly intervalMs: number;
}

const dateTime = (ms: number) => `toDateTime(${Math.floor(ms / 1000)})`;
const dateTime64 = (ms: number) => `fromUnixTimestamp64Milli(${Math.trunc(ms)})`;
const date = (ms: number) => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;
const seconds = (c: MacroContext) => Math.max(Math.trunc(c.intervalMs / 1000), 1);

type Macro = (c: MacroContext, args: readonly string[]) => string;
const oneArg =
  (name: string, f: (c: MacroContext, col: string) => string): Macro =>
  (c, args) => {
    if (args.length !== 1) throw new Error(`$__${name} expected 1 argument, received ${args.length}`);
    return f(c, args[0]!);
  };

/**
 * The plugin's macros as its backend expands them (pkg/macros/macros.go of
 * grafana/clickhouse-datasource, 2026-08: `$__timeFilter(col)` →
 * `col >= toDateTime(<from s>) AND col <= toDateTime(<to s>)`, and so on). The ones that need a
 * ClickHouse newer than 18.16 (`_ms` variants, `$__timeInterval`) are listed so that
 * {@link checkSql} can name them.
 */
const MACROS: Readonly<Record<string, Macro>> = {
  timeFilter: oneArg('timeFilter', (c, col) => `${col} >= ${dateTime(c.fromMs)} AND ${col} <= ${dateTime(c.toMs)}`),
  timeFilter_ms: oneArg('timeFilter_ms', (c, col) => `${col} >= ${dateTime64(c.fromMs)} AND ${col} <= ${dateTime64(c.toMs)}`),
  dateFilter: oneArg('dateFilter', (c, col) => `${col} >= ${date(c.fromMs)} AND ${col} <= ${date(c.toMs)}`),
  timeFrom: oneArg('timeFrom', (c, col) => `${col} >= ${dateTime(c.fromMs)}`),
  timeTo: oneArg('timeTo', (c, col) => `${col} <= ${dateTime(c.toMs)}`),
  fromTime: (c) => dateTime(c.fromMs),
  toTime: (c) => dateTime(c.toMs),
  fromTime_ms: (c) => dateTime64(c.fromMs),
  toTime_ms: (c) => dateTime64(c.toMs),
  timeInterval: oneArg('timeInterval', (c, col) => `toStartOfInterval(toDateTime(${col}), INTERVAL ${seconds(c)} second)`),
  interval_s: (c) => String(seconds(c)),
};

/** Macros whose expansion ClickHouse 18.16 cannot run (no `fromUnixTimestamp64Milli`, no `toStartOfInterval`). */
const NEWER_THAN_18_16: ReadonlySet<string> = new Set(['timeFilter_ms', 'fromTime_ms', 'toTime_ms', 'timeInterval']);

/** `$__name` or `$__name(args)`; the longest name first (`timeFilter_ms` before `timeFilter`). */
const MACRO_RE = /\$__([A-Za-z_]+)(\(([^()]*)\))?/g;

/**
 * Expands the plugin's macros in `sql` as its backend does before sending the query.
 * @throws Error on an unknown macro or a wrong argument count
 */
export function expandMacros(sql: string, c: MacroContext): string {
  return sql.replace(MACRO_RE, (_m, name: string, call?: string, args?: string) => {
    const f = MACROS[name];
    if (!f) throw new Error(`unknown macro $__${name}`);
    return f(c, call === undefined ? [] : (args ?? '').split(',').map((a) => a.trim()).filter(Boolean));
  });
}

// ---------------------------------------------------------------------------------------------
// The check

const KEYWORDS: ReadonlySet<string> = new Set(
  'select from where and or not in as group by order desc asc limit having is null like ilike interval second minute hour day case when then else end distinct on join left inner any all union with between true false'.split(' '),
);

/** `${name}`, `${name:format}`, `$name`, `[[name]]`: a dashboard variable. */
const VARIABLE_RE = /\$\{(\w+)(?::[^}]*)?\}|\$(?!__)(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]/g;

/** The columns `t` has on ClickHouse: the envelope's `ts_ns` is `ts` there. */
export function clickhouseColumns(name: TableName): string[] {
  return columnsOf(TABLE_DEFS.get(name)!).map((c) => (c.name === 'ts_ns' ? 'ts' : c.name));
}

/**
 * Checks one SQL query of a panel or variable against the table definitions:
 *
 * - every table is `${database}.<name>` and `<name>` is a table of exporters/catalog/tables.ts;
 * - the query is bounded by `$__timeFilter(ts)` (a panel never reads a table's whole history);
 * - every macro is one of the plugin's, and none needs a ClickHouse newer than 18.16;
 * - every variable it refers to is in `variables` (or a Grafana built-in);
 * - every bare identifier is a SQL keyword, a function (followed by `(`), an alias (`AS name`), or
 *   a column of a table the query reads (`ts`, not `ts_ns`: the ClickHouse name).
 *
 * Identifiers are found by a tokenizer that skips string literals and comments; it does not parse
 * SQL, so a query that ClickHouse would refuse for other reasons passes here and fails in the
 * liveness test, which runs every query against a real ClickHouse.
 * @param variables - names of the dashboard's variables
 * @returns problems, without the location prefix
 */
export function checkSql(sql: string, variables: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const text = sql.replace(/--[^\n]*/g, ' ').replace(/'(?:[^'\\]|\\.)*'/g, "''");
  for (const m of text.matchAll(MACRO_RE)) {
    if (!(m[1]! in MACROS)) problems.push(`unknown macro $__${m[1]}`);
    else if (NEWER_THAN_18_16.has(m[1]!)) problems.push(`$__${m[1]} needs a ClickHouse newer than 18.16 (the tests' server): use ${m[1] === 'timeInterval' ? 'timeBucket' : '$__timeFilter, $__fromTime, $__toTime'}`);
  }
  for (const m of text.matchAll(VARIABLE_RE)) {
    const v = (m[1] ?? m[2] ?? m[3])!;
    if (!variables.has(v)) problems.push(`refers to undefined variable $${v}`);
  }
  const tables: TableName[] = [];
  const froms = [...text.matchAll(/\bfrom\s+([^\s,()]+)/gi)];
  for (const m of froms) {
    const ref = m[1]!;
    const t = /^\$\{database\}\.(\w+)$/.exec(ref);
    if (!t) problems.push(`reads ${ref}: a table is \${${DATABASE_VARIABLE}}.<name>`);
    else if (!TABLE_DEFS.has(t[1] as TableName)) problems.push(`reads table ${t[1]}, which exporters/catalog/tables.ts does not define`);
    else tables.push(t[1] as TableName);
  }
  if (froms.length === 0) problems.push('reads no table');
  if (!/\$__timeFilter\(\s*ts\s*\)/.test(text)) problems.push('is not bounded by $__timeFilter(ts)');
  const columns = new Set(tables.flatMap(clickhouseColumns));
  const aliases = new Set([...text.matchAll(/\bas\s+([A-Za-z_]\w*)/gi)].map((m) => m[1]!));
  // Blank out what is not a column: the table after FROM, numbers, variables, macros' names, `.name`.
  const idText = text.replace(/\bfrom\s+[^\s,()]+/gi, ' ').replace(/\b\d[\w.]*/g, ' ').replace(VARIABLE_RE, ' ').replace(/\$__\w+/g, ' ').replace(/\.\w+/g, ' ');
  for (const m of idText.matchAll(/([A-Za-z_]\w*)(\s*\()?/g)) {
    const id = m[1]!;
    if (m[2] || KEYWORDS.has(id.toLowerCase()) || aliases.has(id) || columns.has(id) || /^\d/.test(id)) continue;
    problems.push(`names ${id}, which is no column of ${tables.join(', ') || 'the tables it reads'} (nor a keyword, function or alias)`);
  }
  return [...new Set(problems)];
}

// ---------------------------------------------------------------------------------------------
// Panels and the dashboard

/** Legend shown at the bottom as a list (the checks require a time series to show its legend). */
function legend(): cog.Builder<common.VizLegendOptions> {
  return new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).calcs([]);
}

/** Options of a SQL time series panel. */
export interface SqlTimeseriesOptions {
  /** Draw bars (counts per point of rare events). */
  readonly bars?: boolean;
  /** Stack the series. */
  readonly stacked?: boolean;
}

/** A time series panel on SQL queries in the time series format (a `time` column). */
export function sqlTimeseriesPanel(s: SqlPanelSpec, o: SqlTimeseriesOptions = {}): cog.Builder<Panel> {
  for (const q of s.queries) if (q.format !== SQL_FORMAT.timeSeries) throw new Error(`${s.title}: a time series panel's queries use the time series format`);
  const b = sqlBase(new timeseries.PanelBuilder(), s)
    .legend(legend())
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .lineWidth(1)
    .fillOpacity(o.bars || o.stacked ? 60 : 10)
    .showPoints(common.VisibilityMode.Never)
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(s.thresholds ? common.GraphThresholdsStyleMode.Dashed : common.GraphThresholdsStyleMode.Off));
  if (o.bars) b.drawStyle(common.GraphDrawStyle.Bars);
  if (o.stacked) b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  return b;
}

/** Options of a SQL table panel. */
export interface SqlTableOptions {
  /** The column the table is sorted by, descending (the query's own order otherwise). */
  readonly sortBy?: string;
  /** Grafana unit ids of columns whose unit is not the panel's (`{ slippage_ratio: UNIT.ratio }`). */
  readonly columnUnits?: Readonly<Record<string, string>>;
}

/** A table panel on SQL queries in the table format. */
export function sqlTablePanel(s: SqlPanelSpec, o: SqlTableOptions = {}): cog.Builder<Panel> {
  for (const q of s.queries) if (q.format !== SQL_FORMAT.table) throw new Error(`${s.title}: a table panel's queries use the table format`);
  const b = sqlBase(new tablePanel.PanelBuilder(), { width: 24, height: 9, ...s }).showHeader(true).filterable(true).cellHeight(common.TableCellHeight.Sm);
  if (o.sortBy) b.sortBy([new common.TableSortByFieldStateBuilder().displayName(o.sortBy).desc(true)]);
  for (const [column, unit] of Object.entries(o.columnUnits ?? {})) b.overrideByName(column, [{ id: 'unit', value: unit }]);
  return b;
}

/** A SQL dashboard's content (the SQL counterpart of common.ts' `DashboardSpec`). */
export interface SqlDashboardSpec {
  readonly uid: DashboardUid;
  readonly title: string;
  readonly description: string;
  /** Tags besides `tickwatch`. */
  readonly tags: readonly string[];
  /** Variables after `datasource` and `database` (the {@link PROMETHEUS_VARIABLE} variable follows them). */
  readonly variables: readonly cog.Builder<VariableModel>[];
  readonly rows: readonly { readonly title: string; readonly panels: readonly cog.Builder<Panel>[] }[];
}

/**
 * Builds a SQL dashboard as common.ts' `buildDashboard` builds the Prometheus ones (stable uid,
 * UTC, 10 s refresh, last hour, shared crosshair, read-only, the link menu to the other tickwatch
 * dashboards, the firing-alerts annotation, the "Alerts" row first, row `i` with id `rowIdBase + i`),
 * with the `datasource` (ClickHouse) and `database` variables first and the
 * {@link PROMETHEUS_VARIABLE} variable last, through which the annotation and the alert list read
 * Prometheus' `ALERTS`.
 */
export function buildSqlDashboard(s: SqlDashboardSpec, rowIdBase: number): Dashboard {
  const d = new DashboardBuilder(s.title)
    .uid(s.uid)
    .description(s.description)
    .tags(['tickwatch', ...s.tags])
    .timezone('utc')
    .refresh('10s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(clickhouseDatasourceVariable())
    .withVariable(databaseVariable())
    .link(new DashboardLinkBuilder('tickwatch').type(DashboardLinkType.Dashboards).tags(['tickwatch']).asDropdown(true).includeVars(false).keepTime(true))
    .annotation(alertAnnotation(s.uid, SQL_PROMETHEUS_DATASOURCE));
  for (const v of s.variables) d.withVariable(v);
  d.withVariable(prometheusVariable());
  [alertRow(s.uid, SQL_PROMETHEUS_DATASOURCE), ...s.rows].forEach((r, i) => {
    d.withRow(new RowBuilder(r.title).id(rowIdBase + i));
    for (const p of r.panels) d.withPanel(p);
  });
  return d.build();
}

/**
 * Replaces dashboard variables in `sql` as Grafana's template service does for a SQL datasource:
 * `${name:singlequote}` → `'v1','v2'` (a quote inside a value escaped `\'`), `${name:sqlstring}` →
 * `'v1','v2'` (a quote doubled), `${name}`, `$name` and `${name:raw}` → the values joined by `,`.
 * @param values - each variable's values (a multi-value variable at "All": every value it lists)
 * @throws Error on a variable `values` lacks, or a format this does not implement
 */
export function interpolateSql(sql: string, values: Readonly<Record<string, readonly string[]>>): string {
  return sql.replace(/\$\{(\w+)(?::(\w+))?\}|\$(?!__)(\w+)/g, (_m, a?: string, format?: string, b?: string) => {
    const name = (a ?? b)!;
    const vs = values[name];
    if (!vs) throw new Error(`no value for variable $${name}`);
    switch (format) {
      case 'singlequote':
        return vs.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
      case 'sqlstring':
        return vs.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
      case undefined:
      case 'raw':
        return vs.join(',');
      default:
        throw new Error(`variable format ${format} is not implemented here`);
    }
  });
}
