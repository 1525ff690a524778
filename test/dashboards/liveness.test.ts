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
import { PANELS } from '../../dashboards-src/ids.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { startHftExporter, type HftExporter } from '../../exporters/hft/exporter.js';
import { startHostExporter, type HostExporter } from '../../exporters/host/exporter.js';
import { startRecorderService, type RecorderService } from '../../exporters/recorder/service.js';
import { DuckDbStore } from '../../exporters/recorder/stores/duckdb.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { normal } from '../../exporters/hft/simulator/scenarios/normal.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { JOBS } from '../../prometheus/jobs.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { startClickHouse, type ClickHouseServer } from '../helpers/clickhouse.js';
import { startClickHouseExporter, type ClickHouseExporter } from '../../exporters/clickhouse/exporter.js';
import { ClickHouseStore, httpTransport } from '../../exporters/recorder/stores/clickhouse.js';
import { startPrometheus, type Prom } from '../helpers/prometheus.js';

/** Simulated seconds per wall second. */
const SPEED = 2;
/** Wall seconds before the first round of queries: rates over 1 m and the recording rules need a few scrapes. */
const WARMUP_MS = 25_000;
/** Wall seconds after which a query that still returns nothing fails the test. */
const DEADLINE_MS = 45_000;

const dir = tempDir('tickwatch-dash-live-');
const rulesDir = fileURLToPath(new URL('../../prometheus/rules', import.meta.url));
let exporter: HftExporter | undefined;
let hostExporter: HostExporter | undefined;
let recorder: RecorderService | undefined;
let store: DuckDbStore | undefined;
let prom: Prom | undefined;
let ch: ClickHouseServer | undefined;
let chExporter: ClickHouseExporter | undefined;
let chRecorder: RecorderService | undefined;
const abort = new AbortController();
let run: Promise<unknown> | undefined;
afterAll(async () => {
  abort.abort();
  await run?.catch(() => undefined);
  await prom?.stop();
  await chRecorder?.close();
  await chExporter?.close();
  await ch?.stop();
  await exporter?.close();
  await hostExporter?.close();
  await recorder?.close();
  await store?.close();
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
    const chStarting = startClickHouse(join(dir, 'ch'));
    exporter = await startHftExporter({ port: 0, tcp: null, files: [events], dataDir: join(dir, 'data'), calendar: ALWAYS_OPEN_CALENDAR, pollMs: 100 }, captureLogging());
    const instance = `127.0.0.1:${exporter.metrics.port}`;
    store = await DuckDbStore.open(join(dir, 'audit.duckdb'));
    recorder = await startRecorderService({ events, dataDir: join(dir, 'recorder'), store, port: 0 }, captureLogging());
    const recorderInstance = `127.0.0.1:${recorder.metrics.port}`;
    // Watch processes that run during the test: Prometheus and Node.js (vitest and its workers).
    hostExporter = await startHostExporter({ port: 0, processes: [{ name: 'prometheus' }, { name: 'node' }], paths: { sys: sensorSysfs(join(dir, 'sys')) } }, captureLogging());
    const host = `127.0.0.1:${hostExporter.metrics.port}`;
    ch = await chStarting;
    chExporter = await startClickHouseExporter({ url: ch.url, port: 0, pingTimeoutMs: 1000, queryTimeoutMs: 2000 });
    const chInstance = `127.0.0.1:${chExporter.metrics.port}`;
    chRecorder = await startRecorderService({ events, dataDir: join(dir, 'ch-recorder'), store: new ClickHouseStore(httpTransport(ch.url), { legacy: true }), port: 0, batchMs: 300 }, captureLogging());
    prom = await startPrometheus({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(rulesDir, '*.yml')],
      scrape_configs: [
        { job_name: JOBS.hft.job, static_configs: [{ targets: [instance] }] },
        { job_name: JOBS.recorder.job, static_configs: [{ targets: [recorderInstance] }] },
        { job_name: JOBS.host.job, static_configs: [{ targets: [host] }] },
        { job_name: JOBS.clickhouse.job, static_configs: [{ targets: [chInstance] }] },
      ],
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
