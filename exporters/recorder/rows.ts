/**
 * Which events become which audit rows. Every accepted line (an event type of the contract or a
 * generic log event) at or above its component's level goes to `logs`; order, risk, StormGuard,
 * connectivity and configuration events also go to their audit table, and the seeds' categories
 * to theirs, whatever their level:
 *
 * | events | table |
 * |---|---|
 * | `strategy.intent`, `order.*` lifecycle, `execution.fill` | `audit_orders` |
 * | `execution.fill` (SUCCESS, or PARTIAL while `leaves_qty` > 0), `order.rejected` (FAILED) | `trade_executions` |
 * | `risk.decision` | `audit_risk_decisions` |
 * | `stormguard.transition` | `audit_guardrail_transitions` |
 * | `gateway.connect` / `disconnect` / `reconnect`, `feed.gap` | `audit_connectivity` |
 * | `config.changed` | `audit_config_changes` |
 * | `security.*` | `audit_security` |
 * | `ai.decision`, `ai.outcome` | `audit_ai_decisions` |
 * | `service.started` / `stopped` / `restarted` / `failed`, `store.cleanup` (kind `cleanup`), `clock.sync` (service `clock.<source>`, kind `sync`) | `system_events` |
 * | `perf.sample` | `performance_log` |
 * | `anomaly.detected`, `anomaly.resolved` | `anomaly_log` |
 * | `alert.firing`, `alert.resolved` from Alertmanager's webhook (format `alertmanager`: alert-rows.ts) | `alert_log` |
 *
 * Every column is derived from the line alone (so `audit verify` can derive it again): a field of
 * the wrong JSON type is a null column, never a refused row.
 */
import { normalize, type FormatOption } from '../events/formats.js';
import type { TRADE_STATUSES } from '../catalog/enums.js';
import type { HftEvent } from '../events/index.js';
import { forEvents, handlersByName, type HandlerTable } from '../events/dispatch.js';
import { formatTimestamp, timestampNanosString } from '../ingest/timestamp.js';
import { DEFAULT_LEVELS, logsTake, type LevelPolicy } from './levels.js';
import type { TableName } from '../catalog/tables.js';
import { ALERTMANAGER_FORMAT, alertColumns } from './alert-rows.js';

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
  // An alert history line (alert-rows.ts) is read as it is, like a tickwatch line.
  if (format === null || format === ALERTMANAGER_FORMAT) return v as HftEvent;
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
/** An integer column's value: a number rounded to the nearest integer (a store refuses 0.5 in a BIGINT / Int64), or null. */
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null);
/** A required column's value (see `Column.required`): the string, or `''` so that the row is never refused. */
const req = (v: unknown): string => (typeof v === 'string' ? v : '');
/** A number or a string as text (`0.7`, `up`), or null. */
const text = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);
/** An object as JSON text, or null. */
const json = (v: unknown): string | null => (typeof v === 'object' && v !== null ? JSON.stringify(v) : null);
/** What an event type names after its domain (`security.login` -> `login`). */
const kindOf = (event: string): string => event.slice(event.indexOf('.') + 1);

/**
 * A `trade_executions` row's own columns (seed 000's trade_execution_log): from an `execution.fill`
 * (SUCCESS, or PARTIAL while `leaves_qty` > 0) or an `order.rejected` (FAILED, with the volume,
 * price, side and symbol the reject carries, if any).
 */
function trade(e: Record<string, unknown>, rejected: boolean) {
  const leaves = num(e.leaves_qty);
  return {
    trade_id: str(e.trade_id),
    order_id: str(e.order_id),
    strategy: req(e.strategy),
    gateway: str(e.gateway),
    broker: str(e.broker),
    symbol: str(e.symbol),
    side: str(e.side),
    order_type: str(e.order_type),
    volume: num(e.qty),
    price: num(e.price),
    leaves_qty: leaves,
    slippage_ticks: num(e.slippage_ticks),
    slippage_ratio: num(e.slippage_ratio),
    status: rejected ? 'FAILED' : leaves !== null && leaves > 0 ? 'PARTIAL' : 'SUCCESS',
    reason: rejected ? str(e.reason) : null,
    latency_ns: int(e.latency_ns),
    instance_id: str(e.instance_id),
  } satisfies Record<string, string | number | null> & { status: (typeof TRADE_STATUSES)[number] };
}

/** The envelope columns of a row, shared by the `logs` row and copied into the audit row. */
type Envelope = ReturnType<typeof envelope>;

/**
 * An audit row of a hash-chained table: the envelope, the table's columns, then the hash-chain
 * columns as placeholders (filled in as the recorder adds the row: chain.ts), built as one literal (one
 * hidden class per table).
 */
function audit<T extends Record<string, string | number | null>>(b: Envelope, cols: T): Row {
  return Object.assign(envelopeRow(b), cols, { chain_seq: 0, prev_hash: '', row_hash: '' });
}

/** The envelope's columns as a new row (one object literal: each row type starts from one hidden class). */
function envelopeRow(b: Envelope): Row {
  return {
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
  };
}

/**
 * A `logs` row: the envelope, `status` and `duration_ns`. The object spread it replaces
 * (`{ ...base, status, duration_ns }`) took 86 % of `rowsFor`'s own time (line ticks of a
 * `--cpu-prof`, 200,000 lines of the normal mix); without it `rowsFor` takes 1,353-1,418 ns a line
 * against 4,161-4,581 (medians of 5 rounds, three alternating pairs; issue 19, 7 December 2026).
 */
function logsRow(b: Envelope, status: string | null, duration: number | null): Row {
  const r = envelopeRow(b);
  r.status = status;
  r.duration_ns = duration;
  return r;
}

/** A row of a table without a hash chain: the envelope and the table's columns (no chain columns, which the table lacks). */
function plain<T extends Record<string, string | number | null>>(b: Envelope, cols: T): Row {
  return Object.assign(envelopeRow(b), cols);
}

/** The arguments of a row maker after its event: the rows so far, the line's envelope, and the event as a record. */
type RowArgs = [out: [TableName, Row][], base: Envelope, e: Record<string, unknown>];

/**
 * The audit and category rows of each event type that makes them, whatever its level; typed by
 * event name, so a misspelt name fails `tsc`. Any other event makes a row only in `logs`, when its
 * level is taken there.
 */
const ROW_MAKERS: HandlerTable<RowArgs> = {
  ...forEvents(['strategy.intent', 'order.submitted', 'order.acked', 'order.rejected', 'order.cancel_requested', 'order.canceled', 'order.replaced', 'order.expired', 'execution.fill'], (ev, out, base, e) => {
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
        latency_ns: int(e.latency_ns) ?? int(e.decision_latency_ns),
      }),
    ]);
    if (ev.event === 'execution.fill' || ev.event === 'order.rejected') out.push(['trade_executions', plain(base, trade(e, ev.event === 'order.rejected'))]);
  }),
  'risk.decision': (ev, out, base) => {
    out.push(['audit_risk_decisions', audit(base, { strategy: ev.strategy, decision: ev.decision, reason: ev.reason ?? null, limit_name: ev.limit ?? null, latency_ns: int(ev.latency_ns) })]);
  },
  'stormguard.transition': (ev, out, base) => {
    out.push(['audit_guardrail_transitions', audit(base, { strategy: ev.strategy, from_mode: ev.from, to_mode: ev.to, reason: ev.reason ?? null })]);
  },
  ...forEvents(['gateway.connect', 'gateway.disconnect', 'gateway.reconnect'], (ev, out, base, e) => {
    out.push(['audit_connectivity', audit(base, { gateway: ev.gateway, kind: ev.kind, reason: str(e.reason), attempt: int(e.attempt) })]);
  }),
  'feed.gap': (ev, out, base) => {
    out.push(['audit_connectivity', audit(base, { gateway: ev.feed, kind: 'market_data', reason: `sequence gap ${ev.from_seq ?? '?'}-${ev.to_seq ?? '?'}`, attempt: null })]);
  },
  'config.changed': (ev, out, base) => {
    out.push(['audit_config_changes', audit(base, { operator_id: ev.operator_id, config_hash: ev.config_hash, previous_hash: ev.previous_hash ?? null, config_key: ev.key ?? null, diff: ev.diff ?? null })]);
  },
  ...forEvents(['security.login', 'security.logout', 'security.mfa_success', 'security.mfa_failed', 'security.session_expired', 'security.permission_denied'], (ev, out, base, e) => {
    out.push([
      'audit_security',
      audit(base, { kind: kindOf(ev.event), user_id: req(e.user_id), source_ip: str(e.source_ip), status: str(e.status), session_id: str(e.session_id), resource: str(e.resource) }),
    ]);
  }),
  ...forEvents(['ai.decision', 'ai.outcome'], (_ev, out, base, e) => {
    out.push([
      'audit_ai_decisions',
      audit(base, {
        model_id: req(e.model_id),
        model_version: str(e.model_version),
        decision_id: str(e.decision_id),
        strategy: str(e.strategy),
        features: json(e.features),
        prediction: text(e.prediction),
        confidence: num(e.confidence),
        explanation: json(e.explanation),
        latency_ns: int(e.latency_ns),
        correct: typeof e.correct === 'boolean' ? Number(e.correct) : null,
        actual: text(e.actual),
      }),
    ]);
  }),
  ...forEvents(['service.started', 'service.stopped', 'service.restarted', 'service.failed'], (ev, out, base, e) => {
    out.push([
      'system_events',
      plain(base, {
        service: req(e.service),
        kind: kindOf(ev.event),
        status: str(e.status),
        instance_id: str(e.instance_id),
        reason: str(e.reason),
        exit_code: int(e.exit_code),
        attempt: int(e.attempt),
        version: str(e.version),
      }),
    ]);
  }),
  // The retention clean-up (cleanup.ts): a system event of the recorder; its counts per table stay in `fields`.
  'store.cleanup': (_ev, out, base, e) => {
    out.push([
      'system_events',
      plain(base, { service: req(e.service), kind: 'cleanup', status: str(e.status), instance_id: str(e.instance_id), reason: str(e.error), exit_code: null, attempt: null, version: null }),
    ]);
  },
  // The clock synchronisation log (exporters/host/clock-sync.ts): offset, error bound and reference stay in `fields`.
  'clock.sync': (ev, out, base, e) => {
    out.push([
      'system_events',
      plain(base, { service: `clock.${req(e.source)}`, kind: 'sync', status: str(e.status), instance_id: str(e.instance_id), reason: str(ev.message), exit_code: null, attempt: null, version: null }),
    ]);
  },
  'perf.sample': (_ev, out, base, e) => {
    out.push([
      'performance_log',
      plain(base, {
        service: req(e.service),
        operation: str(e.operation),
        execution_time_ms: num(e.execution_time_ms),
        cpu_percent: num(e.cpu_percent),
        memory_mb: num(e.memory_mb),
        disk_mb: num(e.disk_mb),
        latency_ms: num(e.latency_ms),
        instance_id: str(e.instance_id),
      }),
    ]);
  },
  ...forEvents(['anomaly.detected', 'anomaly.resolved'], (_ev, out, base, e) => {
    out.push([
      'anomaly_log',
      plain(base, {
        anomaly_id: str(e.anomaly_id),
        detected_by: str(e.detected_by),
        anomaly_type: req(e.anomaly_type),
        severity: str(e.severity),
        status: str(e.status),
        strategy: str(e.strategy),
        symbol: str(e.symbol),
        value: num(e.value),
        expected: num(e.expected),
      }),
    ]);
  }),
};

/**
 * {@link ROW_MAKERS} by event name. `rowsFor` was one `switch` over these types, and a case that
 * had not run when V8 optimized it threw the optimized code away when it did: at rest (`tickwatch
 * start`, about 270 lines/s) `rowsFor` was compiled once, after about 100 s (40 ms of the
 * optimizing compiler), deoptimized by a rare case ("Insufficient type feedback"), and then ran
 * unoptimized: 4.4 % of the process's `perf` samples at rest (issue 19, 7 December 2026; the HFT
 * derivation's `apply` was split the same way, exporters/hft/derive.ts). With the table, beside the
 * switch: at rest, two processes on one file, 20 s windows from 60 s, mean 1.12 % of a core against
 * 1.20 (within the windows' noise, 0.90-1.60); the recorder alone draining 400,000 lines into DuckDB,
 * alternating, 143,029 and 147,492 rows/s against 138,249 and 138,082. The rows are the same for
 * every simulator scenario (415,322 events, checked against the switch).
 */
const ROW_MAKER_BY_EVENT = handlersByName(ROW_MAKERS);

/** The event types that make an audit or category row whatever their level ({@link ROW_MAKERS}' names). */
export const ROW_EVENTS: ReadonlySet<string> = new Set(ROW_MAKER_BY_EVENT.keys());

/**
 * Whether a line of this envelope makes any row ({@link rowsFor} returns none exactly when this is
 * false, for a line that is not Alertmanager's): the recorder's ingest passes the others by unparsed
 * (`PipelineOptions.skip`).
 */
export function makesRows(levels: LevelPolicy, event: string, component: string, level: string): boolean {
  return ROW_EVENTS.has(event) || logsTake(levels, component, level);
}

/** The recorder's `PipelineOptions.skip` under a level policy: a line that makes no row ({@link makesRows}) is passed by. */
export function skipsNoRows(levels: LevelPolicy): (event: string, component: string, level: string) => boolean {
  return (event, component, level) => !makesRows(levels, event, component, level);
}

/**
 * The rows an event produces, by table. The batch token is filled in by the store at insert.
 * Rows are treated as immutable, except that an audit row's chain columns are set once, as the
 * recorder adds it (chain.ts `linkRow`; recorder.ts then encodes it for the embedded store's thread,
 * so nothing may change a row after that).
 * @param ev - the event mapped onto the envelope (a contract type, or a generic log event)
 * @param levels - which components' levels go to `logs` (default: info and above)
 * @param raw - the event's line as received (stored in `fields`); JSON of the object when absent
 * @param format - how the line was read (the `format` column): null for a tickwatch line used as it is
 */
export function rowsFor(ev: HftEvent, levels: LevelPolicy = DEFAULT_LEVELS, raw?: string, format: string | null = null): [TableName, Row][] {
  const out: [TableName, Row][] = [];
  const base = envelope(ev, '', raw, format);
  const e = ev as unknown as Record<string, unknown>;
  if (logsTake(levels, ev.component, ev.level)) out.push(['logs', logsRow(base, str(e.status), durationNs(e))]);
  // Alertmanager's notifications (alert-rows.ts), and only they, fill the alert history.
  if (format === ALERTMANAGER_FORMAT) {
    if (String(ev.event).startsWith('alert.')) out.push(['alert_log', audit(base, alertColumns(e))]);
    return out;
  }
  ROW_MAKER_BY_EVENT.get(ev.event)?.(ev, out, base, e);
  return out;
}
