/**
 * Ingest throughput on one core: the whole file-tail path (read, split, JSON.parse, schema
 * validation, derivation into shared-memory metrics) over a realistic mixed file from the
 * simulator, beside `JSON.parse` alone over the same lines, in the same run. Also peak RSS.
 * Targets: at least 500,000 events/s (issue 3), and at least 0.7x the JSON.parse-only rate
 * (issue 19; issue 3 asked for half).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { ENVELOPE_CHECK, EVENT_TYPES, VALIDATORS } from '../../exporters/events/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { TradingCalendar, TWSE_CALENDAR } from '../../exporters/hft/calendar.js';
import { Deriver } from '../../exporters/hft/derive.js';
import { DeadLetterFile } from '../../exporters/ingest/deadletter.js';
import { IngestPipeline, type EventConsumer, type PipelineOptions } from '../../exporters/ingest/pipeline.js';
import { DEFAULT_LEVELS, skipsNoRows } from '../../exporters/recorder/rows.js';
import { Redactor } from '../../exporters/ingest/redact.js';
import { FileTailer } from '../../exporters/ingest/tail.js';
import { runScenario } from '../../exporters/hft/simulator/run.js';
import { scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { createLogging } from '../../exporters/lib/log.js';
import type { FormatOption } from '../../exporters/events/formats.js';
import { median, table, verdict } from './measure.js';

const EVENTS = 1_000_000;
/** Least share of the JSON.parse-only rate the full ingest must reach (issue 19). */
const VS_PARSE = 0.7;
/** Rounds of each path; the table shows medians (one ~2 s run on this shared VM varies by +-15 %). */
const ROUNDS = 5;

/** JSON.parse of every line of the file, reading and splitting the same way. @returns lines parsed */
export function parseOnly(path: string): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let pos = 0;
  let n = 0;
  let rest: Buffer | null = null;
  for (;;) {
    const r = readSync(fd, buf, 0, buf.length, pos);
    if (r <= 0) break;
    pos += r;
    let b = buf.subarray(0, r);
    if (rest) b = Buffer.concat([rest, b]);
    let start = 0;
    for (let nl = b.indexOf(10, start); nl >= 0; nl = b.indexOf(10, start)) {
      const v = JSON.parse(b.toString('utf8', start, nl)) as object | null;
      if (v) n++;
      start = nl + 1;
    }
    rest = start < b.length ? Buffer.from(b.subarray(start)) : null;
  }
  closeSync(fd);
  return n;
}

/**
 * The full file-tail path into a fresh registry: the HFT exporter's (every line parsed, validated
 * and derived into metrics), or with `skip` and no derivation the recorder's (without its store).
 * @returns lines accepted, rejected and passed by
 */
export function fullPath(path: string, dir: string, round: number, format: FormatOption = 'auto', opts: { skip?: PipelineOptions['skip']; derive?: boolean } = {}): { accepted: number; rejected: number; skipped: number } {
  const registry = new MetricRegistry();
  const logging = createLogging({ service: 'bench', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const deriver = new Deriver({ registry, calendar: new TradingCalendar(TWSE_CALENDAR) });
  // Without derivation the lines are handed to a consumer that does nothing (the recorder's store is not measured here).
  const consumers: EventConsumer[] = opts.derive === false ? [() => undefined] : [(ev, t) => deriver.apply(ev, t)];
  const pipeline = new IngestPipeline({ registry, deadLetter: new DeadLetterFile(join(dir, `dead-${round}.ndjson`)), log: logging.logger('ingest'), consumers, ...(opts.skip ? { skip: opts.skip } : {}) });
  const tailer = new FileTailer({ path, pollMs: 1e9, maxBytesPerPoll: Number.MAX_SAFE_INTEGER }, pipeline.source('file', path, { format }), logging.logger('ingest'));
  tailer.start();
  tailer.pollNow();
  tailer.stop();
  return { accepted: pipeline.accepted, rejected: pipeline.rejected, skipped: pipeline.skipped };
}

/** Runs the ingest benchmark and prints its table. @returns whether both targets were met */
/** Peak RSS in KiB of a fresh process running one mode over the file. */
function rssOf(mode: 'full' | 'parse', path: string, dir: string): number {
  const child = fileURLToPath(new URL('./ingest-rss.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', child, mode, path, dir], { encoding: 'utf8' });
  return (JSON.parse(out) as { maxRssKiB: number }).maxRssKiB;
}

export async function benchIngest(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'tickwatch-bench-'));
  try {
    const path = join(dir, 'events.ndjson');
    const sink = new FileSink(path);
    // The normal session writes about 600 events per simulated second at the default rates.
    let written = 0;
    let t = Date.UTC(2026, 10, 23, 1) / 1000;
    while (written < EVENTS) {
      const r = await runScenario({ scenario: scenarioByName('normal'), seed: written + 1, start: t, duration: 120, speed: Infinity }, sink);
      written += r.events;
      t += 120;
    }
    await sink.close();
    const bytes = statSync(path).size;

    const parseRates: number[] = [];
    const fullRates: number[] = [];
    let accepted = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let t0 = process.hrtime.bigint();
      const n = parseOnly(path);
      parseRates.push(n / (Number(process.hrtime.bigint() - t0) / 1e9));
      t0 = process.hrtime.bigint();
      const r = fullPath(path, dir, round);
      fullRates.push(r.accepted / (Number(process.hrtime.bigint() - t0) / 1e9));
      accepted = r.accepted;
      if (r.rejected !== 0 || r.accepted !== n) throw new Error(`ingest lost or rejected lines: ${r.accepted} accepted, ${r.rejected} rejected, ${n} lines`);
    }
    const parse = median(parseRates);
    const full = median(fullRates);
    const ok = full >= 500_000 && full >= parse * VS_PARSE;
    table(
      `Ingest on one core: ${accepted.toLocaleString('en')} events, ${(bytes / 2 ** 20).toFixed(0)} MiB simulator file (median of ${ROUNDS} runs)`,
      ['path', 'events/s', 'vs JSON.parse only', 'target'],
      [
        ['JSON.parse only (read + split + parse)', Math.round(parse), '1.00x', 'baseline'],
        ['full ingest (tail + parse + validate + derive)', Math.round(full), `${(full / parse).toFixed(2)}x`, `>= 500,000/s and >= ${VS_PARSE}x: ${verdict(ok)}`],
      ],
    );
    // The recorder's pipeline: lines that make no row (the debug ticks) are passed by from their
    // envelope, unparsed (PipelineOptions.skip); the rest are parsed, validated and handed on.
    const recorderRates: number[] = [];
    let passedBy = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = process.hrtime.bigint();
      const r = fullPath(path, dir, 200 + round, 'auto', { skip: skipsNoRows(DEFAULT_LEVELS), derive: false });
      recorderRates.push(r.accepted / (Number(process.hrtime.bigint() - t0) / 1e9));
      passedBy = r.skipped;
    }
    const recorder = median(recorderRates);
    console.log(`Recorder's pipeline (${((passedBy / accepted) * 100).toFixed(1)} % of lines passed by from their envelope, the rest parsed and validated; no store): ${Math.round(recorder).toLocaleString('en')} lines/s, ${(recorder / parse).toFixed(2)}x the JSON.parse-only rate (median of ${ROUNDS})`);
    // Schema validation alone (TypeBox compiled checks) over the parsed lines of the first 200k events.
    const objs = readFileSync(path, 'utf8').split('\n', 200_000).filter(Boolean).map((l) => JSON.parse(l) as { event: string });
    const validateNs = median(
      [0, 1, 2].map(() => {
        const t0 = process.hrtime.bigint();
        let ok = 0;
        for (const o of objs) if ((VALIDATORS.get(o.event) ?? ENVELOPE_CHECK).Check(o)) ok++;
        if (ok !== objs.length) throw new Error('simulator lines failed validation');
        return Number(process.hrtime.bigint() - t0) / objs.length;
      }),
    );
    console.log(`Schema validation alone (TypeBox compiled): ${validateNs.toFixed(0)} ns/event, ${((validateNs / (1e9 / full)) * 100).toFixed(1)} % of the full ingest cost per event`);
    // Redaction's cost (issue 16) as the pipeline pays it: the walk of every parsed line's keys
    // (redact.ts). The simulator writes no secret, so nothing may change.
    const texts = readFileSync(path, 'utf8').split('\n', 200_000).filter(Boolean);
    const redactor = new Redactor();
    const redactNs = median(
      [0, 1, 2].map(() => {
        const parsed = texts.map((l) => JSON.parse(l) as unknown);
        const t0 = process.hrtime.bigint();
        let changed = 0;
        for (let i = 0; i < parsed.length; i++) changed += redactor.object(parsed[i]);
        if (changed !== 0) throw new Error(`redaction changed ${changed} values of simulator lines, which hold no secret`);
        return Number(process.hrtime.bigint() - t0) / parsed.length;
      }),
    );
    console.log(`Redaction's walk of every parsed line's keys (none changed): ${redactNs.toFixed(0)} ns/event, ${((redactNs / (1e9 / full)) * 100).toFixed(1)} % of the full ingest cost per event`);
    // What the pipeline pays since issue 19: its event type's clean test, and the walk only when that fails.
    const cleanTests = new Map(EVENT_TYPES.map((e) => [e.name, redactor.cleanTest(Object.keys(e.schema.properties))]));
    let walked = 0;
    const paidNs = median(
      [0, 1, 2].map(() => {
        const parsed = texts.map((l) => JSON.parse(l) as Record<string, unknown>);
        walked = 0;
        const t0 = process.hrtime.bigint();
        let changed = 0;
        for (let i = 0; i < parsed.length; i++) {
          const v = parsed[i]!;
          const test = typeof v.event === 'string' ? cleanTests.get(v.event) : undefined;
          if (test === undefined || !test(v)) {
            walked++;
            changed += redactor.object(v);
          }
        }
        if (changed !== 0) throw new Error(`redaction changed ${changed} values of simulator lines, which hold no secret`);
        return Number(process.hrtime.bigint() - t0) / parsed.length;
      }),
    );
    console.log(`Redaction as the pipeline pays it (the line's event-type test, the walk when it fails: ${((walked / texts.length) * 100).toFixed(1)} % of lines): ${paidNs.toFixed(0)} ns/event, ${((paidNs / (1e9 / full)) * 100).toFixed(1)} % of the full ingest cost per event`);
    // The engines' own log formats: the same normal session written as each library writes it,
    // read with the source's format fixed, each beside JSON.parse alone over its own file.
    const formatRows: (string | number)[][] = [];
    for (const format of ['tickwatch', 'structlog', 'loguru', 'pino'] as const) {
      const fpath = join(dir, `events.${format}.ndjson`);
      const fsink = new FileSink(fpath);
      await runScenario({ scenario: scenarioByName('normal'), seed: 1, start: Date.UTC(2026, 10, 23, 1) / 1000, duration: 300, speed: Infinity, format }, fsink);
      await fsink.close();
      const pr: number[] = [];
      const fr: number[] = [];
      for (let round = 0; round < 3; round++) {
        let t0 = process.hrtime.bigint();
        const n = parseOnly(fpath);
        pr.push(n / (Number(process.hrtime.bigint() - t0) / 1e9));
        t0 = process.hrtime.bigint();
        const r = fullPath(fpath, dir, 100 + round, format);
        fr.push(r.accepted / (Number(process.hrtime.bigint() - t0) / 1e9));
        if (r.rejected !== 0 || r.accepted !== n) throw new Error(`${format}: ${r.accepted} accepted, ${r.rejected} rejected, ${n} lines`);
      }
      const p = median(pr);
      const f = median(fr);
      formatRows.push([format, (statSync(fpath).size / 2 ** 20).toFixed(0), Math.round(p), Math.round(f), `${(f / p).toFixed(2)}x`]);
    }
    table('Ingest by log format (the normal session, 300 simulated s, written as each library writes it; median of 3)', ['format', 'MiB', 'JSON.parse only/s', 'full ingest/s', 'vs JSON.parse'], formatRows);
    // Peak RSS in fresh processes (getrusage maxrss), so nothing else this run did counts.
    const fullRss = rssOf('full', path, dir);
    const bareRss = rssOf('parse', path, dir);
    console.log(`Peak RSS over ${accepted.toLocaleString('en')} events: full ingest ${(fullRss / 1024).toFixed(0)} MiB, JSON.parse-only process ${(bareRss / 1024).toFixed(0)} MiB (each in its own process)`);
    return ok;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
