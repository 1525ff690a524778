import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HftEvent } from '../../exporters/events/index.js';
import { EVENT_TYPES } from '../../exporters/events/index.js';
import { DeadLetterFile, type DeadLetterRecord } from '../../exporters/ingest/deadletter.js';
import { LineSplitter } from '../../exporters/ingest/lines.js';
import { IngestPipeline } from '../../exporters/ingest/pipeline.js';
import { Redactor } from '../../exporters/ingest/redact.js';
import { parseTimestampSeconds } from '../../exporters/ingest/timestamp.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { valueOf } from '../helpers/exposition.js';

const dir = tempDir();
let n = 0;

function setup(maxLineBytes = 1024) {
  const registry = new MetricRegistry();
  const deadPath = join(dir, `dead-${++n}.ndjson`);
  const deadLetter = new DeadLetterFile(deadPath);
  const logging = captureLogging();
  const events: HftEvent[] = [];
  const pipeline = new IngestPipeline({ registry, deadLetter, log: logging.logger('ingest'), consumers: [(ev) => events.push(ev)] });
  const sink = pipeline.source('file', '/engine/events.ndjson');
  const splitter = new LineSplitter(sink, maxLineBytes);
  const feed = (text: string | Buffer) => splitter.push(Buffer.isBuffer(text) ? text : Buffer.from(text));
  const deadRecords = async (): Promise<DeadLetterRecord[]> => {
    await deadLetter.close();
    return readFileSync(deadPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as DeadLetterRecord);
  };
  return { registry, pipeline, feed, events, logging, deadRecords };
}

const good = JSON.stringify({ ts: '2026-11-23T01:00:00.000000001Z', level: 'info', component: 'market_data', event: 'feed.tick', feed: 'twse-md', latency_ns: 1000 });

describe('ingest pipeline: bad input', () => {
  it('rejects each malformed class with its reason, counts it, dead-letters it with its offset, logs it, and keeps going', async () => {
    const t = setup(512);
    const bad: [string | Buffer, string][] = [
      ['{"ts": "2026-11-23T01:00:00Z", not json', 'invalid_json'],
      ['[1, 2, 3]', 'invalid_json'],
      ['{"ts":"2026-11-23T01:00:00Z","level":"info","component":"monitor"}', 'envelope'],
      ['{"ts":"2026-11-23T01:00:00Z","level":"loud","component":"monitor","event":"engine.exploded"}', 'envelope'],
      ['{"level":"info","component":"monitor","event":"engine.exploded"}', 'envelope'],
      ['{"ts":"yesterday at noon","level":"info","component":"monitor","event":"engine.exploded"}', 'envelope'],
      ['{"ts":"2026-11-23T01:00:00Z","level":"info","component":"market_data","event":"feed.tick"}', 'schema'],
      ['{"ts":"2026-13-23T01:00:00Z","level":"info","component":"market_data","event":"feed.tick","feed":"x"}', 'schema'],
      [`{"ts":"2026-11-23T01:00:00Z","level":"info","component":"market_data","event":"feed.tick","feed":"${'x'.repeat(600)}"}`, 'too_large'],
      [Buffer.concat([Buffer.from('{"ts":"2026-11-23T01:00:00Z","level":"info","component":"market_data","event":"feed.tick","feed":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), 'encoding'],
    ];
    let offset = 0;
    const offsets: number[] = [];
    t.feed(`${good}\n`);
    offset += Buffer.byteLength(good) + 1;
    for (const [line] of bad) {
      offsets.push(offset);
      const b = Buffer.isBuffer(line) ? line : Buffer.from(line);
      t.feed(Buffer.concat([b, Buffer.from('\n')]));
      offset += b.length + 1;
    }
    t.feed(`${good}\n`);
    expect(t.events).toHaveLength(2);
    expect(t.pipeline.rejected).toBe(bad.length);
    const s = await samplesOf(t.registry);
    const byReason = new Map<string, number>();
    for (const [, r] of bad) byReason.set(r, (byReason.get(r) ?? 0) + 1);
    for (const [reason, count] of byReason) expect(valueOf(s, 'tickwatch_ingest_rejected_total', { source: 'file', reason }), reason).toBe(count);
    const dead = await t.deadRecords();
    expect(dead.map((d) => d.reason)).toEqual(bad.map(([, r]) => r));
    expect(dead.map((d) => d.offset)).toEqual(offsets);
    for (const d of dead) {
      expect(d.origin).toBe('/engine/events.ndjson');
      expect(d.detail.length).toBeGreaterThan(3);
    }
    expect(dead[0]!.line).toBe(bad[0]![0]); // kept as received
    expect(dead[6]!.detail).toMatch(/\/feed/); // says which field
    expect(dead[8]!.bytes).toBeGreaterThan(600); // full length of the oversize line, first bytes kept
    const warned = t.logging.lines.filter((l) => l.event === 'ingest.line_rejected' && l.level === 'warn');
    expect(new Set(warned.map((l) => l.reason))).toEqual(new Set(byReason.keys()));
    expect(t.logging.lines.filter((l) => l.event === 'ingest.line_rejected' && l.level === 'debug')).toHaveLength(bad.length);
  });

  it('checks UTF-8 once a chunk: in a chunk with a bad line only that line is rejected; a real U+FFFD and a character cut between chunks are kept', async () => {
    const t = setup(2048);
    const line = (feed: string) => JSON.stringify({ ts: '2026-11-23T01:00:00.000000001Z', level: 'info', component: 'market_data', event: 'feed.tick', feed });
    const bad = Buffer.concat([Buffer.from(line('a').slice(0, -3)), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    // One chunk: good, bad, a line holding U+FFFD as valid UTF-8 (EF BF BD), good.
    t.feed(Buffer.concat([Buffer.from(`${line('b')}\n`), bad, Buffer.from(`\n${line('c\uFFFD')}\n${line('d')}\n`)]));
    expect(t.events.map((e) => (e as { feed?: string }).feed)).toEqual(['b', 'c\uFFFD', 'd']);
    expect((await t.deadRecords()).map((d) => d.reason)).toEqual(['encoding']);
    // A valid chunk (the whole check passes) and a line whose two-byte character is cut between two chunks.
    t.feed(`${line('e')}\n`);
    const cut = Buffer.from(`${line('f\u00e9g')}\n`);
    const at = cut.indexOf(0xc3) + 1; // inside é
    t.feed(cut.subarray(0, at));
    t.feed(cut.subarray(at));
    expect(t.events.map((e) => (e as { feed?: string }).feed)).toEqual(['b', 'c\uFFFD', 'd', 'e', 'f\u00e9g']);
    expect(t.pipeline.rejected).toBe(1);
  });

  it('counts a consumer that throws as internal and keeps the event flowing to the others', async () => {
    const registry = new MetricRegistry();
    const seen: string[] = [];
    const pipeline = new IngestPipeline({
      registry,
      deadLetter: new DeadLetterFile(join(dir, 'dead-internal.ndjson')),
      log: captureLogging().logger('ingest'),
      consumers: [
        () => {
          throw new Error('bug');
        },
        (ev) => seen.push(ev.event),
      ],
    });
    new LineSplitter(pipeline.source('tcp', 'peer'), 1024).push(Buffer.from(`${good}\n`));
    expect(seen).toEqual(['feed.tick']);
    expect(valueOf(await samplesOf(registry), 'tickwatch_ingest_rejected_total', { source: 'tcp', reason: 'internal' })).toBe(1);
  });

  it('survives fuzzed input: never throws, and every line is either accepted or rejected', async () => {
    const t = setup(2048);
    const examples = EVENT_TYPES.map((e) => JSON.stringify({ ts: '2026-11-23T01:00:00.5Z', level: 'info', ...e.example }));
    const mutated = fc.tuple(fc.constantFrom(...examples), fc.nat(), fc.string({ maxLength: 8 }), fc.integer({ min: 0, max: 3 })).map(([line, pos, ins, mode]) => {
      const p = pos % (line.length + 1);
      if (mode === 0) return line.slice(0, p); // truncated
      if (mode === 1) return line.slice(0, p) + ins + line.slice(p); // inserted junk
      if (mode === 2) return line.replace(/"[a-z_]+":/, `"${ins}":`); // renamed field
      return line; // intact
    });
    const anyLine = fc.oneof(mutated, fc.json(), fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')));
    let lines = 0;
    fc.assert(
      fc.property(fc.array(anyLine, { minLength: 10, maxLength: 60 }), (batch) => {
        for (const l of batch) {
          const clean = l.replace(/[\r\n]/g, '');
          if (clean.length === 0) continue;
          lines++;
          expect(() => t.feed(`${clean}\n`)).not.toThrow();
        }
      }),
      { seed: 20261121, numRuns: 400 },
    );
    expect(lines).toBeGreaterThan(3000);
    expect(t.pipeline.accepted + t.pipeline.rejected).toBe(lines);
    expect(t.pipeline.accepted).toBeGreaterThan(100);
    expect(t.pipeline.rejected).toBeGreaterThan(1000);
    expect((await t.deadRecords()).length).toBe(t.pipeline.rejected);
  });
});

describe('ingest pipeline: the open stream', () => {
  const line = (o: Record<string, unknown>) => JSON.stringify(o);

  it('accepts a well-formed line of a type outside the contract as a log event: passed on, counted by component and level, never dead-lettered', async () => {
    const t = setup();
    const seen: { event: string; known: boolean; format: string }[] = [];
    const pipeline = new IngestPipeline({
      registry: t.registry,
      deadLetter: new DeadLetterFile(join(dir, `dead-open-${++n}.ndjson`)),
      log: captureLogging().logger('ingest'),
      consumers: [(ev, _ts, _raw, info) => seen.push({ event: ev.event, known: info.known, format: info.format })],
    });
    const splitter = new LineSplitter(pipeline.source('file', '/engine/strategy_runner.log'), 4096);
    const lines = [
      line({ ts: '2026-11-23T01:00:00Z', component: 'strategy_runner', level: 'error', event: 'strategy.exception', message: 'ZeroDivisionError in signal calc' }),
      line({ ts: '2026-11-23T01:00:01Z', component: 'order_manager_v2', level: 'warn', event: 'queue.slow', depth: 12 }),
      line({ ts: '2026-11-23T01:00:02Z', component: 'risk_engine', level: 'warning', event: 'limits.reloaded' }),
      line({ ts: '2026-11-23T01:00:03Z', component: 'monitor', level: 'fatal', event: 'process.crashed', message: 'x'.repeat(3000) }),
      good,
    ];
    for (const l of lines) splitter.push(Buffer.from(`${l}\n`));
    expect(pipeline.rejected).toBe(0);
    expect(seen).toEqual([
      { event: 'strategy.exception', known: false, format: 'tickwatch' },
      { event: 'queue.slow', known: false, format: 'tickwatch' },
      { event: 'limits.reloaded', known: false, format: 'tickwatch' },
      { event: 'process.crashed', known: false, format: 'tickwatch' },
      { event: 'feed.tick', known: true, format: 'tickwatch' },
    ]);
    const s = await samplesOf(t.registry);
    expect(valueOf(s, 'tickwatch_log_events_total', { component: 'strategy_runner', level: 'error' })).toBe(1);
    // A component outside the closed set is counted as other, and is not a cardinality overflow.
    expect(valueOf(s, 'tickwatch_log_events_total', { component: 'other', level: 'warn' })).toBe(1);
    expect(valueOf(s, 'tickwatch_log_events_total', { component: 'risk_engine', level: 'warn' })).toBe(1); // 'warning' read as warn
    expect(valueOf(s, 'tickwatch_log_events_total', { component: 'monitor', level: 'fatal' })).toBe(1);
    expect(valueOf(s, 'tickwatch_log_events_total', { component: 'market_data', level: 'info' })).toBe(1);
    expect(s.filter((x) => x.name === 'tickwatch_cardinality_overflow_total' && x.value > 0)).toEqual([]);
    expect(s.some((x) => x.labels.component === 'order_manager_v2')).toBe(false);
  });

  it('still rejects a line of a known type that fails its schema', async () => {
    const t = setup();
    t.feed(`${line({ ts: '2026-11-23T01:00:00Z', component: 'order_adapter', level: 'info', event: 'order.acked', strategy: 'mm', gateway: 'gw', order_id: 'o-1' })}\n`);
    expect(t.events).toHaveLength(0);
    const dead = await t.deadRecords();
    expect(dead.map((d) => [d.reason, d.detail])).toEqual([['schema', expect.stringMatching(/latency_ns/)]]);
  });

  it('survives a fuzzed envelope: never throws, every line accepted or rejected, no label value from the input', async () => {
    const t = setup(4096);
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));
    const ts = fc.oneof(fc.constant('2026-11-23T01:00:00.5Z'), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 30 }), fc.integer(), fc.double());
    const level = fc.oneof(fc.constantFrom('trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'critical', 'CRITICAL', 'SUCCESS', 10, 30, 60), fc.string({ maxLength: 10 }), fc.integer());
    const shaped = fc.oneof(
      // ours
      fc.record({ ts, component: fc.oneof(fc.string({ maxLength: 70 }), value), level, event: fc.oneof(fc.string({ maxLength: 140 }), value), message: value, extra: value }, { requiredKeys: [] }),
      // structlog
      fc.record({ timestamp: fc.oneof(ts, fc.double()), event: fc.oneof(fc.string({ maxLength: 60 }), value), level, logger: value, event_type: value }, { requiredKeys: [] }),
      // Loguru
      fc.record({ text: fc.string(), record: fc.record({ time: fc.oneof(fc.record({ repr: ts, timestamp: fc.double() }, { requiredKeys: [] }), value), level: fc.oneof(fc.record({ name: level, no: fc.integer() }, { requiredKeys: [] }), value), message: value, extra: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: 4 }), value), name: value }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      // pino
      fc.record({ level, time: fc.oneof(fc.integer(), ts), msg: value, name: value, event: value }, { requiredKeys: [] }),
    );
    // Well-formed lines with any event name and component (printable, within the lengths): every one is accepted.
    const printable = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
    const wellFormed = fc.record({
      ts: fc.date({ min: new Date('1970-01-02'), max: new Date('9999-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      component: printable(64),
      level: fc.constantFrom('trace', 'debug', 'info', 'warn', 'error', 'fatal'),
      event: printable(128).filter((e) => !EVENT_TYPES.some((x) => x.name === e)),
      message: fc.string({ maxLength: 200 }),
    });
    let lines = 0;
    let valid = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(shaped.map((o) => [o, false] as const), wellFormed.map((o) => [o, true] as const)), { minLength: 5, maxLength: 40 }), (batch) => {
        for (const [o, ok] of batch) {
          lines++;
          const before = t.pipeline.accepted;
          expect(() => t.feed(`${JSON.stringify(o)}\n`)).not.toThrow();
          if (ok) {
            valid++;
            expect(t.pipeline.accepted, JSON.stringify(o)).toBe(before + 1);
          }
        }
      }),
      { seed: 20261202, numRuns: 300 },
    );
    expect(t.pipeline.accepted + t.pipeline.rejected).toBe(lines);
    expect(valid).toBeGreaterThan(1000);
    expect(t.pipeline.accepted).toBeGreaterThan(valid);
    expect(t.pipeline.rejected).toBeGreaterThan(1000);
    const s = await samplesOf(t.registry);
    const components = new Set(s.filter((x) => x.name === 'tickwatch_log_events_total').map((x) => x.labels.component));
    for (const c of components) expect(['market_data', 'strategy_runner', 'risk_engine', 'order_adapter', 'execution', 'recorder', 'monitor', 'other']).toContain(c);
    expect(s.filter((x) => x.name === 'tickwatch_cardinality_overflow_total' && x.value > 0)).toEqual([]);
    expect((await t.deadRecords()).length).toBe(t.pipeline.rejected);
  });
});

describe('line splitter', () => {
  /** Every line and oversize report a splitter makes, with offsets, and where it would resume. */
  function split(chunks: readonly Buffer[], maxLineBytes: number): { seen: string[]; committed: number } {
    const seen: string[] = [];
    const s = new LineSplitter(
      {
        line: (text, offset, chunk, start, end) => {
          expect(chunk.toString('utf8', start, end)).toBe(text); // the raw bytes are the line's
          seen.push(`line ${offset} ${text}`);
        },
        oversize: (prefix, length, offset) => seen.push(`oversize ${offset} ${length} ${prefix.toString('latin1')}`),
      },
      maxLineBytes,
    );
    for (const c of chunks) s.push(c);
    return { seen, committed: s.committedOffset };
  }

  /** `whole` cut into chunks at the given positions (each taken modulo its length + 1; repeats dropped). */
  function cutAt(whole: Buffer, cuts: readonly number[]): Buffer[] {
    const at = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const c of [...at, whole.length]) {
      chunks.push(whole.subarray(from, c));
      from = c;
    }
    return chunks;
  }

  it('gives the same lines, offsets and resume point however the stream is cut into chunks', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 40 }).map((x) => x.replace(/\n/g, ' ')),
      fc.constantFrom('', '\r', 'ok\r', 'é€😀', 'x'.repeat(70)),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 20 }), (lines, trailing, cuts) => {
        const whole = Buffer.from(lines.join('\n') + (trailing ? '\n' : ''));
        const chunks = cutAt(whole, cuts);
        expect(split(chunks, 50)).toEqual(split([whole], 50));
      }),
      { numRuns: 500 },
    );
  });

  /** What the splitter must give for a whole stream, worked out byte by byte with no shared code. */
  function reference(whole: Buffer, maxLineBytes: number): { seen: string[]; committed: number } {
    const seen: string[] = [];
    let from = 0;
    for (let i = 0; i < whole.length; i++) {
      if (whole[i] !== 10) continue;
      const end = i > from && whole[i - 1] === 13 ? i - 1 : i;
      const len = end - from;
      if (len > maxLineBytes) seen.push(`oversize ${from} ${len} ${whole.subarray(from, from + maxLineBytes).toString('latin1')}`);
      else if (len > 0) seen.push(`line ${from} ${whole.toString('utf8', from, end)}`);
      from = i + 1;
    }
    return { seen, committed: from };
  }

  it('matches a byte-by-byte reference on ASCII streams and on streams with UTF-8, invalid bytes and CRLF, however they are cut', () => {
    const ascii = fc.oneof(fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c === 10 ? 32 : c)), maxLength: 60 }), fc.constantFrom('', '\r', 'ok\r', '{"a":1}\r'));
    const other = fc.oneof(fc.constantFrom('é€😀', 'naïve\r', '\uFFFD'), fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a.map((b) => (b === 10 ? 32 : b))).toString('latin1')));
    let asciiStreams = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: ascii }, { weight: 1, arbitrary: other }), { maxLength: 40 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }), (lines, trailing, cuts) => {
        // Latin-1 strings from raw bytes are written back as those bytes (invalid UTF-8 included).
        const whole = Buffer.concat(lines.map((l, i) => Buffer.concat([/[^\x00-\xff]/.test(l) ? Buffer.from(l) : Buffer.from(l, 'latin1'), Buffer.from(i < lines.length - 1 || trailing ? '\n' : '')])));
        if (whole.every((b) => b < 0x80)) asciiStreams++;
        const chunks = cutAt(whole, cuts);
        expect(split(chunks, 50)).toEqual(reference(whole, 50));
      }),
      { numRuns: 500, seed: 20261204 },
    );
    expect(asciiStreams).toBeGreaterThan(20);
  });
});

describe('ingest pipeline: redaction and lines of a contract type', () => {
  const PEM = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBody\n-----END PRIVATE KEY-----';
  function run(lines: readonly string[], component?: string) {
    const seen: { ev: HftEvent; raw: string | undefined; info: { format: string; known: boolean; mapped: boolean } }[] = [];
    const pipeline = new IngestPipeline({
      registry: new MetricRegistry(),
      deadLetter: new DeadLetterFile(join(dir, `dead-known-${++n}.ndjson`)),
      log: captureLogging().logger('ingest'),
      consumers: [(ev, _ts, raw, info) => seen.push({ ev: structuredClone(ev), raw, info: { format: info.format, known: info.known, mapped: info.mapped } })],
    });
    const splitter = new LineSplitter(pipeline.source('file', '/engine/x.log', component === undefined ? {} : { component }), 8192);
    for (const l of lines) splitter.push(Buffer.from(`${l}\n`));
    expect(pipeline.rejected).toBe(0);
    return seen;
  }

  it("hands on every event type's example line as written, unmapped and unchanged", () => {
    const lines = EVENT_TYPES.map((e) => JSON.stringify({ ts: '2026-11-23T01:00:00.123456789Z', level: 'info', ...e.example }));
    const seen = run(lines);
    expect(seen.map((s) => s.raw)).toEqual(lines);
    expect(seen.map((s) => s.ev)).toEqual(lines.map((l) => JSON.parse(l) as unknown));
    for (const s of seen) expect(s.info, s.ev.event).toEqual({ format: 'tickwatch', known: true, mapped: false });
  });

  it('redacts a contract line with an extra secret key, a PEM key in a declared field or a secret in a nested value; maps its level and component as before', () => {
    const tick = { ts: '2026-11-23T01:00:00.000000001Z', level: 'info', component: 'market_data', event: 'feed.tick', feed: 'twse-md', latency_ns: 1000 };
    const seen = run([
      JSON.stringify({ ...tick, api_key: 'k-secret-1' }),
      JSON.stringify({ ...tick, message: PEM }),
      JSON.stringify({ ...tick, ctx: { auth: { password: 'p-secret-2' } } }),
      JSON.stringify({ ...tick, level: 'WARNING' }),
    ]);
    expect(seen.map((s) => [s.ev.event, s.info.known])).toEqual(Array(4).fill(['feed.tick', true]));
    for (const s of seen.slice(0, 3)) {
      expect(s.raw).toContain('[REDACTED]');
      expect(s.raw).not.toMatch(/k-secret-1|p-secret-2|MIGHAgEA/);
      expect(JSON.stringify(s.ev)).not.toMatch(/k-secret-1|p-secret-2|MIGHAgEA/);
    }
    expect(seen[3]!.ev.level).toBe('warn');
    expect(seen[3]!.info.mapped).toBe(true);
    const { component: _c, ...noComponent } = tick;
    const defaulted = run([JSON.stringify(noComponent)], 'market_data');
    expect(defaulted.map((s) => [s.ev.component, s.info])).toEqual([['market_data', { format: 'tickwatch', known: true, mapped: true }]]);
  });
});

describe('ingest pipeline: each event time', () => {
  /** Lines through a pipeline (with `redact` words when given): each accepted event's `ts` text and time, and the rejections. */
  function times(lines: readonly string[], redact?: readonly string[]) {
    const got: [unknown, number][] = [];
    const pipeline = new IngestPipeline({
      registry: new MetricRegistry(),
      deadLetter: new DeadLetterFile(join(dir, `dead-time-${++n}.ndjson`)),
      log: captureLogging().logger('ingest'),
      consumers: [(ev, ts) => got.push([ev.ts, ts])],
      ...(redact ? { redactor: new Redactor(redact) } : {}),
    });
    const splitter = new LineSplitter(pipeline.source('file', '/engine/t.log'), 8192);
    splitter.push(Buffer.from(lines.map((l) => `${l}\n`).join('')));
    return { got, rejected: pipeline.rejected };
  }
  const T1 = '2026-11-23T01:00:00.000000001Z';
  const T2 = '2026-11-23T09:00:07.5+08:00';
  const tick = (ts: unknown, more = '') => `{"ts":${JSON.stringify(ts)},"level":"debug","component":"market_data","event":"feed.tick","feed":"twse-md","latency_ns":1000${more}}`;

  it("is the last ts the line holds, as JSON.parse reads it, whether the line is read flat or by JSON.parse", () => {
    const { got, rejected } = times([
      tick(T1),
      tick(T2),
      tick(T1, `,"ts":"${T2}"`), // a duplicate key: the last one counts
      tick(T1, ',"ctx":{"a":1}'), // nested: read by JSON.parse
      `{"ts": "${T2}", "level": "info", "component": "strategy", "event": "app.started"}`, // not a contract type, spaces
    ]);
    expect(rejected).toBe(0);
    expect(got).toEqual([
      [T1, parseTimestampSeconds(T1)],
      [T2, parseTimestampSeconds(T2)],
      [T2, parseTimestampSeconds(T2)],
      [T1, parseTimestampSeconds(T1)],
      [T2, parseTimestampSeconds(T2)],
    ]);
    expect(got[1]![1]).toBe(Date.UTC(2026, 10, 23, 1, 0, 7) / 1000 + 0.5);
  });

  it('rejects a line whose last ts is not a valid time, or was redacted, rather than taking a time from its bytes', () => {
    expect(times([tick(T1, ',"ts":5'), tick('2026-11-23T01:00:00.0000000001Z'), tick(T1, ',"ts":"yesterday"')])).toEqual({ got: [], rejected: 3 });
    // A redaction word that catches `ts` itself: the event's ts is [REDACTED], and so no time.
    expect(times([tick(T1)], ['ts'])).toEqual({ got: [], rejected: 1 });
    expect(times([tick(T1)], ['token'])).toEqual({ got: [[T1, parseTimestampSeconds(T1)]], rejected: 0 });
  });
});
