/**
 * Dashboards as code: the checks pass on every dashboard and refuse broken panels, the build is
 * deterministic, and the committed dashboards/ folder is what the sources build.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VariableType, type Dashboard, type Panel, type VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ALERTS, ALL_RECORDING_RULES, RECORDING_RULES } from '../../alert-rules/index.js';
import { RUNBOOK_BASE_URL } from '../../query/links.js';
import { isRuleSeries, metricNames } from '../../query/promql.js';
import { METRICS_BY_NAME } from '../../exporters/catalog/index.js';
import { renderDashboards, stableJson, writeDashboards } from '../../dashboards-src/build.js';
import { allSelection, checkDashboards, checkTargetRules, isSqlDashboard, jobsExporting, panelsOf, queriesOf, substituteVariables, variablesIn, type NamedDashboard } from '../../dashboards-src/check.js';
import { DASHBOARDS } from '../../dashboards-src/index.js';
import { ALERT_FAMILY_DASHBOARDS, ALERT_LIST_PANEL_ID, DASHBOARD_UIDS, PANELS, type DashboardKey } from '../../query/panels.js';
import { JOBS } from '../../exporters/catalog/index.js';
import { tempDir } from '../helpers/env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every dashboard as its JSON file carries it (a deep copy the test may change). */
function builtSet(): NamedDashboard[] {
  return DASHBOARDS.map((s) => ({ name: s.name, dashboard: JSON.parse(JSON.stringify(s.build())) as Dashboard }));
}

/** The Prometheus dashboards (all but the SQL one, Logs & audit: test/dashboards/sql.test.ts). */
function promSet(): NamedDashboard[] {
  return builtSet().filter((s) => !isSqlDashboard(s.dashboard));
}

/** A panel of the set, to break. */
function panel(set: NamedDashboard[], uid: string, id: number): Panel {
  const d = set.find((s) => s.dashboard.uid === uid);
  const p = d && panelsOf(d.dashboard).find((x) => x.id === id);
  if (!p) throw new Error(`no panel ${id} on ${uid}`);
  return p;
}

/** A dashboard of the set, to break. */
function dashboard(set: NamedDashboard[], uid: string): Dashboard {
  const d = set.find((s) => s.dashboard.uid === uid);
  if (!d) throw new Error(`no dashboard ${uid}`);
  return d.dashboard;
}

/** A variable of a dashboard of the set, to break. */
function variable(set: NamedDashboard[], uid: string, name: string): VariableModel {
  const v = (dashboard(set, uid).templating.list ?? []).find((x) => x.name === name);
  if (!v) throw new Error(`no variable ${name} on ${uid}`);
  return v;
}

/** Sets the expression of query `index` of a panel. */
function setExpr(p: Panel, expr: string, index = 0): void {
  (p.targets![index] as unknown as { expr: string }).expr = expr;
}

/** Files under `dir`, recursively, by relative path. */
function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe('dashboards', () => {
  it('pass every check', () => {
    expect(checkDashboards(builtSet())).toEqual([]);
  });

  it('cover the six dashboards of ids.ts with stable uids, and give the Prometheus ones the shape every such dashboard needs', () => {
    expect(builtSet().map((s) => s.dashboard.uid).sort()).toEqual(Object.values(DASHBOARD_UIDS).sort());
    const set = promSet();
    expect(set.length).toBe(5);
    for (const { name, dashboard: d } of set) {
      expect(d.timezone, name).toBe('utc');
      expect(d.refresh, name).toBe('10s');
      expect(d.tags?.[0], name).toBe('tickwatch');
      // Provisioned, so read-only; datasource, job and instance first, as the linter wants them.
      expect(d.editable, name).toBe(false);
      const vars = new Map((d.templating.list ?? []).map((v) => [v.name, v]));
      expect((d.templating.list ?? []).slice(0, 3).map((v) => v.name), name).toEqual(['datasource', 'job', 'instance']);
      expect(vars.get('datasource')?.type, name).toBe('datasource');
      for (const [v, label] of [['job', 'Job'], ['instance', 'Instance']] as const) {
        expect(vars.get(v), `${name} $${v}`).toMatchObject({ type: 'query', label, multi: true, includeAll: true, refresh: 2, datasource: { uid: '${datasource}' } });
      }
      expect(vars.get('instance')?.query, name).toBe('label_values(up{job=~"$job"}, instance)');
      expect(vars.get('instance')?.allValue, name).toBe('.+');
      // The job variable offers tickwatch jobs only, and "All" sends exactly those.
      const jobQuery = /^label_values\(up\{job=~"([^"]+)"\}, job\)$/.exec(String(vars.get('job')?.query));
      expect(jobQuery, name).not.toBeNull();
      expect(vars.get('job')?.allValue, name).toBe(jobQuery![1]);
      for (const j of jobQuery![1]!.split('|')) expect(Object.values(JOBS).map((x) => x.job), name).toContain(j);
      for (const v of d.templating.list ?? []) if (v.type === 'query') expect(v.refresh, `${name} $${v.name}`).toBe(2);
      // Rows group the panels: the first entry is a row and every dashboard has several.
      expect(d.panels?.[0]?.type, name).toBe('row');
      expect(d.panels?.filter((p) => p.type === 'row').length, name).toBeGreaterThanOrEqual(2);
      for (const p of panelsOf(d)) {
        for (const q of queriesOf(p)) {
          // Every rate() over a counter uses $__rate_interval, except where a panel deliberately
          // matches a 1 m recording rule; an increase() may also count per point ($__interval: bars
          // of successive points add up to the range's total).
          for (const m of q.expr!.matchAll(/\brate\([^[]+\[([^\]]+)\]\)/g)) expect([`$__rate_interval`, '1m'], `${name} ${p.title}`).toContain(m[1]);
          for (const m of q.expr!.matchAll(/\bincrease\([^[]+\[([^\]]+)\]\)/g)) expect([`$__rate_interval`, '$__interval', '1m'], `${name} ${p.title}`).toContain(m[1]);
          // The variables a query uses are the dashboard's own.
          for (const v of variablesIn(q.expr!)) if (!v.startsWith('__')) expect(vars.has(v), `${name} ${p.title} uses $${v}`).toBe(true);
        }
      }
    }
    const strategyDashboards = set.filter((s) => (s.dashboard.templating.list ?? []).some((v) => v.name === 'strategy')).map((s) => s.name);
    expect(strategyDashboards.sort()).toEqual(['pnl-exposure', 'strategy-orders']);
  });

  it('name only catalog metrics, recording rules and up, and show the host and ClickHouse metrics', () => {
    const recorded = new Set(ALL_RECORDING_RULES.map((r) => r.record));
    const used = new Set<string>();
    for (const { dashboard: d } of promSet()) for (const p of panelsOf(d)) for (const q of queriesOf(p)) for (const n of metricNames(substituteVariables(q.expr!))) used.add(n);
    for (const n of used) {
      const base = n.replace(/_(bucket|count|sum)$/, '');
      expect(METRICS_BY_NAME.has(n) || METRICS_BY_NAME.get(base)?.type === 'histogram' || recorded.has(n) || n === 'up' || n === 'ALERTS', n).toBe(true);
    }
    // Panels and alerts share the recording rules: every one is on a dashboard.
    for (const r of RECORDING_RULES) expect(used.has(r.record), r.record).toBe(true);
    // The host and ClickHouse exporters' metrics are on the dashboards, and no description still
    // promises their panels for later.
    for (const n of ['node_cpu_seconds_total', 'node_memory_MemAvailable_bytes', 'node_filesystem_avail_bytes', 'node_network_receive_errs_total', 'node_disk_io_time_seconds_total', 'tickwatch_host_process_cpu_seconds_total', 'tickwatch_clickhouse_up', 'tickwatch_clickhouse_table_active_parts', 'tickwatch_clickhouse_merges_running', 'ClickHouseProfileEvents_InsertedRows'])
      expect(used.has(n), n).toBe(true);
    for (const { name, dashboard: d } of builtSet()) expect(d.description, name).not.toMatch(/arrive with|until then|not in the catalog yet|come with the/i);
  });

  it('show on every alert\'s panel at least one metric the alert watches (or, on a SQL panel, the table its events go to)', () => {
    const set = builtSet();
    // The alerts that open a SQL panel, and the table that panel must read: the rows behind the count.
    const sqlPanels: Record<string, string> = { SuspiciousLoginActivity: 'audit_security' };
    for (const a of ALERTS.filter((x) => x.panel)) {
      const p = panel(set, a.panel!.dashboard, a.panel!.panelId);
      const sql = queriesOf(p).map((q) => q.rawSql).filter(Boolean);
      if (sql.length) {
        expect(sqlPanels[a.name], `${a.name} opens SQL panel ${p.title}: say which table it must read`).toBeDefined();
        expect(sql.join('\n'), a.name).toContain(`\${database}.${sqlPanels[a.name]!} `);
        continue;
      }
      const onPanel = new Set(queriesOf(panel(set, a.panel!.dashboard, a.panel!.panelId)).flatMap((q) => metricNames(substituteVariables(q.expr!))));
      expect(metricNames(a.expr.text).some((n) => onPanel.has(n)), `${a.name}: panel ${a.panel!.panelId} shows none of ${metricNames(a.expr.text).join(', ')}`).toBe(true);
    }
  });

  it('filter every selector of every query on $job and $instance, over the jobs each dashboard reads', () => {
    const jobsOf = new Map(promSet().map(({ name, dashboard: d }) => [name, allSelection(d).job]));
    // Each dashboard offers the jobs whose metrics it reads: the HFT dashboards the HFT exporter, the
    // recorder dashboard the recorder, the HFT exporter (which also records), the ClickHouse exporter
    // and the host exporter (the ClickHouse server process), System health every tickwatch job
    // (processes and scrape health of all, host metrics).
    expect(Object.fromEntries(jobsOf)).toEqual({
      'feed-gateway': 'tickwatch-hft',
      'pnl-exposure': 'tickwatch-hft',
      'recorder-clickhouse': 'tickwatch-clickhouse|tickwatch-hft|tickwatch-host|tickwatch-recorder',
      'strategy-orders': 'tickwatch-hft',
      'system-health': 'tickwatch-clickhouse|tickwatch-hft|tickwatch-host|tickwatch-recorder',
    });
    let queries = 0;
    let selectors = 0;
    const seen = { host: 0, clickhouse: 0 };
    for (const { name, dashboard: d } of promSet()) {
      const vars = new Set((d.templating.list ?? []).map((v) => v.name));
      // The per-exporter variables are gone: job and instance select every target.
      expect(vars.has('host') || vars.has('clickhouse'), name).toBe(false);
      for (const p of panelsOf(d)) {
        for (const q of queriesOf(p)) {
          queries++;
          // Read independently of the check's parser: every occurrence of every metric name is a
          // selector with both matchers.
          for (const n of new Set(metricNames(substituteVariables(q.expr!)))) {
            // Prometheus' ALERTS (the alert list) comes from the rule evaluator, not a target: it is
            // narrowed by family, and carries job and instance only when an alert keeps them.
            if (isRuleSeries(n)) {
              expect(n, `${name} ${p.title}`).toBe('ALERTS');
              expect(p.id, `${name} ${p.title}`).toBe(ALERT_LIST_PANEL_ID);
              continue;
            }
            const domain = METRICS_BY_NAME.get(n)?.domain;
            if (domain === 'host' || domain === 'clickhouse') {
              seen[domain]++;
              expect(jobsOf.get(name), `${name} ${p.title}: ${n}`).toContain(domain === 'host' ? 'tickwatch-host' : 'tickwatch-clickhouse');
            }
            const found = [...q.expr!.matchAll(new RegExp(`(?<![\\w:])${n.replace(/[:]/g, '\\:')}(?![\\w:])(\\{[^}]*\\})?`, 'g'))];
            expect(found.length, `${name} ${p.title}: ${n}`).toBeGreaterThan(0);
            for (const m of found) {
              selectors++;
              expect(m[1] ?? '', `${name} ${p.title}: ${n}`).toContain('job=~"$job"');
              expect(m[1] ?? '', `${name} ${p.title}: ${n}`).toContain('instance=~"$instance"');
            }
          }
          expect(q.expr, `${name} ${p.title}`).not.toMatch(/\$(host|clickhouse)\b|tickwatch-\.\*/);
        }
      }
    }
    // 170 panel queries and the five alert lists.
    expect(queries).toBe(175);
    expect(selectors).toBeGreaterThanOrEqual(120);
    expect(seen.host).toBeGreaterThan(20);
    expect(seen.clickhouse).toBeGreaterThan(10);
  });

  it('know which jobs export a series: catalog exporters, histogram series, recording rules and up', () => {
    expect(jobsExporting('hft_feed_gap_seconds')).toEqual(['tickwatch-hft']);
    expect(jobsExporting('node_load1')).toEqual(['tickwatch-host']);
    expect(jobsExporting('hft_feed_tick_latency_seconds_bucket')).toEqual(['tickwatch-hft']);
    expect(jobsExporting('tickwatch_clickhouse_up')).toEqual(['tickwatch-clickhouse']);
    expect(jobsExporting('process_cpu_seconds_total').sort()).toEqual(Object.values(JOBS).map((j) => j.job).sort());
    expect(jobsExporting('up').sort()).toEqual(Object.values(JOBS).map((j) => j.job).sort());
    expect(jobsExporting('instance:hft_recorder_spool:ratio').sort()).toEqual(['tickwatch-hft', 'tickwatch-recorder']);
    expect(jobsExporting('no_such_metric')).toEqual([]);
  });

  it('reject a selector without the job or the instance matcher, naming dashboard, panel, query and selector', () => {
    const set = builtSet();
    setExpr(panel(set, DASHBOARD_UIDS.feed, PANELS.feedGap.panelId), 'max by (feed) (hft_feed_gap_seconds{instance=~"$instance"})');
    const p = panel(set, DASHBOARD_UIDS.system, PANELS.hostMemory.panelId);
    // The second selector of a ratio keeps the job matcher but filters on a variable that is gone.
    setExpr(p, 'node_memory_MemAvailable_bytes{job=~"$job", instance=~"$instance"} / node_memory_MemTotal_bytes{job=~"$job", instance=~"$host"}');
    // A fixed job matcher is not the job variable either.
    setExpr(panel(set, DASHBOARD_UIDS.system, PANELS.targetsUp.panelId), 'up{job=~"tickwatch-.*", instance=~"$instance"}');
    expect(checkDashboards(set).sort()).toEqual(
      [
        'feed-gateway: panel 4 "Feed gap": query A: hft_feed_gap_seconds{instance=~"$instance"} has no job=~"$job" matcher',
        'system-health: panel 1 "Exporter targets up": query A: up{job=~"tickwatch-.*", instance=~"$instance"} has no job=~"$job" matcher',
        'system-health: panel 21 "Host memory available": query A: node_memory_MemTotal_bytes{job=~"$job", instance=~"$host"} has no instance=~"$instance" matcher',
        'system-health: panel 21 "Host memory available": query A: refers to undefined variable $host',
      ].sort(),
    );
  });

  it('reject a raw counter, and a counter range outside rate(), irate(), increase(), resets() and changes()', () => {
    const set = builtSet();
    setExpr(panel(set, DASHBOARD_UIDS.feed, 5), 'sum by (feed, type) (hft_feed_events_total{job=~"$job", instance=~"$instance"})');
    // A histogram's buckets are counters too.
    setExpr(panel(set, DASHBOARD_UIDS.feed, 11), 'sum by (le) (hft_feed_tick_latency_seconds_bucket{job=~"$job", instance=~"$instance"})');
    // So is a counter without _total (ClickHouse's names): the catalog says what is a counter.
    setExpr(panel(set, DASHBOARD_UIDS.recorder, 27), 'max_over_time(ClickHouseProfileEvents_MergedRows{job=~"$job", instance=~"$instance"}[$__rate_interval])');
    expect(checkDashboards(set).sort()).toEqual(
      [
        'feed-gateway: panel 5 "Feed message rate": query A: counter hft_feed_events_total is shown raw: wrap it in rate(), irate() or increase() (or resets(), changes())',
        'feed-gateway: panel 11 "Tick latency distribution on $instance": query A: counter hft_feed_tick_latency_seconds_bucket is shown raw: wrap it in rate(), irate() or increase() (or resets(), changes())',
        'recorder-clickhouse: panel 27 "ClickHouse merged rows per second": query A: counter ClickHouseProfileEvents_MergedRows is given to max_over_time(): its range belongs in rate(), irate(), increase(), resets() or changes()',
      ].sort(),
    );
  });

  it("reject a rate window other than $__rate_interval, allowing $__range, $__interval for increase, and a recording rule's window", () => {
    const set = builtSet();
    setExpr(panel(set, DASHBOARD_UIDS.feed, 5), 'sum by (feed, type) (rate(hft_feed_events_total{job=~"$job", instance=~"$instance"}[5m]))');
    setExpr(panel(set, DASHBOARD_UIDS.feed, 14), 'sum by (bus) (irate(hft_bus_published_events_total{job=~"$job", instance=~"$instance"}[$__interval]))');
    // Allowed: the selected range, a count per point, and the 1 m of the recording rule beside it.
    setExpr(panel(set, DASHBOARD_UIDS.feed, 10), 'sum by (feed) (increase(hft_feed_sequence_gaps_total{job=~"$job", instance=~"$instance"}[$__range]))');
    setExpr(panel(set, DASHBOARD_UIDS.feed, 3), 'sum by (gateway, kind) (increase(hft_gateway_reconnects_total{job=~"$job", instance=~"$instance"}[$__interval]))');
    expect(checkDashboards(set).sort()).toEqual(
      [
        'feed-gateway: panel 5 "Feed message rate": query A: rate(hft_feed_events_total{job=~"$job", instance=~"$instance"}[5m]): window 5m is not $__rate_interval (nor $__range, nor the window of a recording rule the query reads)',
        'feed-gateway: panel 14 "Event bus publish rate": query A: irate(hft_bus_published_events_total{job=~"$job", instance=~"$instance"}[$__interval]): window $__interval is not $__rate_interval (a irate() over one point\'s width has gaps whenever a point is narrower than two scrapes)',
      ].sort(),
    );
    // The reject ratio's zero fallback counts submissions over the rule's own minute: allowed; the
    // same minute without the recording rule is not.
    const known = { recorded: new Set(RECORDING_RULES.map((r) => r.record)) };
    const need = { job: true, instance: true };
    const reject = queriesOf(panel(builtSet(), DASHBOARD_UIDS.orders, PANELS.orderRejectRatio.panelId))[0]!.expr!;
    expect(reject).toContain('[1m]');
    expect(checkTargetRules(reject, known, need)).toEqual([]);
    expect(checkTargetRules('sum by (job, instance) (rate(hft_order_actions_total{job=~"$job", instance=~"$instance", action="submit"}[1m]))', known, need)).toEqual([
      'rate(hft_order_actions_total{job=~"$job", instance=~"$instance", action="submit"}[1m]): window 1m is not $__rate_interval (nor $__range, nor the window of a recording rule the query reads)',
    ]);
    // Counting a counter's series (cores per host) reads no value: allowed.
    expect(checkTargetRules('count by (job, instance) (node_cpu_seconds_total{job=~"$job", instance=~"$instance", mode="idle"})', known, need)).toEqual([]);
  });

  it('reject an editable dashboard', () => {
    const set = builtSet();
    dashboard(set, DASHBOARD_UIDS.pnl).editable = true;
    expect(checkDashboards(set)).toEqual(['pnl-exposure: editable is true: a provisioned dashboard is read-only (editable: false), its source is dashboards-src/']);
  });

  it('reject a dashboard without the job variable', () => {
    const set = builtSet();
    const d = dashboard(set, DASHBOARD_UIDS.feed);
    d.templating.list = d.templating.list!.filter((v) => v.name !== 'job');
    expect(checkDashboards(set)).toEqual([
      'feed-gateway: variables must start with datasource, job, instance; they are datasource, instance',
      'feed-gateway: no job variable',
      'feed-gateway: variable instance: refers to undefined variable $job',
      ...panelsOf(d).flatMap((p) => queriesOf(p).filter((q) => variablesIn(q.expr!).includes('job')).map((q) => `feed-gateway: panel ${String(p.id)} "${p.title ?? ''}": query ${q.refId!}: refers to undefined variable $job`)),
    ]);
  });

  it('reject job and instance variables the linter would not accept', () => {
    const set = builtSet();
    const job = variable(set, DASHBOARD_UIDS.orders, 'job');
    job.allValue = '.+';
    job.multi = false;
    job.label = 'job';
    variable(set, DASHBOARD_UIDS.pnl, 'job').refresh = 1;
    variable(set, DASHBOARD_UIDS.pnl, 'instance').query = 'label_values(up, instance)';
    variable(set, DASHBOARD_UIDS.pnl, 'strategy').query = 'label_values(hft_stormguard_mode{job=~"$job"}, strategy)';
    const instance = variable(set, DASHBOARD_UIDS.feed, 'instance');
    instance.includeAll = false;
    instance.allValue = '.*';
    instance.type = VariableType.Custom;
    const recorderJob = variable(set, DASHBOARD_UIDS.recorder, 'job');
    recorderJob.query = 'label_values(up{job=~"tickwatch-recorder|node"}, job)';
    recorderJob.allValue = 'tickwatch-recorder|node';
    variable(set, DASHBOARD_UIDS.system, 'job').query = 'label_values(up, job)';
    expect(checkDashboards(set).sort()).toEqual(
      [
        'feed-gateway: variable instance: type is custom, not query',
        'feed-gateway: variable instance: has no "All"',
        'pnl-exposure: variable job: refresh is 1, not 2 (on time range change): its values would miss targets that came or went since the dashboard loaded',
        'pnl-exposure: variable instance: up has no job=~"$job" matcher',
        'pnl-exposure: variable strategy: hft_stormguard_mode{job=~"$job"} has no instance=~"$instance" matcher',
        'recorder-clickhouse: variable job: offers "node", not a tickwatch job of jobs.ts (tickwatch-hft, tickwatch-host, tickwatch-clickhouse, tickwatch-recorder)',
        'strategy-orders: variable job: label is "job", not "Job"',
        'strategy-orders: variable job: not multi-value',
        'strategy-orders: variable job: "All" sends ".+", not the jobs it offers ("tickwatch-hft")',
        'system-health: variable job: selector up has no job=~"<tickwatch jobs>" matcher: it offers every job the Prometheus scrapes',
      ].sort(),
    );
  });

  it('reject a panel reading a metric no job of the job variable exports, and a job no panel reads', () => {
    const set = builtSet();
    // A host panel on the feed dashboard, whose job variable offers the HFT exporter only.
    setExpr(panel(set, DASHBOARD_UIDS.feed, 14), 'max by (job, instance) (node_load1{job=~"$job", instance=~"$instance"})');
    const job = variable(set, DASHBOARD_UIDS.pnl, 'job');
    job.query = 'label_values(up{job=~"tickwatch-hft|tickwatch-host"}, job)';
    job.allValue = 'tickwatch-hft|tickwatch-host';
    expect(checkDashboards(set)).toEqual([
      'feed-gateway: panel 14 "Event bus publish rate": query A: reads node_load1, which only tickwatch-host exports, not offered by the job variable (tickwatch-hft): the query stays empty',
      'pnl-exposure: variable job: offers tickwatch-host, but no panel reads a metric it exports',
    ]);
  });

  it('give the panels alerts link to their ids and titles, and link them to the runbooks', () => {
    const set = builtSet();
    for (const [key, ref] of Object.entries(PANELS)) expect(panel(set, ref.dashboard, ref.panelId).title, key).toBe(ref.title);
    for (const a of ALERTS.filter((x) => x.panel)) {
      const links = panel(set, a.panel!.dashboard, a.panel!.panelId).links ?? [];
      expect(links.map((l) => l.url), a.name).toContain(`${RUNBOOK_BASE_URL}${a.runbook ?? a.name}.md`);
    }
  });

  it('set refId, legend and datasource on every target, as the SDK does not', () => {
    for (const { name, dashboard: d } of builtSet()) {
      for (const p of panelsOf(d)) {
        const q = queriesOf(p);
        expect(q.map((x) => x.refId), `${name} ${p.title}`).toEqual(q.map((_, i) => String.fromCharCode(65 + i)));
        // A SQL dashboard's alert list reads Prometheus through its `prometheus` variable; every other panel its `datasource`.
        const ds = isSqlDashboard(d) && p.id === ALERT_LIST_PANEL_ID ? '${prometheus}' : '${datasource}';
        expect(p.datasource?.uid, `${name} ${p.title}`).toBe(ds);
        expect(q.every((x) => x.datasourceUid === ds), `${name} ${p.title}`).toBe(true);
        if (p.type === 'timeseries' || p.type === 'state-timeline') expect((p.options as { legend: { showLegend: boolean } }).legend.showLegend, `${name} ${p.title}`).toBe(true);
      }
    }
  });

  it('reject a panel that names an unknown metric', () => {
    const set = builtSet();
    const p = panel(set, DASHBOARD_UIDS.feed, PANELS.feedGap.panelId);
    (p.targets![0] as unknown as { expr: string }).expr = 'max by (feed) (hft_feed_gap_secs{job=~"$job", instance=~"$instance"})';
    const problems = checkDashboards(set);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^feed-gateway: panel 4 "Feed gap": query A: unknown metric hft_feed_gap_secs/);
  });

  it('reject a panel without a unit, and one with a unit Grafana does not know', () => {
    const set = builtSet();
    delete panel(set, DASHBOARD_UIDS.orders, PANELS.orderRate.panelId).fieldConfig!.defaults!.unit;
    panel(set, DASHBOARD_UIDS.pnl, 1).fieldConfig!.defaults!.unit = 'dollars';
    expect(checkDashboards(set)).toEqual(['pnl-exposure: panel 1 "Realized PnL": unit dollars is not a Grafana unit id', 'strategy-orders: panel 9 "Order rate vs limit": no unit']);
  });

  it('reject a field override with a unit Grafana does not know or a query the panel does not have', () => {
    const set = builtSet();
    const p = panel(set, DASHBOARD_UIDS.recorder, PANELS.clickhouseMutations.panelId);
    expect(p.fieldConfig!.overrides).toEqual([expect.objectContaining({ matcher: { id: 'byFrameRefID', options: 'C' } })]);
    p.fieldConfig!.overrides[0]!.properties[0] = { id: 'unit', value: 'fortnights' };
    p.fieldConfig!.overrides.push({ matcher: { id: 'byFrameRefID', options: 'Z' }, properties: [] });
    expect(checkDashboards(set)).toEqual([
      'recorder-clickhouse: panel 23 "ClickHouse mutations": override byFrameRefID "C": unit fortnights is not a Grafana unit id',
      'recorder-clickhouse: panel 23 "ClickHouse mutations": override byFrameRefID "Z": the panel has no query Z',
    ]);
  });

  it('reject a query that does not parse as PromQL', () => {
    const set = builtSet();
    const p = panel(set, DASHBOARD_UIDS.system, 3);
    (p.targets![0] as unknown as { expr: string }).expr = 'sum by (job, instance) (rate(process_cpu_seconds_total{instance=~"$instance"}[$__rate_interval])';
    const problems = checkDashboards(set);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((x) => x.startsWith('system-health: panel 3 "CPU usage": query A: syntax error'))).toBe(true);
  });

  it('reject missing queries, refIds and descriptions, duplicate ids, undefined variables and moved alert panels', () => {
    const set = builtSet();
    const feed = set.find((s) => s.dashboard.uid === DASHBOARD_UIDS.feed)!.dashboard;
    panel(set, DASHBOARD_UIDS.feed, 5).targets = [];
    delete (panel(set, DASHBOARD_UIDS.feed, 13).targets![1] as unknown as { refId?: string }).refId;
    panel(set, DASHBOARD_UIDS.feed, 14).description = '';
    panel(set, DASHBOARD_UIDS.feed, 12).id = 11;
    (panel(set, DASHBOARD_UIDS.system, 4).targets![0] as unknown as { expr: string }).expr = 'process_resident_memory_bytes{job=~"$job", instance=~"$node"}';
    panel(set, DASHBOARD_UIDS.recorder, PANELS.recorderQueue.panelId).title = 'Recorder queue';
    expect(feed.panels?.length).toBeGreaterThan(0);
    expect(checkDashboards(set).sort()).toEqual(
      [
        'feed-gateway: panel id 11 is used twice',
        'feed-gateway: panel 5 "Feed message rate": no query',
        'feed-gateway: panel 13 "API requests used and allowed": query ?: no refId',
        'feed-gateway: panel 14 "Event bus publish rate": no description',
        'system-health: panel 4 "Resident memory": query A: refers to undefined variable $node',
        'system-health: panel 4 "Resident memory": query A: process_resident_memory_bytes{job=~"$job", instance=~"$node"} has no instance=~"$instance" matcher',
        `PANELS.recorderQueue: panel 4 of ${DASHBOARD_UIDS.recorder} is titled "Recorder queue", not "Queue depth"`,
      ].sort(),
    );
  });

  it('refuse to build when a check fails, listing every problem', () => {
    const broken = DASHBOARDS.map((s) =>
      s.name === 'pnl-exposure'
        ? {
            name: s.name,
            build: () => {
              const d = s.build();
              const p = panelsOf(d).find((x) => x.id === 1)!;
              delete p.fieldConfig!.defaults!.unit;
              p.description = '';
              return d;
            },
          }
        : s,
    );
    expect(() => renderDashboards(broken)).toThrow(/2 problem\(s\):\n- pnl-exposure: panel 1 "Realized PnL": no description\n- pnl-exposure: panel 1 "Realized PnL": no unit/);
  });

  it('substitute variables as Grafana would', () => {
    expect(substituteVariables('rate(x{instance=~"$instance", s=~"${strategy:regex}"}[$__rate_interval]) [[other]]', { instance: '127.0.0.1:9470' })).toBe(
      'rate(x{instance=~"127.0.0.1:9470", s=~".*"}[1m]) .*',
    );
    expect(variablesIn('a{b=~"$instance"}[$__rate_interval] ${datasource}')).toEqual(['instance', '__rate_interval', 'datasource']);
    // "All" as Grafana sends it: each variable's allValue.
    const orders = DASHBOARDS.find((s) => s.name === 'strategy-orders')!.build();
    expect(allSelection(orders)).toEqual({ job: 'tickwatch-hft', instance: '.+', strategy: '.*' });
    expect(substituteVariables(queriesOf(panelsOf(orders).find((p) => p.id === 13)!)[0]!.expr!, allSelection(orders))).toBe(
      'sum by (instance, strategy) (hft_open_orders{job=~"tickwatch-hft", instance=~".+", strategy=~".*"})',
    );
  });

  it('build deterministically, and the committed dashboards/ is what the sources build', () => {
    const a = tempDir('tickwatch-dash-a-');
    const b = tempDir('tickwatch-dash-b-');
    writeDashboards(a);
    writeDashboards(b);
    const fa = filesUnder(a);
    const fb = filesUnder(b);
    expect([...fa.keys()]).toEqual([
      'feed-gateway.json',
      'logs-audit.json',
      'pnl-exposure.json',
      'provisioning/dashboards/tickwatch.yml',
      'provisioning/datasources/clickhouse.yml',
      'provisioning/datasources/prometheus.yml',
      'recorder-clickhouse.json',
      'strategy-orders.json',
      'system-health.json',
    ]);
    for (const [k, v] of fa) expect(v.equals(fb.get(k)!), k).toBe(true);
    const committed = filesUnder(join(root, 'dashboards'));
    expect([...committed.keys()]).toEqual([...fa.keys()]);
    for (const [k, v] of fa) expect(committed.get(k)!.toString(), `dashboards/${k} is stale: run npm run build:dashboards`).toBe(v.toString());
  });

  it('show firing alerts as an annotation and list the alerts of the dashboard\'s own families, on every dashboard', () => {
    const set = builtSet();
    expect(set.length).toBe(6);
    const onAnnotations = new Set<string>();
    for (const { name, dashboard: d } of set) {
      const sql = isSqlDashboard(d);
      const ds = sql ? '${prometheus}' : '${datasource}';
      // The families this dashboard shows, read from the typed map, not from the factory.
      const families = Object.entries(ALERT_FAMILY_DASHBOARDS)
        .filter(([, keys]) => (keys as readonly DashboardKey[]).some((k) => DASHBOARD_UIDS[k] === d.uid))
        .map(([f]) => f);
      expect(families.length, name).toBeGreaterThan(0);
      const re = families.join('|');
      // The annotation: ALERTS firing of exactly these families, on Prometheus.
      const annotations = (d.annotations?.list ?? []).filter((a) => a.name === 'Firing alerts');
      expect(annotations, name).toHaveLength(1);
      const a = annotations[0]!;
      expect(a, name).toMatchObject({ enable: true, datasource: { type: 'prometheus', uid: ds }, titleFormat: '{{alertname}}' });
      const expr = `ALERTS{alertstate="firing", family=~"${re}"}`;
      expect(a.expr, name).toBe(expr);
      expect((a.target as unknown as { expr: string; refId: string }).expr, name).toBe(expr);
      for (const f of families) onAnnotations.add(f);
      // The alert list: one lane per alert of those families (OK when quiet), read from ALERTS of those families.
      const list = panelsOf(d).find((p) => p.id === ALERT_LIST_PANEL_ID);
      expect(list?.type, name).toBe('state-timeline');
      expect(list?.datasource?.uid, name).toBe(ds);
      const q = queriesOf(list!)[0]!.expr!;
      expect(q, name).toContain(`ALERTS{alertstate="firing", family=~"${re}"} * 2`);
      expect(q, name).toContain(`ALERTS{alertstate="pending", family=~"${re}"}`);
      for (const alert of ALERTS.filter((x) => families.includes(x.family))) expect(q, `${name} lists ${alert.name}`).toContain(`"alertname", "${alert.name}"`);
      expect((list!.fieldConfig?.defaults?.mappings?.[0] as { options: unknown }).options, name).toEqual({
        0: { text: 'OK', color: 'green', index: 0 },
        1: { text: 'PENDING', color: 'orange', index: 1 },
        2: { text: 'FIRING', color: 'red', index: 2 },
      });
      // It heads the dashboard: the first row is "Alerts" and the list follows it.
      expect(d.panels?.[0], name).toMatchObject({ type: 'row', title: 'Alerts' });
      expect(d.panels?.[1]?.id, name).toBe(ALERT_LIST_PANEL_ID);
    }
    // Every family an alert carries is on some dashboard, and the map names no family without an alert.
    const families = new Set(ALERTS.map((x) => x.family));
    for (const f of families) expect(onAnnotations.has(f), f).toBe(true);
    expect(Object.keys(ALERT_FAMILY_DASHBOARDS).sort()).toEqual([...families].sort());
    // An alert's own panel is on a dashboard of its family, so the page and the list agree.
    for (const x of ALERTS.filter((y) => y.panel)) {
      const uids = (ALERT_FAMILY_DASHBOARDS[x.family] as readonly DashboardKey[]).map((k) => DASHBOARD_UIDS[k]);
      expect(uids, x.name).toContain(x.panel!.dashboard);
    }
  });

  it('refuse a dashboard without the alert annotation or the alert list, and one that shows another dashboard\'s families', () => {
    const set = builtSet();
    const feed = dashboard(set, DASHBOARD_UIDS.feed);
    feed.annotations!.list = feed.annotations!.list!.filter((a) => a.name !== 'Firing alerts');
    const logs = dashboard(set, DASHBOARD_UIDS.logs);
    logs.panels = logs.panels!.filter((p) => p.id !== ALERT_LIST_PANEL_ID);
    const pnl = dashboard(set, DASHBOARD_UIDS.pnl);
    const anno = pnl.annotations!.list!.find((a) => a.name === 'Firing alerts')!;
    anno.expr = anno.expr!.replace('drawdown|', '');
    (anno.target as unknown as { expr: string }).expr = anno.expr;
    const orders = panel(set, DASHBOARD_UIDS.orders, ALERT_LIST_PANEL_ID);
    setExpr(orders, queriesOf(orders)[0]!.expr!.replace('"OrderRateNearLimit"', '"OrderRateNearLimits"'));
    const problems = checkDashboards(set);
    expect(problems).toEqual([
      'feed-gateway: no "Firing alerts" annotation',
      'logs-audit: no alert list (panel 99)',
      'pnl-exposure: annotation "Firing alerts": selects families reconciliation|anomaly_critical|anomaly_rate, not the dashboard\'s drawdown|reconciliation|anomaly_critical|anomaly_rate',
      'strategy-orders: alert list (panel 99 "Alerts of this dashboard"): does not list OrderRateNearLimit (an alert that is not firing must show as OK)',
      // Without the feed dashboard's annotation, its families show nowhere; nor does the family the P&L one dropped.
      ...['feed_gap (FeedGap)', 'feed_latency (FeedLatencyHigh)', 'gateway (GatewayDisconnected)', 'api_limit (ApiUsageNearLimit)', 'bus_occupancy (BusOccupancyCritical, BusOccupancyRising)', 'bus_overflow (BusOverflow)', 'drawdown (PnlDrawdownCritical, PnlDrawdownWarning)', 'slo_feed_availability (FeedAvailabilitySloFastBurn, FeedAvailabilitySloSlowBurn)'].map(
        (f) => `alert family ${f} is on no dashboard's "Firing alerts" annotation`,
      ),
    ]);
  });

  it('write sorted 2-space JSON with a trailing newline, and valid provisioning YAML', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n');
    const files = renderDashboards();
    const ds = parse(files.get('provisioning/datasources/prometheus.yml')!) as { datasources: { uid: string; type: string; url: string }[] };
    expect(ds.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', type: 'prometheus', url: 'http://127.0.0.1:9090' })]);
    const prov = parse(files.get('provisioning/dashboards/tickwatch.yml')!) as { providers: { type: string; options: { path: string } }[] };
    expect(prov.providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '${TICKWATCH_DASHBOARDS_DIR}' }) })]);
  });
});
