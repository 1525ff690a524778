/**
 * Exposition conformance, proven with a strict third-party parser: every exporter's `/metrics` is
 * read by the parsers of the Python `prometheus_client` library (Debian's python3-prometheus-client,
 * 0.16; scripts/setup.sh installs it): `prometheus_client.openmetrics.parser` for OpenMetrics 1.0
 * (it enforces `# EOF`, no blank lines, metadata before samples, one HELP/TYPE/UNIT each, unit
 * suffixes, counter `_total`/`_created`, label escaping and duplicates, canonical `le="+Inf"`,
 * integer and cumulative buckets in order ending in `+Inf`, `_count` equal to `+Inf`, `_sum` and
 * `_count` together, no `_sum` beside negative buckets, no NaN or negative counter-like samples,
 * contiguous series groups) and `prometheus_client.parser` for the Prometheus text format 0.0.4.
 *
 * The exporters are the real ones, started through the composition root on 127.0.0.1 port 0 and
 * scraped over HTTP with `Accept: application/openmetrics-text; version=1.0.0` and with plain text:
 * the HFT exporter fed a simulated session plus every event type of the contract, then one line of
 * every type a second as a live engine keeps talking while it is scraped (every catalog metric it
 * serves has series, `hft_fill_slippage_ratio` has negative and positive observations), the audit
 * recorder (recording the same file into ClickHouse), the host exporter, and the
 * ClickHouse exporter against a real clickhouse-server. The renderer (`SeriesView`) is also checked
 * in-thread for the negative-bucket rule of OpenMetrics 1.0 (section "Histogram").
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CATALOG,
  fillSlippageRatio,
  histogram,
  orderAckLatencySeconds,
  type MetricDef,
} from '../../exporters/catalog/index.js';
import { EVENT_TYPES } from '../../exporters/events/index.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { SeriesView } from '../../exporters/instrument/view.js';
import { startTickwatch, type Tickwatch } from '../../exporters/start.js';
import { startClickHouse, type ClickHouseServer } from '../helpers/clickhouse.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { runTool } from '../helpers/tools.js';

// ---------------------------------------------------------------------------------------------
// The strict parser, run as `python3 -c SCRIPT <format>` with the body on stdin.

/**
 * Debian's interpreter: python3-prometheus-client installs into /usr/lib/python3/dist-packages,
 * which a pyenv or venv `python3` earlier on PATH does not see.
 */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Parses stdin with the format named by argv[1]; prints the families as JSON, or the parser's error on stderr (exit 3). */
const PARSE_SCRIPT = `
import json, sys
from prometheus_client.utils import floatToGoString
if sys.argv[1] == 'openmetrics':
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
else:
    from prometheus_client.parser import text_string_to_metric_families
body = sys.stdin.read()
try:
    families = list(text_string_to_metric_families(body))
except Exception as e:
    sys.stderr.write('%s: %s' % (type(e).__name__, e))
    sys.exit(3)
json.dump([{'name': f.name, 'type': f.type, 'help': f.documentation,
            'samples': [[s.name, s.labels, floatToGoString(s.value)] for s in f.samples]} for f in families], sys.stdout)
`;

/** A sample as the Python parser read it. */
interface PySample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family as the Python parser read it (0.0.4 counters are renamed as in OpenMetrics: family without `_total`, samples with it). */
interface PyFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: readonly PySample[];
}

type Format = 'openmetrics' | 'text';

/** Deadline of one parser run: generous, the machine is shared. */
const PARSE_TIMEOUT_MS = 120_000;

/**
 * Throws a clear error when python3 or its prometheus_client module is missing.
 * @throws Error naming the interpreter and the package that provides the module
 */
function requireParser(): void {
  const r = runTool(PYTHON, ['-c', 'import prometheus_client'], { timeoutMs: PARSE_TIMEOUT_MS });
  if (r.status !== 0) {
    throw new Error(`${PYTHON} cannot import prometheus_client (Debian package python3-prometheus-client; scripts/setup.sh installs it): ${r.stderr.trim()}`);
  }
}

/**
 * Parses an exposition body with the strict Python parser of `format`.
 * @throws Error with the parser's own message (the offending line included) when it rejects the body
 */
function strictParse(body: string, format: Format): PyFamily[] {
  const r = runTool(PYTHON, ['-c', PARSE_SCRIPT, format], { stdin: body, timeoutMs: PARSE_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`prometheus_client's ${format} parser rejected the exposition: ${r.stderr.trim() || `exit ${r.status}`}`);
  const raw = JSON.parse(r.stdout) as { name: string; type: string; help: string; samples: [string, Record<string, string>, string][] }[];
  const num = (s: string): number => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : s === 'NaN' ? NaN : Number(s));
  return raw.map((f) => ({ ...f, samples: f.samples.map(([name, labels, value]) => ({ name, labels, value: num(value) })) }));
}

/** An `le` label as a number (`+Inf` included). */
const leOf = (s: PySample): number => (s.labels.le === '+Inf' ? Infinity : Number(s.labels.le));

/** The series key of a sample: name and labels, `le` included. */
const key = (s: PySample): string => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;

/** The value of the one sample with this name and exactly these labels. */
function valueIn(families: readonly PyFamily[], name: string, labels: Record<string, string>): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  const hits = families.flatMap((f) => f.samples).filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want);
  if (hits.length !== 1) throw new Error(`${hits.length} samples for ${name}${JSON.stringify(labels)}`);
  return hits[0]!.value;
}

/**
 * What this project promises of every histogram beyond what the parser enforces: each series has
 * cumulative buckets ending in `+Inf`; `_sum` and `_count` are present unless a bound is negative
 * (then, in OpenMetrics only, both are absent); `_count` equals `+Inf`.
 */
function checkHistograms(families: readonly PyFamily[], format: Format): void {
  for (const f of families.filter((x) => x.type === 'histogram')) {
    const series = new Map<string, { buckets: PySample[]; sum?: number; count?: number }>();
    for (const s of f.samples) {
      const { le: _le, ...rest } = s.labels;
      const k = JSON.stringify(Object.entries(rest).sort());
      const e = series.get(k) ?? { buckets: [] };
      series.set(k, e);
      if (s.name === `${f.name}_bucket`) e.buckets.push(s);
      else if (s.name === `${f.name}_sum`) e.sum = s.value;
      else if (s.name === `${f.name}_count`) e.count = s.value;
    }
    for (const [k, e] of series) {
      const where = `${f.name}${k} (${format})`;
      expect(e.buckets.at(-1)?.labels.le, where).toBe('+Inf');
      for (let i = 1; i < e.buckets.length; i++) {
        expect(leOf(e.buckets[i]!), where).toBeGreaterThan(leOf(e.buckets[i - 1]!));
        expect(e.buckets[i]!.value, where).toBeGreaterThanOrEqual(e.buckets[i - 1]!.value);
      }
      const negative = e.buckets.some((b) => leOf(b) < 0);
      if (negative && format === 'openmetrics') {
        expect(e.sum, `${where}: _sum beside negative buckets`).toBeUndefined();
        expect(e.count, `${where}: _count without _sum`).toBeUndefined();
      } else {
        expect(e.sum, `${where}: _sum`).toBeTypeOf('number');
        expect(e.count, `${where}: _count`).toBe(e.buckets.at(-1)!.value);
      }
    }
  }
}

/**
 * The series of an OpenMetrics body must be those of the text body of the same state, except the
 * `_sum`/`_count` of histograms with a negative bound, which OpenMetrics leaves out.
 */
function checkSameSeries(open: readonly PyFamily[], text: readonly PyFamily[]): void {
  const negative = new Set(
    text.filter((f) => f.type === 'histogram' && f.samples.some((s) => s.name === `${f.name}_bucket` && leOf(s) < 0)).flatMap((f) => [`${f.name}_sum`, `${f.name}_count`]),
  );
  const o = open.flatMap((f) => f.samples).map(key).sort();
  const t = text.flatMap((f) => f.samples).filter((s) => !negative.has(s.name)).map(key).sort();
  expect(o).toEqual(t);
}

/** A body in each format from a running exporter. */
async function scrapeBoth(base: string): Promise<{ open: { type: string; body: string }; text: { type: string; body: string } }> {
  const get = async (accept: string) => {
    const r = await fetch(`${base}/metrics`, { headers: { accept }, signal: AbortSignal.timeout(30_000) });
    expect(r.status).toBe(200);
    return { type: r.headers.get('content-type') ?? '', body: await r.text() };
  };
  return { open: await get('application/openmetrics-text; version=1.0.0'), text: await get('text/plain') };
}

/** Parses and checks both formats of one exporter. */
async function conformsInBoth(base: string): Promise<{ open: PyFamily[]; text: PyFamily[]; openBody: string; textBody: string }> {
  const { open, text } = await scrapeBoth(base);
  expect(open.type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  expect(text.type).toBe('text/plain; version=0.0.4; charset=utf-8');
  const o = strictParse(open.body, 'openmetrics');
  const t = strictParse(text.body, 'text');
  checkHistograms(o, 'openmetrics');
  checkHistograms(t, 'text');
  return { open: o, text: t, openBody: open.body, textBody: text.body };
}

async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// The renderer, in this thread.

describe('SeriesView: histograms with negative bounds in OpenMetrics (in-thread)', () => {
  beforeAll(requireParser);

  /** A histogram whose bounds are all negative (any negative bound triggers the rule). */
  const allNegative = histogram({ name: 'test_conformance_offset_ratio', help: 'Negative-only bounds for the renderer test.', unit: 'ratio', buckets: [-2, -1], domain: 'test' });

  function view(): { reg: MetricRegistry; view: SeriesView } {
    const reg = new MetricRegistry();
    const v = new SeriesView();
    reg.subscribe((m) => v.apply(m));
    return { reg, view: v };
  }

  it('writes buckets only (no _sum, no _count) for a negative bound in OpenMetrics, and keeps _sum/_count in text 0.0.4', async () => {
    const { reg, view: v } = view();
    const slip = reg.histogram(fillSlippageRatio).labels('s1');
    for (const x of [-0.003, -0.0002, 0, 0.00004, 0.0007, 0.02]) slip.observe(x);
    const neg = reg.histogram(allNegative).series();
    for (const x of [-3, -1.5, 0.5]) neg.observe(x);

    const open = await v.render(true);
    expect(open.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(open.body).not.toMatch(/^hft_fill_slippage_ratio_(sum|count)/m);
    expect(open.body).not.toMatch(/^test_conformance_offset_ratio_(sum|count)/m);
    const o = strictParse(open.body, 'openmetrics');
    checkHistograms(o, 'openmetrics');
    const slipOpen = o.find((f) => f.name === 'hft_fill_slippage_ratio')!;
    expect(slipOpen.type).toBe('histogram');
    expect(slipOpen.samples.map((s) => [s.labels.le, s.value])).toEqual([
      ['-0.005', 0],
      ['-0.001', 1],
      ['-0.0005', 1],
      ['-0.0001', 2],
      ['0', 3],
      ['0.0001', 4],
      ['0.0005', 4],
      ['0.001', 5],
      ['0.002', 5],
      ['0.005', 5],
      ['0.01', 5],
      ['+Inf', 6],
    ]);
    expect(o.find((f) => f.name === 'test_conformance_offset_ratio')!.samples.map((s) => [s.labels.le, s.value])).toEqual([
      ['-2', 1],
      ['-1', 2],
      ['+Inf', 3],
    ]);

    const text = await v.render(false);
    expect(text.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const t = strictParse(text.body, 'text');
    checkHistograms(t, 'text');
    expect(valueIn(t, 'hft_fill_slippage_ratio_count', { strategy: 's1' })).toBe(6);
    expect(valueIn(t, 'hft_fill_slippage_ratio_sum', { strategy: 's1' })).toBeCloseTo(0.01754, 12);
    expect(valueIn(t, 'test_conformance_offset_ratio_count', {})).toBe(3);
    expect(valueIn(t, 'test_conformance_offset_ratio_sum', {})).toBeCloseTo(-4, 12);
    checkSameSeries(o, t);
  });

  it('keeps _sum and _count in both formats when every bound is non-negative', async () => {
    const { reg, view: v } = view();
    const ack = reg.histogram(orderAckLatencySeconds).labels('gw');
    for (const x of [0, 0.0002, 0.003, 20]) ack.observe(x);
    const o = strictParse((await v.render(true)).body, 'openmetrics');
    const t = strictParse((await v.render(false)).body, 'text');
    checkHistograms(o, 'openmetrics');
    checkHistograms(t, 'text');
    for (const fams of [o, t]) {
      expect(valueIn(fams, 'hft_order_ack_latency_seconds_count', { gateway: 'gw' })).toBe(4);
      expect(valueIn(fams, 'hft_order_ack_latency_seconds_sum', { gateway: 'gw' })).toBeCloseTo(20.0032, 12);
      expect(valueIn(fams, 'hft_order_ack_latency_seconds_bucket', { gateway: 'gw', le: '+Inf' })).toBe(4);
    }
    checkSameSeries(o, t);
  });

  it('renders an empty view as a valid exposition in both formats (OpenMetrics: # EOF alone, no blank line)', async () => {
    const v = new SeriesView();
    const open = await v.render(true);
    expect(open.body).toBe('# EOF\n');
    expect(strictParse(open.body, 'openmetrics')).toEqual([]);
    expect(strictParse((await v.render(false)).body, 'text')).toEqual([]);
  });

  it('escapes a double quote in HELP for OpenMetrics (its ABNF wants \\"), not for text 0.0.4; label values in both', async () => {
    const { reg, view: v } = view();
    const quoted = histogram({ name: 'test_conformance_quoted_seconds', help: 'Says "hi", a back\\slash and a\nnewline.', unit: 'seconds', labels: { l: 'open' }, buckets: [1], domain: 'test' });
    reg.histogram(quoted).labels('a"b\\c\nd').observe(0.5);
    const open = (await v.render(true)).body;
    const text = (await v.render(false)).body;
    expect(open).toContain('# HELP test_conformance_quoted_seconds Says \\"hi\\", a back\\\\slash and a\\nnewline.\n');
    expect(text).toContain('# HELP test_conformance_quoted_seconds Says "hi", a back\\\\slash and a\\nnewline.\n');
    for (const [body, format] of [
      [open, 'openmetrics'],
      [text, 'text'],
    ] as const) {
      expect(body).toContain('test_conformance_quoted_seconds_bucket{l="a\\"b\\\\c\\nd",le="1"} 1\n');
      const f = strictParse(body, format).find((x) => x.name === 'test_conformance_quoted_seconds')!;
      expect(f.help).toBe(quoted.help);
      expect(f.samples[0]!.labels.l).toBe('a"b\\c\nd');
    }
  });

  it('the strict parser does reject _sum beside negative buckets (the check can fail)', () => {
    const body = '# TYPE x histogram\nx_bucket{le="-1"} 1\nx_bucket{le="+Inf"} 2\nx_sum -0.5\nx_count 2\n# EOF\n';
    expect(() => strictParse(body, 'openmetrics')).toThrow(/Cannot have _sum with negative buckets|Counter-like samples cannot be negative/);
  });
});

// ---------------------------------------------------------------------------------------------
// The real exporters over HTTP.

describe('every exporter conforms to OpenMetrics 1.0 and text 0.0.4 over HTTP', () => {
  const dir = tempDir('tickwatch-conformance-');
  const events = join(dir, 'events.ndjson');
  const SLIP = 'conformance-slip';
  /** Signed slippage observations of the `conformance-slip` strategy: adverse and favourable. */
  const SLIPPAGE = [-0.003, -0.0002, 0, 0.00004, 0.0007, 0.02];
  /** A strategy filled better than intended on balance: its slippage sums below zero (-0.0043). */
  const FAVOURED = 'conformance-favoured';
  const FAVOURED_SLIPPAGE = [-0.004, -0.0006, 0.0003];
  let ch: ClickHouseServer | undefined;
  let tw: Tickwatch | undefined;
  let expectedAccepted = 0;
  /** The engine keeps talking while the scrapes run (see beforeAll). */
  let live: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    requireParser();
    // A realistic stream first (the simulator's normal session), then one line of every event type
    // of the contract (its documented example, which feeds that type's metrics), then fills with
    // negative and positive slippage, then a malformed line (counted as rejected).
    const start = Date.now() / 1000 - 30;
    const sink = new FileSink(events);
    const sim = await runScenario({ scenario: scenarioByName('normal'), seed: 11, start, duration: 10, speed: Infinity }, sink);
    await sink.close();
    const everyType = (): string[] => {
      const ts = new Date().toISOString();
      return EVENT_TYPES.map((e) => JSON.stringify({ ts, level: 'info', ...e.example }));
    };
    const ts = new Date().toISOString();
    const fill = EVENT_TYPES.find((e) => e.name === 'execution.fill')!.example;
    const fills = (strategy: string, slippage: readonly number[]) =>
      slippage.map((s, i) => JSON.stringify({ ts, level: 'info', ...fill, strategy, order_id: `o-${strategy}-${i}`, slippage_ratio: s }));
    const lines = [...everyType(), ...fills(SLIP, SLIPPAGE), ...fills(FAVOURED, FAVOURED_SLIPPAGE)];
    appendFileSync(events, `${lines.join('\n')}\nthis line is not json\n`);
    expectedAccepted = sim.events + lines.length;
    // Then it goes on like a live engine, one line of every type a second (heartbeat included), so
    // the exporter never sees it fall silent and hide the gauges of the engine's last values.
    live = setInterval(() => appendFileSync(events, `${everyType().join('\n')}\n`), 1000);

    ch = await startClickHouse(tempDir('tickwatch-ch-'));
    tw = await startTickwatch(
      {
        dataDir: dir,
        hft: { port: 0, tcp: null, files: [events], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 50 },
        recorders: [{ store: { kind: 'clickhouse', url: ch.url, legacy: true }, port: 0, batchMs: 200, pollMs: 50 }],
        host: { port: 0, processes: [{ name: 'node' }] },
        clickhouse: { url: ch.url, port: 0, pingTimeoutMs: 2000, queryTimeoutMs: 5000 },
      },
      captureLogging(),
    );
    await until('the HFT exporter ingests the whole file', () => tw!.hft!.pipeline.accepted >= expectedAccepted && tw!.hft!.pipeline.rejected === 1);
    await until('the recorder writes to ClickHouse', async () => {
      const body = await (await fetch(`${tw!.recorders[0]!.service.metrics.url}/metrics`)).text();
      return /^hft_recorder_rows_written_total\{table="audit_orders"\} [1-9]/m.test(body);
    });
  });

  afterAll(async () => {
    clearInterval(live);
    await tw?.close();
    await ch?.destroy();
  });

  it('HFT exporter: every catalog metric it serves has series, hft_fill_slippage_ratio observed below and above zero', async () => {
    const { open, text, openBody } = await conformsInBoth(tw!.hft!.metrics.url);
    checkSameSeries(open, text);

    // Every catalog metric of the HFT exporter is served with series. hft_recorder_spool_limit_bytes
    // is the recorder's own setting: no event of the contract carries it, so only the recorder serves it.
    const served = new Map(open.map((f) => [f.name, f]));
    const familyName = (d: MetricDef) => (d.type === 'counter' ? d.name.replace(/_total$/, '') : d.name);
    const hftDefs = CATALOG.filter((d) => d.exportedBy.includes('hft') && d.name !== 'hft_recorder_spool_limit_bytes');
    expect(hftDefs.length).toBeGreaterThan(40);
    expect.soft(hftDefs.filter((d) => !served.get(familyName(d))?.samples.length).map((d) => d.name)).toEqual([]);
    // ... and so is everything else it serves (process metrics, build info, the ingest counters).
    expect.soft(open.filter((f) => f.samples.length === 0).map((f) => f.name)).toEqual([]);

    const slip = open.find((f) => f.name === 'hft_fill_slippage_ratio')!;
    expect(slip.type).toBe('histogram');
    expect(slip.samples.filter((s) => s.labels.strategy === SLIP).map((s) => [s.labels.le, s.value])).toEqual([
      ['-0.005', 0],
      ['-0.001', 1],
      ['-0.0005', 1],
      ['-0.0001', 2],
      ['0', 3],
      ['0.0001', 4],
      ['0.0005', 4],
      ['0.001', 5],
      ['0.002', 5],
      ['0.005', 5],
      ['0.01', 5],
      ['+Inf', 6],
    ]);
    expect(openBody).not.toMatch(/^hft_fill_slippage_ratio_(sum|count)\{/m);
    // Text 0.0.4 keeps them (Prometheus reads them when it is asked for text).
    expect(valueIn(text, 'hft_fill_slippage_ratio_count', { strategy: SLIP })).toBe(6);
    expect(valueIn(text, 'hft_fill_slippage_ratio_sum', { strategy: SLIP })).toBeCloseTo(0.01754, 12);
    // A sum below zero: what the strict parser rejects as a counter-like sample in OpenMetrics.
    expect(valueIn(text, 'hft_fill_slippage_ratio_sum', { strategy: FAVOURED })).toBeCloseTo(-0.0043, 12);
    expect(valueIn(open, 'hft_fill_slippage_ratio_bucket', { strategy: FAVOURED, le: '+Inf' })).toBe(3);
    expect(valueIn(open, 'tickwatch_ingest_rejected_total', { source: 'file', reason: 'invalid_json' })).toBe(1);
  });

  it('recorder: conforms in both formats', async () => {
    const { open, text } = await conformsInBoth(tw!.recorders[0]!.service.metrics.url);
    checkSameSeries(open, text);
    expect(valueIn(open, 'hft_recorder_store_up', { store: 'clickhouse' })).toBe(1);
    expect(open.some((f) => f.name === 'hft_recorder_write_duration_seconds' && f.samples.length > 0)).toBe(true);
  });

  it('host exporter: conforms in both formats', async () => {
    const { open, text } = await conformsInBoth(tw!.host!.metrics.url);
    for (const fams of [open, text]) {
      expect(fams.find((f) => f.name === 'node_cpu_seconds')?.samples.length ?? 0).toBeGreaterThan(0);
      expect(fams.find((f) => f.name === 'node_load1')?.samples.length ?? 0).toBe(1);
    }
  });

  it('ClickHouse exporter: serves text 0.0.4 only (by design, even when asked for OpenMetrics), and it conforms', async () => {
    // ClickHouse's own endpoint serves text only, and OpenMetrics would rename its counters
    // (ClickHouseProfileEvents_* have no _total): the exporter never answers in OpenMetrics, so
    // both scrapes are checked with the text 0.0.4 parser only.
    const { open, text } = await scrapeBoth(tw!.clickhouse!.metrics.url);
    for (const r of [open, text]) {
      expect(r.type).toBe('text/plain; version=0.0.4; charset=utf-8');
      const fams = strictParse(r.body, 'text');
      checkHistograms(fams, 'text');
      expect(valueIn(fams, 'tickwatch_clickhouse_up', {})).toBe(1);
      expect(fams.some((f) => f.name.startsWith('ClickHouseProfileEvents_') && f.samples.length > 0)).toBe(true);
    }
  });
});
