/**
 * Checks of built dashboards, used by the build (which refuses to write when any fails) and by
 * the tests. They work on the dashboard models as JSON would carry them, so a hand-edited or
 * regenerated file can be checked the same way.
 */
import type { Dashboard, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import { ALERTS, RECORDING_RULES } from '../alert-rules/index.js';
import { runbookUrl } from '../query/links.js';
import { checkExpr } from '../query/promql.js';
import { DATASOURCE, DATASOURCE_VARIABLE, GRAFANA_UNITS } from './common.js';
import { PANELS } from '../query/panels.js';

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
    const q = t as unknown as { refId?: string; expr?: string; datasource?: { uid?: string } };
    return { refId: q.refId, expr: q.expr, datasourceUid: q.datasource?.uid };
  });
}

const LABEL_VALUES_RE = /^label_values\((.+),\s*([a-zA-Z_]\w*)\)$/;

/**
 * Checks dashboards:
 *
 * - each has a uid and a title, both unique across the set, the `tickwatch` tag, UTC and a
 *   Prometheus `datasource` variable; query variables are `label_values` over known metrics;
 * - panel ids (rows included) are unique within a dashboard;
 * - every panel that is not a row has a title, a description, a Grafana unit id, the
 *   `${datasource}` datasource and at least one query; a time series or state timeline shows its
 *   legend; a field override sets only Grafana unit ids and matches only the panel's own refIds;
 * - every query has a unique refId and the `${datasource}` datasource, refers only to variables the
 *   dashboard defines (or Grafana's built-ins), and, with variables substituted
 *   ({@link substituteVariables}), parses as PromQL and names only catalog metrics, recording rules
 *   or Prometheus' own series;
 * - the panels of `PANELS` (ids.ts) exist with those ids and titles, and every alert's panel links
 *   to the alert's runbook.
 *
 * @returns problems, each naming its dashboard and panel; empty when all is sound
 */
export function checkDashboards(set: readonly NamedDashboard[]): string[] {
  const problems: string[] = [];
  const known = { recorded: new Set(RECORDING_RULES.map((r) => r.record)) };
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

    const vars = d.templating.list ?? [];
    const defined = new Set(vars.map((v) => v.name));
    const ds = vars.find((v) => v.name === DATASOURCE_VARIABLE);
    if (!ds || ds.type !== 'datasource' || ds.query !== 'prometheus') p(`no Prometheus datasource variable named ${DATASOURCE_VARIABLE}`);
    for (const v of vars) {
      if (v.type !== 'query') continue;
      const text = typeof v.query === 'string' ? v.query : '';
      const m = LABEL_VALUES_RE.exec(text);
      if (!m) {
        p(`variable ${v.name}: query ${JSON.stringify(text)} is not label_values(selector, label)`);
        continue;
      }
      for (const e of checkExpr(substituteVariables(m[1]!), known)) p(`variable ${v.name}: ${e}`);
      for (const ref of variablesIn(m[1]!)) if (!defined.has(ref) && !(ref in BUILTIN_VALUES)) p(`variable ${v.name}: refers to undefined variable $${ref}`);
    }

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
        for (const ref of variablesIn(q.expr)) if (!defined.has(ref) && !(ref in BUILTIN_VALUES)) pp(`${qat}: refers to undefined variable $${ref}`);
        for (const e of checkExpr(substituteVariables(q.expr), known)) pp(`${qat}: ${e}`);
      }
    }
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
