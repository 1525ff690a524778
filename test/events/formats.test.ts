/**
 * The engine's own log formats, read as the logging libraries write them. The mapping is checked
 * line by line on the shapes the libraries' docs give, then end to end: a Python script logs through
 * the real structlog and Loguru (Debian's python3-structlog 22.3 and python3-loguru 0.6, installed by
 * scripts/setup.sh) and a Node.js module through the real pino, each into its own file, and the HFT
 * exporter and the recorder tail those files as they are, without the engine reformatting anything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, GENERIC_EVENT, normalize, normalizeLevel } from '../../exporters/events/formats.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import { TABLES } from '../../exporters/catalog/tables.js';
import { verifyStore } from '../../exporters/recorder/verify.js';
import { startTickwatch, type Tickwatch } from '../../exporters/start.js';
import { captureLogging, tempDir } from '../helpers/env.js';
import { parseExposition, valueOf, type Sample } from '../helpers/exposition.js';
import { runTool } from '../helpers/tools.js';

const ENGINE_LOGS = fileURLToPath(new URL('./fixtures/engine_logs.py', import.meta.url));
/** Debian's python3 (where python3-structlog and python3-loguru install), not a pyenv one earlier on PATH. */
const PYTHON = '/usr/bin/python3';

describe('log formats: the mapping onto the envelope', () => {
  it('reads structlog JSONRenderer lines: message from event, type from event_type, ISO, zone-less and Unix timestamps', () => {
    const iso = normalize({ event: 'order submitted', event_type: 'order.submitted', level: 'warning', timestamp: '2026-12-02T05:42:42.190578Z', component: 'order_adapter', qty: 5 }, 'structlog');
    expect(iso).toEqual({ ok: true, format: 'structlog', mapped: true, event: { ts: '2026-12-02T05:42:42.190578Z', component: 'order_adapter', level: 'warn', event: 'order.submitted', message: 'order submitted', qty: 5 } });
    const naive = normalize({ event: 'hello', level: 'critical', timestamp: '2026-12-02T05:42:42.190578', logger: 'risk' }, 'structlog', { component: 'risk_engine' });
    expect(naive.ok && naive.event).toMatchObject({ ts: '2026-12-02T05:42:42.190578Z', component: 'risk_engine', logger: 'risk', level: 'fatal', event: GENERIC_EVENT, message: 'hello' });
    const unix = normalize({ event: 'unix ts', level: 'exception', timestamp: 1796190162.1910646, logger: 'strategy_runner' }, 'structlog');
    expect(unix.ok && unix.event).toMatchObject({ ts: '2026-12-02T05:42:42.191065Z', component: 'strategy_runner', level: 'error' });
  });

  it('reads Loguru serialize=True records: time.repr with its offset, level names, extra merged, exception kept', () => {
    const line = {
      text: '2026-12-02 05:42:42.223 | ERROR | x\n',
      record: {
        exception: { type: 'KeyError', value: "'missing'", traceback: true },
        extra: { component: 'risk_engine', correlation_id: 'c-2', event_type: 'risk.check_failed', strategy: 'mm' },
        function: 'check',
        level: { icon: '', name: 'ERROR', no: 40 },
        line: 24,
        message: 'lookup failed',
        name: 'app.risk',
        file: { name: 'risk.py', path: '/srv/app/risk.py' },
        time: { repr: '2026-12-02 13:42:42.223993+08:00', timestamp: 1796190162.223993 },
      },
    };
    const n = normalize(line, 'auto');
    expect(n).toEqual({
      ok: true,
      format: 'loguru',
      mapped: true,
      event: {
        ts: '2026-12-02T13:42:42.223993+08:00',
        component: 'risk_engine',
        correlation_id: 'c-2',
        strategy: 'mm',
        level: 'error',
        event: 'risk.check_failed',
        message: 'lookup failed',
        logger: 'app.risk',
        function: 'check',
        line: 24,
        file: '/srv/app/risk.py',
        exception: { type: 'KeyError', value: "'missing'", traceback: true },
      },
    });
    expect(normalizeLevel('SUCCESS')).toBe('info');
    expect(normalizeLevel('TRACE')).toBe('trace');
  });

  it('reads pino lines: time in ms, numeric levels, msg', () => {
    const n = normalize({ level: 50, time: 1796190162123, pid: 1, hostname: 'h', name: 'order_adapter', msg: 'broker refused', event: 'order.refused' }, 'auto');
    expect(n.ok && n.event).toMatchObject({ ts: '2026-12-02T05:42:42.123000Z', component: 'order_adapter', level: 'error', event: 'order.refused', message: 'broker refused', pid: 1 });
    expect([10, 20, 30, 40, 50, 60, 35].map(normalizeLevel)).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'info']);
  });

  it('detects each format from the line alone, and says what a fixed format does not find', () => {
    expect(detectFormat({ ts: 'x', event: 'feed.tick', component: 'market_data' })).toBe('tickwatch');
    expect(detectFormat({ event: 'hi', timestamp: 'x', level: 'info' })).toBe('structlog');
    expect(detectFormat({ text: '', record: { time: {}, level: {} } })).toBe('loguru');
    expect(detectFormat({ level: 30, time: 1, msg: 'x' })).toBe('pino');
    expect(detectFormat({ foo: 1 })).toBeUndefined();
    expect(normalize({ ts: '2026-12-02T05:42:42Z', event: 'x' }, 'loguru')).toEqual({ ok: false, detail: expect.stringMatching(/not a Loguru line/) });
    // Out-of-range numeric times are not a crash, just no ts (then the envelope check rejects the line).
    expect(normalize({ event: 'x', timestamp: 1e300, level: 'info' }, 'structlog')).toMatchObject({ ok: true, event: { ts: undefined } });
  });
});

describe('log formats: lines from the real libraries, through the exporter and the recorder', () => {
  const dir = tempDir('tickwatch-formats-');
  let tw: Tickwatch | undefined;
  afterAll(async () => tw?.close());

  it('accepts structlog, Loguru and pino lines as written, moves metrics from known types, counts every level, and records them verifiably', { timeout: 120_000 }, async () => {
    const structlogFile = join(dir, 'order_adapter.log');
    const loguruFile = join(dir, 'risk_engine.log');
    const pinoFile = join(dir, 'execution.log');
    writeFileSync(structlogFile, '');
    writeFileSync(loguruFile, '');
    writeFileSync(pinoFile, '');
    tw = await startTickwatch(
      {
        dataDir: join(dir, 'data'),
        // One file per service, as seed 002 keeps them: one format fixed, the others detected per line.
        hft: { port: 0, tcp: null, files: [{ path: structlogFile, format: 'structlog' }, loguruFile, pinoFile], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 50 },
        recorders: [{ store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, port: 0, batchMs: 100, levels: { default: 'trace' } }],
        // Only the engine's lines: tickwatch's own service.* and perf.sample reports would add rows.
        selfReport: false,
      },
      captureLogging(),
    );
    const py = runTool(PYTHON, [ENGINE_LOGS, structlogFile, loguruFile], { timeoutMs: 120_000 });
    expect(py.status, `${PYTHON} ${ENGINE_LOGS} failed (python3-structlog and python3-loguru come from scripts/setup.sh):\n${py.stderr}`).toBe(0);
    const written = JSON.parse(py.stdout) as { structlog: number; loguru: number };
    // pino, the Node.js library, with its defaults (numeric levels, time in ms, msg).
    const log = pino({ name: 'execution' }, pino.destination({ dest: pinoFile, sync: true }));
    log.info({ correlation_id: 'c-pino-1', venue: 'TWSE' }, 'fill routed');
    log.error({ correlation_id: 'c-pino-1', err: new Error('venue timeout') }, 'fill failed');
    log.fatal('execution process lost its session');
    const pinoLines = 3;
    const total = written.structlog + written.loguru + pinoLines;
    expect(readFileSync(structlogFile, 'utf8').split('\n').filter(Boolean)).toHaveLength(written.structlog);

    const exp = tw.hft!;
    const t0 = Date.now();
    while (exp.pipeline.accepted + exp.pipeline.rejected < total && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    expect({ accepted: exp.pipeline.accepted, rejected: exp.pipeline.rejected }).toEqual({ accepted: total, rejected: 0 });

    const s: Sample[] = parseExposition(await (await fetch(`${exp.metrics.url}/metrics`)).text());
    // Known types in the libraries' own lines move their metrics.
    expect(valueOf(s, 'hft_order_actions_total', { strategy: 'mm-2330', action: 'submit' })).toBe(1);
    expect(valueOf(s, 'hft_order_actions_total', { strategy: 'mm-2330', action: 'ack' })).toBe(1);
    expect(valueOf(s, 'hft_risk_decisions_total', { strategy: 'mm-2330', decision: 'accept' })).toBe(1);
    // Every line counts, at the level the library named.
    const logs = (component: string, level: string) => valueOf(s, 'tickwatch_log_events_total', { component, level });
    expect([logs('order_adapter', 'info'), logs('order_adapter', 'warn'), logs('order_adapter', 'error'), logs('order_adapter', 'fatal')]).toEqual([2, 1, 2, 1]);
    expect([logs('risk_engine', 'info'), logs('risk_engine', 'warn'), logs('risk_engine', 'error')]).toEqual([2, 1, 1]); // SUCCESS is info
    // Loguru's record.name is a code module (__main__): a line naming no component takes its file's (risk_engine).
    expect([logs('monitor', 'fatal'), logs('risk_engine', 'debug')]).toEqual([1, 1]);
    expect([logs('execution', 'info'), logs('execution', 'error'), logs('execution', 'fatal')]).toEqual([1, 1, 1]);

    // The recorder tails the same files and keeps each line as written, with how it was read.
    const rec = tw.recorders[0]!;
    const t1 = Date.now();
    while ((await rec.store.count('logs')) < total && Date.now() - t1 < 30_000) {
      rec.service.recorder.seal();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await rec.store.count('logs')).toBe(total);
    expect(await rec.store.count('audit_orders')).toBe(2);
    expect(await rec.store.count('audit_risk_decisions')).toBe(1);
    const story = await rec.store.search({ correlationId: 'c-struct-1' }, TABLES);
    expect(story.filter((r) => r.table === 'audit_orders').map((r) => r.event)).toEqual(['order.submitted', 'order.acked']);
    expect(JSON.parse(story[0]!.fields)).toMatchObject({ event: 'order submitted', event_type: 'order.submitted' }); // the line as structlog wrote it
    // The chains over rows read through structlog and Loguru verify clean.
    const reports = await verifyStore(rec.store, TABLES);
    expect(reports.filter((r) => r.problemCount > 0)).toEqual([]);
    expect(reports.find((r) => r.table === 'audit_orders')?.rows).toBe(2);
  });
});
