/**
 * One read of a file for two readers (FileTailer.carry, `tickwatch start`'s exporter and recorder):
 * the carried reader must end with exactly what it would have had reading alone, through carried
 * reads, reads of its own while the two part (paused, behind, stopped leader, rotation), and lines
 * that are bad, over-long or written in two halves.
 */
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeadLetterFile } from '../../exporters/ingest/deadletter.js';
import { IngestPipeline } from '../../exporters/ingest/pipeline.js';
import { FileTailer } from '../../exporters/ingest/tail.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { DEFAULT_LEVELS, skipsNoRows } from '../../exporters/recorder/rows.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { startTickwatch } from '../../exporters/start.js';
import { captureLogging, samplesOf, tempDir } from '../helpers/env.js';

const dir = tempDir();
let k = 0;

/** A reader as the recorder reads (lines that make no row passed by), or as the exporter reads (every line parsed). */
function reader(path: string, role: 'recorder' | 'exporter', paused = { on: false }) {
  const registry = new MetricRegistry();
  const deadPath = join(dir, `dead-${++k}.ndjson`);
  const deadLetter = new DeadLetterFile(deadPath);
  const logging = captureLogging();
  const kept: string[] = [];
  const pipeline = new IngestPipeline({
    registry,
    deadLetter,
    log: logging.logger('ingest'),
    consumers: [(ev, t, raw, info) => kept.push(`${t} ${info.format} ${info.known} ${info.mapped} ${info.source} ${JSON.stringify(ev)} ${raw ?? '-'}`)],
    ...(role === 'recorder' ? { skip: skipsNoRows(DEFAULT_LEVELS) } : {}),
  });
  const tailer = new FileTailer({ path, pollMs: 1e9, maxLineBytes: 400, paused: () => paused.on }, pipeline.source('file', path), logging.logger('ingest'));
  const dead = async () => {
    await deadLetter.close();
    let text = '';
    try {
      text = readFileSync(deadPath, 'utf8');
    } catch {
      // no line was dead-lettered
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const r = JSON.parse(l) as { reason: string; offset: number; line: string };
        return `${r.reason}@${r.offset}:${r.line}`;
      });
  };
  return { registry, pipeline, tailer, kept, dead, paused };
}

let seq = 0;
/** The normal mix in miniature: debug ticks (no row), info lines (rows), a bad line, an over-long one. */
function lines(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    seq++;
    const ts = `2026-11-23T01:00:${String(seq % 60).padStart(2, '0')}.${String(seq).padStart(9, '0')}Z`;
    if (seq % 10 === 3) out += `${JSON.stringify({ ts, level: 'info', component: 'strategy_runner', event: 'strategy.intent', strategy: 'mm-1', side: 'buy', decision_latency_ns: seq, intent_id: `i-${seq}` })}\n`;
    else if (seq % 10 === 5) out += `${JSON.stringify({ ts, level: 'warn', component: 'risk_engine', event: 'risk.limit_near', message: `m ${seq}` })}\n`;
    else if (seq % 97 === 0) out += `{"ts":"${ts}","level":"debug" broken ${seq}\n`;
    else if (seq % 10 === 7) out += `${JSON.stringify({ ts, level: 'info', component: 'risk_engine', event: 'risk.login', api_token: `t-${seq}` })}\n`; // redacted
    else if (seq % 10 === 9) out += `${JSON.stringify({ timestamp: ts, level: 'warning', logger: 'gw', event: `structlog line ${seq}` })}\n`; // mapped
    else if (seq % 89 === 0) out += `${JSON.stringify({ ts, level: 'info', component: 'market_data', event: 'long.line', message: 'y'.repeat(500) })}\n`;
    else if (seq % 20 === 11) out += `${JSON.stringify({ ts, level: 'info', component: 'market_data', event: 'feed.tick', feed: 'twse-md', latency_ns: seq })}\n`; // a tick at info, after a debug one: a row
    else out += `${JSON.stringify({ ts, level: 'debug', component: 'market_data', event: 'feed.tick', feed: 'twse-md', latency_ns: seq })}\n`;
  }
  return out;
}

/** What a recorder-like reader ended with: its metrics, what it kept, what it dead-lettered, its position. */
async function outcome(r: ReturnType<typeof reader>) {
  const samples = (await samplesOf(r.registry)).filter((s) => s.name.startsWith('tickwatch_ingest_') || s.name.startsWith('tickwatch_log_events'));
  return { samples, kept: [...r.kept], dead: await r.dead(), accepted: r.pipeline.accepted, rejected: r.pipeline.rejected, offset: r.tailer.currentState()?.offset };
}

describe('FileTailer.carry: one read of a file for the exporter and the recorder', () => {
  it('the carried reader ends with what it would have read alone, through carried reads and reads of its own while the two part', async () => {
    const path = join(dir, `events-${++k}.ndjson`);
    writeFileSync(path, '');
    const lead = reader(path, 'exporter');
    const rider = reader(path, 'recorder');
    const alone = reader(path, 'recorder');
    for (const r of [lead, rider, alone]) r.tailer.start();
    expect(lead.tailer.carry(rider.tailer)).toBe(true);
    const poll = () => {
      // The rider's own poll first (it defers while carried), then the leader's, then the reference's.
      rider.tailer.pollNow();
      lead.tailer.pollNow();
      alone.tailer.pollNow();
    };

    // 1. Carried: the rider reads nothing itself; a line written in two halves arrives whole.
    appendFileSync(path, lines(500));
    const half = lines(1);
    appendFileSync(path, half.slice(0, 40));
    poll();
    appendFileSync(path, half.slice(40) + lines(300));
    poll();
    expect(rider.tailer.carriedLines).toBe(rider.tailer.lines);
    expect(rider.tailer.carriedLines).toBeGreaterThan(700);
    expect(rider.pipeline.skipped).toBeGreaterThan(400); // debug ticks counted from the leader's envelope
    expect(await outcome(rider)).toEqual(await outcome(alone));

    // 2. Paused (a full write-ahead log): the leader reads on without it; unpaused, it reads by itself, then is carried again.
    rider.paused.on = true;
    let leadBefore = lead.tailer.lines;
    appendFileSync(path, lines(400));
    poll();
    const carriedBefore = rider.tailer.carriedLines;
    expect(carriedBefore).toBe(rider.tailer.lines);
    rider.paused.on = false;
    poll(); // the rider's own read: it is behind the leader
    expect(rider.tailer.lines).toBe(carriedBefore + (lead.tailer.lines - leadBefore));
    expect(rider.tailer.carriedLines).toBe(carriedBefore);
    leadBefore = lead.tailer.lines;
    appendFileSync(path, lines(300));
    poll();
    expect(rider.tailer.carriedLines).toBe(carriedBefore + (lead.tailer.lines - leadBefore));
    expect(await outcome(rider)).toEqual(await outcome(alone));

    // 3. Rotated by rename: the rider follows the rotation by itself, and is carried again on the new file.
    appendFileSync(path, lines(50));
    renameSync(path, `${path}.1`);
    appendFileSync(path, lines(200));
    poll();
    poll();
    poll();
    const afterRotation = rider.tailer.carriedLines;
    leadBefore = lead.tailer.lines;
    appendFileSync(path, lines(100));
    poll();
    const carriedAfter = rider.tailer.carriedLines;
    expect(carriedAfter).toBe(afterRotation + (lead.tailer.lines - leadBefore));
    expect(carriedAfter).toBeGreaterThan(afterRotation + 90);
    expect(rider.tailer.seen.rotations).toBe(1);
    expect(await outcome(rider)).toEqual(await outcome(alone));

    // 4. The leader stopped: the rider reads by itself.
    lead.tailer.stop();
    appendFileSync(path, lines(120));
    poll();
    expect(rider.tailer.carriedLines).toBe(carriedAfter);
    expect(await outcome(rider)).toEqual(await outcome(alone));
    const final = await outcome(rider);
    expect(final.dead.some((d) => d.startsWith('invalid_json@'))).toBe(true);
    expect(final.dead.some((d) => d.startsWith('too_large@'))).toBe(true);
    expect(final.kept.length).toBeGreaterThan(300);
    for (const r of [rider, alone]) r.tailer.stop();
  });

  it('carries only a reader of the same file read the same way', () => {
    const path = join(dir, `events-${++k}.ndjson`);
    writeFileSync(path, '');
    const lead = reader(path, 'exporter');
    const other = join(dir, `events-${++k}.ndjson`);
    writeFileSync(other, '');
    expect(lead.tailer.carry(reader(other, 'recorder').tailer)).toBe(false);
    // Another format: its envelope of a line may differ from the leader's.
    const registry = new MetricRegistry();
    const logging = captureLogging();
    const structlog = new IngestPipeline({ registry, deadLetter: new DeadLetterFile(join(dir, `dead-${++k}.ndjson`)), log: logging.logger('ingest'), consumers: [] });
    expect(lead.tailer.carry(new FileTailer({ path }, structlog.source('file', path, { format: 'structlog' }), logging.logger('ingest')))).toBe(false);
    expect(() => lead.tailer.carry(lead.tailer)).toThrow(/itself/);
    const rider = reader(path, 'recorder');
    expect(lead.tailer.carry(rider.tailer)).toBe(true);
    expect(() => reader(path, 'exporter').tailer.carry(rider.tailer)).toThrow(/carried already/);
  });

  it('tickwatch start pairs each of the recorder\'s tailers with one leader, also for a file named twice', { timeout: 60_000 }, async () => {
    const path = join(dir, `events-${++k}.ndjson`);
    writeFileSync(path, '');
    const logging = captureLogging();
    const tw = await startTickwatch(
      {
        dataDir: join(dir, `start-${k}`),
        hft: { port: 0, tcp: null, files: [path, path], calendar: ALWAYS_OPEN_CALENDAR },
        recorders: [{ store: { kind: 'embedded', path: join(dir, `audit-${k}.duckdb`) }, port: 0, queryPort: 0 }],
      },
      logging,
    );
    try {
      const shared = logging.lines.find((l) => l.event === 'start.shared_reads') as { files?: string[] } | undefined;
      expect(shared?.files).toEqual([path, path]);
    } finally {
      await tw.close();
    }
  });
});
