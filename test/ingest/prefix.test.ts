import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HftEvent } from '../../exporters/events/index.js';
import { DeadLetterFile } from '../../exporters/ingest/deadletter.js';
import { LineSplitter } from '../../exporters/ingest/lines.js';
import { IngestPipeline, type PipelineOptions } from '../../exporters/ingest/pipeline.js';
import { envelopePrefix, sameEnvelope } from '../../exporters/ingest/prefix.js';
import { LEVEL_SET } from '../../exporters/events/formats.js';
import { ENVELOPE_CHECK } from '../../exporters/events/index.js';
import { parseTimestampSeconds } from '../../exporters/ingest/timestamp.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { valueOf } from '../helpers/exposition.js';

const dir = tempDir();
const TS = '2026-11-23T01:00:00.000000001Z';

describe('envelopePrefix', () => {
  it('reads the four envelope keys from the start of a line, in any order, with or without spaces', () => {
    expect(envelopePrefix(`{"ts":"${TS}","level":"debug","component":"market_data","event":"feed.tick","feed":"x","latency_ns":5}`)).toEqual({ ts: TS, level: 'debug', component: 'market_data', event: 'feed.tick', tsStart: 7, end: 100 });
    expect(envelopePrefix(`{"event": "a.b", "component": "c", "message": "m", "level": "info", "ts": "${TS}", "n": 1}`)).toEqual({ ts: TS, level: 'info', component: 'c', event: 'a.b', tsStart: 75, end: 106 });
    expect(envelopePrefix(`{"ts":"${TS}","level":"debug","component":"c","event":"e"}`)).toEqual({ ts: TS, level: 'debug', component: 'c', event: 'e', tsStart: 7, end: 82 });
  });

  it('answers undefined whenever the first keys cannot settle the envelope JSON.parse would give', () => {
    const cases = [
      `{"ts":"${TS}","level":"debug","component":"c","event":"e","level":"error"}`, // a duplicate key: JSON.parse keeps the last
      `{"ts":"${TS}","level":"debug","component":"c","event":"e","order":{"event":"x"}}`, // the name again, nested: conservative
      `{"ts":"${TS}","n":1,"level":"debug","component":"c","event":"e"}`, // a non-string value before the four
      `{"ts":"${TS}","level":"deb\\u0075g","component":"c","event":"e"}`, // an escape
      `{"t\\u0073":"${TS}","level":"debug","component":"c","event":"e"}`,
      `{"ts":"${TS}","level":"debug","component":"c"}`, // no event
      `{"ts":"${TS}","level":"debug","component":"c","event":"e"`.slice(0, 40), // cut short
      `["ts","level"]`,
      ` {"ts":"${TS}","level":"debug","component":"c","event":"e"}`,
      `{"ts":"${TS}","level":"debug","ts":"${TS}","component":"c","event":"e"}`,
      '',
    ];
    for (const c of cases) expect(envelopePrefix(c), c).toBeUndefined();
  });

  it('never disagrees with JSON.parse when it answers (property)', () => {
    const key = fc.constantFrom('ts', 'level', 'component', 'event', 'x', 'feed', 'order');
    let answered = 0;
    const value = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null), fc.dictionary(key, fc.string({ maxLength: 3 }), { maxKeys: 2 }));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(['ts', 'level', 'component', 'event'], { minLength: 3 }),
        fc.array(fc.tuple(key, value), { maxLength: 3 }),
        fc.array(fc.tuple(key, value), { maxLength: 4 }),
        fc.array(fc.string({ maxLength: 4 }), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        (envelope, mid, after, values, spaced) => {
        const pairs: [string, unknown][] = [...envelope.map((k, i): [string, unknown] => [k, values[i]]), ...after];
        pairs.splice(Math.min(1, pairs.length), 0, ...mid);
        const body = pairs.map(([k, v]) => `${JSON.stringify(k)}:${spaced ? ' ' : ''}${JSON.stringify(v)}`).join(spaced ? ', ' : ',');
        const line = `{${body}}`;
        const p = envelopePrefix(line);
        if (p === undefined) return;
        answered++;
        const v = JSON.parse(line) as Record<string, unknown>;
        expect({ ts: v.ts, level: v.level, component: v.component, event: v.event }).toEqual({ ts: p.ts, level: p.level, component: p.component, event: p.event });
        expect(line.slice(p.tsStart, p.tsStart + p.ts.length)).toBe(p.ts);
        expect(line.charCodeAt(p.end - 1)).toBe(0x22);
        },
      ),
      { numRuns: 3000 },
    );
    expect(answered, 'lines the scanner settled').toBeGreaterThan(20);
  });
});

describe('sameEnvelope', () => {
  const first = `{"ts":"${TS}","level":"debug","component":"market_data","event":"feed.tick","feed":"twse-md"}`;
  const p = envelopePrefix(first)!;
  const head = first.slice(0, p.tsStart);
  const segment = first.slice(p.tsStart + p.ts.length, p.end);

  it("gives the ts of a line that opens as an earlier one but for ts, and nothing for any other", () => {
    const ts2 = '2026-11-23T01:00:07.5Z';
    expect(sameEnvelope(`{"ts":"${ts2}","level":"debug","component":"market_data","event":"feed.tick","feed":"tpex-md","n":1}`, head, segment)).toBe(ts2);
    for (const other of [
      `{"ts":"${ts2}","level":"info","component":"market_data","event":"feed.tick"}`,
      `{"ts":"${ts2}","level":"debug","component":"market_data","event":"feed.tock"}`,
      `{"ts": "${ts2}","level":"debug","component":"market_data","event":"feed.tick"}`,
      `{"ts":"${ts2}","level":"debug","component":"market_data","event":"feed.tick","level":"error"}`,
      `{"ts":"${ts2}","level":"debug","component":"market_data","event":"feed.tick","x":{"event":"y"}}`,
      `{"ts":"${ts2}","level":"debug","component":"market_data","event":"feed.tick"`.slice(0, 50),
      `{"ts":"${ts2}"}`,
    ])
      expect(sameEnvelope(other, head, segment), other).toBeUndefined();
    // A ts with an escape comes back as written: no valid timestamp holds a backslash.
    expect(sameEnvelope(`{"ts":"2026\\","level":"debug","component":"market_data","event":"feed.tick"}`, head, segment)).toBe('2026\\');
  });

  it('agrees with envelopePrefix whenever it answers and the ts holds no escape (property)', () => {
    const key = fc.constantFrom('ts', 'level', 'component', 'event', 'x', 'feed');
    const value = fc.oneof(fc.constantFrom('debug', 'info', 'market_data', 'feed.tick', TS, 'a\\"b'), fc.string({ maxLength: 4 }), fc.integer(), fc.dictionary(key, fc.string({ maxLength: 2 }), { maxKeys: 1 }));
    const line = (ts: string, level: unknown, tail: [string, unknown][], spaced: boolean) =>
      `{${[['ts', ts] as [string, unknown], ['level', level], ['component', 'market_data'], ['event', 'feed.tick'], ...tail].map(([k, v]) => `${JSON.stringify(k)}:${spaced ? ' ' : ''}${JSON.stringify(v)}`).join(',')}}`;
    let answered = 0;
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.constantFrom<unknown>('debug', 'info', 'debug"', 7), fc.array(fc.tuple(key, value), { maxLength: 3 }), fc.boolean(), (ts, level, tail, spaced) => {
        const l = line(ts, level, tail, spaced);
        const got = sameEnvelope(l, head, segment);
        if (got === undefined || got.includes('\\')) return;
        answered++;
        expect(envelopePrefix(l), l).toEqual(expect.objectContaining({ ts: got, level: p.level, component: p.component, event: p.event }));
      }),
      { numRuns: 3000, seed: 19 },
    );
    expect(answered, 'lines that opened as the first').toBeGreaterThan(100);
  });
});

/** A pipeline that passes by what `skip` says, its events collected, its dead letters in a file of their own. */
let pipelines = 0;
function skipping(skip: NonNullable<PipelineOptions['skip']>) {
  const registry = new MetricRegistry();
  const deadPath = join(dir, `dead-${++pipelines}.ndjson`);
  const deadLetter = new DeadLetterFile(deadPath);
  const events: HftEvent[] = [];
  const pipeline = new IngestPipeline({ registry, deadLetter, log: captureLogging().logger('ingest'), consumers: [(ev) => events.push(ev)], skip });
  return { registry, deadPath, deadLetter, events, pipeline };
}

describe('ingest pipeline: lines passed by (PipelineOptions.skip)', () => {
  it('counts a passed-by line from its envelope without handing it on; every other line takes the usual path', async () => {
    const { registry, deadPath, deadLetter, events, pipeline } = skipping((event, _component, level) => level === 'debug' && event === 'feed.tick');
    const splitter = new LineSplitter(pipeline.source('file', '/engine/events.ndjson'), 4096);
    const tick = (extra = '') => `{"ts":"${TS}","level":"debug","component":"market_data","event":"feed.tick","feed":"twse-md"${extra}}`;
    const lines = [
      tick(),
      tick(',"latency_ns":1000'),
      tick(',"latency_ns":"oops"'), // wrong type further on: passed by, not validated (the exporter's pipeline rejects it)
      tick(',"level":"error"'), // duplicate key: the usual path (error level wins), handed on
      `{"ts":"${TS}","level":"info","component":"market_data","event":"feed.tick","feed":"twse-md"}`, // not skipped
      `{"ts":"not a time","level":"debug","component":"market_data","event":"feed.tick","feed":"twse-md"}`, // bad ts: usual path, rejected
      `{"ts":"${TS}","level":"debug","component":"","event":"feed.tick","feed":"twse-md"}`, // bad envelope: usual path, rejected
    ];
    splitter.push(Buffer.from(`${lines.join('\n')}\n`));
    expect(pipeline.skipped).toBe(3);
    expect(events.map((e) => e.level)).toEqual(['error', 'info']);
    expect(pipeline.rejected).toBe(2);
    expect(pipeline.accepted).toBe(5);
    const s = await samplesOf(registry);
    expect(valueOf(s, 'tickwatch_log_events_total', { component: 'market_data', level: 'debug' })).toBe(3);
    expect(valueOf(s, 'tickwatch_log_events_total', { component: 'market_data', level: 'error' })).toBe(1);
    expect(valueOf(s, 'tickwatch_ingest_events_total', { source: 'file', component: 'market_data' })).toBe(5);
    expect(valueOf(s, 'tickwatch_ingest_last_event_timestamp_seconds', { source: 'file' })).toBeCloseTo(Date.parse(TS) / 1000, 3);
    await deadLetter.close();
    expect(readFileSync(deadPath, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('stops trying for a while on a stream whose lines are wanted, and tries again after', () => {
    const { events, pipeline } = skipping((_event, _component, level) => level === 'debug');
    const splitter = new LineSplitter(pipeline.source('file', '/engine/events.ndjson'), 4096);
    const line = (level: string) => `{"ts":"${TS}","level":"${level}","component":"market_data","event":"feed.tick","feed":"twse-md"}\n`;
    const feed = (level: string, n: number) => splitter.push(Buffer.from(line(level).repeat(n)));
    feed('debug', 1024); // a stream of lines to pass by is never rested (four whole samples)
    expect(pipeline.skipped).toBe(1024);
    feed('info', 256); // a sample of 256 with none passed by: the next 4,096 lines are not tried
    feed('debug', 4096);
    expect(pipeline.skipped).toBe(1024);
    expect(events).toHaveLength(256 + 4096);
    feed('debug', 10); // tried again
    expect(pipeline.skipped).toBe(1034);
    expect(pipeline.accepted).toBe(1024 + 256 + 4096 + 10);
  });

  it('passes by exactly the lines the envelope alone settles, whether or not they open as the line before (property)', () => {
    const skip = (event: string, _component: string, level: string) => level === 'debug' && event !== 'order.submitted';
    /** What passBy decides from a line alone (the path without the last line's envelope). */
    const settles = (l: string) => {
      const p = envelopePrefix(l);
      return p !== undefined && LEVEL_SET.has(p.level) && skip(p.event, p.component, p.level) && ENVELOPE_CHECK.Check(p) && !Number.isNaN(parseTimestampSeconds(p.ts));
    };
    const ts = fc.oneof(fc.constantFrom(TS, '2026-11-23T01:00:01Z', '2026-11-23T01:00:02.5+08:00'), fc.constantFrom('2026-11-23T01:00:0', 'x', '2026-11-23T01:00:01Z\\', '2026-11-23T01:00:01Zz'));
    const component = fc.constantFrom('market_data', 'monitor', '', 'a\u0001b');
    const event = fc.constantFrom('feed.tick', 'position.snapshot', 'order.submitted');
    const level = fc.constantFrom('debug', 'debug', 'info', 'nope');
    const tail = fc.constantFrom('', ',"feed":"twse-md"', ',"level":"error"', ',"x":{"event":"y"}', ',"n":1');
    const canonical = fc.tuple(ts, level, component, event, tail).map(([t, lv, c, e, x]) => `{"ts":${JSON.stringify(t)},"level":"${lv}","component":${JSON.stringify(c)},"event":"${e}"${x}}`);
    const other = fc.constantFrom(`{"ts": "${TS}", "level": "debug", "component": "market_data", "event": "feed.tick"}`, `{"level":"debug","ts":"${TS}","component":"market_data","event":"feed.tick"}`, `{"ts":"${TS}","n":2,"level":"debug","component":"market_data","event":"feed.tick"}`);
    const tick = `{"ts":"${TS}","level":"debug","component":"market_data","event":"feed.tick"}`;
    let fast = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(tick) }, { weight: 4, arbitrary: canonical }, { weight: 1, arbitrary: other }), { minLength: 1, maxLength: 60 }), (lines) => {
        const { pipeline } = skipping(skip);
        const splitter = new LineSplitter(pipeline.source('file', '/engine/events.ndjson'), 4096);
        let before = pipeline.skipped;
        let previous: string | undefined;
        for (const l of lines) {
          splitter.push(Buffer.from(`${l}\n`));
          expect(pipeline.skipped - before, l).toBe(settles(l) ? 1 : 0);
          // Whether the line took the short way: it opens as the last line passed by (here, the one before), ts first.
          const q = previous !== undefined && settles(previous) ? envelopePrefix(previous)! : undefined;
          if (q !== undefined && q.tsStart <= 9 && sameEnvelope(l, previous!.slice(0, q.tsStart), previous!.slice(q.tsStart + q.ts.length, q.end)) !== undefined) fast++;
          before = pipeline.skipped;
          previous = l;
        }
        expect(pipeline.accepted + pipeline.rejected).toBe(lines.length);
      }),
      { numRuns: 600, seed: 19 },
    );
    expect(fast, 'lines that opened as the line passed by before them').toBeGreaterThan(300);
  });

  it('reads a source of another format the usual way', () => {
    const { events, pipeline } = skipping(() => true);
    const splitter = new LineSplitter(pipeline.source('file', '/engine/s.log', { format: 'structlog' }), 4096);
    splitter.push(Buffer.from(`{"event":"hello","level":"debug","timestamp":"${TS}","component":"x","ts":"${TS}"}\n`));
    expect(pipeline.skipped).toBe(0);
    expect(events).toHaveLength(1);
  });
});
