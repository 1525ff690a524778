/**
 * Closed value sets shared by the metric catalog (as closed label values) and the event
 * contract (as enum fields). One list each, so an event field and the label it becomes cannot
 * drift apart. A value outside these sets reaches a metric as `other` (see the cardinality guard).
 */

/** Trading-engine components that emit events (the structured-log `component` field). */
export const COMPONENTS = ['market_data', 'strategy_runner', 'risk_engine', 'order_adapter', 'execution', 'recorder', 'monitor'] as const;
export type Component = (typeof COMPONENTS)[number];

/** The engine log formats tickwatch reads (see exporters/events/formats.ts). */
export const LOG_FORMATS = ['tickwatch', 'structlog', 'loguru', 'pino'] as const;

/** Log levels, in increasing severity (the event envelope's `level`). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Severity rank of each level (trace 0 ... fatal 5), for minimum-level filters. */
export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

/** {@link LEVEL_RANK} by the character code of a level's first letter (-1: no level starts so). */
const RANK_BY_FIRST = new Int8Array(128).fill(-1);
for (const l of LOG_LEVELS) {
  const c = l.charCodeAt(0);
  if (RANK_BY_FIRST[c] !== -1) throw new Error(`levels ${l} and another start with the same letter: levelRankOf cannot tell them apart`);
  RANK_BY_FIRST[c] = LEVEL_RANK[l];
}

/**
 * {@link LEVEL_RANK} of a level known to be one of {@link LOG_LEVELS}, told by its first letter
 * (each level's is its own). On the ingest hot path `LEVEL_RANK[level]` with a string the JSON
 * parser made costs about 18 ns a line, as V8 looks the key up in its string table first; this
 * costs a few (issue 19, `npm run bench -- ingest`).
 * @returns the rank, or -1 for a string that starts like no level
 */
export function levelRankOf(level: LogLevel): number {
  return RANK_BY_FIRST[level.charCodeAt(0) & 127]!;
}

/** Market-data message kinds counted by `hft_feed_events_total`. */
export const FEED_EVENT_TYPES = ['tick', 'quote', 'trade', 'book_snapshot', 'status'] as const;

/** What a gateway connects to: the market-data feed or the order-entry (broker) session. */
export const GATEWAY_KINDS = ['market_data', 'order_entry'] as const;

/** Order sides. */
export const SIDES = ['buy', 'sell'] as const;

/**
 * StormGuard modes, in escalating order. The numeric value of `hft_stormguard_mode` is the index:
 * NORMAL=0, WARM=1, STORM=2, HALT=3.
 */
export const STORMGUARD_MODES = ['NORMAL', 'WARM', 'STORM', 'HALT'] as const;
export type StormGuardMode = (typeof STORMGUARD_MODES)[number];

/** Risk-engine decisions. */
export const RISK_DECISIONS = ['accept', 'reject'] as const;

/** Why the risk engine rejected an intent. */
export const RISK_REJECT_REASONS = [
  'max_position',
  'max_notional',
  'max_order_rate',
  'price_band',
  'fat_finger',
  'daily_loss_limit',
  'stormguard',
  'credit_limit',
  'market_closed',
] as const;

/** Order lifecycle actions counted by `hft_order_actions_total`. */
export const ORDER_ACTIONS = ['submit', 'ack', 'reject', 'cancel', 'cancel_ack', 'replace', 'partial_fill', 'fill', 'expire'] as const;

/** Why a broker or exchange rejected an order. */
export const ORDER_REJECT_REASONS = [
  'insufficient_margin',
  'invalid_price',
  'invalid_quantity',
  'rate_limited',
  'market_closed',
  'duplicate_order',
  'unknown_instrument',
  'exchange_reject',
  'timeout',
] as const;

/** Reconciliation outcomes. */
export const RECONCILIATION_RESULTS = ['match', 'mismatch', 'error'] as const;

/** Audit tables the recorder writes (see the recorder issue). */
export const AUDIT_TABLES = ['audit_orders', 'audit_risk_decisions', 'audit_guardrail_transitions', 'audit_connectivity', 'audit_config_changes', 'audit_security', 'audit_ai_decisions', 'trade_executions', 'system_events', 'performance_log', 'anomaly_log', 'alert_log', 'logs'] as const;

/** Recorder stores. */
export const RECORDER_STORES = ['embedded', 'clickhouse', 'postgres'] as const;

/** Why the ingest pipeline rejected a line (a well-formed line of an event type outside the contract is a log event, not a reject). */
export const INGEST_REJECT_REASONS = ['invalid_json', 'envelope', 'schema', 'too_large', 'encoding', 'internal'] as const;

/** Ingest sources. */
export const INGEST_SOURCES = ['file', 'tcp', 'inprocess'] as const;

/**
 * Why the TCP ingest refused or closed a connection (exporters/ingest/tcp.ts): over the connection
 * cap, a TLS handshake that failed (no client certificate, one from another CA, a protocol the
 * server refuses), a first line that was not the shared token, no token line within the
 * authentication deadline, no complete line within the idle time-out.
 */
export const TCP_REFUSE_REASONS = ['connection_limit', 'tls_handshake', 'bad_token', 'auth_timeout', 'idle_timeout'] as const;

/** Why the cardinality guard folded a label set into `other`. */
export const CARDINALITY_REASONS = ['unknown_label_value', 'series_limit', 'capacity'] as const;

/** What happened to a service (`service.<kind>` events; seed 000's system_event_log). */
export const SERVICE_EVENT_KINDS = ['started', 'stopped', 'restarted', 'failed'] as const;

/** Security events (seed 000's security_log, seed 001): `security.<kind>`. */
export const SECURITY_EVENT_KINDS = ['login', 'logout', 'mfa_success', 'mfa_failed', 'session_expired', 'permission_denied'] as const;

/** Outcome of a security event. */
export const SECURITY_STATUSES = ['SUCCESS', 'FAILURE'] as const;

/** Why the exporter's detector counted activity as suspicious (never a user or an address). */
export const SUSPICIOUS_REASONS = ['repeated_failures', 'new_ip_after_mfa_failure', 'refused_credentials'] as const;

/**
 * Why one of tickwatch's HTTP servers (`/metrics`, health, the recorder's query API and alert
 * webhook; `--web.config.file`, exporters/instrument/web/) refused a request or a connection: no
 * basic-auth credentials, wrong ones, too many wrong ones from one address (429), a client
 * certificate the policy refuses, another failed TLS handshake (a protocol version or cipher the
 * server refuses, a client that hung up), plain HTTP sent to a TLS port (answered 400).
 */
export const WEB_REFUSE_REASONS = ['missing_credentials', 'bad_credentials', 'rate_limited', 'client_certificate', 'tls_handshake', 'plaintext_on_tls'] as const;

/**
 * Kinds of anomaly (seed 000's anomaly_log; seeds 001 and 003: trade outliers, unusual activity,
 * high slippage, large position changes, volatility spikes), whoever detects them.
 */
export const ANOMALY_TYPES = ['price_outlier', 'order_size_outlier', 'position_jump', 'high_slippage', 'unusual_activity', 'volatility_spike', 'other'] as const;

/** Severity of an anomaly. */
export const ANOMALY_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** Whether an anomaly is still open. */
export const ANOMALY_STATUSES = ['OPEN', 'CLOSED'] as const;

/** Outcome of a trade execution (seed 000's trade_execution_log). */
export const TRADE_STATUSES = ['SUCCESS', 'PARTIAL', 'FAILED'] as const;

/** Order types. */
export const ORDER_TYPES = ['limit', 'market', 'ioc', 'fok', 'stop'] as const;

/** Whether a model decision turned out right (`ai.outcome`'s `correct`; seed 003). */
export const AI_OUTCOME_RESULTS = ['correct', 'wrong'] as const;

/** An alert history row's status (`alert_log.status`): OPEN from a firing notification, RESOLVED from a resolved one. */
export const ALERT_STATUSES = ['OPEN', 'RESOLVED'] as const;
