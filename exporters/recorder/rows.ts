/**
 * Which events become which audit rows. Every accepted line (an event type of the contract or a
 * generic log event) at or above its component's level goes to `logs`; order, risk, StormGuard,
 * connectivity and configuration events also go to their audit table, whatever their level.
 */
import { normalize, type FormatOption } from '../events/formats.js';
import type { HftEvent } from '../events/index.js';
import { formatTimestamp, timestampNanosString } from '../ingest/timestamp.js';
import { DEFAULT_LEVELS, logsTake, type LevelPolicy } from './levels.js';
import type { TableName } from './tables.js';

export { ALL_LEVELS, DEFAULT_LEVELS, type LevelPolicy } from './levels.js';

/** One row: column name to value (`ts_ns` as a decimal string of nanoseconds since the epoch). */
export type Row = Record<string, string | number | null>;

/**
 * The event a stored line stands for, mapped the way it was when first read: through `format`
 * (null: a tickwatch line as it is) with `component` as the default for a line naming none. The
 * recorder rebuilds spooled batches with it and `audit verify` re-derives rows with it.
 * @throws Error when the line is not JSON or does not map onto the envelope in that format
 */
export function eventFromLine(line: string, format: string | null, component: string | null): HftEvent {
  const v = JSON.parse(line) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  if (format === null) return v as HftEvent;
  const n = normalize(v as Record<string, unknown>, format as FormatOption, component === null ? {} : { component });
  if (!n.ok) throw new Error(n.detail);
  return n.event as unknown as HftEvent;
}

/** The execution time an event states, in nanoseconds (for `logs.duration_ns`), or null. */
function durationNs(e: Record<string, unknown>): number | null {
  for (const k of ['latency_ns', 'decision_latency_ns', 'duration_ns']) if (typeof e[k] === 'number' && Number.isFinite(e[k])) return Math.round(e[k]);
  for (const k of ['duration_ms', 'execution_time_ms']) if (typeof e[k] === 'number' && Number.isFinite(e[k])) return Math.round((e[k] as number) * 1e6);
  return null;
}

/**
 * Nanoseconds since the epoch from an RFC 3339 string, exactly (no float rounding): whole seconds
 * from `Date.parse`, the fraction digit by digit.
 */
export function tsNanos(ts: string): bigint {
  const m = /^(.{19})(?:\.(\d{1,9}))?(.*)$/.exec(ts);
  if (!m) throw new Error(`not an RFC 3339 time: ${ts}`);
  const whole = Date.parse(`${m[1]}${m[3] === 'z' ? 'Z' : m[3]}`);
  if (Number.isNaN(whole)) throw new Error(`not an RFC 3339 time: ${ts}`);
  return BigInt(whole) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** RFC 3339 UTC with nine fractional digits from nanoseconds since the epoch. */
export function formatNanos(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  return `${formatTimestamp(Number(s)).slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

function envelope(ev: HftEvent, token: string, raw: string | undefined, format: string | null) {
  return {
    ts_ns: timestampNanosString(ev.ts) ?? String(tsNanos(ev.ts)),
    event: ev.event,
    component: ev.component,
    level: ev.level,
    correlation_id: ev.correlation_id ?? null,
    intent_id: ev.intent_id ?? null,
    trace_id: ev.trace_id ?? null,
    message: ev.message ?? null,
    batch_token: token,
    // The line exactly as the engine sent it, when there is one.
    fields: raw ?? JSON.stringify(ev),
    format,
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The envelope columns of a row, shared by the `logs` row and copied into the audit row. */
type Envelope = ReturnType<typeof envelope>;

/**
 * An audit row: the envelope, the table's columns, then the hash-chain columns as placeholders
 * (filled in when the batch is sealed: chain.ts), built as one literal (one hidden class per table).
 */
function audit<T extends Record<string, string | number | null>>(b: Envelope, cols: T): Row {
  return Object.assign(
    {
      ts_ns: b.ts_ns,
      event: b.event,
      component: b.component,
      level: b.level,
      correlation_id: b.correlation_id,
      intent_id: b.intent_id,
      trace_id: b.trace_id,
      message: b.message,
      batch_token: b.batch_token,
      fields: b.fields,
      format: b.format,
    },
    cols,
    { chain_seq: 0, prev_hash: '', row_hash: '' },
  );
}

/**
 * The rows an event produces, by table. The batch token is filled in by the store at insert.
 * Rows are treated as immutable, except that an audit row's chain columns are set once, when its
 * batch is sealed.
 * @param ev - the event mapped onto the envelope (a contract type, or a generic log event)
 * @param levels - which components' levels go to `logs` (default: info and above)
 * @param raw - the event's line as received (stored in `fields`); JSON of the object when absent
 * @param format - how the line was read (the `format` column): null for a tickwatch line used as it is
 */
export function rowsFor(ev: HftEvent, levels: LevelPolicy = DEFAULT_LEVELS, raw?: string, format: string | null = null): [TableName, Row][] {
  const out: [TableName, Row][] = [];
  const base = envelope(ev, '', raw, format);
  const e = ev as unknown as Record<string, unknown>;
  if (logsTake(levels, ev.component, ev.level)) out.push(['logs', { ...base, status: str(e.status), duration_ns: durationNs(e) }]);
  switch (ev.event) {
    case 'strategy.intent':
    case 'order.submitted':
    case 'order.acked':
    case 'order.rejected':
    case 'order.cancel_requested':
    case 'order.canceled':
    case 'order.replaced':
    case 'order.expired':
    case 'execution.fill':
      out.push([
        'audit_orders',
        audit(base, {
          strategy: str(e.strategy),
          gateway: str(e.gateway),
          order_id: str(e.order_id),
          side: str(e.side),
          symbol: str(e.symbol),
          qty: num(e.qty),
          price: num(e.price),
          leaves_qty: num(e.leaves_qty),
          reason: str(e.reason),
          broker_code: str(e.broker_code),
          latency_ns: num(e.latency_ns) ?? num(e.decision_latency_ns),
        }),
      ]);
      break;
    case 'risk.decision':
      out.push(['audit_risk_decisions', audit(base, { strategy: ev.strategy, decision: ev.decision, reason: ev.reason ?? null, limit_name: ev.limit ?? null, latency_ns: ev.latency_ns ?? null })]);
      break;
    case 'stormguard.transition':
      out.push(['audit_guardrail_transitions', audit(base, { strategy: ev.strategy, from_mode: ev.from, to_mode: ev.to, reason: ev.reason ?? null })]);
      break;
    case 'gateway.connect':
    case 'gateway.disconnect':
    case 'gateway.reconnect':
      out.push(['audit_connectivity', audit(base, { gateway: ev.gateway, kind: ev.kind, reason: str(e.reason), attempt: num(e.attempt) })]);
      break;
    case 'feed.gap':
      out.push(['audit_connectivity', audit(base, { gateway: ev.feed, kind: 'market_data', reason: `sequence gap ${ev.from_seq ?? '?'}-${ev.to_seq ?? '?'}`, attempt: null })]);
      break;
    case 'config.changed':
      out.push(['audit_config_changes', audit(base, { operator_id: ev.operator_id, config_hash: ev.config_hash, previous_hash: ev.previous_hash ?? null, config_key: ev.key ?? null, diff: ev.diff ?? null })]);
      break;
    default:
      break;
  }
  return out;
}
