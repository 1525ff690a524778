/**
 * tickwatch's exposition writer (exporters/instrument/exposition.ts, behind `SeriesView.render`)
 * against prom-client, in both formats (text 0.0.4 and OpenMetrics 1.0):
 * - byte for byte against the view as it rendered through prom-client's registry before issue 19
 *   (test/instrument/reference.ts), fed the same layout messages, collectors and collector sets;
 * - against prom-client's own Counter, Gauge and Histogram holding the same families and values
 *   (byte for byte for counters and gauges; histograms up to the place of `le`, which prom-client's
 *   own histograms write first and the view always wrote last);
 * - on hand-written expectations for the details that matter (`Nan`, `+Inf`, `_total`, `# EOF`,
 *   no `# UNIT` or `_created`, escaping);
 * - by property tests over random label values (any Unicode, escapes) and values (any double).
 *
 * No timing here: render speed is the benchmark's (`npm run bench -- render`).
 */
import fc from 'fast-check';
import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { counter, gauge, histogram, LATENCY_BUCKETS_NETWORK_SECONDS, type LabelSpec, type MetricDef } from '../../exporters/catalog/types.js';
import { escapeLabelValue, formatValue } from '../../exporters/instrument/exposition.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { SeriesView, type CollectedHistogram, type CollectedSamples, type CollectorSet } from '../../exporters/instrument/view.js';
import { PromClientView } from './reference.js';

// ---------------------------------------------------------------------------------------------
// Definitions and helpers.

const open = (...names: string[]): LabelSpec => Object.fromEntries(names.map((n) => [n, 'open' as const]));

const ordersTotal = counter({ name: 'test_orders_total', help: 'Orders sent.', unit: 'orders', labels: open('venue', 'side'), domain: 'test' });
const plainCounter = counter({ name: 'test_profile_events_query', help: 'A counter named without _total (ClickHouse style).', unit: 'count', domain: 'test', compat: 'clickhouse' });
const inflight = gauge({ name: 'test_inflight_orders', help: 'Orders in flight.', unit: 'orders', labels: open('venue'), domain: 'test' });
const gaugeNamedTotal = gauge({ name: 'test_weird_total', help: 'A gauge whose name ends in _total.', unit: 'count', domain: 'test' });
const bare = gauge({ name: 'test_bare_ratio', help: 'No labels.', unit: 'ratio', domain: 'test' });
const latency = histogram({ name: 'test_latency_seconds', help: 'Latency.', unit: 'seconds', labels: open('venue'), buckets: LATENCY_BUCKETS_NETWORK_SECONDS, domain: 'test' });
const tiny = histogram({ name: 'test_tiny_seconds', help: 'Bounds in exponent notation.', unit: 'seconds', buckets: [1e-9, 2.5e-7, 0.1, 0.1 + 0.2, 1e21], domain: 'test' });
const slippage = histogram({ name: 'test_slippage_ratio', help: 'Signed.', unit: 'ratio', labels: open('strategy'), buckets: [-0.005, -0.0001, 0, 0.0001, 0.01], domain: 'test' });
const negativeOnly = histogram({ name: 'test_offset_ratio', help: 'Negative bounds only.', unit: 'ratio', buckets: [-2, -1], domain: 'test' });
const quotedHelp = gauge({ name: 'test_quoted_ratio', help: 'Says "hi", a back\\slash and a\nnewline.', unit: 'ratio', labels: open('l'), domain: 'test' });
const engineGauge = gauge({ name: 'test_engine_position', help: 'Last reported by the engine.', unit: 'count', labels: open('symbol'), domain: 'test', freshness: 'engine' });

/** Label values that need escaping or are unusual: backslash, quote, newline, CR, tab, Unicode, an empty value. */
const NASTY = ['a"b\\c\nd', '\\', '"', '\n', 'back\\\\slash', 'cr\rtab\t', 'é', '東京', '🚀 rocket', 'e\u0301', '\u2028', '', '{x="y"}', 'lone \ud800 surrogate'];

/** Values that format in every way prom-client formats numbers. */
const VALUES = [0, -0, 1, -1, 0.1 + 0.2, 1e-7, 1.5e-10, 5e-324, 2.2250738585072014e-308, 123456789.125, 1e21, 1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, -(2 ** 70), 1e20, 1e-6, 0.000001234, NaN, Infinity, -Infinity];

/** A registry feeding both views: tickwatch's and the prom-client reference. */
function pair(): { reg: MetricRegistry; view: SeriesView; ref: PromClientView } {
  const reg = new MetricRegistry({ slotsPerSegment: 4096 });
  const view = new SeriesView();
  const ref = new PromClientView();
  reg.subscribe((m) => {
    view.apply(m);
    ref.apply(m);
  });
  return { reg, view, ref };
}

/** Renders both views in both formats and expects the same bytes and Content-Type; returns tickwatch's bodies. */
async function expectSame(view: SeriesView, ref: PromClientView): Promise<{ text: string; open: string }> {
  const out = { text: '', open: '' };
  for (const om of [false, true]) {
    const a = await view.render(om);
    const b = await ref.render(om);
    expect(a.body, om ? 'OpenMetrics' : 'text 0.0.4').toBe(b.body);
    expect(a.contentType).toBe(b.contentType);
    out[om ? 'open' : 'text'] = a.body;
  }
  return out;
}

/** One family's series for both the registry and prom-client's own metrics. */
interface Family {
  readonly def: MetricDef;
  readonly series: readonly { readonly labels: readonly string[]; readonly value?: number; readonly observations?: readonly number[] }[];
}

/** Records the families in a tickwatch registry. */
function record(reg: MetricRegistry, families: readonly Family[]): void {
  for (const f of families) {
    const fam = reg.family(f.def);
    for (const s of f.series) {
      const h = fam.labels(...s.labels);
      if ('observe' in h) for (const o of s.observations ?? []) h.observe(o);
      else if (f.def.type === 'gauge') (h as { set(v: number): void }).set(s.value ?? 0);
      else h.inc(s.value ?? 0);
    }
  }
}

/** The same families in prom-client's own metrics, in a registry of the format. */
async function promClientBody(families: readonly Family[], openMetrics: boolean): Promise<string> {
  const r = new client.Registry();
  if (openMetrics) r.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE as never);
  for (const f of families) {
    const base = { name: f.def.name, help: f.def.help, labelNames: Object.keys(f.def.labels), registers: [r] };
    if (f.def.type === 'histogram') {
      const m = new client.Histogram({ ...base, buckets: [...f.def.buckets!] });
      for (const s of f.series) for (const o of s.observations ?? []) (s.labels.length ? m.labels(...s.labels) : m).observe(o);
    } else if (f.def.type === 'gauge') {
      const m = new client.Gauge(base);
      for (const s of f.series) (s.labels.length ? m.labels(...s.labels) : m).set(s.value ?? 0);
    } else {
      const m = new client.Counter(base);
      for (const s of f.series) (s.labels.length ? m.labels(...s.labels) : m).inc(s.value ?? 0);
    }
  }
  return r.metrics();
}

/** prom-client's own histograms write `le` first; the view writes it last. Moves it last. */
function leLast(body: string): string {
  return body.replace(/^([a-zA-Z_:][a-zA-Z0-9_:]*_bucket)\{le="([^"]*)"(?:,(.*))?\} (\S+)$/gm, (_m, name: string, le: string, rest: string | undefined, v: string) =>
    rest ? `${name}{${rest},le="${le}"} ${v}` : `${name}{le="${le}"} ${v}`,
  );
}

// ---------------------------------------------------------------------------------------------

describe('exposition writer: the same bytes as prom-client', () => {
  it('writes counters, gauges and histograms exactly as the prom-client view did, in both formats', async () => {
    const { reg, view, ref } = pair();
    const c = reg.counter(ordersTotal);
    c.labels('xtai', 'buy').inc(3);
    c.labels('xtai', 'sell').inc(2 ** 53 + 2);
    c.labels('xosx', 'buy').inc(0.1);
    reg.counter(plainCounter).series().inc(7);
    const g = reg.gauge(inflight);
    VALUES.forEach((v, i) => g.labels(`v${i}`).set(v));
    reg.gauge(gaugeNamedTotal).series().set(-3.5);
    reg.gauge(bare).series().set(0.25);
    const h = reg.histogram(latency);
    for (const [i, v] of [0, 1e-5, 2e-5, 0.00025, 0.3, 7, 10, 11, 1e300, Infinity].entries()) h.labels(`gw${i % 3}`).observe(v);
    const t = reg.histogram(tiny).series();
    for (const v of [1e-10, 1e-9, 3e-7, 0.05, 1e20, 1e22]) t.observe(v);
    await expectSame(view, ref);
    // Values change between scrapes; a second render reads them again.
    c.labels('xtai', 'buy').inc(1);
    g.labels('v0').set(-Infinity);
    h.labels('gw0').observe(-Infinity); // the sum is now NaN (Inf + -Inf)
    await expectSame(view, ref);
  });

  it('escapes label values (backslash, quote, newline) and keeps any Unicode as it is', async () => {
    const { reg, view, ref } = pair();
    for (const v of NASTY) {
      reg.gauge(inflight).labels(v).set(1);
      reg.counter(ordersTotal).labels(v, `${v}2`).inc(1);
      reg.histogram(latency).labels(v).observe(0.001);
    }
    const { text } = await expectSame(view, ref);
    expect(text).toContain('test_inflight_orders{venue="a\\"b\\\\c\\nd"} 1\n');
    expect(text).toContain('test_inflight_orders{venue="🚀 rocket"} 1\n');
    expect(text).toContain('test_latency_seconds_bucket{venue="\\\\",le="0.001"} 1\n');
  });

  it('writes histograms with a negative bound without _sum and _count in OpenMetrics only', async () => {
    const { reg, view, ref } = pair();
    const s = reg.histogram(slippage).labels('s1');
    for (const v of [-0.01, -0.003, -0.0001, 0, -0, 0.00005, 0.02]) s.observe(v);
    reg.histogram(negativeOnly).series().observe(-1.5);
    const { text, open: om } = await expectSame(view, ref);
    expect(om).not.toMatch(/^test_(slippage|offset)_ratio_(sum|count)/m);
    expect(text).toMatch(/^test_slippage_ratio_sum\{strategy="s1"\} /m);
    expect(om).toContain('test_slippage_ratio_bucket{strategy="s1",le="-0.005"} 1\ntest_slippage_ratio_bucket{strategy="s1",le="-0.0001"} 3\n');
    expect(om).toContain('test_offset_ratio_bucket{le="+Inf"} 1\n# EOF\n');
  });

  it('escapes " in HELP for OpenMetrics only, like the prom-client view', async () => {
    const { reg, view, ref } = pair();
    reg.gauge(quotedHelp).labels('q"uote').set(1);
    const { text, open: om } = await expectSame(view, ref);
    expect(om).toContain('# HELP test_quoted_ratio Says \\"hi\\", a back\\\\slash and a\\nnewline.\n');
    expect(text).toContain('# HELP test_quoted_ratio Says "hi", a back\\\\slash and a\\nnewline.\n');
  });

  it('renders the empty view, families without series and families of a stale freshness group', async () => {
    const empty = pair();
    const bodies = await expectSame(empty.view, empty.ref);
    expect(bodies).toEqual({ text: '\n', open: '# EOF\n' });

    const { reg, view, ref } = pair();
    reg.gauge(inflight); // a family, no series
    reg.histogram(latency);
    reg.counter(ordersTotal);
    reg.gauge(engineGauge).labels('2330.TW').set(5);
    reg.gauge(bare).series().set(1);
    let r = await expectSame(view, ref);
    expect(r.open).toBe(
      [
        '# HELP test_inflight_orders Orders in flight.',
        '# TYPE test_inflight_orders gauge',
        '# HELP test_latency_seconds Latency.',
        '# TYPE test_latency_seconds histogram',
        '# HELP test_orders Orders sent.',
        '# TYPE test_orders counter',
        '# HELP test_engine_position Last reported by the engine.',
        '# TYPE test_engine_position gauge',
        'test_engine_position{symbol="2330.TW"} 5',
        '# HELP test_bare_ratio No labels.',
        '# TYPE test_bare_ratio gauge',
        'test_bare_ratio 1',
        '# EOF',
        '',
      ].join('\n'),
    );
    reg.setStale('engine', true);
    r = await expectSame(view, ref);
    expect(r.text).toContain('# TYPE test_engine_position gauge\n\n# HELP test_bare_ratio');
    reg.setStale('engine', false);
    r = await expectSame(view, ref);
    expect(r.text).toContain('test_engine_position{symbol="2330.TW"} 5\n');
  });

  it('serves collectors, sync and async collector sets and families defined at scrape time in the same order and bytes', async () => {
    /** Fresh sets per view: each view reads its own. */
    const sets = (): CollectorSet[] => {
      let reads = 0;
      return [
        {
          name: 'async',
          defs: [inflight, ordersTotal],
          collect: async () => {
            reads++;
            await new Promise((r) => setTimeout(r, 1));
            return new Map([
              [inflight.name, [[['a"b'], 0.5], [['🚀'], NaN]] as const],
              [ordersTotal.name, [[['x', 'buy'], reads], [['y'], 2]] as const], // a missing label value is written empty
            ]);
          },
        },
        { name: 'broken', defs: [gaugeNamedTotal], collect: () => Promise.reject(new Error('source down')) },
        {
          name: 'events',
          defs: [bare],
          collect: () =>
            new Map([
              [bare.name, [[[], 1e21]] as const],
              ['test_events_query', [[[], 3]] as const],
              ['test_events_insert_total', [[[], 4]] as const],
            ]),
          define: (name) => counter({ name, help: `Event ${name}.`, unit: 'count', domain: 'test', compat: 'clickhouse' }),
        },
      ];
    };
    const { reg, view, ref } = pair();
    reg.counter(plainCounter).series().inc(1);
    for (const v of [view, ref]) {
      v.addCollector({ def: quotedHelp, collect: () => [[['x'], Infinity], [['y\n'], -0]] });
      for (const s of sets()) v.addCollectorSet(s);
    }
    reg.histogram(tiny).series().observe(0.5); // a recorded family after the collectors
    for (let i = 0; i < 3; i++) {
      const { text, open: om } = await expectSame(view, ref);
      if (i > 0) {
        expect(text).toMatch(/^test_events_query 3$/m);
        expect(om).toMatch(/^test_events_query_total 3$/m); // OpenMetrics: family test_events_query, sample with _total
        expect(om).toMatch(/^test_events_insert_total 4$/m);
      }
    }
    expect(view.problems).toEqual(ref.problems);
    expect(view.problems.some((p) => p.includes('collector broken failed: source down'))).toBe(true);
  });

  it('writes a histogram a collector set serves with its buckets exactly as the same recorded histogram, in both formats', async () => {
    const data: readonly (readonly [MetricDef & { buckets: readonly number[] }, readonly string[], readonly number[]])[] = [
      [latency, ['gw"1'], [0, 1e-5, 3e-5, 0.001, 0.7, 9.99, 10, 10.01, 1e300]],
      [latency, ['東京'], [0.02]],
      [tiny, [], [1e-10, 2.5e-7, 0.2, 1e22]],
      [slippage, ['s1'], [-0.01, -0.003, -0.0001, 0, 0.00005, 0.02]], // a negative bound: no _sum/_count in OpenMetrics
    ];
    const defs = [...new Set(data.map(([d]) => d))];
    const recorded = new SeriesView();
    const reg = new MetricRegistry({ slotsPerSegment: 4096 });
    reg.subscribe((m) => recorded.apply(m));
    for (const d of defs) reg.histogram(d as typeof latency);
    for (const [d, labels, obs] of data) {
      const h = reg.histogram(d as typeof latency);
      const s = labels.length ? h.labels(...(labels as [string])) : h.series();
      for (const v of obs) s.observe(v);
    }
    const collected = new SeriesView();
    collected.addCollectorSet({
      name: 'histograms',
      defs,
      collect: () => {
        const m = new Map<string, CollectedSamples>();
        for (const [d, labels, obs] of data) {
          const cumulative = d.buckets.map((b) => obs.filter((v) => v <= b).length);
          const list = (m.get(d.name) ?? []) as (readonly [readonly string[], number, CollectedHistogram])[];
          list.push([labels, obs.length, { cumulative, sum: obs.reduce((a, v) => a + v, 0) }]);
          m.set(d.name, list);
        }
        return m;
      },
    });
    for (const om of [false, true]) expect((await collected.render(om)).body, om ? 'OpenMetrics' : 'text 0.0.4').toBe((await recorded.render(om)).body);
    const text = (await collected.render(false)).body;
    expect(text).toContain('test_latency_seconds_bucket{venue="gw\\"1",le="0.001"} 4\n');
    expect(text).toContain('test_latency_seconds_count{venue="東京"} 1\n');
  });

  it('refuses a second family of the same name and fails the render when a synchronous collector throws, like the prom-client view', async () => {
    for (const v of [new SeriesView(), new PromClientView()]) {
      v.addCollector({ def: bare, collect: () => [[[], 1]] });
      expect(() => v.addCollector({ def: bare, collect: () => [] })).toThrow('A metric with the name test_bare_ratio has already been registered.');
      v.addCollector({
        def: inflight,
        collect: () => {
          throw new Error('boom');
        },
      });
      await expect(v.render(false)).rejects.toThrow('boom');
      await expect(v.render(true)).rejects.toThrow('boom');
    }
  });
});

describe('exposition writer: the same samples as prom-client\'s own metrics', () => {
  const families: Family[] = [
    {
      def: ordersTotal,
      series: [
        { labels: ['xtai', 'buy'], value: 3 },
        { labels: ['a"b\\c\nd', '東京'], value: 2 ** 60 },
        { labels: ['', 'sell'], value: 1e-7 },
      ],
    },
    { def: plainCounter, series: [{ labels: [], value: 12.5 }] },
    { def: inflight, series: VALUES.map((value, i) => ({ labels: [`v${i}`], value })) },
    { def: gaugeNamedTotal, series: [{ labels: [], value: 1e21 }] },
    // prom-client's own metric without labels always has its one series (0 until set); a labelled
    // histogram child has one only once observed. Families without series: see the reference tests.
    { def: bare, series: [{ labels: [], value: 0 }] },
    { def: latency, series: [{ labels: ['gw"1'], observations: [0, 1e-5, 3e-5, 0.001, 0.7, 9.99, 10, 10.01, 1e300] }, { labels: ['gw2'], observations: [20] }] },
    { def: tiny, series: [{ labels: [], observations: [1e-10, 2.5e-7, 0.2, 1e22] }] },
  ];

  for (const om of [false, true]) {
    it(`matches byte for byte (histograms up to the place of le) in ${om ? 'OpenMetrics 1.0' : 'text 0.0.4'}`, async () => {
      const reg = new MetricRegistry({ slotsPerSegment: 4096 });
      const view = new SeriesView();
      reg.subscribe((m) => view.apply(m));
      record(reg, families);
      const ours = (await view.render(om)).body;
      expect(ours).toBe(leLast(await promClientBody(families, om)));
      // What prom-client writes and so do we: no # UNIT, no _created, NaN as Nan, exponents as JS writes them.
      expect(ours).not.toMatch(/^# UNIT|_created/m);
      expect(ours).toContain('test_inflight_orders{venue="v19"} Nan\n');
      expect(ours).toContain('test_inflight_orders{venue="v20"} +Inf\n');
      expect(ours).toContain('test_inflight_orders{venue="v21"} -Inf\n');
      expect(ours).toContain('test_inflight_orders{venue="v10"} 1e+21\n');
      expect(ours).toContain('test_inflight_orders{venue="v13"} 9007199254740994\n');
      expect(ours).toContain('test_inflight_orders{venue="v14"} 18446744073709552000\n');
      expect(ours).toContain('test_tiny_seconds_bucket{le="2.5e-7"} 2\n');
      expect(ours).toContain('test_tiny_seconds_bucket{le="0.30000000000000004"} 3\n');
      expect(ours).toContain('test_tiny_seconds_bucket{le="1e+21"} 3\n');
      if (om) {
        expect(ours).toContain('# TYPE test_orders counter\ntest_orders_total{venue="xtai",side="buy"} 3\n');
        expect(ours).toContain('# TYPE test_profile_events_query counter\ntest_profile_events_query_total 12.5\n');
        expect(ours).toContain('# TYPE test_weird_total gauge\ntest_weird_total 1e+21\n');
        expect(ours).not.toContain('\n\n'); // OpenMetrics has no blank line anywhere
        expect(ours.endsWith('test_tiny_seconds_count 4\n# EOF\n')).toBe(true);
      } else {
        expect(ours).toContain('# TYPE test_orders_total counter\ntest_orders_total{venue="xtai",side="buy"} 3\n');
        expect(ours).toContain('# TYPE test_bare_ratio gauge\ntest_bare_ratio 0\n\n# HELP test_latency_seconds'); // a blank line between families
        expect(ours.endsWith('test_tiny_seconds_count 4\n')).toBe(true);
      }
    });
  }

  it('formats every value as prom-client does', () => {
    for (const v of [...VALUES, 0.5, -2.5e-300, 4.35, 1 / 3, 100, 1e16, 123e-20]) {
      const want = Number.isNaN(v) ? 'Nan' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`;
      expect(formatValue(v)).toBe(want);
    }
  });
});

describe('exposition writer: properties', () => {
  /** Any string: all of Unicode (lone surrogates included), and the characters that need escaping. */
  const labelValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(...NASTY), fc.stringMatching(/^[\\"\n a-z]{0,8}$/));
  const anyDouble = fc.double();

  it('writes random label values and values exactly as the prom-client view does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(labelValue, labelValue, anyDouble), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(labelValue, fc.array(fc.double({ noNaN: true }), { maxLength: 6 })), { maxLength: 4 }),
        async (samples, hist) => {
          const { reg, view, ref } = pair();
          for (const [a, b, v] of samples) {
            reg.gauge(inflight).labels(a).set(v);
            reg.counter(ordersTotal).labels(a, b).inc(Math.abs(v)); // NaN is refused (and counted) by both
          }
          for (const [l, obs] of hist) {
            const h = reg.histogram(latency).labels(l);
            for (const o of obs) h.observe(o);
            const s = reg.histogram(slippage).labels(l);
            for (const o of obs) s.observe(o);
          }
          for (const om of [false, true]) {
            if ((await view.render(om)).body !== (await ref.render(om)).body) return false;
          }
          return true;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes random gauges exactly as prom-client\'s own Gauge does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(labelValue, anyDouble), { minLength: 1, maxLength: 8, selector: ([l]) => l }), async (samples) => {
        const fams: Family[] = [{ def: inflight, series: samples.map(([l, value]) => ({ labels: [l], value })) }];
        const reg = new MetricRegistry({ slotsPerSegment: 1024 });
        const view = new SeriesView();
        reg.subscribe((m) => view.apply(m));
        record(reg, fams);
        for (const om of [false, true]) {
          if ((await view.render(om)).body !== (await promClientBody(fams, om))) return false;
        }
        return true;
      }),
      { numRuns: 150 },
    );
  });

  it('escapes label values as prom-client does', () => {
    const promEscape = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"'); // lib/registry.js
    fc.assert(fc.property(labelValue, (s) => escapeLabelValue(s) === promEscape(s)));
  });

  it('formats any double as prom-client does', () => {
    const promFormat = (v: number): string => (Number.isNaN(v) ? 'Nan' : !Number.isFinite(v) ? (v < 0 ? '-Inf' : '+Inf') : `${v}`); // lib/util.js
    fc.assert(fc.property(fc.oneof(fc.double(), fc.integer(), fc.maxSafeNat().map((n) => n * 4096)), (v) => formatValue(v) === promFormat(v)), { numRuns: 2000 });
  });
});
