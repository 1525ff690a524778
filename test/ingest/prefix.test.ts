import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HftEvent } from '../../exporters/events/index.js';
import { DeadLetterFile } from '../../exporters/ingest/deadletter.js';
import { LineSplitter } from '../../exporters/ingest/lines.js';
import { IngestPipeline, type PipelineOptions } from '../../exporters/ingest/pipeline.js';
import { envelopePrefix } from '../../exporters/ingest/prefix.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';
import { valueOf } from '../helpers/exposition.js';

const dir = tempDir();
const TS = '2026-11-23T01:00:00.000000001Z';

describe('envelopePrefix', () => {
  it('reads the four envelope keys from the start of a line, in any order, with or without spaces', () => {
    expect(envelopePrefix(`{"ts":"${TS}","level":"debug","component":"market_data","event":"feed.tick","feed":"x","latency_ns":5}`)).toEqual({ ts: TS, level: 'debug', component: 'market_data', event: 'feed.tick' });
    expect(envelopePrefix(`{"event": "a.b", "component": "c", "message": "m", "level": "info", "ts": "${TS}", "n": 1}`)).toEqual({ ts: TS, level: 'info', component: 'c', event: 'a.b' });
    expect(envelopePrefix(`{"ts":"${TS}","level":"debug","component":"c","event":"e"}`)).toEqual({ ts: TS, level: 'debug', component: 'c', event: 'e' });
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
        expect({ ts: v.ts, level: v.level, component: v.component, event: v.event }).toEqual(p);
        },
      ),
      { numRuns: 3000 },
    );
    expect(answered, 'lines the scanner settled').toBeGreaterThan(20);
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

  it('reads a source of another format the usual way', () => {
    const { events, pipeline } = skipping(() => true);
    const splitter = new LineSplitter(pipeline.source('file', '/engine/s.log', { format: 'structlog' }), 4096);
    splitter.push(Buffer.from(`{"event":"hello","level":"debug","timestamp":"${TS}","component":"x","ts":"${TS}"}\n`));
    expect(pipeline.skipped).toBe(0);
    expect(events).toHaveLength(1);
  });
});
