/**
 * Every panel shows data on a normal day: one HFT exporter and one audit recorder service (embedded
 * DuckDB store) fed by the simulator's normal session (real file-tail path), one host exporter
 * reading this machine's /proc, a real clickhouse-server (Debian's 18.16) with the ClickHouse
 * exporter in front of it and a second recorder writing the same events into it (so it has parts,
 * inserts and merges to show), one real Prometheus scraping them all every second and evaluating
 * the generated rules (the recording rules panels share with alerts), and every query of every
 * dashboard sent to Prometheus' HTTP API with the dashboard variables substituted (`instance`
 * selects the HFT exporter and the recorder, `host` the host exporter, `clickhouse` the ClickHouse
 * exporter). A query that returns no series is a dead panel: a typo the catalog check cannot see (a
 * label value, a filter), or a metric the exporter never sets. The recorder is here because only it
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
import { panelsOf, queriesOf, substituteVariables } from '../../dashboards-src/check.js';
import { DASHBOARDS } from '../../dashboards-src/index.js';
import { PANELS } from '../../query/panels.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { normal } from '../../exporters/hft/simulator/scenarios/normal.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { startTickwatch, type Tickwatch } from '../../exporters/start.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { startClickHouse, type ClickHouseServer } from '../helpers/clickhouse.js';
import { startPrometheus, type Prom } from '../helpers/prometheus.js';

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
const abort = new AbortController();
let run: Promise<unknown> | undefined;
afterAll(async () => {
  abort.abort();
  await run?.catch(() => undefined);
  await prom?.stop();
  await tw?.close();
  await ch?.stop();
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

/** One query of one panel, with the variables substituted. */
interface Probe {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly query: string;
  series: number;
}

describe('dashboards on a live exporter', () => {
  it('every panel query returns series during a normal simulated session', { timeout: 120_000 }, async () => {
    const events = join(dir, 'events.ndjson');
    ch = await startClickHouse(join(dir, 'ch'));
    // Everything through the composition root, as `tickwatch start` runs it: the HFT exporter, a
    // recorder into the embedded store and one into ClickHouse (both tailing the same events), the
    // host exporter (watching Prometheus and Node.js: vitest and its workers) and the ClickHouse exporter.
    tw = await startTickwatch(
      {
        dataDir: join(dir, 'data'),
        hft: { port: 0, tcp: null, files: [events], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 100 },
        recorders: [
          { store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, dataDir: join(dir, 'recorder'), port: 0 },
          { store: { kind: 'clickhouse', url: ch.url, legacy: true }, dataDir: join(dir, 'ch-recorder'), port: 0, batchMs: 300 },
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
    prom = await startPrometheus({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(rulesDir, '*.yml')],
      scrape_configs: jobs.map((job) => ({ job_name: job, static_configs: [{ targets: targets.filter((t) => t.job === job).map((t) => t.instance) }] })),
    });

    const t0 = Date.now();
    const sink = new FileSink(events);
    run = runScenario({ scenario: normal, seed: 7, start: t0 / 1000, speed: SPEED, duration: (DEADLINE_MS / 1000 + 20) * SPEED }, sink, abort.signal).finally(() => sink.close());

    // Both instances selected, as a user picks them (or All) in the multi-value variable.
    const values = { instance: `${instance}|${recorderInstance}`, host, strategy: '.*', clickhouse: chInstance };
    const probes: Probe[] = [];
    for (const s of DASHBOARDS) {
      const d = s.build();
      const dashboard = d.title ?? s.name;
      for (const p of panelsOf(d)) {
        const panel = `${String(p.id)} ${p.title ?? ''}`;
        const queries = queriesOf(p).map((q) => ({ refId: q.refId ?? '?', query: substituteVariables(q.expr ?? '', values) }));
        for (const q of queries) probes.push({ dashboard, panel, ...q, series: 0 });
      }
      // The variables' own selectors must find series too (else the drop-downs are empty).
      for (const v of d.templating.list ?? []) {
        const m = typeof v.query === 'string' ? /^label_values\((.+),\s*\w+\)$/.exec(v.query) : null;
        if (!m) continue;
        const probe = { dashboard, panel: `variable $${v.name}`, refId: '-', query: substituteVariables(m[1]!, values), series: 0 };
        probes.push(probe);
      }
    }
    expect(probes.length).toBeGreaterThan(60);
    // Every panel the ClickHouse alerts link to is among them.
    for (const ref of Object.values(PANELS).filter((r) => r.title.startsWith('ClickHouse'))) expect(probes.map((x) => x.panel)).toContain(`${ref.panelId} ${ref.title}`);

    await new Promise((r) => setTimeout(r, WARMUP_MS));
    for (;;) {
      for (const p of probes.filter((x) => x.series === 0)) p.series = (await prom.query(p.query)).length;
      if (probes.every((p) => p.series > 0) || Date.now() - t0 > DEADLINE_MS) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    abort.abort();

    // Per panel: the series of all its queries (each query must have some).
    const panels = new Map<string, number>();
    for (const p of probes) panels.set(`${p.dashboard} / ${p.panel}`, (panels.get(`${p.dashboard} / ${p.panel}`) ?? 0) + p.series);
    console.log(
      `panels checked after ${((Date.now() - t0) / 1000).toFixed(0)} s (speed ${SPEED}x, instance ${values.instance}, host ${host}):\n${[...panels].map(([k, n]) => `  ${k}: ${n} series`).join('\n')}`,
    );
    const dead = probes.filter((p) => p.series === 0).map((p) => `${p.dashboard} / ${p.panel} / ${p.refId}: ${p.query}`);
    expect(dead, `queries without series:\n${dead.join('\n')}\n${prom.output()}`).toEqual([]);
  });
});
