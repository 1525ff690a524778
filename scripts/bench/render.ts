/**
 * Render time of the `/metrics` exposition, in both formats (Prometheus text 0.0.4 and OpenMetrics
 * 1.0): tickwatch's SeriesView (its own writer, reading shared memory) beside, in the same run,
 * prom-client rendering its own counters and histograms with the same label sets and values (the
 * baseline), and the view as it was before issue 19 (prom-client's registry and formats fed from
 * the same shared memory; test/instrument/reference.ts). Cases: 10,000 and 100,000 counter series,
 * and 1,000 histograms with the catalog's network latency buckets (22 samples each). Target:
 * tickwatch at least 2x faster than prom-client in every case. Each row also says whether
 * tickwatch's body is byte for byte the prom-client-rendered view's.
 */
import client from 'prom-client';
import { counter, histogram, LATENCY_BUCKETS_NETWORK_SECONDS } from '../../exporters/catalog/types.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { SeriesView } from '../../exporters/instrument/view.js';
import { PromClientView } from '../../test/instrument/reference.js';
import { msPerRun, table, verdict } from './measure.js';

/** A synthetic counter with one open label, for scale tests; not part of the catalog. */
export const benchSeriesTotal = counter({
  name: 'tickwatch_bench_series_total',
  help: 'Synthetic counter for benchmarks.',
  unit: 'count',
  labels: { strategy: 'open', id: 'open' },
  maxSeries: 1_000_000,
  domain: 'bench',
});

/** A synthetic histogram for scale tests. */
export const benchLatencySeconds = histogram({
  name: 'tickwatch_bench_latency_seconds',
  help: 'Synthetic histogram for benchmarks.',
  unit: 'seconds',
  labels: { id: 'open' },
  buckets: LATENCY_BUCKETS_NETWORK_SECONDS,
  maxSeries: 1_000_000,
  domain: 'bench',
});

/** Fills a registry with `n` counter series and returns the handles. */
export function fillRegistry(reg: MetricRegistry, n: number) {
  const fam = reg.counter(benchSeriesTotal);
  return Array.from({ length: n }, (_, i) => {
    const s = fam.labels(`strategy-${i % 50}`, `series-${i}`);
    s.inc(i);
    return s;
  });
}

/** Fills a prom-client registry with the same `n` series. */
export function fillPromClient(reg: client.Registry, n: number) {
  const c = new client.Counter({ name: benchSeriesTotal.name, help: benchSeriesTotal.help, labelNames: ['strategy', 'id'], registers: [reg] });
  return Array.from({ length: n }, (_, i) => {
    const s = c.labels(`strategy-${i % 50}`, `series-${i}`);
    s.inc(i);
    return s;
  });
}

/** Fills a registry with 1,000 histogram series of the network latency layout. */
function fillHistograms(reg: MetricRegistry): void {
  const fam = reg.histogram(benchLatencySeconds);
  for (let i = 0; i < 1000; i++) {
    const s = fam.labels(`h-${i}`);
    for (let k = 0; k < 20; k++) s.observe((i + 1) * (k + 1) * 1e-6);
  }
}

/** The same 1,000 histograms in prom-client. */
function fillPromHistograms(reg: client.Registry): void {
  const h = new client.Histogram({ name: benchLatencySeconds.name, help: benchLatencySeconds.help, labelNames: ['id'], buckets: [...benchLatencySeconds.buckets], registers: [reg] });
  for (let i = 0; i < 1000; i++) {
    const s = h.labels(`h-${i}`);
    for (let k = 0; k < 20; k++) s.observe((i + 1) * (k + 1) * 1e-6);
  }
}

/** A prom-client registry of a format (its metric objects are its own: OpenMetrics renames counters). */
function promRegistry(openMetrics: boolean): client.Registry {
  const r = new client.Registry();
  if (openMetrics) r.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE as never);
  return r;
}

/** The render speed-up tickwatch must reach over prom-client. */
const TARGET_SPEEDUP = 2;

/** Runs the render benchmark and prints its table. @returns whether tickwatch is at least 2x faster than prom-client everywhere */
export async function benchRender(): Promise<boolean> {
  const cases: { label: string; fill: (r: MetricRegistry) => void; fillProm: (r: client.Registry) => void }[] = [
    { label: '10,000 counters', fill: (r) => void fillRegistry(r, 10_000), fillProm: (r) => void fillPromClient(r, 10_000) },
    { label: '100,000 counters', fill: (r) => void fillRegistry(r, 100_000), fillProm: (r) => void fillPromClient(r, 100_000) },
    { label: '1,000 histograms (22,000 samples)', fill: fillHistograms, fillProm: fillPromHistograms },
  ];
  const rows: (string | number)[][] = [];
  let ok = true;
  for (const c of cases) {
    const reg = new MetricRegistry({ maxSlots: 1 << 22 });
    c.fill(reg);
    const view = new SeriesView();
    const old = new PromClientView();
    reg.subscribe((m) => {
      view.apply(m);
      old.apply(m);
    });
    for (const openMetrics of [false, true]) {
      let body = '';
      const tw = await msPerRun(async () => {
        body = (await view.render(openMetrics)).body;
      });
      let oldBody = '';
      const ov = await msPerRun(async () => {
        oldBody = (await old.render(openMetrics)).body;
      });
      const preg = promRegistry(openMetrics);
      c.fillProm(preg);
      const pc = await msPerRun(() => preg.metrics());
      const met = pc / tw >= TARGET_SPEEDUP;
      ok &&= met;
      rows.push([
        c.label,
        openMetrics ? 'OpenMetrics 1.0' : 'text 0.0.4',
        tw,
        pc,
        `${(pc / tw).toFixed(1)}x`,
        ov,
        `${(ov / tw).toFixed(1)}x`,
        body === oldBody ? 'yes' : 'NO',
        Math.round(Buffer.byteLength(body) / 1024),
        `>= ${TARGET_SPEEDUP}x: ${verdict(met)}`,
      ]);
    }
  }
  table(
    'Render /metrics, median of 5 renders (ms; lower is better); runs in the worker, off the recording thread',
    ['series', 'format', 'tickwatch ms', 'prom-client ms', 'speed-up', 'old view (prom-client formats) ms', 'speed-up', 'same bytes as old view', 'KiB', 'target'],
    rows,
  );
  return ok;
}
