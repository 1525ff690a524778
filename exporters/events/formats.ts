/**
 * The engine's log formats, read as its logging libraries write them: each line is mapped onto
 * tickwatch's envelope (`ts`, `component`, `level`, `event`, optional ids and `message`) without the
 * engine reformatting anything. The line itself is what is stored (and hash-chained); the mapping
 * is a pure function of the line and its format, so the recorder and `audit verify` derive the same
 * columns from it every time.
 *
 * | envelope field | tickwatch | structlog (`JSONRenderer`) | Loguru (`serialize=True`) | pino |
 * |---|---|---|---|---|
 * | `ts` | `ts` | `timestamp` (ISO 8601 from `TimeStamper(fmt="iso")`; a zone-less one is UTC; a number is Unix seconds) | `record.time.repr` (its offset kept) | `time` (Unix ms, or an ISO string) |
 * | `level` | `level` | `level` (`warning` → warn, `critical` → fatal, `exception` → error) | `record.level.name` (`SUCCESS` → info, `WARNING` → warn, `CRITICAL` → fatal) | `level` (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal) |
 * | `event` (the type) | `event` | a bound `event_type`, else `type`, else `log` | `record.extra.event_type`, else `extra.type`, else `log` | `event_type`, else `type`, else a string `event`, else `log` |
 * | `message` | `message` | `event` (structlog's message) | `record.message` | `msg` |
 * | `component` | `component`, else the source's default | `component`, else the source's default, else `logger` | `extra.component`, else the source's default, else `record.name` | `component`, else the source's default, else `name` |
 * | ids | `correlation_id`, `intent_id`, `trace_id` | the same bound keys | the same keys in `record.extra` | the same keys |
 * | other fields | kept | every other bound key (`logger`, `exception`...) | `record.extra` merged, plus `logger`, `function`, `line`, `file`, `exception` | every other key (`pid`, `hostname`...) |
 *
 * A line of a known event type (`event_type="order.submitted"` in structlog) is then checked
 * against that type's schema and drives its metrics, in every format. A source's format is fixed
 * (`--format structlog`) or detected per line (`auto`, the default): {@link detectFormat}.
 *
 * Sources: structlog's processors and JSONRenderer
 * (https://www.structlog.org/en/stable/api.html#structlog.processors.JSONRenderer), Loguru's
 * serialized record (https://loguru.readthedocs.io/en/stable/api/logger.html#record), pino's log
 * levels and `time` (https://getpino.io/#/docs/api?id=levels).
 */
import { LOG_FORMATS } from '../catalog/enums.js';
import { LEVELS, type Level } from './define.js';

export { LOG_FORMATS };
/** A log format tickwatch reads. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A source's format: one of {@link LOG_FORMATS}, or `auto` (detected per line). */
export type FormatOption = LogFormat | 'auto';

/** The event type a log line gets when it names none: a plain log record. */
export const GENERIC_EVENT = 'log';

/** What a source contributes to the mapping. */
export interface SourceDefaults {
  /**
   * Component of lines that name none (a file per service: the service's name). It comes before
   * the library's logger name, which is a code module (`__main__`, `app.risk`), not a service.
   */
  readonly component?: string;
}

/** A line mapped onto the envelope, or why it cannot be. */
export type Normalized =
  | {
      readonly ok: true;
      readonly event: Record<string, unknown>;
      readonly format: LogFormat;
      /** Whether the event differs from the line's own JSON (another format, a level renamed, a component defaulted). */
      readonly mapped: boolean;
    }
  | { readonly ok: false; readonly detail: string };

/** The envelope's level names, for a membership test. */
export const LEVEL_SET: ReadonlySet<string> = new Set(LEVELS);

/** Level names of the libraries, lower-cased, to ours. */
const LEVEL_NAMES: Readonly<Record<string, Level>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  notice: 'info',
  success: 'info',
  warn: 'warn',
  warning: 'warn',
  err: 'error',
  error: 'error',
  exception: 'error',
  crit: 'fatal',
  critical: 'fatal',
  fatal: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  panic: 'fatal',
};

/**
 * Our level for a library's level: a name in any case (`WARNING`, `critical`), or a pino number
 * (10 trace ... 60 fatal; in between rounds down).
 * @returns undefined when it is neither
 */
export function normalizeLevel(v: unknown): Level | undefined {
  if (typeof v === 'string') return LEVEL_SET.has(v) ? (v as Level) : LEVEL_NAMES[v.toLowerCase()];
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (v >= 60) return 'fatal';
    if (v >= 50) return 'error';
    if (v >= 40) return 'warn';
    if (v >= 30) return 'info';
    if (v >= 20) return 'debug';
    return 'trace';
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Which library wrote a line, from its shape: Loguru's `record` with `time` and `level`; pino's
 * numeric `level` with `time` or `msg`; structlog's `timestamp` beside a string `event` (its
 * message) and no `ts`; ours with `ts`, `component` and `event`.
 * @returns undefined when the line matches none (it is then checked as tickwatch's, and its
 *   envelope is what is reported missing)
 */
export function detectFormat(v: Record<string, unknown>): LogFormat | undefined {
  if (typeof v.ts === 'string' && typeof v.event === 'string') return 'tickwatch';
  const r = v.record;
  if (isObject(r) && isObject(r.time) && isObject(r.level)) return 'loguru';
  if (typeof v.level === 'number' && (v.time !== undefined || typeof v.msg === 'string')) return 'pino';
  if (v.timestamp !== undefined && typeof v.event === 'string' && v.ts === undefined) return 'structlog';
  return undefined;
}

/** Unix seconds of 9999-12-31T23:59:59Z: RFC 3339 has four-digit years. */
const MAX_SECONDS = 253_402_300_799;

/** The last whole second formatted, and its `YYYY-MM-DDTHH:MM:SS` (lines come in time order: mostly a hit). */
let cachedWhole = -1;
let cachedPrefix = '';

/** RFC 3339 of Unix seconds with microseconds (a float's usable precision); undefined outside years 1970-9999. */
function isoFromSeconds(s: number): string | undefined {
  if (!(s >= 0 && s <= MAX_SECONDS)) return undefined;
  const whole = Math.floor(s);
  const micros = Math.min(999_999, Math.round((s - whole) * 1e6));
  if (whole !== cachedWhole) {
    cachedPrefix = new Date(whole * 1000).toISOString().slice(0, 19);
    cachedWhole = whole;
  }
  return `${cachedPrefix}.${String(micros).padStart(6, '0')}Z`;
}

/** An ISO 8601 date-time as RFC 3339: `T` between date and time, a zone-less time read as UTC. */
function isoToRfc3339(s: string): string {
  let t = s.length > 10 && s[10] === ' ' ? `${s.slice(0, 10)}T${s.slice(11)}` : s;
  if (!/(?:[zZ]|[+-]\d{2}:\d{2})$/.test(t)) t += 'Z';
  return t;
}

function tsFrom(v: unknown, unit: 'seconds' | 'milliseconds'): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return unit === 'seconds' ? isoFromSeconds(v) : isoFromSeconds(v / 1000);
  if (typeof v === 'string' && v.length >= 19) return isoToRfc3339(v);
  return undefined;
}

/** The event type a library's fields name, or {@link GENERIC_EVENT}. */
function eventType(f: Record<string, unknown>, plainEvent: boolean): string {
  if (typeof f.event_type === 'string' && f.event_type) return f.event_type;
  if (typeof f.type === 'string' && f.type) return f.type;
  if (plainEvent && typeof f.event === 'string' && f.event) return f.event;
  return GENERIC_EVENT;
}

/** The fields of `v` but `skip`, copied in one pass (faster on the ingest path than rest spreads). */
function copyExcept(v: Record<string, unknown>, skip: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in v) if (!skip.has(k)) out[k] = v[k];
  return out;
}

const STRUCTLOG_MAPPED: ReadonlySet<string> = new Set(['event', 'timestamp', 'level', 'event_type', 'type', 'component']);
const LOGURU_MAPPED: ReadonlySet<string> = new Set(['event_type', 'type', 'component']);
const PINO_MAPPED: ReadonlySet<string> = new Set(['time', 'level', 'msg', 'event_type', 'type', 'event', 'component']);

function structlog(v: Record<string, unknown>, d: SourceDefaults): Record<string, unknown> {
  const out = copyExcept(v, STRUCTLOG_MAPPED);
  out.ts = tsFrom(v.timestamp, 'seconds');
  out.component = typeof v.component === 'string' ? v.component : (d.component ?? v.logger);
  out.level = normalizeLevel(v.level) ?? v.level;
  out.event = eventType(v, false);
  if (typeof v.event === 'string') out.message = v.event;
  return out;
}

function loguru(v: Record<string, unknown>, d: SourceDefaults): Record<string, unknown> {
  const r = v.record as Record<string, unknown>;
  const extra = isObject(r.extra) ? r.extra : {};
  const time = r.time as Record<string, unknown>;
  const level = r.level as Record<string, unknown>;
  const out = copyExcept(extra, LOGURU_MAPPED);
  out.ts = tsFrom(time.repr, 'seconds') ?? tsFrom(time.timestamp, 'seconds');
  out.component = typeof extra.component === 'string' ? extra.component : (d.component ?? r.name);
  out.level = normalizeLevel(level.name) ?? normalizeLevel(level.no) ?? level.name;
  out.event = eventType(extra, false);
  if (typeof r.message === 'string') out.message = r.message;
  if (typeof r.name === 'string') out.logger = r.name;
  if (typeof r.function === 'string') out.function = r.function;
  if (typeof r.line === 'number') out.line = r.line;
  const file = isObject(r.file) ? r.file.path : undefined;
  if (typeof file === 'string') out.file = file;
  if (r.exception !== null && r.exception !== undefined) out.exception = r.exception;
  return out;
}

function pino(v: Record<string, unknown>, d: SourceDefaults): Record<string, unknown> {
  const out = copyExcept(v, PINO_MAPPED);
  out.ts = tsFrom(v.time, 'milliseconds');
  out.component = typeof v.component === 'string' ? v.component : (d.component ?? v.name);
  out.level = normalizeLevel(v.level) ?? v.level;
  out.event = eventType(v, true);
  if (typeof v.msg === 'string') out.message = v.msg;
  return out;
}

/**
 * Maps one parsed line onto the envelope. A tickwatch line is returned as it is (no copy): the
 * ingest path pays nothing for the mapping when the engine writes our format; only a level named
 * the libraries' way (`warning`) is replaced.
 * @param format - the source's format, or `auto` to detect it from the line
 * @returns the mapped event and the format it was read as; `ok: false` with a detail when the line
 *   is not of the source's fixed format
 */
export function normalize(v: Record<string, unknown>, format: FormatOption, d: SourceDefaults = {}): Normalized {
  const f = format === 'auto' ? (detectFormat(v) ?? 'tickwatch') : format;
  switch (f) {
    case 'tickwatch': {
      let mapped = false;
      if (typeof v.level === 'string' && !LEVEL_SET.has(v.level)) {
        const level = normalizeLevel(v.level);
        if (level) {
          v.level = level;
          mapped = true;
        }
      }
      if (v.component === undefined && d.component !== undefined) {
        v.component = d.component;
        mapped = true;
      }
      return { ok: true, event: v, format: f, mapped };
    }
    case 'structlog':
      if (typeof v.event !== 'string') return { ok: false, detail: 'not a structlog line: no string event (its message)' };
      return { ok: true, event: structlog(v, d), format: f, mapped: true };
    case 'loguru':
      if (!isObject(v.record) || !isObject(v.record.time) || !isObject(v.record.level)) return { ok: false, detail: 'not a Loguru line: no record with time and level (serialize=True)' };
      return { ok: true, event: loguru(v, d), format: f, mapped: true };
    case 'pino':
      if (v.level === undefined || v.time === undefined) return { ok: false, detail: 'not a pino line: no level and time' };
      return { ok: true, event: pino(v, d), format: f, mapped: true };
  }
}
