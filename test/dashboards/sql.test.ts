/**
 * The SQL dashboard (Logs & audit, on Grafana's ClickHouse plugin): the check of its queries
 * against the table definitions refuses what it must (a column or table nobody stores, an unbounded
 * query, a macro 18.16 cannot run, an undefined variable), the dashboard build refuses a broken
 * panel naming it, the plugin's macros expand as its backend expands them, and variables interpolate
 * as Grafana does. That every query returns rows is the liveness test's (ClickHouse 18.16) and the
 * last test's here (current ClickHouse, on chdb).
 */
import { join } from 'node:path';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, it } from 'vitest';
import { checkDashboards, isSqlDashboard, panelsOf, queriesOf, sqlOf, type NamedDashboard } from '../../dashboards-src/check.js';
import { DASHBOARDS } from '../../dashboards-src/index.js';
import { checkSql, DATABASE_VARIABLE, DEFAULT_DATABASE, expandMacros, interpolateSql, SQL_FORMAT, SQL_PROMETHEUS_DATASOURCE } from '../../dashboards-src/sql.js';
import { DASHBOARD_UIDS } from '../../query/panels.js';
import { TABLES } from '../../exporters/catalog/tables.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { Recorder } from '../../exporters/recorder/recorder.js';
import { AlertReceiver } from '../../exporters/recorder/alerts.js';
import { notification } from '../helpers/alertmanager.js';
import { chdbTransport } from '../../exporters/recorder/stores/chdb.js';
import { ClickHouseStore } from '../../exporters/recorder/stores/clickhouse.js';
import { WriteAheadLog } from '../../exporters/recorder/wal.js';
import { normalize } from '../../exporters/events/formats.js';
import type { HftEvent } from '../../exporters/events/index.js';
import { generate } from '../../exporters/hft/simulator/run.js';
import { normal } from '../../exporters/hft/simulator/scenarios/normal.js';
import { captureLogging, tempDir } from '../helpers/env.js';

const vars = new Set(['datasource', DATABASE_VARIABLE, 'component']);

/** The Logs & audit dashboard as its JSON carries it (a copy the test may break). */
function logsAudit(): NamedDashboard {
  const s = DASHBOARDS.find((x) => x.build().uid === DASHBOARD_UIDS.logs)!;
  return { name: s.name, dashboard: JSON.parse(JSON.stringify(s.build())) as Dashboard };
}

/** What the checks say about the dashboards of `set` themselves (not about panels of the other dashboards, absent here). */
const ownProblems = (set: NamedDashboard[]) => checkDashboards(set).filter((p) => set.some((s) => p.startsWith(`${s.name}: `)));

describe('SQL panels', () => {
  it('pass the check as built, and the dashboard is the only SQL one', () => {
    const sql = DASHBOARDS.map((s) => s.build()).filter(isSqlDashboard);
    expect(sql.map((d) => d.uid)).toEqual([DASHBOARD_UIDS.logs]);
    expect(ownProblems([logsAudit()])).toEqual([]);
  });

  it('accept a bounded query on known columns, aliases and functions', () => {
    expect(
      checkSql(
        "SELECT toDateTime(intDiv(toUInt32(ts), $__interval_s) * $__interval_s) AS time, level, count() / $__interval_s AS lines FROM ${database}.logs WHERE $__timeFilter(ts) AND level IN ('warn', 'error') AND component IN (${component:singlequote}) GROUP BY time, level ORDER BY time",
        vars,
      ),
    ).toEqual([]);
  });

  it('refuse a column or a table nobody stores, the envelope name ts_ns, and a table outside ${database}', () => {
    expect(checkSql('SELECT ts, levl FROM ${database}.logs WHERE $__timeFilter(ts)', vars)).toEqual(['names levl, which is no column of logs (nor a keyword, function or alias)']);
    expect(checkSql('SELECT ts_ns FROM ${database}.logs WHERE $__timeFilter(ts)', vars)).toEqual(['names ts_ns, which is no column of logs (nor a keyword, function or alias)']);
    expect(checkSql('SELECT ts FROM ${database}.audit_secrets WHERE $__timeFilter(ts)', vars)).toEqual([
      'reads table audit_secrets, which exporters/catalog/tables.ts does not define',
      'names ts, which is no column of the tables it reads (nor a keyword, function or alias)',
    ]);
    expect(checkSql('SELECT ts FROM tickwatch.logs WHERE $__timeFilter(ts)', vars)).toEqual([
      'reads tickwatch.logs: a table is ${database}.<name>',
      'names ts, which is no column of the tables it reads (nor a keyword, function or alias)',
    ]);
    // A column of one table is not a column of another.
    expect(checkSql('SELECT user_id FROM ${database}.logs WHERE $__timeFilter(ts)', vars)).toEqual(['names user_id, which is no column of logs (nor a keyword, function or alias)']);
    // Names inside string literals and comments are not identifiers.
    expect(checkSql("SELECT ts FROM ${database}.logs WHERE $__timeFilter(ts) AND message = 'nosuch col' -- nosuch", vars)).toEqual([]);
  });

  it('refuse an unbounded query, a macro ClickHouse 18.16 cannot run, an unknown macro and an undefined variable', () => {
    expect(checkSql('SELECT ts FROM ${database}.logs', vars)).toEqual(['is not bounded by $__timeFilter(ts)']);
    expect(checkSql('SELECT $__timeInterval(ts) AS time FROM ${database}.logs WHERE $__timeFilter(ts)', vars)).toEqual([
      '$__timeInterval needs a ClickHouse newer than 18.16 (the tests\' server): use timeBucket',
    ]);
    expect(checkSql('SELECT ts FROM ${database}.logs WHERE $__timeFilter(ts) AND $__nosuch', vars)).toEqual(['unknown macro $__nosuch']);
    expect(checkSql('SELECT ts FROM ${database}.logs WHERE $__timeFilter(ts) AND level IN (${level:singlequote})', vars)).toEqual(['refers to undefined variable $level']);
  });

  it('make the dashboard build refuse a broken panel, naming dashboard, panel and query', () => {
    const set = [logsAudit()];
    const p = panelsOf(set[0]!.dashboard).find((x) => x.id === 9)! as Panel;
    const t = p.targets![0] as unknown as { rawSql: string; format: number };
    t.rawSql = t.rawSql.replace('slippage_ratio,', 'slippage_bp,');
    const v = (set[0]!.dashboard.templating.list ?? []).find((x) => x.name === 'component')!;
    v.query = 'SELECT DISTINCT component FROM ${database}.logs';
    const q = panelsOf(set[0]!.dashboard).find((x) => x.id === 1)!.targets![0] as unknown as { format: number; rawSql: string };
    q.rawSql = q.rawSql.replace(' AS time', ' AS t');
    expect(ownProblems(set).sort()).toEqual(
      [
        'logs-audit: panel 1 "Warning and error lines": query A: names time, which is no column of logs (nor a keyword, function or alias)',
        'logs-audit: panel 1 "Warning and error lines": query A: time series format without a `time` column',
        'logs-audit: panel 9 "Latest executions": query A: names slippage_bp, which is no column of trade_executions (nor a keyword, function or alias)',
        'logs-audit: variable component: is not bounded by $__timeFilter(ts)',
      ].sort(),
    );
  });

  it('expand the plugin macros as its backend does (pkg/macros/macros.go)', () => {
    const c = { fromMs: 1_415_792_726_371, toMs: 1_447_328_726_371, intervalMs: 20_000 };
    expect(expandMacros('$__timeFilter(ts)', c)).toBe('ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726)');
    expect(expandMacros('$__timeFilter_ms(ts)', c)).toBe('ts >= fromUnixTimestamp64Milli(1415792726371) AND ts <= fromUnixTimestamp64Milli(1447328726371)');
    expect(expandMacros('$__dateFilter(d)', c)).toBe("d >= toDate('2014-11-12') AND d <= toDate('2015-11-12')");
    expect(expandMacros('$__fromTime, $__toTime', c)).toBe('toDateTime(1415792726), toDateTime(1447328726)');
    expect(expandMacros('$__timeInterval(ts)', c)).toBe('toStartOfInterval(toDateTime(ts), INTERVAL 20 second)');
    expect(expandMacros('$__interval_s', { ...c, intervalMs: 300 })).toBe('1');
    expect(() => expandMacros('$__nosuch(ts)', c)).toThrow('unknown macro $__nosuch');
    expect(() => expandMacros('$__timeFilter(a, b)', c)).toThrow('$__timeFilter expected 1 argument, received 2');
  });

  it('interpolate variables as Grafana does for a SQL datasource', () => {
    const v = { database: ['tickwatch'], component: ['risk_engine', "o'brien"] };
    expect(interpolateSql('${database}.logs WHERE component IN (${component:singlequote})', v)).toBe("tickwatch.logs WHERE component IN ('risk_engine','o\\'brien')");
    expect(interpolateSql('IN (${component:sqlstring}) $database', v)).toBe("IN ('risk_engine','o''brien') tickwatch");
    expect(() => interpolateSql('${level}', v)).toThrow('no value for variable $level');
  });

  it(
    'return rows on current ClickHouse (chdb) from ten simulated minutes of the normal session, recorded as the recorder records them',
    { timeout: 300_000 },
    async () => {
      const dir = tempDir('tickwatch-sql-');
      const transport = await chdbTransport(join(dir, 'ch'));
      const store = new ClickHouseStore(transport);
      await store.init(TABLES);
      const wal = new WriteAheadLog(join(dir, 'wal'));
      wal.open();
      const rec = new Recorder({ store, wal, registry: new MetricRegistry(), log: captureLogging().logger('recorder'), batchRows: 5000 });
      const start = Date.UTC(2026, 10, 23, 1, 0, 0) / 1000;
      const duration = 600;
      for (const [, events] of generate({ scenario: normal, seed: 11, start, speed: Infinity, duration })) {
        for (const e of events) {
          const raw = JSON.stringify(e);
          const n = normalize(JSON.parse(raw) as Record<string, unknown>, 'auto');
          if (!n.ok) throw new Error(n.detail);
          rec.add(n.event as unknown as HftEvent, raw, { format: n.format, mapped: n.mapped });
          rec.maybeSeal();
        }
      }
      // The alert history, as Alertmanager's webhook reaches the recorder: Watchdog and a feed gap that resolves.
      const registry = new MetricRegistry();
      const alerts = new AlertReceiver({ recorder: rec, store, registry, log: captureLogging().logger('recorder'), seal: () => rec.seal() });
      const at = (s: number) => new Date((start + s) * 1000).toISOString();
      await alerts.receive(notification([{ name: 'Watchdog', startsAt: at(5) }]), (start + 6) * 1000);
      await alerts.receive(notification([{ name: 'FeedGap', instance: '127.0.0.1:9470', startsAt: at(120), labels: { feed: 'twse' } }]), (start + 121) * 1000);
      await alerts.receive(notification([{ name: 'FeedGap', instance: '127.0.0.1:9470', startsAt: at(120), endsAt: at(180), labels: { feed: 'twse' } }]), (start + 181) * 1000);
      rec.seal();
      await rec.drained();
      await rec.stop();

      const d = logsAudit().dashboard;
      const ctx = { fromMs: start * 1000, toMs: (start + duration) * 1000, intervalMs: 10_000 };
      const values: Record<string, string[]> = { [DATABASE_VARIABLE]: [DEFAULT_DATABASE] };
      for (const v of d.templating.list ?? []) {
        if (v.type !== 'query') continue;
        const rows = await transport.query<Record<string, unknown>>(expandMacros(interpolateSql(sqlOf(v.query)!, values), ctx));
        expect(rows.length, `variable ${v.name}`).toBeGreaterThan(0);
        values[v.name] = rows.map((r) => String(Object.values(r)[0]));
      }
      const empty: string[] = [];
      let queries = 0;
      // Every panel but the alert list, which reads Prometheus (its queries run in the liveness test).
      for (const p of panelsOf(d).filter((x) => x.datasource?.uid !== SQL_PROMETHEUS_DATASOURCE.uid)) {
        for (const q of queriesOf(p)) {
          const rows = await transport.query<Record<string, unknown>>(expandMacros(interpolateSql(q.rawSql!, values), ctx));
          queries++;
          if (rows.length === 0) empty.push(`${String(p.id)} ${p.title ?? ''} / ${q.refId ?? '?'}`);
          const format = (p.targets![0] as unknown as { format: number }).format;
          if (format === SQL_FORMAT.timeSeries && rows.length) expect(Object.keys(rows[0]!), `${p.title ?? ''}`).toContain('time');
        }
      }
      await transport.close();
      expect(queries).toBeGreaterThan(15);
      expect(empty, 'panels without rows').toEqual([]);
    },
  );
});
