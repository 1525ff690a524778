/**
 * The simulator's lines as the engine's logging libraries would write them (see
 * exporters/events/formats.ts for how tickwatch reads them back): structlog's JSONRenderer, Loguru's
 * `serialize=True` record, pino's defaults, or tickwatch's own envelope. The shapes follow what the
 * real libraries write (test/events/fixtures/engine_logs.py logs through them); a known event type
 * travels as structlog's and Loguru's `event_type` and pino's `event_type`.
 */
import type { LogFormat } from '../../events/formats.js';
import type { SimEvent } from './model.js';

const STRUCTLOG_LEVEL: Readonly<Record<string, string>> = { warn: 'warning', fatal: 'critical' };
const LOGURU_LEVEL: Readonly<Record<string, readonly [string, number]>> = {
  trace: ['TRACE', 5],
  debug: ['DEBUG', 10],
  info: ['INFO', 20],
  warn: ['WARNING', 30],
  error: ['ERROR', 40],
  fatal: ['CRITICAL', 50],
};
const PINO_LEVEL: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** Fields of an event besides its envelope. */
function fieldsOf(e: SimEvent): Record<string, unknown> {
  const { ts: _ts, level: _l, component: _c, event: _e, message: _m, ...rest } = e;
  return rest;
}

/** `2026-12-02T05:42:42.123456789Z` as Loguru's `time.repr`: `2026-12-02 05:42:42.123456+00:00`. */
function loguruRepr(ts: string): string {
  return `${ts.slice(0, 10)} ${ts.slice(11, 26)}+00:00`;
}

/**
 * One event as a line of `format` (without the newline).
 * @param e - a simulator event, envelope first (`ts` in UTC with `Z`)
 */
export function renderLine(e: SimEvent, format: LogFormat): string {
  const message = typeof e.message === 'string' ? e.message : e.event;
  switch (format) {
    case 'tickwatch':
      return JSON.stringify(e);
    case 'structlog':
      // Bound keys first, then what the processors add, in the order structlog writes them.
      return JSON.stringify({ component: e.component, ...fieldsOf(e), event_type: e.event, event: message, level: STRUCTLOG_LEVEL[e.level] ?? e.level, timestamp: e.ts.replace(/(\.\d{6})\d*Z$/, '$1Z') });
    case 'loguru': {
      const [name, no] = LOGURU_LEVEL[e.level] ?? ['INFO', 20];
      const repr = loguruRepr(e.ts);
      const seconds = Date.parse(e.ts) / 1000;
      return JSON.stringify({
        text: `${repr.slice(0, 23)} | ${name.padEnd(8)} | engine.${e.component}:run:1 - ${message}\n`,
        record: {
          elapsed: { repr: '0:00:01.000000', seconds: 1 },
          exception: null,
          extra: { component: e.component, event_type: e.event, ...fieldsOf(e) },
          file: { name: `${e.component}.py`, path: `/srv/engine/${e.component}.py` },
          function: 'run',
          level: { icon: '', name, no },
          line: 1,
          message,
          module: e.component,
          name: `engine.${e.component}`,
          process: { id: 4242, name: 'MainProcess' },
          thread: { id: 140000000000000, name: 'MainThread' },
          time: { repr, timestamp: seconds },
        },
      });
    }
    case 'pino':
      return JSON.stringify({ level: PINO_LEVEL[e.level] ?? 30, time: Math.floor(Date.parse(e.ts)), pid: 4242, hostname: 'engine-1', name: e.component, event_type: e.event, ...fieldsOf(e), msg: message });
  }
}

/**
 * The per-service log files of `--log-dir`: which component's own log lines go to which file, in
 * which format (seed 002 keeps one log file per service; the engines log with structlog and Loguru).
 */
export const SERVICE_LOGS: readonly { readonly component: string; readonly file: string; readonly format: LogFormat }[] = [
  { component: 'strategy_runner', file: 'strategy_runner.log', format: 'structlog' },
  { component: 'risk_engine', file: 'risk_engine.log', format: 'loguru' },
  { component: 'order_adapter', file: 'order_adapter.log', format: 'pino' },
];
