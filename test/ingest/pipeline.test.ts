import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HftEvent } from '../../exporters/events/index.js';
import { EVENT_TYPES } from '../../exporters/events/index.js';
import { DeadLetterFile, type DeadLetterRecord } from '../../exporters/ingest/deadletter.js';
import { LineSplitter } from '../../exporters/ingest/lines.js';
import { IngestPipeline } from '../../exporters/ingest/pipeline.js';
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
      ['{"ts":"2026-11-23T01:00:00Z","level":"info","component":"monitor","event":"engine.exploded"}', 'unknown_event'],
      ['{"ts":"2026-11-23T01:00:00Z","level":"info","component":"monitor"}', 'schema'],
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
    expect(dead[4]!.detail).toMatch(/\/feed/); // says which field
    expect(dead[6]!.bytes).toBeGreaterThan(600); // full length of the oversize line, first bytes kept
    const warned = t.logging.lines.filter((l) => l.event === 'ingest.line_rejected' && l.level === 'warn');
    expect(new Set(warned.map((l) => l.reason))).toEqual(new Set(byReason.keys()));
    expect(t.logging.lines.filter((l) => l.event === 'ingest.line_rejected' && l.level === 'debug')).toHaveLength(bad.length);
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

  it('gives the same lines, offsets and resume point however the stream is cut into chunks', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 40 }).map((x) => x.replace(/\n/g, ' ')),
      fc.constantFrom('', '\r', 'ok\r', 'é€😀', 'x'.repeat(70)),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 20 }), (lines, trailing, cuts) => {
        const whole = Buffer.from(lines.join('\n') + (trailing ? '\n' : ''));
        const at = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const c of [...at, whole.length]) {
          chunks.push(whole.subarray(from, c));
          from = c;
        }
        expect(split(chunks, 50)).toEqual(split([whole], 50));
      }),
      { numRuns: 500 },
    );
  });
});
