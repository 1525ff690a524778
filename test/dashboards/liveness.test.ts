/**
 * Every panel shows data on a normal day: one HFT exporter fed by the simulator's normal session
 * (real file-tail path), one real Prometheus scraping it every second and evaluating the generated
 * rules (the recording rules panels share with alerts), and every query of every dashboard sent to
 * Prometheus' HTTP API with the dashboard variables substituted. A query that returns no series is
 * a dead panel: a typo the catalog check cannot see (a label value, a filter), or a metric the
 * exporter never sets.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { panelsOf, queriesOf, substituteVariables } from '../../dashboards-src/check.js';
import { DASHBOARDS } from '../../dashboards-src/index.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { startHftExporter, type HftExporter } from '../../exporters/hft/exporter.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { normal } from '../../exporters/hft/simulator/scenarios/normal.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { JOBS } from '../../prometheus/jobs.js';
import { captureLogging, tempDir } from '../helpers/env.js';
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
let prom: Prom | undefined;
const abort = new AbortController();
let run: Promise<unknown> | undefined;
afterAll(async () => {
  abort.abort();
  await run?.catch(() => undefined);
  await prom?.stop();
  await exporter?.close();
});

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
    exporter = await startHftExporter({ port: 0, tcp: null, files: [events], dataDir: join(dir, 'data'), calendar: ALWAYS_OPEN_CALENDAR, pollMs: 100 }, captureLogging());
    const instance = `127.0.0.1:${exporter.metrics.port}`;
    prom = await startPrometheus({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(rulesDir, '*.yml')],
      scrape_configs: [{ job_name: JOBS.hft.job, static_configs: [{ targets: [instance] }] }],
    });

    const t0 = Date.now();
    const sink = new FileSink(events);
    run = runScenario({ scenario: normal, seed: 7, start: t0 / 1000, speed: SPEED, duration: (DEADLINE_MS / 1000 + 20) * SPEED }, sink, abort.signal).finally(() => sink.close());

    const values = { instance, strategy: '.*' };
    const probes: Probe[] = [];
    for (const s of DASHBOARDS) {
      const d = s.build();
      for (const p of panelsOf(d)) {
        for (const q of queriesOf(p)) probes.push({ dashboard: d.title ?? s.name, panel: `${String(p.id)} ${p.title ?? ''}`, refId: q.refId ?? '?', query: substituteVariables(q.expr ?? '', values), series: 0 });
      }
      // The variables' own selectors must find series too (else the drop-downs are empty).
      for (const v of d.templating.list ?? []) {
        const m = typeof v.query === 'string' ? /^label_values\((.+),\s*\w+\)$/.exec(v.query) : null;
        if (m) probes.push({ dashboard: d.title ?? s.name, panel: `variable $${v.name}`, refId: '-', query: substituteVariables(m[1]!, values), series: 0 });
      }
    }
    expect(probes.length).toBeGreaterThan(60);

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
      `panels checked after ${((Date.now() - t0) / 1000).toFixed(0)} s (speed ${SPEED}x, instance ${instance}):\n${[...panels].map(([k, n]) => `  ${k}: ${n} series`).join('\n')}`,
    );
    const dead = probes.filter((p) => p.series === 0).map((p) => `${p.dashboard} / ${p.panel} / ${p.refId}: ${p.query}`);
    expect(dead, `queries without series:\n${dead.join('\n')}\n${prom.output()}`).toEqual([]);
  });
});
