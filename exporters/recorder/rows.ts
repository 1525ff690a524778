/**
 * Which events become which audit rows. Every event at or above the log level goes to `logs`;
 * order, risk, StormGuard, connectivity and configuration events also go to their audit table.
 */
import type { HftEvent } from '../events/index.js';
import { formatTimestamp, timestampNanosString } from '../ingest/timestamp.js';
import type { TableName } from './tables.js';

/** One row: column name to value (`ts_ns` as a decimal string of nanoseconds since the epoch). */
export type Row = Record<string, string | number | null>;

const LEVEL_RANK: Record<string, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

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

function envelope(ev: HftEvent, token: string, raw: string | undefined) {
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
    },
    cols,
    { chain_seq: 0, prev_hash: '', row_hash: '' },
  );
}

/**
 * The rows an event produces, by table. The batch token is filled in by the store at insert.
 * Rows are treated as immutable (the `logs` row is the envelope object itself), except that an
 * audit row's chain columns are set once, when its batch is sealed.
 * @param minLevel - lowest level that goes to `logs` (default info)
 * @param raw - the event's line as received (stored in `fields`); JSON of the object when absent
 */
export function rowsFor(ev: HftEvent, minLevel = 'info', raw?: string): [TableName, Row][] {
  const out: [TableName, Row][] = [];
  const base = envelope(ev, '', raw);
  if ((LEVEL_RANK[ev.level] ?? 0) >= (LEVEL_RANK[minLevel] ?? 2)) out.push(['logs', base]);
  const e = ev as unknown as Record<string, unknown>;
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
