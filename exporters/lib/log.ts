/**
 * tickwatch's own structured logs: JSON lines through pino, one helper for every service.
 *
 * Every line carries `timestamp` (RFC 3339 UTC), `level`, `service`, `component`, `event` and
 * `message`, plus `correlation_id` when the caller has one. Levels are set per component from
 * config (`TICKWATCH_LOG_LEVEL=info,ingest=debug`). Values under keys that look like secrets
 * (password, token, secret, api key, authorization, credentials, private key, routing key,
 * cookie) are replaced by `[REDACTED]` at any depth, in objects and arrays.
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

/** Levels a component may log at. */
export type LogLevel = Level | 'silent';

/** Per-component levels: `default` applies to components not listed. */
export interface LogLevels {
  readonly default: LogLevel;
  readonly [component: string]: LogLevel;
}

/** Extra fields of one line. `correlation_id` is the id that ties one trade's lines together. */
export interface LogFields {
  readonly correlation_id?: string;
  readonly err?: unknown;
  readonly [key: string]: unknown;
}

/**
 * A component's logger. `event` is a dotted, lower-case name (`ingest.line_rejected`); `message`
 * is a human sentence. Logging never throws.
 */
export interface Log {
  readonly component: string;
  trace(event: string, message: string, fields?: LogFields): void;
  debug(event: string, message: string, fields?: LogFields): void;
  info(event: string, message: string, fields?: LogFields): void;
  warn(event: string, message: string, fields?: LogFields): void;
  error(event: string, message: string, fields?: LogFields): void;
  fatal(event: string, message: string, fields?: LogFields): void;
  /** Whether a line at `level` would be written. */
  enabled(level: Level): boolean;
}

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const EVENT_RE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** Keys whose values are never written. */
export const SECRET_KEY_RE = /pass(word|wd|phrase)?$|secret|token|api[_-]?key|authori[sz]ation|credential|private[_-]?key|routing[_-]?key|cookie|^auth$/i;

/**
 * Parses `info,ingest=debug,recorder=warn` (the first bare level is the default).
 * @throws Error naming the bad part when a level is not one of trace, debug, info, warn, error, fatal, silent
 */
export function parseLogLevels(spec: string | undefined, fallback: LogLevel = 'info'): LogLevels {
  const out: Record<string, LogLevel> = { default: fallback };
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = part.includes('=') ? part.split('=', 2) : ['default', part];
    if (!LEVELS.includes(v as LogLevel)) throw new Error(`log level '${part}': use one of ${LEVELS.join(', ')}`);
    out[k!.trim()] = v as LogLevel;
  }
  return out as LogLevels;
}

/** Returns a copy of `value` with secret-looking keys redacted at any depth; unchanged parts are shared. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redact(v, depth + 1);
      if (r !== v) changed = true;
      return r;
    });
    return changed ? out : value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const r = SECRET_KEY_RE.test(k) && v !== undefined && v !== null ? '[REDACTED]' : redact(v, depth + 1);
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = r;
  }
  return out ?? value;
}

/** Options of {@link createLogging}. */
export interface LoggingOptions {
  /** Service name written on every line (`tickwatch-hft`). */
  readonly service: string;
  /** Levels per component; default `info` for all. */
  readonly levels?: LogLevels;
  /** Where lines go; default stdout (pino's fast destination, fd 1). */
  readonly destination?: DestinationStream;
}

/** A process's logging: hands out one {@link Log} per component. */
export interface Logging {
  /** The logger of one component, with its configured level. */
  logger(component: string): Log;
  /** Writes buffered lines. */
  flush(): void;
}

/** Sets up logging for one service. */
export function createLogging(opts: LoggingOptions): Logging {
  const levels = opts.levels ?? { default: 'info' };
  const root: Logger = pino(
    {
      level: 'trace',
      base: { service: opts.service },
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redact(obj) as Record<string, unknown>,
      },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: false }),
  );
  const cache = new Map<string, Log>();
  return {
    logger(component) {
      let l = cache.get(component);
      if (!l) cache.set(component, (l = wrap(root.child({ component }, { level: levels[component] ?? levels.default }), component)));
      return l;
    },
    flush: () => root.flush(),
  };
}

function wrap(p: Logger, component: string): Log {
  const line =
    (level: Level) =>
    (event: string, message: string, fields?: LogFields): void => {
      if (!p.isLevelEnabled(level)) return;
      try {
        const ev = EVENT_RE.test(event) ? event : `log.malformed_event`;
        const extra = ev === event ? undefined : { event_given: event };
        p[level]({ ...fields, ...extra, event: ev }, message);
      } catch {
        // Logging never takes a service down.
      }
    };
  return {
    component,
    trace: line('trace'),
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    fatal: line('fatal'),
    enabled: (level) => p.isLevelEnabled(level),
  };
}
