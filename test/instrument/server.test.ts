import { afterEach, describe, expect, it } from 'vitest';
import {
  busOccupancyRatio,
  CATALOG,
  feedEventsTotal,
  orderAckLatencySeconds,
  strategyDecisionLatencySeconds,
  type MetricDef,
} from '../../exporters/catalog/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../../exporters/instrument/server.js';
import { parseExposition, valueOf, type Sample } from '../helpers/exposition.js';
import { promtool } from '../helpers/tools.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function scrape(url: string, accept?: string): Promise<{ status: number; type: string; body: string }> {
  const r = await fetch(`${url}/metrics`, accept ? { headers: { accept } } : undefined);
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
}

/** Checks the invariants every histogram in a scrape must hold. */
function checkHistograms(samples: readonly Sample[], name: string): void {
  const bySeries = new Map<string, Sample[]>();
  for (const s of samples.filter((x) => x.name === `${name}_bucket`)) {
    const { le: _le, ...rest } = s.labels;
    const k = JSON.stringify(rest);
    bySeries.set(k, [...(bySeries.get(k) ?? []), s]);
  }
  for (const [k, buckets] of bySeries) {
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    expect(valueOf(samples, `${name}_count`, JSON.parse(k))).toBe(buckets.at(-1)!.value);
  }
}

describe('metrics server (worker thread)', () => {
  it('answers 503 on /-/ready until the owner is ready, 200 on /-/healthy throughout', async () => {
    const reg = new MetricRegistry();
    server = await startMetricsServer(reg, { port: 0, service: 'test' });
    expect((await fetch(`${server.url}/-/healthy`)).status).toBe(200);
    expect((await fetch(`${server.url}/-/ready`)).status).toBe(503);
    server.setReady(true);
    expect((await fetch(`${server.url}/-/ready`)).status).toBe(200);
    server.setReady(false);
    expect((await fetch(`${server.url}/-/ready`)).status).toBe(503);
  });

  it('serves the values recorded, including series created after start', async () => {
    const reg = new MetricRegistry();
    const ticks = reg.counter(feedEventsTotal).labels('twse', 'tick');
    ticks.inc(41);
    server = await startMetricsServer(reg, { port: 0, service: 'test' });
    ticks.inc();
    const occ = reg.gauge(busOccupancyRatio).labels('md');
    occ.set(0.25);
    const lat = reg.histogram(strategyDecisionLatencySeconds).labels('alpha');
    lat.observeNanos(800); // 0.8 µs
    lat.observeNanos(3_000_000); // 3 ms
    await new Promise((r) => setTimeout(r, 20)); // layout messages reach the worker asynchronously
    const { status, type, body } = await scrape(server.url);
    expect(status).toBe(200);
    expect(type).toContain('text/plain; version=0.0.4');
    const s = parseExposition(body);
    expect(valueOf(s, 'hft_feed_events_total', { feed: 'twse', type: 'tick' })).toBe(42);
    expect(valueOf(s, 'hft_bus_occupancy_ratio', { bus: 'md' })).toBe(0.25);
    expect(valueOf(s, 'hft_strategy_decision_latency_seconds_bucket', { strategy: 'alpha', le: '0.000001' })).toBe(1);
    expect(valueOf(s, 'hft_strategy_decision_latency_seconds_bucket', { strategy: 'alpha', le: '0.0025' })).toBe(1);
    expect(valueOf(s, 'hft_strategy_decision_latency_seconds_bucket', { strategy: 'alpha', le: '0.005' })).toBe(2);
    expect(valueOf(s, 'hft_strategy_decision_latency_seconds_sum', { strategy: 'alpha' })).toBeCloseTo(0.0030008, 12);
    const info = s.filter((x) => x.name === 'tickwatch_build_info');
    expect(info).toHaveLength(1);
    expect(info[0]!.labels).toMatchObject({ service: 'test', nodejs_version: process.version });
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'tickwatch_process_uptime_seconds', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(s.some((x) => x.name === name), name).toBe(true);
    }
    expect(valueOf(s, 'process_resident_memory_bytes')).toBeGreaterThan(10e6);
  });

  it("records the recording thread's garbage collections by kind and serves its heap used and total", async () => {
    const reg = new MetricRegistry();
    server = await startMetricsServer(reg, { port: 0, service: 'test' });
    await new Promise((r) => setTimeout(r, 50));
    const before = parseExposition((await scrape(server.url)).body);
    const minor = (s: readonly Sample[]) => valueOf(s, 'nodejs_gc_duration_seconds_count', { kind: 'minor' });
    const n0 = minor(before);
    // No --expose-gc inside vitest's workers: allocate short-lived garbage until the young generation
    // has been scavenged a few times (each batch is about 8 MB of arrays dropped at once).
    let keep = 0;
    for (let round = 0; round < 200 && minor(parseExposition((await scrape(server.url)).body)) < n0 + 3; round++) {
      for (let i = 0; i < 100; i++) keep += new Array<number>(10_000).fill(i).length;
      await new Promise((r) => setImmediate(r)); // GC entries reach the observer on a later turn
    }
    expect(keep).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20)); // and the worker renders from shared memory
    const after = parseExposition((await scrape(server.url)).body);
    expect(minor(after)).toBeGreaterThanOrEqual(n0 + 3);
    expect(valueOf(after, 'nodejs_gc_duration_seconds_sum', { kind: 'minor' })).toBeGreaterThan(0);
    checkHistograms(after, 'nodejs_gc_duration_seconds');
    for (const kind of ['major', 'minor', 'incremental', 'weakcb']) expect(after.some((s) => s.name === 'nodejs_gc_duration_seconds_count' && s.labels.kind === kind), kind).toBe(true);
    const used = valueOf(after, 'nodejs_heap_size_used_bytes');
    expect(used).toBeGreaterThan(1e6);
    expect(valueOf(after, 'nodejs_heap_size_total_bytes')).toBeGreaterThanOrEqual(used);
  });

  it('keeps scrapes consistent while the recording thread writes, and ends equal to what was recorded', async () => {
    const reg = new MetricRegistry();
    server = await startMetricsServer(reg, { port: 0, service: 'test' });
    const strategies = ['a', 'b', 'c', 'd'];
    const counters = strategies.map((st) => reg.counter(feedEventsTotal).labels(st, 'tick'));
    const hists = strategies.map((st) => reg.histogram(orderAckLatencySeconds).labels(st));
    const expected = strategies.map(() => ({ n: 0, sum: 0 }));
    let recording = true;
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const recorder = (async () => {
      while (recording) {
        for (let i = 0; i < 20_000; i++) {
          const k = i & 3;
          counters[k]!.inc();
          const v = rnd() * 0.01;
          hists[k]!.observe(v);
          expected[k]!.n++;
          expected[k]!.sum += v;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    // The 8 scrapes of one round run concurrently and may be rendered in any order, so a counter is
    // monotonic across rounds only: the least value a round saw is at least the most the previous saw.
    let previousMax = new Map<string, number>();
    for (let round = 0; round < 15; round++) {
      const bodies = await Promise.all(Array.from({ length: 8 }, () => scrape(server!.url)));
      const min = new Map<string, number>();
      const max = new Map<string, number>();
      for (const b of bodies) {
        const s = parseExposition(b.body);
        checkHistograms(s, orderAckLatencySeconds.name);
        for (const st of strategies) {
          const v = valueOf(s, 'hft_feed_events_total', { feed: st, type: 'tick' });
          min.set(st, Math.min(min.get(st) ?? Infinity, v));
          max.set(st, Math.max(max.get(st) ?? -Infinity, v));
        }
      }
      for (const st of strategies) expect(min.get(st), `round ${round}, strategy ${st}`).toBeGreaterThanOrEqual(previousMax.get(st) ?? 0);
      previousMax = max;
    }
    recording = false;
    await recorder;
    const s = parseExposition((await scrape(server.url)).body);
    strategies.forEach((st, k) => {
      expect(valueOf(s, 'hft_feed_events_total', { feed: st, type: 'tick' })).toBe(expected[k]!.n);
      expect(valueOf(s, 'hft_order_ack_latency_seconds_count', { gateway: st })).toBe(expected[k]!.n);
      expect(valueOf(s, 'hft_order_ack_latency_seconds_sum', { gateway: st })).toBeCloseTo(expected[k]!.sum, 6);
    });
    expect(expected[0]!.n).toBeGreaterThan(20_000);
  });

  it('serves scrape-time collector sets from modules, reading each source once per scrape', async () => {
    const problems: string[] = [];
    server = await startMetricsServer(new MetricRegistry(), {
      port: 0,
      service: 'test',
      onProblem: (m) => problems.push(m),
      collectorModules: [{ url: new URL('./fixtures/collectors.ts', import.meta.url).href, options: { value: 0.42 } }],
    });
    const a = parseExposition((await scrape(server.url)).body);
    const b = parseExposition((await scrape(server.url)).body);
    expect(valueOf(a, 'hft_bus_occupancy_ratio', { bus: 'fixture-bus' })).toBe(0.42);
    expect(valueOf(a, 'hft_gateway_reconnects_total', { gateway: 'gw', kind: 'order_entry' })).toBe(1);
    expect(valueOf(b, 'hft_gateway_reconnects_total', { gateway: 'gw', kind: 'order_entry' })).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(problems.some((p) => p.includes('collector broken failed: source down'))).toBe(true);
    expect(a.some((x) => x.name === 'hft_gateway_connected')).toBe(false); // the failed source yields nothing, the scrape still succeeds
  });

  it('serves OpenMetrics when the Accept header asks for it', async () => {
    const reg = new MetricRegistry();
    reg.counter(feedEventsTotal).labels('twse', 'tick').inc(3);
    server = await startMetricsServer(reg, { port: 0, service: 'test' });
    const { type, body } = await scrape(server.url, 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
    expect(type).toContain('application/openmetrics-text');
    expect(body).toContain('# TYPE hft_feed_events counter');
    expect(body).toContain('hft_feed_events_total{feed="twse",type="tick"} 3');
    expect(body.endsWith('# EOF\n')).toBe(true);
  });

  it('passes promtool check metrics with every catalog metric populated', async () => {
    const reg = new MetricRegistry();
    // Process metrics are collected by the worker itself; every other metric is recorded here.
    // Compatibility names (node_exporter's camelCase memory names, ClickHouse's own) keep upstream
    // spellings that promtool's name lint flags; test/host and test/clickhouse pin exactly those findings.
    for (const def of (CATALOG as readonly MetricDef[]).filter((d) => !d.name.startsWith('process_') && !d.compat)) {
      const values = Object.values(def.labels).map((spec) => (spec === 'open' ? 'x' : spec[0]!));
      const fam = reg.family(def);
      const series = fam.labels(...values);
      if ('observe' in series) series.observe(0.001);
      else series.inc(1);
    }
    const problems: string[] = [];
    server = await startMetricsServer(reg, { port: 0, service: 'test', onProblem: (m) => problems.push(m) });
    await new Promise((r) => setTimeout(r, 50));
    const { body } = await scrape(server.url);
    // Recording a metric the worker collects itself is reported, and the collected one is served.
    expect(problems.sort()).toEqual([
      'tickwatch_process_uptime_seconds is collected at scrape time here; the recorded family is not served',
      'tickwatch_series is collected at scrape time here; the recorded family is not served',
    ]);
    expect(body.match(/^tickwatch_process_uptime_seconds /gm)).toHaveLength(1);
    const r = promtool(['check', 'metrics'], body);
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
    // The check can fail: a counter without _total is reported.
    const bad = promtool(['check', 'metrics'], '# HELP x_count_things Things.\n# TYPE x_count_things counter\nx_count_things 1\n');
    expect(bad.status).not.toBe(0);
  });
});
