/**
 * Dashboards as code: the checks pass on every dashboard and refuse broken panels, the build is
 * deterministic, and the committed dashboards/ folder is what the sources build.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ALERTS, RECORDING_RULES } from '../../alert-rules/index.js';
import { RUNBOOK_BASE_URL } from '../../query/links.js';
import { metricNames } from '../../query/promql.js';
import { METRICS_BY_NAME } from '../../exporters/catalog/index.js';
import { renderDashboards, stableJson, writeDashboards } from '../../dashboards-src/build.js';
import { checkDashboards, panelsOf, queriesOf, substituteVariables, variablesIn, type NamedDashboard } from '../../dashboards-src/check.js';
import { DASHBOARDS } from '../../dashboards-src/index.js';
import { DASHBOARD_UIDS, PANELS } from '../../query/panels.js';
import { tempDir } from '../helpers/env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every dashboard as its JSON file carries it (a deep copy the test may change). */
function builtSet(): NamedDashboard[] {
  return DASHBOARDS.map((s) => ({ name: s.name, dashboard: JSON.parse(JSON.stringify(s.build())) as Dashboard }));
}

/** A panel of the set, to break. */
function panel(set: NamedDashboard[], uid: string, id: number): Panel {
  const d = set.find((s) => s.dashboard.uid === uid);
  const p = d && panelsOf(d.dashboard).find((x) => x.id === id);
  if (!p) throw new Error(`no panel ${id} on ${uid}`);
  return p;
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

  it('cover the five dashboards of ids.ts with stable uids and the shape every dashboard needs', () => {
    const set = builtSet();
    expect(set.map((s) => s.dashboard.uid).sort()).toEqual(Object.values(DASHBOARD_UIDS).sort());
    for (const { name, dashboard: d } of set) {
      expect(d.timezone, name).toBe('utc');
      expect(d.refresh, name).toBe('10s');
      expect(d.tags?.[0], name).toBe('tickwatch');
      const vars = new Map((d.templating.list ?? []).map((v) => [v.name, v]));
      expect(vars.get('datasource')?.type, name).toBe('datasource');
      expect(vars.get('instance')?.multi, name).toBe(true);
      expect(vars.get('instance')?.includeAll, name).toBe(true);
      // Rows group the panels: the first entry is a row and every dashboard has several.
      expect(d.panels?.[0]?.type, name).toBe('row');
      expect(d.panels?.filter((p) => p.type === 'row').length, name).toBeGreaterThanOrEqual(2);
      for (const p of panelsOf(d)) {
        for (const q of queriesOf(p)) {
          // Every rate()/increase() over a counter uses $__rate_interval, except where a panel
          // deliberately matches a 1 m recording rule.
          for (const m of q.expr!.matchAll(/\b(?:rate|increase)\([^[]+\[([^\]]+)\]\)/g)) expect([`$__rate_interval`, '1m'], `${name} ${p.title}`).toContain(m[1]);
          // The variables a query uses are the dashboard's own.
          for (const v of variablesIn(q.expr!)) if (!v.startsWith('__')) expect(vars.has(v), `${name} ${p.title} uses $${v}`).toBe(true);
        }
      }
    }
    const strategyDashboards = set.filter((s) => (s.dashboard.templating.list ?? []).some((v) => v.name === 'strategy')).map((s) => s.name);
    expect(strategyDashboards.sort()).toEqual(['pnl-exposure', 'strategy-orders']);
  });

  it('name only catalog metrics, recording rules and up, and show the host and ClickHouse metrics', () => {
    const recorded = new Set(RECORDING_RULES.map((r) => r.record));
    const used = new Set<string>();
    for (const { dashboard: d } of builtSet()) for (const p of panelsOf(d)) for (const q of queriesOf(p)) for (const n of metricNames(substituteVariables(q.expr!))) used.add(n);
    for (const n of used) {
      const base = n.replace(/_(bucket|count|sum)$/, '');
      expect(METRICS_BY_NAME.has(n) || METRICS_BY_NAME.get(base)?.type === 'histogram' || recorded.has(n) || n === 'up', n).toBe(true);
    }
    // Panels and alerts share the recording rules: every one is on a dashboard.
    for (const r of RECORDING_RULES) expect(used.has(r.record), r.record).toBe(true);
    // The host and ClickHouse exporters' metrics are on the dashboards, and no description still
    // promises their panels for later.
    for (const n of ['node_cpu_seconds_total', 'node_memory_MemAvailable_bytes', 'node_filesystem_avail_bytes', 'node_network_receive_errs_total', 'node_disk_io_time_seconds_total', 'tickwatch_host_process_cpu_seconds_total', 'tickwatch_clickhouse_up', 'tickwatch_clickhouse_table_active_parts', 'tickwatch_clickhouse_merges_running', 'ClickHouseProfileEvents_InsertedRows'])
      expect(used.has(n), n).toBe(true);
    for (const { name, dashboard: d } of builtSet()) expect(d.description, name).not.toMatch(/arrive with|until then|not in the catalog yet|come with the/i);
  });

  it('show on every alert\'s panel at least one metric the alert watches', () => {
    const set = builtSet();
    for (const a of ALERTS.filter((x) => x.panel)) {
      const onPanel = new Set(queriesOf(panel(set, a.panel!.dashboard, a.panel!.panelId)).flatMap((q) => metricNames(substituteVariables(q.expr!))));
      expect(metricNames(a.expr.text).some((n) => onPanel.has(n)), `${a.name}: panel ${a.panel!.panelId} shows none of ${metricNames(a.expr.text).join(', ')}`).toBe(true);
    }
  });

  it('filter host metrics on $host and ClickHouse metrics on $clickhouse, variables of their own exporters', () => {
    const filters: Record<string, string> = { host: 'instance=~"$host"', clickhouse: 'instance=~"$clickhouse"' };
    const seen = { host: 0, clickhouse: 0 };
    for (const { name, dashboard: d } of builtSet()) {
      const vars = new Map((d.templating.list ?? []).map((v) => [v.name, v]));
      for (const p of panelsOf(d)) {
        for (const q of queriesOf(p)) {
          for (const n of new Set(metricNames(substituteVariables(q.expr!)))) {
            const domain = METRICS_BY_NAME.get(n)?.domain;
            if (domain !== 'host' && domain !== 'clickhouse') continue;
            seen[domain]++;
            const selectors = [...q.expr!.matchAll(new RegExp(`\\b${n}(?![\\w:])(\\{[^}]*\\})?`, 'g'))];
            for (const m of selectors) expect(m[1] ?? '', `${name} ${p.title}: ${n}`).toContain(filters[domain]);
            expect(vars.get(domain)?.query, `${name} ${p.title} needs the ${domain} variable`).toMatch(domain === 'host' ? /^label_values\(node_boot_time_seconds, instance\)$/ : /^label_values\(tickwatch_clickhouse_up, instance\)$/);
            expect(vars.get(domain)?.multi && vars.get(domain)?.includeAll, `${name} $${domain}`).toBe(true);
          }
          expect(q.expr!.includes('$instance') && /\b(node_|tickwatch_host_|tickwatch_clickhouse_|ClickHouse)/.test(q.expr!), `${name} ${p.title} filters a host or ClickHouse metric on $instance`).toBe(false);
        }
      }
    }
    expect(seen.host).toBeGreaterThan(20);
    expect(seen.clickhouse).toBeGreaterThan(10);
  });

  it('give the panels alerts link to their ids and titles, and link them to the runbooks', () => {
    const set = builtSet();
    for (const [key, ref] of Object.entries(PANELS)) expect(panel(set, ref.dashboard, ref.panelId).title, key).toBe(ref.title);
    for (const a of ALERTS.filter((x) => x.panel)) {
      const links = panel(set, a.panel!.dashboard, a.panel!.panelId).links ?? [];
      expect(links.map((l) => l.url), a.name).toContain(`${RUNBOOK_BASE_URL}${a.name}.md`);
    }
  });

  it('set refId, legend and datasource on every target, as the SDK does not', () => {
    for (const { name, dashboard: d } of builtSet()) {
      for (const p of panelsOf(d)) {
        const q = queriesOf(p);
        expect(q.map((x) => x.refId), `${name} ${p.title}`).toEqual(q.map((_, i) => String.fromCharCode(65 + i)));
        expect(q.every((x) => x.datasourceUid === '${datasource}'), `${name} ${p.title}`).toBe(true);
        if (p.type === 'timeseries' || p.type === 'state-timeline') expect((p.options as { legend: { showLegend: boolean } }).legend.showLegend, `${name} ${p.title}`).toBe(true);
      }
    }
  });

  it('reject a panel that names an unknown metric', () => {
    const set = builtSet();
    const p = panel(set, DASHBOARD_UIDS.feed, PANELS.feedGap.panelId);
    (p.targets![0] as unknown as { expr: string }).expr = 'max by (feed) (hft_feed_gap_secs{instance=~"$instance"})';
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
    (panel(set, DASHBOARD_UIDS.system, 4).targets![0] as unknown as { expr: string }).expr = 'process_resident_memory_bytes{instance=~"$node"}';
    panel(set, DASHBOARD_UIDS.recorder, PANELS.recorderQueue.panelId).title = 'Recorder queue';
    expect(feed.panels?.length).toBeGreaterThan(0);
    expect(checkDashboards(set).sort()).toEqual(
      [
        'feed-gateway: panel id 11 is used twice',
        'feed-gateway: panel 5 "Feed message rate": no query',
        'feed-gateway: panel 13 "API requests used and allowed": query ?: no refId',
        'feed-gateway: panel 14 "Event bus publish rate": no description',
        'system-health: panel 4 "Resident memory": query A: refers to undefined variable $node',
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
      'pnl-exposure.json',
      'provisioning/dashboards/tickwatch.yml',
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

  it('write sorted 2-space JSON with a trailing newline, and valid provisioning YAML', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n');
    const files = renderDashboards();
    const ds = parse(files.get('provisioning/datasources/prometheus.yml')!) as { datasources: { uid: string; type: string; url: string }[] };
    expect(ds.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', type: 'prometheus', url: 'http://127.0.0.1:9090' })]);
    const prov = parse(files.get('provisioning/dashboards/tickwatch.yml')!) as { providers: { type: string; options: { path: string } }[] };
    expect(prov.providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '${TICKWATCH_DASHBOARDS_DIR}' }) })]);
  });
});
