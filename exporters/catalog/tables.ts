/**
 * The audit tables as typed definitions: the contract between the recorder, which writes them
 * (its DDL per store: exporters/recorder/ddl.ts; which events fill which table: rows.ts), and the
 * SQL panels of the Logs & Audit dashboard, which read them (a panel that names a table or a column
 * defined here nowhere fails the dashboard build).
 *
 * Every table has the envelope columns (`ts_ns` nanoseconds since the Unix epoch in UTC, event,
 * component, level, correlation/intent/trace ids, the batch token that makes replays idempotent,
 * and the whole event as JSON) plus its own columns. ClickHouse tables are MergeTree, partitioned
 * by month, sorted for each table's main query ({@link ClickHouseLayout}), with TTL retention by the
 * table's retention class; DuckDB (the embedded default) gets the same columns. How long each table
 * is kept, per store and in which tier, is retention.ts (the typed retention config and its
 * defaults, with their sources); the recorder's daily clean-up applies it.
 *
 * The tables of the seeds' log categories (issue 14) sit beside the audit trail: `system_events`
 * (seed 000's `system_event_log`), `performance_log` (seed 000's `performance_log`, seed 002's
 * `performance_logs`), `trade_executions` (seed 000's `trade_execution_log`), `audit_security`
 * (seed 000's `security_log`, seed 001), `anomaly_log` (seed 000's `anomaly_log`) and
 * `audit_ai_decisions` (seed 003). Which events fill them: rows.ts. The alert history `alert_log`
 * (seed 000) is filled from Alertmanager's webhook (exporters/recorder/alerts.ts).
 */
import type { AUDIT_TABLES } from './enums.js';

/** Column types, mapped per store. */
export type ColumnType = 'ts_ns' | 'string' | 'lowcard' | 'float' | 'int';

/** One column. Columns are nullable (an event may lack the field) unless `required`. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /**
   * Always present: an envelope field every event has, or a field every event of the table's types
   * has (its schema requires it; rows.ts writes `''` should a line lack it, so a row is never
   * refused). NOT NULL, and usable in a ClickHouse sorting key.
   */
  readonly required?: true;
  /** What the column holds, with its unit (for the reader of the table and of this file). */
  readonly description?: string;
}

/** A table name (the `table` label of the recorder metrics). */
export type TableName = (typeof AUDIT_TABLES)[number];

/**
 * Which retention class a table belongs to: `audit` (the audit trail: orders, trade executions and
 * the hash-chained tables but the alert history), `operations` (seed 000 keeps system events and
 * performance samples 2 years), `incidents` (seed 000 keeps alerts, security events and anomalies 1
 * year: the alert history, chained too, and anomalies), `logs` (the log stream).
 */
export type Retention = 'audit' | 'operations' | 'incidents' | 'logs';

/**
 * A data-skipping index of a ClickHouse table (current DDL; 18.16 has none): `idx_<column>` over
 * the column as it is (Nullable included: an index over `ifNull(column, '')` is not used by a
 * `column = 'x'` filter, measured on chdb 26.7); `granularity` is the granules (8,192 rows each)
 * one index entry covers (default 4).
 */
export interface SkipIndex {
  readonly column: string;
  /**
   * `bloom_filter` for ids looked up one at a time; `set(n)` for a column of a few values (an entry
   * holding more than n is not used); `minmax` for a column that grows with the sorting key (time in
   * a table kept in chain order).
   */
  readonly type: 'bloom_filter' | 'minmax' | `set(${number})`;
  readonly granularity?: number;
}

/**
 * How a table is laid out on ClickHouse (the current DDL; the 18.16 legacy DDL sorts every table by
 * time): its sorting key, chosen for the table's main query, and its data-skipping indexes. Every
 * table also gets a bloom filter on `correlation_id` (one trade's story across every table).
 */
export interface ClickHouseLayout {
  /**
   * The sorting key: SQL expressions over the ClickHouse columns (`ts` is the time). A bare column
   * name must be a `required` column (ClickHouse refuses a Nullable one in a key).
   */
  readonly orderBy: readonly string[];
  /** Data-skipping indexes beyond the one on `correlation_id`. */
  readonly indexes?: readonly SkipIndex[];
}

/**
 * A layout's `ORDER BY` clause: one key bare (ClickHouse keeps `ORDER BY (x)` as the sorting key
 * `(x)`), more in parentheses.
 */
export function orderByClause(layout: ClickHouseLayout): string {
  return `ORDER BY ${layout.orderBy.length === 1 ? layout.orderBy[0]! : `(${layout.orderBy.join(', ')})`}`;
}

/**
 * Whether a table carries the `by_chain_seq` projection on ClickHouse (a second copy of its rows
 * sorted by `chain_seq`, which `audit verify` reads the chain through): a chained table sorted by
 * another key. One kept in chain order ({@link IN_CHAIN_ORDER}) serves the ranges by its key.
 */
export function hasChainProjection(t: TableDef): boolean {
  return t.chained === true && t.clickhouse.orderBy[0] !== 'chain_seq';
}

/** One audit table. */
export interface TableDef {
  readonly name: TableName;
  readonly description: string;
  readonly retention: Retention;
  /** Columns after the envelope. */
  readonly columns: readonly Column[];
  /** Hash-chained (see chain.ts): the chain columns follow the table's own. */
  readonly chained?: true;
  /** Sorting key and indexes on ClickHouse. */
  readonly clickhouse: ClickHouseLayout;
}

/**
 * Envelope columns, first in every table. `fields` is the line as the engine wrote it; `format` is
 * how it was read (events/formats.ts: `structlog`, `loguru`, `pino`, or `tickwatch` when a mapping
 * was needed), null for a tickwatch line used as it is, so that `audit verify` maps it the same way
 * again. Columns added after a table was first created are nullable, so an older database gets them
 * with `ALTER TABLE ... ADD COLUMN` (see `addableColumns` in exporters/recorder/ddl.ts).
 */
export const ENVELOPE: readonly Column[] = [
  { name: 'ts_ns', type: 'ts_ns', required: true, description: 'When the event happened, nanoseconds since the Unix epoch (UTC); on ClickHouse the column `ts` (DateTime64(9); on 18.16 a DateTime `ts` beside an Int64 `ts_ns`).' },
  { name: 'event', type: 'lowcard', required: true, description: 'The event type (`order.submit`, `security.login`, or any other a line names).' },
  { name: 'component', type: 'lowcard', required: true, description: 'The module that wrote the line.' },
  { name: 'level', type: 'lowcard', required: true, description: 'trace, debug, info, warn, error or fatal.' },
  { name: 'correlation_id', type: 'string', description: 'Ties every row of one trade together (`logs trade`).' },
  { name: 'intent_id', type: 'string', description: 'The strategy intent.' },
  { name: 'trace_id', type: 'string', description: 'A distributed trace id, when the engine writes one.' },
  { name: 'message', type: 'string', description: 'The human-readable message.' },
  { name: 'batch_token', type: 'string', required: true, description: 'The write-ahead-log batch the row came in (makes a replayed insert idempotent).' },
  { name: 'fields', type: 'string', required: true, description: 'The whole line as the engine wrote it (JSON).' },
  { name: 'format', type: 'lowcard', description: 'How the line was read: structlog, loguru, pino, tickwatch; null for a tickwatch line used as it is.' },
];

/** The hash-chain columns of a chained table (see chain.ts), last. */
export const CHAIN_COLUMNS: readonly Column[] = [
  { name: 'chain_seq', type: 'int', required: true, description: 'Position in the chain, from 1.' },
  { name: 'prev_hash', type: 'string', required: true, description: 'The previous row\'s row_hash (hex SHA-256).' },
  { name: 'row_hash', type: 'string', required: true, description: 'SHA-256 over prev_hash and the row (hex).' },
];

const col =
  (type: ColumnType) =>
  (name: string, description?: string): Column =>
    description === undefined ? { name, type } : { name, type, description };
const s = col('string');
const lc = col('lowcard');
const f = col('float');
const i = col('int');
/** A column every event of the table's types has (see {@link Column.required}). */
const req = (c: Column): Column => ({ ...c, required: true });

/**
 * The audit trail's layout: in chain order (`chain_seq`, the order the recorder wrote the rows, and
 * so about the order of time), with a min-max index on `ts` for a time window. `audit verify` and
 * retention's cuts read chain ranges by the sorting key itself, so the table needs no second copy
 * sorted by `chain_seq` (ddl.ts gives the other chained tables that projection). One trade's story is
 * found by the bloom filter on `correlation_id`, as it was under the key before this one,
 * `(ifNull(correlation_id, ''), ts)`: a `correlation_id = 'x'` filter does not use a key over
 * `ifNull(...)` (`EXPLAIN indexes = 1` on chdb 26.7: all 32 granules of `audit_orders` left by the key,
 * 2 by the bloom filter). Issue 19, 7 December 2026, the overhead bench's drain of 400,000 lines into
 * chdb (382,689 chained rows, 261,111 of them `audit_orders`), against the key and projection before:
 * `audit_orders` took 54.9 MB on disk instead of 108.9 and `audit_risk_decisions` 10.9 instead of 21.6;
 * twelve alternating pairs drained a mean of 59,300 rows/s against 56,700 (faster in 8 of 12; the
 * process's CPU a row 29.6 us against 31.1 over the last nine); `audit verify` of the drained store took the
 * same (9.45 and 10.27 s against 9.43 and 10.58); one trade's rows in `audit_orders` took 8.9 ms against
 * 7.3 (4 granules read instead of 1).
 */
const IN_CHAIN_ORDER: ClickHouseLayout = { orderBy: ['chain_seq'], indexes: [{ column: 'ts', type: 'minmax' }] };

/** Every table, in the order the docs list them. */
export const TABLES: readonly TableDef[] = [
  {
    name: 'audit_orders',
    chained: true,
    description: 'Intents and every order lifecycle step with the broker responses (submit, ack, reject, cancel, replace, expire, fills).',
    retention: 'audit',
    columns: [lc('strategy'), lc('gateway'), s('order_id'), lc('side'), s('symbol'), f('qty'), f('price'), f('leaves_qty'), lc('reason'), s('broker_code'), i('latency_ns')],
    clickhouse: IN_CHAIN_ORDER,
  },
  {
    name: 'audit_risk_decisions',
    chained: true,
    description: 'Every pre-trade risk decision: accept or reject, why, and which limit decided.',
    retention: 'audit',
    columns: [lc('strategy'), lc('decision'), lc('reason'), s('limit_name'), i('latency_ns')],
    clickhouse: IN_CHAIN_ORDER,
  },
  {
    name: 'audit_guardrail_transitions',
    chained: true,
    description: 'StormGuard mode transitions per strategy.',
    retention: 'audit',
    columns: [lc('strategy'), lc('from_mode'), lc('to_mode'), s('reason')],
    clickhouse: IN_CHAIN_ORDER,
  },
  {
    name: 'audit_connectivity',
    chained: true,
    description: 'Gateway connects, disconnects and reconnects, and feed sequence gaps.',
    retention: 'audit',
    columns: [lc('gateway'), lc('kind'), s('reason'), i('attempt')],
    clickhouse: IN_CHAIN_ORDER,
  },
  {
    name: 'audit_config_changes',
    chained: true,
    description: 'Configuration changes: who (operator id), the new and previous config hash, what changed and the diff.',
    retention: 'audit',
    columns: [s('operator_id'), s('config_hash'), s('previous_hash'), s('config_key'), s('diff')],
    clickhouse: IN_CHAIN_ORDER,
  },
  {
    name: 'audit_security',
    chained: true,
    description:
      "Security events (seed 000's security_log, seed 001): logins, logouts, second factors, expired sessions and refused access, with who, from where and the outcome; from `security.*`. User ids and addresses are recorded here and never become label values.",
    retention: 'audit',
    columns: [
      req(lc('kind', 'What happened: login, logout, mfa_success, mfa_failed, session_expired, permission_denied (the event type after `security.`).')),
      req(s('user_id', 'Who (as the engine names the user; for a failed login, the name that was tried).')),
      s('source_ip', 'From where (an IPv4 or IPv6 address as written).'),
      lc('status', 'SUCCESS or FAILURE.'),
      s('session_id', 'The session.'),
      s('resource', 'What was refused (permission_denied).'),
    ],
    /**
     * Sorted by user, then time: the investigator's question is one user's logins and sessions
     * (DESIGN: "a user's logins"), which then reads only that user's granules. The other questions
     * are served without the key: an address's attempts across users (seed 001's credential
     * stuffing, and a new address after a refused second factor) by a bloom filter on
     * `source_ip`; a session by one on `session_id`; "every failure of the last hour" scans the
     * month's partition, which is small (people log in, the market does not). Not by
     * `(status, ts)` or `(kind, ts)`: two to six values put a whole month's failures of every user
     * in one run, and the per-user story would scan. User ids chosen by an attacker (logins with
     * made-up names) only add runs to the sort order; they never become labels. `audit verify`
     * reads the chain through the `chain_seq` projection, whatever the key.
     */
    clickhouse: {
      orderBy: ['user_id', 'ts'],
      indexes: [
        { column: 'source_ip', type: 'bloom_filter' },
        { column: 'session_id', type: 'bloom_filter' },
      ],
    },
  },
  {
    name: 'audit_ai_decisions',
    chained: true,
    description:
      "Model decisions and their outcomes (seed 003): what a model predicted, from which inputs, how sure it was and why, from `ai.decision`; whether it was right, from `ai.outcome` (a second row with the same decision_id).",
    retention: 'audit',
    columns: [
      req(lc('model_id', 'The model (a configured name).')),
      lc('model_version', 'Its version.'),
      s('decision_id', 'Ties a decision to its outcome.'),
      lc('strategy', 'The strategy that asked (decisions).'),
      s('features', 'The model inputs as JSON text, as the line carries them (decisions; at most 64 entries).'),
      s('prediction', 'What it predicted, as text: a score (0.7) or a class (decisions).'),
      f('confidence', 'How sure, 0 to 1 (decisions).'),
      s('explanation', 'Contribution of each feature (e.g. SHAP values) as JSON text (decisions).'),
      i('latency_ns', 'Inference time, nanoseconds (decisions).'),
      i('correct', 'Whether the prediction was right: 1 or 0 (outcomes; null on a decision row).'),
      s('actual', 'What actually happened, as text (outcomes).'),
    ],
    /**
     * Sorted by model, then time: a model's decisions over a window (accuracy, confidence and
     * latency drift, an audit of what it decided) read only its granules; a decision and its
     * outcome are found by a bloom filter on `decision_id`.
     */
    clickhouse: { orderBy: ['model_id', 'ts'], indexes: [{ column: 'decision_id', type: 'bloom_filter' }] },
  },
  {
    name: 'trade_executions',
    description:
      "Trade executions (seed 000's trade_execution_log): every fill with its slippage, SUCCESS when nothing is left of the order or PARTIAL while `leaves_qty` > 0, from `execution.fill`; every rejected order as FAILED, from `order.rejected` (volume, price, side and symbol when the reject carries them).",
    retention: 'audit',
    columns: [
      s('trade_id', 'The venue trade id (fills).'),
      s('order_id', 'The order.'),
      req(lc('strategy', 'The strategy.')),
      lc('gateway', 'The gateway the order went through.'),
      lc('broker', 'The broker that executed it.'),
      s('symbol', 'The instrument.'),
      lc('side', 'buy or sell.'),
      lc('order_type', 'limit, market, ioc, fok or stop.'),
      f('volume', 'Quantity filled (the fill\'s qty), or of the rejected order when the reject says.'),
      f('price', 'Fill price, or the rejected order\'s price when the reject says.'),
      f('leaves_qty', 'Quantity of the order still open after the fill.'),
      f('slippage_ticks', "Signed slippage in the instrument's ticks; positive is adverse."),
      f('slippage_ratio', 'Signed slippage against the intent price, as a ratio; positive is adverse.'),
      req(lc('status', 'SUCCESS, PARTIAL or FAILED (TRADE_STATUSES).')),
      lc('reason', 'Why it failed (the reject reason).'),
      i('latency_ns', 'From submission to this fill or reject, nanoseconds.'),
      s('instance_id', 'The engine instance, when the line names one (`instance_id`).'),
    ],
    /**
     * Sorted by strategy, then time: a strategy's executions over a session (fill rate, slippage,
     * failures) read only its granules. A trade or an order is found by bloom filters on
     * `trade_id` and `order_id`, an instrument's executions by one on `symbol`, and the failures
     * by a set index on `status`.
     */
    clickhouse: {
      orderBy: ['strategy', 'ts'],
      indexes: [
        { column: 'trade_id', type: 'bloom_filter' },
        { column: 'order_id', type: 'bloom_filter' },
        { column: 'symbol', type: 'bloom_filter' },
        { column: 'status', type: 'set(3)' },
      ],
    },
  },
  {
    name: 'system_events',
    description: "System events (seed 000's system_event_log): a service of the engine, or of tickwatch, started, stopped, restarted or failed; from `service.*`. Also each run of the recorder's retention clean-up (`store.cleanup`, kind cleanup).",
    retention: 'operations',
    columns: [
      req(lc('service', 'The service (a process or module).')),
      req(lc('kind', 'started, stopped, restarted or failed (the event type after `service.`); cleanup for the recorder\'s retention clean-up (`store.cleanup`, its counts per table in `fields`).')),
      lc('status', 'Its state after the event (running, stopped, crashed; ok or failed for a clean-up).'),
      s('instance_id', 'Which instance of the service (host, pid).'),
      s('reason', 'Why it stopped, restarted or failed (a failed clean-up: its error).'),
      i('exit_code', 'The exit code of a failed service.'),
      i('attempt', 'Which restart this is.'),
      s('version', 'The version that started.'),
    ],
    /**
     * Sorted by service, then time: a service's history (its restarts before a failure) reads only
     * its granules; a set index on `kind` finds the failures of every service.
     */
    clickhouse: { orderBy: ['service', 'ts'], indexes: [{ column: 'kind', type: 'set(4)' }] },
  },
  {
    name: 'performance_log',
    description:
      "Performance samples (seed 000's performance_log, seed 002's performance_logs): how long a service's operation took and what the service used; from `perf.sample`. Units as the event states them: milliseconds, percent of one core, MB.",
    retention: 'operations',
    columns: [
      req(lc('service', 'The service sampled.')),
      lc('operation', 'What it was doing (place_order, risk_check).'),
      f('execution_time_ms', 'How long the operation took, milliseconds.'),
      f('cpu_percent', 'CPU use of the service, percent of one core.'),
      f('memory_mb', 'Resident memory, MB.'),
      f('disk_mb', 'Disk used by the service, MB.'),
      f('latency_ms', 'Request latency, milliseconds.'),
      s('instance_id', 'Which instance of the service.'),
    ],
    /** Sorted by service, then time: seed 002's query, a service's execution times over a window. */
    clickhouse: { orderBy: ['service', 'ts'] },
  },
  {
    name: 'anomaly_log',
    description:
      "Anomalies (seed 000's anomaly_log): trade outliers, unusual activity, high slippage, position jumps, volatility spikes, when detected (OPEN) and when resolved (CLOSED), by the engine or by tickwatch; from `anomaly.*`.",
    retention: 'incidents',
    columns: [
      s('anomaly_id', 'Ties the detection to its resolution.'),
      lc('detected_by', 'The detector (a module of the engine, or tickwatch).'),
      req(lc('anomaly_type', 'What kind (ANOMALY_TYPES).')),
      lc('severity', 'low, medium, high or critical.'),
      lc('status', 'OPEN (detected) or CLOSED (resolved).'),
      lc('strategy', 'The strategy concerned.'),
      s('symbol', 'The instrument concerned.'),
      f('value', 'The observed value.'),
      f('expected', 'What was expected (the reference).'),
    ],
    /**
     * Sorted by type, then time: "the high-slippage anomalies of this week" reads only that type's
     * granules; an anomaly's detection and resolution are found by a bloom filter on `anomaly_id`,
     * the serious ones by a set index on `severity`.
     */
    clickhouse: {
      orderBy: ['anomaly_type', 'ts'],
      indexes: [
        { column: 'anomaly_id', type: 'bloom_filter' },
        { column: 'severity', type: 'set(4)' },
      ],
    },
  },
  {
    name: 'alert_log',
    chained: true,
    description:
      "Alert history (seed 000's alert history): every alert Alertmanager notified, one row when it fired (OPEN) and one when it resolved (RESOLVED), from its webhook (`POST /api/v1/alertmanager/webhook` on the recorder's query API; receiver `tickwatch-history`). The line (`fields`) is the alert as Alertmanager sent it with the notification's receiver, group key and external URL, read in the format `alertmanager`; a line of the engine naming an `alert.*` event never lands here. Hash-chained: it is the record of what on-call was told.",
    retention: 'incidents',
    columns: [
      req(s('fingerprint', "Alertmanager's fingerprint of the alert's label set.")),
      req(lc('alertname', 'The alert (its rule in alert-rules/).')),
      lc('severity', 'critical, warning or none (Watchdog).'),
      lc('family', "The alert's `family` label: a critical and its warning twin share it (alert-rules/model.ts)."),
      req(lc('status', 'OPEN (firing) or RESOLVED (ALERT_STATUSES).')),
      s('summary', 'The summary annotation.'),
      s('description', 'The description annotation, with the value as Prometheus rendered it.'),
      s('instance', 'The `instance` label.'),
      lc('job', 'The `job` label.'),
      i('starts_at_ns', 'When the alert started firing (Alertmanager\'s startsAt), nanoseconds since the epoch.'),
      i('ends_at_ns', 'When it resolved (endsAt), nanoseconds since the epoch; null while firing.'),
      lc('receiver', 'The receiver the notification came through (tickwatch-history).'),
      s('group_key', "Alertmanager's group key of the notification."),
      s('labels', 'Every label of the alert, as JSON text.'),
      s('generator_url', 'The Prometheus expression that raised it (generatorURL).'),
      s('runbook_url', 'The runbook_url annotation.'),
      s('dashboard_url', 'The dashboard_url annotation.'),
      req(s('dedup_key', 'SHA-256 (hex) of group key, fingerprint, status, startsAt and (resolved) endsAt: the same alert state notified again (a retry, a repeat) is recorded once.')),
    ],
    /**
     * Sorted by alert name, then time: an alert's history over months ("how often did FeedGap fire
     * this quarter") reads only its granules; the recent alerts of every name scan the month's
     * partition, which is small (hundreds of rows a day). An alert's firing and resolve are found by
     * a bloom filter on `fingerprint`, a notification seen before (the receiver's duplicate check)
     * by one on `dedup_key`, the pages by a set index on `severity`.
     */
    clickhouse: {
      orderBy: ['alertname', 'ts'],
      indexes: [
        { column: 'fingerprint', type: 'bloom_filter' },
        { column: 'dedup_key', type: 'bloom_filter' },
        { column: 'severity', type: 'set(4)' },
      ],
    },
  },
  {
    name: 'logs',
    description:
      "The log stream: every accepted line (an event type of the contract or any other) at or above its component's level (info by default); `status` is the event's own status field, `duration_ns` its execution time (latency_ns, decision_latency_ns, duration_ns, or duration_ms / execution_time_ms in ms).",
    retention: 'logs',
    columns: [lc('status'), i('duration_ns')],
    /** Sorted by component, then time: a component's log lines over a window (`logs search`). */
    clickhouse: { orderBy: ['component', 'ts'] },
  },
];

/** Every table by name. */
export const TABLE_DEFS: ReadonlyMap<TableName, TableDef> = new Map(TABLES.map((t) => [t.name, t]));

/**
 * Retention in days per class, without tiers: the older form, which `ClickHouseStore`'s `retention`
 * option and `prune` still take. The retention config is retention.ts (per store and table, with an
 * archive tier).
 */
export interface RetentionDays {
  readonly audit: number;
  readonly operations: number;
  readonly incidents: number;
  readonly logs: number;
}

/**
 * Default retention: 5 years for the audit tables (the hash-chained ones and trade executions), 2
 * years for operations (system events, performance samples: seed 000's ClickHouse TTL), 1 year for
 * incidents (anomalies and the alert history: seed 000's), 30 days for logs. Regulators may demand longer for order
 * records: SEC Rule 17a-4 (6 years for some records), MiFID II Art. 16(6)/25 and RTS 6 (5 years, up
 * to 7 on request), Taiwan's securities rules (at least 5 years for order records); configure
 * `audit` accordingly. (Seed 000 keeps trade executions 2 years and security events 1 year; here
 * they are audit records, kept as long as the orders they belong to.)
 */
export const DEFAULT_RETENTION: RetentionDays = { audit: 5 * 365, operations: 2 * 365, incidents: 365, logs: 30 };

/** All columns of a table: the envelope, the table's own, then the chain columns when chained. */
export function columnsOf(t: TableDef): readonly Column[] {
  return t.chained ? [...ENVELOPE, ...t.columns, ...CHAIN_COLUMNS] : [...ENVELOPE, ...t.columns];
}
