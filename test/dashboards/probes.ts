/**
 * Every query the dashboards send, as Grafana sends it with the variables at "All" (`allSelection`):
 * the PromQL of every panel and of every variable's selector, the firing-alerts annotations, the
 * ClickHouse SQL of the SQL dashboards, and the queries to rerun with `job` narrowed to one job.
 * Built from the dashboards' sources; the liveness test (liveness.test.ts) sends them to a live
 * Prometheus and ClickHouse, the HA test (test/alerting/prometheus-ha.test.ts) the PromQL ones to
 * Prometheus and VictoriaMetrics both.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { allSelection, isSqlDashboard, panelsOf, queriesOf, sqlOf, substituteVariables } from '../../dashboards-src/check.js';
import { DASHBOARDS } from '../../dashboards-src/index.js';
import { SQL_PROMETHEUS_DATASOURCE } from '../../dashboards-src/sql.js';
import { isRuleSeries, metricNames } from '../../query/promql.js';

/** One PromQL query of one panel (or a variable's selector), with the variables substituted; `series` is what it returned. */
export interface Probe {
  readonly dashboard: string;
  readonly panel: string;
  /** The query's refId, `-` for a variable's selector. */
  readonly refId: string;
  readonly query: string;
  series: number;
}

/** The firing-alerts annotation of a dashboard, with the variables substituted, and the alert names it returned. */
export interface AnnotationProbe {
  readonly dashboard: string;
  readonly query: string;
  alerts: string[];
}

/** One query of a panel of a dashboard with several jobs, to run with `job` narrowed to each. */
export interface Narrowable {
  readonly dashboard: string;
  readonly where: string;
  readonly expr: string;
  readonly values: Readonly<Record<string, string>>;
  /** The jobs the dashboard offers. */
  readonly jobs: readonly string[];
}

/** One SQL query of a panel of a SQL dashboard (or of a variable), and the rows it returned. */
export interface SqlProbe {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly sql: string;
  /** The variable it fills, for a variable's query. */
  readonly variable?: string;
  rows: number;
  /** The last query sent and ClickHouse's error, when it refused it. */
  last?: string;
}

/** Everything {@link dashboardProbes} finds, fresh (counters at 0) on each call. */
export interface DashboardProbes {
  /** PromQL: panels (refId), variables' selectors (refId `-`), the SQL dashboards' Prometheus panels. */
  readonly probes: Probe[];
  readonly narrowable: Narrowable[];
  /** Per Prometheus dashboard, its variables at "All": `name: k=v k=v`. */
  readonly selections: string[];
  readonly sqlProbes: SqlProbe[];
  readonly annotations: AnnotationProbe[];
}

/** The Prometheus annotations of a dashboard (its firing alerts), to query as Grafana would. */
function annotationProbes(d: Dashboard, dashboard: string, values: Readonly<Record<string, string>> = {}): AnnotationProbe[] {
  return (d.annotations?.list ?? [])
    .filter((a) => a.datasource?.type === 'prometheus')
    .map((a) => ({ dashboard, query: substituteVariables((a.target as unknown as { expr?: string } | undefined)?.expr ?? a.expr ?? '', values), alerts: [] }));
}

/** Every query of every dashboard of {@link DASHBOARDS}, variables at "All". */
export function dashboardProbes(): DashboardProbes {
  const probes: Probe[] = [];
  const narrowable: Narrowable[] = [];
  const selections: string[] = [];
  const sqlProbes: SqlProbe[] = [];
  const annotations: AnnotationProbe[] = [];
  for (const s of DASHBOARDS) {
    const d = s.build();
    const dashboard = d.title ?? s.name;
    if (isSqlDashboard(d)) {
      // Read from the recorder's ClickHouse tables: every variable's query and every panel's.
      for (const v of d.templating.list ?? []) if (v.type === 'query') sqlProbes.push({ dashboard, panel: `variable $${v.name}`, refId: '-', sql: sqlOf(v.query)!, variable: v.name, rows: 0 });
      for (const p of panelsOf(d)) {
        for (const q of queriesOf(p)) {
          // Its alert list reads Prometheus' ALERTS (through the `prometheus` variable): probed there.
          if (p.datasource?.uid === SQL_PROMETHEUS_DATASOURCE.uid) probes.push({ dashboard, panel: `${String(p.id)} ${p.title ?? ''}`, refId: q.refId ?? '?', query: substituteVariables(q.expr ?? ''), series: 0 });
          else sqlProbes.push({ dashboard, panel: `${String(p.id)} ${p.title ?? ''}`, refId: q.refId ?? '?', sql: q.rawSql!, rows: 0 });
        }
      }
      annotations.push(...annotationProbes(d, dashboard));
      continue;
    }
    // Every variable at "All", as Grafana sends it.
    const values = allSelection(d);
    selections.push(`${s.name}: ${Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    const jobs = values.job!.split('|');
    for (const p of panelsOf(d)) {
      const panel = `${String(p.id)} ${p.title ?? ''}`;
      for (const q of queriesOf(p)) {
        const refId = q.refId ?? '?';
        probes.push({ dashboard, panel, refId, query: substituteVariables(q.expr ?? '', values), series: 0 });
        // The alert list reads ALERTS, which no job exports and no job variable narrows.
        if (jobs.length > 1 && !metricNames(substituteVariables(q.expr ?? '')).every(isRuleSeries)) narrowable.push({ dashboard, where: `${dashboard} / ${panel} / ${refId}`, expr: q.expr ?? '', values, jobs });
      }
    }
    annotations.push(...annotationProbes(d, dashboard, values));
    // The variables' own selectors must find series too (else the drop-downs are empty).
    for (const v of d.templating.list ?? []) {
      const m = typeof v.query === 'string' ? /^label_values\((.+),\s*\w+\)$/.exec(v.query) : null;
      if (!m) continue;
      probes.push({ dashboard, panel: `variable $${v.name}`, refId: '-', query: substituteVariables(m[1]!, values), series: 0 });
    }
  }
  return { probes, narrowable, selections, sqlProbes, annotations };
}
