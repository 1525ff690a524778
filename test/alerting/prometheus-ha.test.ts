/**
 * The HA pair and its long-term store, with real processes on loopback: tickwatch's HFT exporter
 * (fed by the simulator's normal session through the file tail), a recorder (embedded store) and
 * the host exporter, scraped every second by two real Prometheus replicas (Debian's 2.42) that
 * differ only in their `replica` external label, both evaluating the generated rules and both
 * remote-writing to one real VictoriaMetrics (Debian's 1.79) as prometheus-ha.example.yml does
 * (`dedupRemoteWrite`: `replica` dropped on the way, `-dedup.minScrapeInterval` = the 1 s scrape
 * interval). Replica a is stopped midway. Then, from VictoriaMetrics:
 *
 * - every target's `up` is one series, without `replica`, whose raw samples have no gap over the
 *   whole window, before and after the stop, and hold one sample per scrape interval in the overlap
 *   (deduplicated: two replicas wrote, one sample a second was kept);
 * - `query_range` with step = the scrape interval has a point at every step, and over the overlap
 *   `count by (job, instance) (up)` is 1 at every step: one series per target, not two;
 * - every PromQL query of every dashboard (test/dashboards/probes.ts, the liveness test's list, and
 *   the firing-alerts annotations) runs on VictoriaMetrics and on the surviving replica at the same
 *   instant and returns the same series (labels compared without the external labels, which only
 *   the store's series carry). Two differences of MetricsQL are allowed, each checked: a series
 *   Prometheus answers with NaN (0/0, a quantile of empty buckets) is not in MetricsQL's answer,
 *   which leaves NaN out; and a counter with fewer than two samples in the rate window (born a
 *   moment ago) is rated 0 by MetricsQL and not at all by Prometheus ({@link fewSamples}).
 *
 * The slow group (`npm run test:cluster -- test/alerting/prometheus-ha.test.ts`): the file took 61-68 s
 * here in four runs (vitest's Duration; the test itself 56-62 s).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dedupRemoteWrite, prometheusConfig } from '../../prometheus/config.js';
import { REPLICA_LABEL } from '../../prometheus/victoria-metrics.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { normal } from '../../exporters/hft/simulator/scenarios/normal.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { startTickwatch, type Tickwatch } from '../../exporters/start.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { startPrometheus, type Prom } from '../helpers/prometheus.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../helpers/victoria-metrics.js';
import { dashboardProbes } from '../dashboards/probes.js';
import { metricNames } from '../../query/promql.js';

/** Every job's scrape and rule evaluation interval, seconds; VictoriaMetrics deduplicates at the same. */
const SCRAPE_S = 1;
/** Both replicas write for this long before replica a is stopped, ms (rates over 1 m and the recording rules fill meanwhile). */
const OVERLAP_MS = 30_000;
/** Replica b alone writes for this long, ms. */
const ALONE_MS = 20_000;
/** A raw gap longer than this (seconds) is a hole: one scrape interval and what a loaded machine delays a scrape by. */
const MAX_GAP_S = 2.5 * SCRAPE_S;
/** The external labels of both replicas besides `replica`. */
const EXTERNAL = { environment: 'test', cluster: 'tickwatch-ha' } as const;

const dir = tempDir('tickwatch-prom-ha-');
const rulesDir = fileURLToPath(new URL('../../prometheus/rules', import.meta.url));
let tw: Tickwatch | undefined;
let vm: VictoriaMetrics | undefined;
const replicas: Prom[] = [];
const abort = new AbortController();
let run: Promise<unknown> | undefined;
afterAll(async () => {
  abort.abort();
  await run?.catch(() => undefined);
  await Promise.all(replicas.map((p) => p.stop().catch(() => undefined)));
  await vm?.stop();
  await tw?.close();
});

type Vector = { metric: Record<string, string>; value: [number, string] }[];

/** An instant query at `time` (unix seconds) against any Prometheus-compatible API. */
async function instant(base: string, q: string, time: number): Promise<Vector> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}&time=${time}`);
  const body = (await r.json()) as { status: string; error?: string; data: { result: Vector } };
  if (body.status !== 'success') throw new Error(`${base}: ${q}: ${body.error}`);
  // A scalar or string answer has no series.
  return Array.isArray(body.data.result) ? body.data.result : [];
}

/**
 * Whether a series VictoriaMetrics answered and Prometheus did not comes from counters with fewer
 * than two samples in the query's range window (a series born a moment ago): Prometheus' rate()
 * needs two samples in the window and returns nothing, MetricsQL's returns 0. Asks Prometheus
 * `count_over_time` of each metric of the query, restricted to the series' labels.
 */
async function fewSamples(prom: string, query: string, labels: Record<string, string>, time: number): Promise<boolean> {
  const window = /\[(\d+[smh])\]/.exec(query)?.[1];
  if (!window) return false;
  const matchers = Object.entries(labels)
    .filter(([k]) => k !== '__name__' && k !== REPLICA_LABEL && !(k in EXTERNAL))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  for (const name of metricNames(query)) {
    const counts = await instant(prom, `count_over_time(${name}{${matchers.join(',')}}[${window}])`, time);
    if (counts.some((c) => Number(c.value[1]) < 2)) return true;
  }
  return false;
}

/** A series' labels without the replicas' external labels, as a sortable key. */
function labelKey(m: Record<string, string>): string {
  const own = Object.entries(m).filter(([k]) => k !== REPLICA_LABEL && !(k in EXTERNAL));
  return JSON.stringify(own.sort(([a], [b]) => a.localeCompare(b)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Prometheus HA pair into VictoriaMetrics', () => {
  it('keeps one gap-free series per target with a replica down, and answers the dashboards as Prometheus does', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const events = join(dir, 'events.ndjson');
    vm = await startVictoriaMetrics({ dedupInterval: `${SCRAPE_S}s` });
    tw = await startTickwatch(
      {
        dataDir: join(dir, 'data'),
        hft: { port: 0, tcp: null, files: [events], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 100 },
        recorders: [{ store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, dataDir: join(dir, 'recorder'), port: 0 }],
        host: { port: 0, processes: [{ name: 'prometheus' }, { name: 'victoria-metrics' }] },
        clickhouse: false,
      },
      captureLogging(),
    );
    const targets = tw.targets();
    const jobs = [...new Set(targets.map((t) => t.job))];
    expect(jobs.length).toBe(3);
    const config = (replica: 'a' | 'b') =>
      prometheusConfig({
        scrapeInterval: `${SCRAPE_S}s`,
        evaluationInterval: `${SCRAPE_S}s`,
        externalLabels: { ...EXTERNAL, [REPLICA_LABEL]: replica },
        jobs: jobs.map((job) => ({ job, targets: targets.filter((t) => t.job === job).map((t) => t.instance) })),
        ruleFiles: [join(rulesDir, '*.yml')],
        alertmanagers: [],
        alertDropLabels: [REPLICA_LABEL],
        remoteWrite: [dedupRemoteWrite(vm!.writeUrl, '1s')],
      });
    const [a, b] = await Promise.all([startPrometheus(config('a')), startPrometheus(config('b'))]);
    replicas.push(a!, b!);
    const t0 = Date.now() / 1000;
    const sink = new FileSink(events);
    run = runScenario({ scenario: normal, seed: 7, start: t0, speed: 2, duration: ((OVERLAP_MS + ALONE_MS) / 1000 + 60) * 2 }, sink, abort.signal).finally(() => sink.close());

    await sleep(OVERLAP_MS);
    // Both replicas have been shipping samples: each one's own /metrics (Prometheus 2.42 counts them in
    // prometheus_remote_storage_samples_total, per remote_write queue).
    for (const p of [a!, b!]) {
      const own = await (await fetch(`${p.url}/metrics`)).text();
      const sent = [...own.matchAll(/^prometheus_remote_storage_samples_total\{[^}]*\} (\S+)$/gm)].reduce((x, m) => x + Number(m[1]), 0);
      expect(sent, `${p.url}/metrics: ${own.split('\n').filter((l) => l.startsWith('prometheus_remote_storage_')).join('\n')}`).toBeGreaterThan(1000);
    }
    const tStop = Date.now() / 1000;
    await a!.stop();
    replicas.splice(replicas.indexOf(a!), 1);
    await sleep(ALONE_MS);
    const tEnd = Math.floor(Date.now() / 1000) - 3;
    // Wait until replica b's samples up to tEnd have arrived (1 s batch deadline).
    for (let t = Date.now(); ; await sleep(500)) {
      const last = await vm.query('min(timestamp(up))');
      if (Number(last[0]?.value[1] ?? 0) >= tEnd) break;
      if (Date.now() - t > 20_000) throw new Error(`VictoriaMetrics has no samples up to ${tEnd}: ${JSON.stringify(last)}\n${vm.output()}`);
    }

    // Raw samples: one series per target, without `replica`, no hole from the first scrape to tEnd.
    const from = Math.ceil(t0) + 5;
    const raw = await vm.exportRaw('up', from, tEnd);
    expect(raw.map((s) => `${s.metric.job} ${s.metric.instance}`).sort()).toEqual(targets.map((t) => `${t.job} ${t.instance}`).sort());
    const overlapFrom = from + 5;
    const overlapTo = Math.floor(tStop) - 2;
    const perTarget: string[] = [];
    for (const s of raw) {
      expect(s.metric[REPLICA_LABEL], JSON.stringify(s.metric)).toBeUndefined();
      expect(s.metric.cluster).toBe(EXTERNAL.cluster);
      const ts = s.timestamps.map((x) => x / 1000).filter((x) => x >= from && x <= tEnd);
      let maxGap = 0;
      let at = 0;
      for (let i = 1; i < ts.length; i++) if (ts[i]! - ts[i - 1]! > maxGap) [maxGap, at] = [ts[i]! - ts[i - 1]!, ts[i - 1]!];
      // Deduplicated: in the overlap both replicas wrote a sample per scrape, one per interval stayed.
      const inOverlap = ts.filter((x) => x >= overlapFrom && x < overlapTo).length;
      const rate = inOverlap / (overlapTo - overlapFrom);
      perTarget.push(`${s.metric.job}: ${ts.length} samples, largest gap ${maxGap.toFixed(2)} s (at ${(at - tStop).toFixed(1)} s from the stop), ${rate.toFixed(2)} samples/s in the overlap`);
      expect(maxGap, perTarget.at(-1)).toBeLessThanOrEqual(MAX_GAP_S);
      expect(ts[0]! - from, perTarget.at(-1)).toBeLessThanOrEqual(MAX_GAP_S);
      expect(tEnd - ts.at(-1)!, perTarget.at(-1)).toBeLessThanOrEqual(MAX_GAP_S);
      expect(rate, perTarget.at(-1)).toBeLessThanOrEqual(1.1 / SCRAPE_S);
      expect(rate, perTarget.at(-1)).toBeGreaterThanOrEqual(0.9 / SCRAPE_S);
    }

    // query_range, step = the scrape interval: a point at every step, before and after the stop
    // (from the first step every target has a sample before: the raw check above puts it within MAX_GAP_S).
    const rangeFrom = from + Math.ceil(MAX_GAP_S);
    const steps = Math.floor((tEnd - rangeFrom) / SCRAPE_S) + 1;
    const range = await vm.queryRange('up', rangeFrom, tEnd, SCRAPE_S);
    expect(range.length).toBe(targets.length);
    for (const s of range) {
      const have = new Set(s.values.map((v) => v[0]));
      const missing = Array.from({ length: steps }, (_, i) => rangeFrom + i * SCRAPE_S).filter((t) => !have.has(t));
      expect(missing.map((t) => `${(t - tStop).toFixed(1)} s from the stop`), `${s.metric.job}: ${s.values.length} of ${steps} steps`).toEqual([]);
    }
    // Over the overlap, one series per target, not two, at every step.
    const overlap = await vm.queryRange('count by (job, instance) (up)', overlapFrom, overlapTo, SCRAPE_S);
    expect(overlap.length).toBe(targets.length);
    for (const s of overlap) {
      expect(s.values.length).toBe(Math.floor((overlapTo - overlapFrom) / SCRAPE_S) + 1);
      expect(new Set(s.values.map((v) => v[1])), `${s.metric.job}`).toEqual(new Set(['1']));
    }

    // The dashboards' queries on both, at the same instant.
    const { probes, annotations } = dashboardProbes();
    const queries = [...probes.map((p) => ({ where: `${p.dashboard} / ${p.panel} / ${p.refId}`, query: p.query })), ...annotations.map((x) => ({ where: `${x.dashboard} / annotation`, query: x.query }))];
    const at = tEnd - 2;
    const differ: string[] = [];
    const nan: string[] = [];
    const young: string[] = [];
    let answered = 0;
    for (const q of queries) {
      const [fromProm, fromVm] = await Promise.all([instant(b!.url, q.query, at), instant(vm.url, q.query, at)]);
      if (fromProm.length) answered++;
      // MetricsQL leaves NaN out of its answers (a 0/0 rate, a quantile of empty buckets); Prometheus returns the series with NaN.
      const nans = fromProm.filter((s) => s.value[1] === 'NaN');
      if (nans.length) nan.push(`${q.where}: ${nans.length} of ${fromProm.length}`);
      const p = fromProm.filter((s) => s.value[1] !== 'NaN').map((s) => labelKey(s.metric)).sort();
      const v: string[] = [];
      for (const s of fromVm) {
        const key = labelKey(s.metric);
        if (!p.includes(key) && s.value[1] === '0' && (await fewSamples(b!.url, q.query, s.metric, at))) young.push(`${q.where}: ${key}`);
        else v.push(key);
      }
      v.sort();
      if (JSON.stringify(p) !== JSON.stringify(v)) differ.push(`${q.where}: Prometheus ${p.length} series, VictoriaMetrics ${v.length}\n    ${q.query}\n    only Prometheus: ${p.filter((x) => !v.includes(x)).join(' ')}\n    only VictoriaMetrics: ${fromVm.filter((x) => !p.includes(labelKey(x.metric))).map((x) => `${labelKey(x.metric)}=${x.value[1]}`).join(' ')}`);
    }
    console.log(
      `Prometheus HA into VictoriaMetrics (replica a stopped ${((tStop - t0) | 0)} s in, ${tEnd - Math.floor(tStop)} s alone after):\n${perTarget.map((x) => `  ${x}`).join('\n')}\n` +
        `  query_range step ${SCRAPE_S} s: ${steps} of ${steps} steps for each of ${range.length} targets; overlap count by target: 1 at every step\n` +
        `  dashboards: ${queries.length} queries, ${answered} with series on Prometheus, ${queries.length - differ.length} answered alike by VictoriaMetrics; file took ${((Date.now() - started) / 1000).toFixed(0)} s\n` +
        `  series Prometheus answered with NaN, which MetricsQL leaves out (not compared): ${nan.join('; ') || 'none'}\n` +
        `  series MetricsQL rated 0 from under two samples in the window, where Prometheus has none (not compared): ${young.join('; ') || 'none'}`,
    );
    // Most dashboard queries have data here (the ClickHouse exporter is not running), so the comparison says something.
    expect(answered).toBeGreaterThan(probes.length / 2);
    expect(differ, `queries that VictoriaMetrics answers with other series than Prometheus:\n${differ.join('\n')}`).toEqual([]);
  });
});
