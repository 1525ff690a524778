/**
 * Render time of the `/metrics` exposition for 10,000 and 100,000 series: tickwatch's SeriesView
 * (reads shared memory, formats through prom-client's registry) beside prom-client rendering its
 * own counters with the same label sets, in the same run.
 */
import client from 'prom-client';
import { counter, histogram, LATENCY_BUCKETS_NETWORK_SECONDS } from '../../exporters/catalog/types.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { SeriesView } from '../../exporters/instrument/view.js';
import { msPerRun, table } from './measure.js';

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

/** Runs the render benchmark and prints its table. @returns true (no target is set for render time) */
export async function benchRender(): Promise<boolean> {
  const rows: (string | number)[][] = [];
  for (const n of [10_000, 100_000]) {
    const reg = new MetricRegistry({ maxSlots: 1 << 22 });
    fillRegistry(reg, n);
    const view = new SeriesView();
    reg.subscribe((m) => view.apply(m));
    let bytes = 0;
    const tw = await msPerRun(async () => {
      bytes = (await view.render()).body.length;
    });
    const preg = new client.Registry();
    fillPromClient(preg, n);
    const pc = await msPerRun(() => preg.metrics());
    rows.push([n, tw, pc, `${(tw / pc).toFixed(2)}x`, Math.round(bytes / 1024)]);
  }
  // Histograms: each series is 22 samples.
  const reg = new MetricRegistry({ maxSlots: 1 << 22 });
  const fam = reg.histogram(benchLatencySeconds);
  for (let i = 0; i < 1000; i++) fam.labels(`h-${i}`).observe(i * 1e-4);
  const view = new SeriesView();
  reg.subscribe((m) => view.apply(m));
  const th = await msPerRun(() => view.render());
  const preg = new client.Registry();
  const ph = new client.Histogram({ name: benchLatencySeconds.name, help: 'h', labelNames: ['id'], buckets: [...benchLatencySeconds.buckets], registers: [preg] });
  for (let i = 0; i < 1000; i++) ph.labels(`h-${i}`).observe(i * 1e-4);
  const phm = await msPerRun(() => preg.metrics());
  rows.push(['1,000 histograms (22,000 samples)', th, phm, `${(th / phm).toFixed(2)}x`, '']);
  table(
    'Render /metrics (Prometheus text), median of 5 renders; runs in the worker, off the recording thread',
    ['series', 'tickwatch ms', 'prom-client ms', 'tickwatch / prom-client', 'KiB'],
    rows,
  );
  return true;
}
