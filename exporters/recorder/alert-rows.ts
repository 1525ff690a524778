/**
 * The alert history's lines and rows (`alert_log`, exporters/catalog/tables.ts): what the recorder
 * keeps of each alert of an Alertmanager notification, and the row derived from it.
 *
 * Each alert of a notification becomes one line, stored in `fields` like any engine line (so the
 * write-ahead log, the hash chain and `audit verify` treat it as they treat the others), read in the
 * format {@link ALERTMANAGER_FORMAT}:
 *
 *     {"ts":"<when the recorder took the notification>","level":"error","component":"monitor",
 *      "event":"alert.firing","message":"[FIRING] FeedGap on 127.0.0.1:9470: ...",
 *      "receiver":"tickwatch-history","group_key":"{}/{}:{...}","external_url":"http://...:9093",
 *      "alert":{ ...the alert exactly as Alertmanager sent it: status, labels, annotations,
 *                startsAt, endsAt, generatorURL, fingerprint }}
 *
 * Every column of the row is derived from that line ({@link alertColumns}). Only a line read in that
 * format makes an `alert_log` row (rows.ts): an engine's log line naming an `alert.*` event is a log
 * line, never alert history.
 */
import { createHash } from 'node:crypto';
import { timestampNanosString } from '../ingest/timestamp.js';

/** The `format` of an alert history line (the `format` column): read from Alertmanager's webhook. */
export const ALERTMANAGER_FORMAT = 'alertmanager';

/** The component an alert history line is recorded under. */
export const ALERT_COMPONENT = 'monitor';

/** An alert's status in Alertmanager's webhook. */
export type AlertState = 'firing' | 'resolved';

/** The event type of an alert history line, by the alert's status. */
export const ALERT_EVENTS: Readonly<Record<AlertState, string>> = { firing: 'alert.firing', resolved: 'alert.resolved' };

/** One alert of an Alertmanager webhook notification (payload version 4), as sent. */
export interface WebhookAlert {
  readonly status: AlertState;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** RFC 3339. */
  readonly startsAt: string;
  /** RFC 3339; `0001-01-01T00:00:00Z` while firing. */
  readonly endsAt?: string;
  readonly generatorURL?: string;
  /** Alertmanager's fingerprint of the label set (hex). */
  readonly fingerprint: string;
}

/** An alert history line (see the module comment). */
export interface AlertLine {
  readonly ts: string;
  readonly level: 'info' | 'warn' | 'error';
  readonly component: typeof ALERT_COMPONENT;
  readonly event: string;
  readonly message: string;
  readonly receiver: string;
  readonly group_key: string;
  readonly external_url: string;
  readonly alert: WebhookAlert;
}

/**
 * The key that makes the history idempotent: SHA-256 (hex) of the group key, the fingerprint, the
 * status, startsAt and, for a resolved alert, endsAt. Alertmanager's retries and its repeat
 * notifications of a still-firing alert give the same key (a firing alert's endsAt is left out:
 * it carries none); the same alert firing again later has a new startsAt, so a new key.
 */
export function alertDedupKey(groupKey: string, a: Pick<WebhookAlert, 'status' | 'fingerprint' | 'startsAt' | 'endsAt'>): string {
  return createHash('sha256')
    .update(`${groupKey}\n${a.fingerprint}\n${a.status}\n${a.startsAt}\n${a.status === 'resolved' ? (a.endsAt ?? '') : ''}`)
    .digest('hex');
}

/** The level of an alert's line: a firing critical is an error, a firing warning a warning, the rest info. */
export function alertLevel(a: Pick<WebhookAlert, 'status' | 'labels'>): AlertLine['level'] {
  if (a.status === 'resolved') return 'info';
  return a.labels.severity === 'critical' ? 'error' : a.labels.severity === 'warning' ? 'warn' : 'info';
}

/**
 * The line of one alert of a notification (see the module comment).
 * @param receivedAtMs - when the recorder took the notification, ms since the epoch (the row's `ts`)
 */
export function alertLine(n: { readonly receiver: string; readonly groupKey: string; readonly externalURL: string }, a: WebhookAlert, receivedAtMs: number): AlertLine {
  const where = a.labels.instance ? ` on ${a.labels.instance}` : '';
  const summary = a.annotations?.summary ? `: ${a.annotations.summary}` : '';
  return {
    ts: new Date(receivedAtMs).toISOString(),
    level: alertLevel(a),
    component: ALERT_COMPONENT,
    event: ALERT_EVENTS[a.status],
    message: `[${a.status.toUpperCase()}] ${a.labels.alertname ?? '?'}${where}${summary}`,
    receiver: n.receiver,
    group_key: n.groupKey,
    external_url: n.externalURL,
    alert: a,
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const INT64_MAX = 2n ** 63n - 1n;

/** Nanoseconds since the epoch of an RFC 3339 time, as a decimal string, or null (not a time, or outside Int64). */
function nanos(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const ns = timestampNanosString(v);
  if (ns === undefined) return null;
  const b = BigInt(ns);
  return b > INT64_MAX || b < -INT64_MAX ? null : ns;
}

/**
 * The `alert_log` columns of an alert history line (after the envelope; see tables.ts). A field of
 * the wrong JSON type is a null column, never a refused row (required columns become `''`).
 * @param e - the line, parsed
 */
export function alertColumns(e: Readonly<Record<string, unknown>>): Record<string, string | number | null> {
  const a = obj(e.alert);
  const labels = obj(a.labels);
  const notes = obj(a.annotations);
  const resolved = a.status === 'resolved';
  const groupKey = str(e.group_key) ?? '';
  return {
    fingerprint: str(a.fingerprint) ?? '',
    alertname: str(labels.alertname) ?? '',
    severity: str(labels.severity),
    family: str(labels.family),
    status: resolved ? 'RESOLVED' : 'OPEN',
    summary: str(notes.summary),
    description: str(notes.description),
    instance: str(labels.instance),
    job: str(labels.job),
    starts_at_ns: nanos(a.startsAt),
    ends_at_ns: resolved ? nanos(a.endsAt) : null,
    receiver: str(e.receiver),
    group_key: str(e.group_key),
    labels: typeof a.labels === 'object' && a.labels !== null ? JSON.stringify(a.labels) : null,
    generator_url: str(a.generatorURL),
    runbook_url: str(notes.runbook_url),
    dashboard_url: str(notes.dashboard_url),
    dedup_key: alertDedupKey(groupKey, {
      status: resolved ? 'resolved' : 'firing',
      fingerprint: str(a.fingerprint) ?? '',
      startsAt: str(a.startsAt) ?? '',
      endsAt: str(a.endsAt) ?? undefined,
    }),
  };
}
