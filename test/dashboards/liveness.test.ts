/**
 * Every panel shows data on a normal day: one HFT exporter and one audit recorder service (embedded
 * DuckDB store) fed by the simulator's normal session (real file-tail path), one host exporter
 * reading this machine's /proc, a real clickhouse-server (Debian's 18.16) with the ClickHouse
 * exporter in front of it and a second recorder writing the same events into it (so it has parts,
 * inserts and merges to show), a real redis-server the first recorder keeps its hot state in, one real Prometheus scraping them all every second and evaluating
 * the generated rules (the recording rules panels share with alerts) and sending its alerts to a
 * real Alertmanager with the generated routing (drill timings), whose history receiver is the
 * ClickHouse recorder's webhook (Watchdog always fires: the alert history panels have its
 * notification, as Alertmanager sent it), and every query of every
 * dashboard sent to Prometheus' HTTP API with the dashboard variables substituted as Grafana does
 * when a user leaves them at "All" (`job`: the dashboard's tickwatch jobs, `instance`: `.+`,
 * `strategy`: `.*`; see `allSelection`). A query that returns no series is a dead panel: a typo the
 * catalog check cannot see (a label value, a filter), or a metric the exporter never sets.
 *
 * Then, on each dashboard that mixes jobs (Recorder & ClickHouse, System health), `job` narrowed to
 * each of its jobs in turn, as a user picks one: a query over metrics that job does not export must
 * return nothing (no target of another job leaks in), and a query whose metrics only that job (of
 * the dashboard's) exports must still return series. Which job exports what is read from this
 * Prometheus (`count by (job)` of each metric), not from the catalog's `exportedBy`: the recorder
 * service runs the ingest pipeline too, so it exports the `tickwatch_ingest_*` metrics that the
 * catalog lists as the HFT exporter's. The recorder is here because only it
 * exports the spool's size bound (`hft_recorder_spool_limit_bytes`) that Spool use vs limit divides
 * by; the HFT exporter reports the engine's spool bytes alone.
 *
 * One stand-in: the host exporter reads sysfs from a fixture with one hwmon sensor and one thermal
 * zone (and this machine's /sys/class/net), because virtual machines and containers have no
 * temperature sensors and the Temperatures panel would otherwise have nothing to show.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { substituteVariables } from '../../dashboards-src/check.js';
import { DEFAULT_DATABASE, DATABASE_VARIABLE, expandMacros, interpolateSql } from '../../dashboards-src/sql.js';
import { metricNames } from '../../query/promql.js';
import { DASHBOARDS } from '../../dashboards-src/index.js';
import { dashboardProbes, type SqlProbe } from './probes.js';
import { ALERT_LIST_PANEL_ID, DASHBOARD_UIDS, PANELS } from '../../query/panels.js';
import { ALERT_LIST_TITLE, ALERT_STATE, dashboardAlerts } from '../../dashboards-src/common.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { normal } from '../../exporters/hft/simulator/scenarios/normal.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { startTickwatch, type Tickwatch } from '../../exporters/start.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { startClickHouse, type ClickHouseServer } from '../helpers/clickhouse.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { startPrometheus, type Prom } from '../helpers/prometheus.js';
import type { ChildProcess } from 'node:child_process';
import { DRILL_TIMINGS } from '../../alertmanager/config.js';
import { RECORDER_ALERT_WEBHOOK_PATH } from '../../exporters/catalog/jobs.js';
import { startAlerting, stopChild, type Alerting } from '../../scripts/stack/stack.js';

/** Simulated seconds per wall second. */
const SPEED = 2;
/** Wall seconds before the first round of queries: rates over 1 m and the recording rules need a few scrapes. */
const WARMUP_MS = 25_000;
/** Wall seconds after which a query that still returns nothing fails the test. */
const DEADLINE_MS = 45_000;

const dir = tempDir('tickwatch-dash-live-');
const rulesDir = fileURLToPath(new URL('../../prometheus/rules', import.meta.url));
let tw: Tickwatch | undefined;
let prom: Prom | undefined;
let ch: ClickHouseServer | undefined;
let redis: RedisServer | undefined;
let alerting: Alerting | undefined;
const amChildren: ChildProcess[] = [];
const abort = new AbortController();
let run: Promise<unknown> | undefined;
afterAll(async () => {
  abort.abort();
  await run?.catch(() => undefined);
  await prom?.stop();
  await Promise.all(amChildren.map(stopChild));
  await alerting?.receivers.close();
  await tw?.close();
  await ch?.stop();
  await redis?.destroy();
});

/**
 * A sysfs with what a VM lacks: one hwmon chip with a labelled temperature sensor and one thermal
 * zone, plus this machine's network devices (for the netdev collector's rx_nohandler).
 */
function sensorSysfs(root: string): string {
  const put = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  put('class/hwmon/hwmon0/name', 'coretemp\n');
  put('class/hwmon/hwmon0/temp1_input', '45000\n');
  put('class/hwmon/hwmon0/temp1_max', '80000\n');
  put('class/hwmon/hwmon0/temp1_label', 'Package id 0\n');
  put('class/thermal/thermal_zone0/type', 'x86_pkg_temp\n');
  put('class/thermal/thermal_zone0/temp', '42000\n');
  symlinkSync('/sys/class/net', join(root, 'class/net'));
  return root;
}

/** One query of a panel with `job` narrowed to one job, and what it must return. */
interface NarrowProbe {
  readonly where: string;
  readonly job: string;
  readonly query: string;
  /** `empty`: the query reads no metric the job exports; `alive`: only this job exports its metrics. */
  readonly expect: 'empty' | 'alive';
}

describe('dashboards on a live exporter', () => {
  it('every panel query returns series during a normal simulated session', { timeout: 120_000 }, async () => {
    const events = join(dir, 'events.ndjson');
    ch = await startClickHouse(join(dir, 'ch'));
    redis = await startRedis(join(dir, 'redis'));
    // Everything through the composition root, as `tickwatch start` runs it: the HFT exporter, a
    // recorder into the embedded store and one into ClickHouse (both tailing the same events), the
    // host exporter (watching Prometheus and Node.js: vitest and its workers) and the ClickHouse exporter.
    tw = await startTickwatch(
      {
        dataDir: join(dir, 'data'),
        hft: { port: 0, tcp: null, files: [events], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 100 },
        recorders: [
          { store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, dataDir: join(dir, 'recorder'), port: 0, redis: { url: redis.url } },
          { store: { kind: 'clickhouse', url: ch.url, legacy: true }, dataDir: join(dir, 'ch-recorder'), port: 0, queryPort: 0, batchMs: 300 },
        ],
        host: { port: 0, processes: [{ name: 'prometheus' }, { name: 'node' }], paths: { sys: sensorSysfs(join(dir, 'sys')) } },
        clickhouse: { url: ch.url, port: 0, pingTimeoutMs: 1000, queryTimeoutMs: 2000 },
      },
      captureLogging(),
    );
    const targets = tw.targets();
    const of = (service: string): string => {
      const found = targets.find((t) => t.service === service);
      if (!found) throw new Error(`no ${service} target among ${JSON.stringify(targets)}`);
      return found.instance;
    };
    const instance = of('hft');
    const recorderInstance = of('recorder');
    const host = of('host');
    const chInstance = of('clickhouse');
    const jobs = [...new Set(targets.map((t) => t.job))];
    // Alertmanager, its history receiver the ClickHouse recorder's webhook.
    mkdirSync(join(dir, 'am'));
    alerting = await startAlerting({ dir: join(dir, 'am'), timings: DRILL_TIMINGS, historyUrl: `http://127.0.0.1:${tw.recorders[1]!.queryPort}${RECORDER_ALERT_WEBHOOK_PATH}` }, amChildren);
    prom = await startPrometheus({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${alerting.port}`] }] }] },
      rule_files: [join(rulesDir, '*.yml')],
      scrape_configs: jobs.map((job) => ({ job_name: job, static_configs: [{ targets: targets.filter((t) => t.job === job).map((t) => t.instance) }] })),
    });

    const t0 = Date.now();
    const sink = new FileSink(events);
    run = runScenario({ scenario: normal, seed: 7, start: t0 / 1000, speed: SPEED, duration: (DEADLINE_MS / 1000 + 20) * SPEED }, sink, abort.signal).finally(() => sink.close());

    // Every query of every dashboard, variables at "All" (test/dashboards/probes.ts).
    const { probes, narrowable, selections, sqlProbes, annotations } = dashboardProbes();
    expect(probes.length).toBeGreaterThan(60);
    expect(selections).toContain(`system-health: job=tickwatch-clickhouse|tickwatch-hft|tickwatch-host|tickwatch-recorder instance=.+`);
    expect(new Set(narrowable.map((n) => n.dashboard))).toEqual(new Set(['tickwatch / Recorder & ClickHouse', 'tickwatch / System health']));
    // Every panel the ClickHouse alerts link to is among them.
    for (const ref of Object.values(PANELS).filter((r) => r.title.startsWith('ClickHouse'))) expect(probes.map((x) => x.panel)).toContain(`${ref.panelId} ${ref.title}`);

    expect(sqlProbes.filter((p) => !p.variable).length).toBeGreaterThan(15);
    // A SQL query as Grafana sends it with the range "last hour" (to now) and 10 s points: variables
    // interpolated (`database` the recorder's; a multi-value variable at "All" every value its query
    // listed), then the plugin's macros expanded; sent to the ClickHouse the second recorder writes.
    const sqlValues: Record<string, string[]> = { [DATABASE_VARIABLE]: [DEFAULT_DATABASE] };
    const runSql = async (p: SqlProbe): Promise<Record<string, unknown>[]> => {
      const sql = expandMacros(interpolateSql(p.sql, sqlValues), { fromMs: t0 - 3_600_000, toMs: Date.now(), intervalMs: 10_000 });
      const res = await fetch(ch!.url, { method: 'POST', body: `${sql} FORMAT JSON` });
      const text = await res.text();
      p.last = res.ok ? sql : `${sql}\n  ClickHouse: ${text.trim()}`;
      return res.ok ? (JSON.parse(text) as { data: Record<string, unknown>[] }).data : [];
    };

    await new Promise((r) => setTimeout(r, WARMUP_MS));
    for (;;) {
      for (const p of probes.filter((x) => x.series === 0)) p.series = (await prom.query(p.query)).length;
      for (const p of sqlProbes.filter((x) => x.variable)) {
        const data = await runSql(p);
        p.rows = data.length;
        if (data.length) sqlValues[p.variable!] = data.map((r) => String(Object.values(r)[0]));
      }
      for (const p of sqlProbes.filter((x) => !x.variable && x.rows === 0)) if (sqlProbes.every((v) => !v.variable || v.rows > 0)) p.rows = (await runSql(p)).length;
      if ((probes.every((p) => p.series > 0) && sqlProbes.every((p) => p.rows > 0)) || Date.now() - t0 > DEADLINE_MS) break;
      await new Promise((r) => setTimeout(r, 2000));
    }

    // Job narrowed to one job: nothing of another job shows, and the panels of that job stay.
    const exportedBy = new Map<string, Set<string>>();
    for (const n of new Set(narrowable.flatMap((x) => metricNames(substituteVariables(x.expr))))) {
      // Over the last minute, not at one instant: a scrape that outlasts its timeout on a loaded machine
      // leaves a job's series stale until the next one (a clean-clone run with both cores busy missed the
      // ClickHouse exporter's tickwatch_build_info that way, and then expected its orZero panels empty).
      exportedBy.set(n, new Set((await prom.query(`count by (job) (last_over_time({__name__="${n}"}[1m]))`)).map((r) => r.metric.job!)));
    }
    const narrowed: NarrowProbe[] = [];
    for (const x of narrowable) {
      const exporters = new Set(metricNames(substituteVariables(x.expr)).flatMap((n) => [...exportedBy.get(n)!]));
      const own = x.jobs.filter((j) => exporters.has(j));
      for (const job of x.jobs) {
        const expect = !exporters.has(job) ? 'empty' : own.length === 1 ? 'alive' : undefined;
        if (expect) narrowed.push({ where: x.where, job, query: substituteVariables(x.expr, { ...x.values, job }), expect });
      }
    }
    // Both directions are exercised: queries that must empty out and queries that must stay.
    expect(narrowed.filter((n) => n.expect === 'empty').length).toBeGreaterThan(20);
    expect(narrowed.filter((n) => n.expect === 'alive').length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const n of narrowed) {
      let series = (await prom.query(n.query)).length;
      // A scrape that outlasts its 1 s timeout on a loaded machine marks the target's series stale
      // until the next one: an alive query gets a few seconds before it counts as dead.
      for (let t = Date.now(); n.expect === 'alive' && series === 0 && Date.now() - t < 15_000; series = (await prom.query(n.query)).length) await new Promise((r) => setTimeout(r, 1000));
      if ((n.expect === 'empty') !== (series === 0)) {
        const up = (await prom.query(`up{job="${n.job}"}`)).map((r) => `${r.metric.instance} ${r.value[1]}`).join(', ');
        wrong.push(`job=${n.job}: ${n.where}: ${series} series, expected ${n.expect} (up: ${up || 'none'}): ${n.query}`);
      }
    }
    // The firing-alerts annotation of every dashboard runs as Grafana sends it; System health's shows
    // Watchdog (always firing, family watchdog, that dashboard's), and its alert list has Watchdog's lane FIRING (2).
    expect(annotations.map((a) => a.dashboard).sort()).toEqual(DASHBOARDS.map((s) => s.build().title).sort());
    for (const a of annotations) a.alerts = (await prom.query(a.query)).map((r) => r.metric.alertname ?? '');
    expect(annotations.find((a) => a.dashboard === 'tickwatch / System health')?.alerts).toContain('Watchdog');
    const systemList = probes.find((p) => p.dashboard === 'tickwatch / System health' && p.panel === `${ALERT_LIST_PANEL_ID} ${ALERT_LIST_TITLE}`)!;
    const lanes = await prom.query(systemList.query);
    expect(lanes.find((r) => r.metric.alertname === 'Watchdog')?.value[1]).toBe(String(ALERT_STATE.firing));
    // Every alert of the dashboard has its lane, firing or not.
    expect(lanes.length).toBe(dashboardAlerts(DASHBOARD_UIDS.system).alerts.length);
    abort.abort();

    // Per panel: the series of all its queries (each query must have some).
    const panels = new Map<string, number>();
    for (const p of probes) panels.set(`${p.dashboard} / ${p.panel}`, (panels.get(`${p.dashboard} / ${p.panel}`) ?? 0) + p.series);
    console.log(
      `${[...panels.keys()].filter((k) => !k.includes(' / variable $')).length} panels (${probes.filter((p) => p.refId !== '-').length} queries) and ${probes.filter((p) => p.refId === '-').length} variables checked after ${((Date.now() - t0) / 1000).toFixed(0)} s (speed ${SPEED}x; targets hft ${instance}, recorders ${recorderInstance} and another, host ${host}, clickhouse ${chInstance}); variables at All:\n${selections.map((x) => `  ${x}`).join('\n')}\n${[...panels].map(([k, n]) => `  ${k}: ${n} series`).join('\n')}\n` +
        `job narrowed to one job: ${narrowed.length} queries, ${narrowed.filter((n) => n.expect === 'empty').length} of another job's metrics empty, ${narrowed.filter((n) => n.expect === 'alive').length} of that job's own metrics alive`,
    );
    console.log(`firing-alerts annotations:\n${annotations.map((a) => `  ${a.dashboard}: ${a.alerts.join(', ') || 'none firing'}`).join('\n')}`);
    console.log(`${sqlProbes.length} SQL queries (panels and variables) against ClickHouse:\n${sqlProbes.map((p) => `  ${p.dashboard} / ${p.panel} / ${p.refId}: ${p.rows} rows`).join('\n')}`);
    const deadSql = sqlProbes.filter((p) => p.rows === 0).map((p) => `${p.dashboard} / ${p.panel} / ${p.refId}: ${p.last ?? p.sql}`);
    expect(deadSql, `SQL queries without rows after ${((Date.now() - t0) / 1000).toFixed(0)} s:\n${deadSql.join('\n')}`).toEqual([]);
    const dead = probes.filter((p) => p.series === 0).map((p) => `${p.dashboard} / ${p.panel} / ${p.refId}: ${p.query}`);
    expect(dead, `queries without series:\n${dead.join('\n')}\n${prom.output()}`).toEqual([]);
    expect(wrong, `queries that mix jobs or die when job is narrowed:\n${wrong.join('\n')}`).toEqual([]);
  });
});
