/**
 * The alert history (seed 000; issue 15): the recorder serves Alertmanager's webhook on its query
 * API, `POST /api/v1/alertmanager/webhook` (Alertmanager's receiver `tickwatch-history`, to which
 * every alert also goes: alertmanager/config.ts), and records each alert of each notification as
 * one `alert_log` row, OPEN when it fired and RESOLVED when it resolved, through the recorder's
 * normal path: each alert becomes a line (alert-rows.ts) added to the recorder, the batch is sealed
 * into the write-ahead log (fsync'd) before the webhook answers 200, then written to the store with
 * the batch's token like every other batch, spooled while the store is down, and hash-chained.
 *
 * Idempotent for Alertmanager's retries and repeats: each alert's `dedup_key` (SHA-256 of group key,
 * fingerprint, status, startsAt and, resolved, endsAt) is checked before its row is added, against
 * the keys this recorder recorded (and the rows it still has spooled from an earlier run) and, for
 * keys it does not know, the store; a key seen before is counted as a duplicate and not recorded
 * again. The check comes before the row is linked onto the hash chain: a row skipped after linking
 * would leave a gap in the chain, so a per-alert batch token the store skips on replay would not do.
 * While the store cannot be read the check relies on the recorder's own keys (a notification first
 * recorded before a restart may then be recorded twice; never lost).
 *
 * A payload that is not Alertmanager's webhook JSON (version 4) is refused with 400 and the reason,
 * counted in `hft_recorder_alert_rejects_total{reason}`; while the write-ahead log refuses batches
 * the webhook answers 503 (`unavailable`) and Alertmanager retries. Every notification taken counts in
 * `hft_recorder_alert_notifications_total{status}`, every alert already recorded in
 * `hft_recorder_alert_duplicates_total`. The alerts also go to the Redis hot state when there is one
 * (`RedisHotState.recordAlerts`: the open alerts by fingerprint).
 *
 * Reading it: `GET /api/v1/alerts?since=&until=&severity=&status=&alertname=&limit=` and
 * `tickwatch alerts history [--since 1h] [--severity critical] [--status OPEN|RESOLVED] [--json]`,
 * newest first, every filter a bound parameter.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ALERT_STATUSES } from '../catalog/enums.js';
import { RECORDER_ALERT_WEBHOOK_PATH } from '../catalog/jobs.js';
import { ALERT_WEBHOOK_REJECT_REASONS, recorderAlertDuplicatesTotal, recorderAlertNotificationsTotal, recorderAlertRejectsTotal } from '../catalog/recorder.js';
import type { HftEvent } from '../events/index.js';
import { timestampNanosString } from '../ingest/timestamp.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { Log } from '../lib/log.js';
import { terminalTable } from '../lib/table.js';
import { ALERTMANAGER_FORMAT, alertDedupKey, alertLine, type WebhookAlert } from './alert-rows.js';
import type { Recorder } from './recorder.js';
import type { RedisHotState } from './redis.js';
import { formatNanos } from './rows.js';
import type { AlertQuery, AlertRow, AuditStore } from './stores/store.js';
import type { Batch } from './wal.js';

/** Where Alertmanager posts its notifications, on the recorder's query API (the port plan's). */
export const ALERT_WEBHOOK_PATH = RECORDER_ALERT_WEBHOOK_PATH;

/** The alert history's read endpoint on the query API. */
export const ALERTS_API_PATH = '/api/v1/alerts';

/** The largest notification body taken (Alertmanager sends every alert of a group: `max_alerts: 0`). */
export const ALERT_WEBHOOK_BODY_LIMIT = 16 * 1024 * 1024;

/** Why a notification was refused (the `reason` label). */
export type AlertRejectReason = (typeof ALERT_WEBHOOK_REJECT_REASONS)[number];

const LabelSet = Type.Record(Type.String({ maxLength: 1024 }), Type.String({ maxLength: 65_536 }));
const State = Type.Union([Type.Literal('firing'), Type.Literal('resolved')]);

/** One alert of a notification: what the history needs of it (other fields are kept, not checked). */
const WebhookAlertSchema = Type.Object({
  status: State,
  labels: Type.Intersect([Type.Object({ alertname: Type.String({ minLength: 1, maxLength: 1024 }) }), LabelSet]),
  annotations: Type.Optional(LabelSet),
  startsAt: Type.String({ minLength: 20, maxLength: 40 }),
  endsAt: Type.Optional(Type.String({ maxLength: 40 })),
  generatorURL: Type.Optional(Type.String({ maxLength: 65_536 })),
  fingerprint: Type.String({ minLength: 1, maxLength: 64 }),
});

/**
 * Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config):
 * the notification of one group, its alerts, the group's labels and key, and the Alertmanager's URL.
 */
const NotificationSchema = Type.Object({
  version: Type.Literal('4'),
  groupKey: Type.String({ maxLength: 65_536 }),
  truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
  status: State,
  receiver: Type.String({ maxLength: 1024 }),
  groupLabels: LabelSet,
  commonLabels: LabelSet,
  commonAnnotations: LabelSet,
  externalURL: Type.String({ maxLength: 65_536 }),
  alerts: Type.Array(WebhookAlertSchema, { minItems: 1, maxItems: 100_000 }),
});

/** An Alertmanager webhook notification (payload version 4). */
export type AlertmanagerNotification = Static<typeof NotificationSchema>;

const checkNotification = TypeCompiler.Compile(NotificationSchema);

/** A notification the webhook refuses: the reason (counted), the HTTP status and what was wrong. */
export class AlertWebhookRejection extends Error {
  override readonly name = 'AlertWebhookRejection';
  constructor(
    readonly reason: AlertRejectReason,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a webhook body against Alertmanager's payload (version 4), times included.
 * @throws AlertWebhookRejection (`version` or `schema`, 400) naming the first field at fault
 */
export function parseNotification(body: unknown): AlertmanagerNotification {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AlertWebhookRejection('schema', 400, 'the body is not a JSON object (Alertmanager webhook payload, version 4)');
  const version = (body as { version?: unknown }).version;
  if (version !== '4') throw new AlertWebhookRejection('version', 400, `payload version ${JSON.stringify(version)}: only Alertmanager's version "4" is understood`);
  if (!checkNotification.Check(body)) {
    const e = checkNotification.Errors(body).First();
    throw new AlertWebhookRejection('schema', 400, `not an Alertmanager webhook payload: ${e ? `${e.path || '/'}: ${e.message}` : 'shape'}`);
  }
  body.alerts.forEach((a, i) => {
    if (timestampNanosString(a.startsAt) === undefined) throw new AlertWebhookRejection('schema', 400, `/alerts/${i}/startsAt: not an RFC 3339 time: ${a.startsAt}`);
    if (a.status === 'resolved' && (a.endsAt === undefined || timestampNanosString(a.endsAt) === undefined)) throw new AlertWebhookRejection('schema', 400, `/alerts/${i}/endsAt: a resolved alert needs an RFC 3339 endsAt`);
  });
  return body;
}

/** What the webhook did with a notification. */
export interface AlertReceipt {
  /** Alerts recorded (sealed into the write-ahead log). */
  readonly recorded: number;
  /** Alerts already in the history (a retry or a repeat). */
  readonly duplicates: number;
}

/** Options of an {@link AlertReceiver}. */
export interface AlertReceiverOptions {
  readonly recorder: Recorder;
  readonly store: AuditStore;
  readonly registry: MetricRegistry;
  readonly log: Log;
  /**
   * Seals what is pending into the write-ahead log, with the tailed files' positions (the
   * service's own seal): the notification counts as acknowledged once it returns a batch.
   */
  readonly seal: () => Batch | undefined;
  /** The Redis hot state, when there is one: it gets every alert of every notification taken. */
  readonly redis?: Pick<RedisHotState, 'recordAlerts'>;
  /** Keys of recorded alerts remembered without asking the store (default 50,000; older ones are looked up). */
  readonly rememberKeys?: number;
}

/** The alert history's webhook receiver (see the module comment). One per recorder. */
export class AlertReceiver {
  /** Keys recorded by this recorder, oldest first (insertion order), at most `rememberKeys`. */
  private readonly recent = new Set<string>();
  /** Keys being checked and recorded by a notification in progress. */
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly limit: number;
  private readonly m;

  constructor(private readonly o: AlertReceiverOptions) {
    this.limit = o.rememberKeys ?? 50_000;
    const notifications = o.registry.counter(recorderAlertNotificationsTotal);
    const rejects = o.registry.counter(recorderAlertRejectsTotal);
    this.m = {
      notifications: { firing: notifications.labels('firing'), resolved: notifications.labels('resolved') },
      duplicates: o.registry.counter(recorderAlertDuplicatesTotal).series(),
      rejects: new Map(ALERT_WEBHOOK_REJECT_REASONS.map((r) => [r, rejects.labels(r)])),
    };
    // Rows spooled by an earlier run (replayed, not yet in the store) are known already.
    for (const r of o.recorder.unstored('alert_log')) this.remember(String(r.dedup_key));
  }

  private remember(key: string): void {
    this.recent.delete(key);
    this.recent.add(key);
    if (this.recent.size > this.limit) this.recent.delete(this.recent.values().next().value!);
  }

  /** Counts a refused notification (the route's own refusals: a body that is not JSON, too large, ...). */
  rejected(reason: AlertRejectReason): void {
    this.m.rejects.get(reason)!.inc();
  }

  /**
   * Records a notification: each alert not seen before becomes an `alert_log` row, sealed into the
   * write-ahead log before this resolves.
   * @param receivedAtMs - when it arrived (the rows' `ts`), ms since the epoch
   * @throws AlertWebhookRejection when the body is not a version 4 notification (400), or the
   *   write-ahead log refuses batches (503: Alertmanager retries); counted by reason
   */
  async receive(body: unknown, receivedAtMs = Date.now()): Promise<AlertReceipt> {
    try {
      return await this.take(parseNotification(body), receivedAtMs);
    } catch (err) {
      if (err instanceof AlertWebhookRejection) this.rejected(err.reason);
      throw err;
    }
  }

  private async take(n: AlertmanagerNotification, receivedAtMs: number): Promise<AlertReceipt> {
    if (this.o.recorder.walRefusing) throw new AlertWebhookRejection('unavailable', 503, 'the recorder cannot write its write-ahead log just now; retry');
    if (n.truncatedAlerts) this.o.log.warn('recorder.alerts_truncated', `Alertmanager left ${n.truncatedAlerts} alerts out of a notification (max_alerts); they are not in the history.`, { group_key: n.groupKey, truncated: n.truncatedAlerts });
    const alerts = n.alerts as readonly WebhookAlert[];
    const keys = alerts.map((a) => alertDedupKey(n.groupKey, a));
    const fresh: number[] = [];
    const waits: Promise<void>[] = [];
    const mine = new Set<string>();
    let duplicates = 0;
    for (const [i, k] of keys.entries()) {
      const other = this.inflight.get(k);
      if (this.recent.has(k) || mine.has(k)) duplicates++;
      else if (other) {
        // The same alert in a notification still being recorded (Alertmanager retried early): answer once it is in.
        waits.push(other);
        duplicates++;
      } else {
        mine.add(k);
        fresh.push(i);
      }
    }
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    for (const k of mine) this.inflight.set(k, done);
    let recorded = 0;
    try {
      let stored = new Set<string>();
      if (mine.size) {
        try {
          stored = new Set((await this.o.store.searchAlerts({ dedupKeys: [...mine], limit: 10_000 })).map((r) => r.dedup_key));
        } catch (err) {
          this.o.log.warn('recorder.alert_check_failed', 'The store could not say whether these alerts are in the history already; they are recorded (a retry of a notification recorded before a restart may be recorded twice).', { err, group_key: n.groupKey });
        }
      }
      for (const i of fresh) {
        const k = keys[i]!;
        if (stored.has(k)) {
          duplicates++;
        } else {
          const line = alertLine(n, alerts[i]!, receivedAtMs);
          this.o.recorder.add(line as unknown as HftEvent, JSON.stringify(line), { format: ALERTMANAGER_FORMAT, mapped: true });
          recorded++;
        }
        this.remember(k);
      }
      // Acknowledged once in the write-ahead log. Refused: the rows stay pending (sealed when the log
      // takes batches again) and their keys are known, so Alertmanager's retry is not recorded twice.
      if (recorded && !this.o.seal()) throw new AlertWebhookRejection('unavailable', 503, 'the recorder could not write its write-ahead log; retry');
    } finally {
      for (const k of mine) this.inflight.delete(k);
      release();
    }
    await Promise.all(waits);
    this.m.notifications[n.status].inc();
    if (duplicates) this.m.duplicates.inc(duplicates);
    this.o.redis?.recordAlerts(alerts);
    this.o.log.debug('recorder.alert_notification', `Alertmanager notification (${n.status}, ${alerts.length} alerts): ${recorded} recorded, ${duplicates} already in the history.`, { group_key: n.groupKey, recorded, duplicates });
    return { recorded, duplicates };
  }
}

/** The alert history's filters as the CLI and the API take them (strings, as typed). */
export interface AlertFilters {
  /** From (a duration back from now, `1h`, or RFC 3339). */
  readonly since?: string;
  readonly until?: string;
  readonly severity?: string;
  /** `OPEN` or `RESOLVED` (any case; `firing` and `resolved` too). */
  readonly status?: string;
  readonly alertname?: string;
  readonly limit?: string;
}

/** Default number of rows of `alerts history`. */
export const DEFAULT_ALERT_LIMIT = 1000;

/**
 * The store query the filters describe.
 * @param parseTime - `--since`/`--until` to nanoseconds (search.ts `parseTime`)
 * @throws Error naming the filter when a value is invalid
 */
export function alertQuery(f: AlertFilters, parseTime: (v: string, flag: string) => bigint): AlertQuery {
  const some = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  let status = some(f.status)?.toUpperCase();
  if (status === 'FIRING') status = 'OPEN';
  if (status !== undefined && !(ALERT_STATUSES as readonly string[]).includes(status)) throw new Error(`status '${f.status}': OPEN or RESOLVED`);
  const limit = some(f.limit) === undefined ? DEFAULT_ALERT_LIMIT : Number(f.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new Error(`limit '${f.limit}': a whole number from 1 to 10000`);
  return {
    ...(some(f.since) ? { sinceNs: parseTime(f.since!, 'since') } : {}),
    ...(some(f.until) ? { untilNs: parseTime(f.until!, 'until') } : {}),
    ...(some(f.severity) ? { severity: f.severity } : {}),
    ...(status ? { status } : {}),
    ...(some(f.alertname) ? { alertname: f.alertname } : {}),
    limit,
  };
}

/** A row of the alert history as JSON: times RFC 3339 with nanoseconds, `labels` an object. */
export interface AlertJson {
  /** When the recorder took the notification. */
  readonly ts: string;
  readonly alertname: string;
  readonly severity: string | null;
  readonly status: string;
  readonly instance: string | null;
  readonly job: string | null;
  readonly family: string | null;
  readonly summary: string | null;
  readonly description: string | null;
  /** When the alert started firing. */
  readonly starts_at: string | null;
  /** When it resolved (RESOLVED rows). */
  readonly ends_at: string | null;
  readonly fingerprint: string;
  readonly receiver: string | null;
  readonly group_key: string | null;
  readonly labels: Readonly<Record<string, string>> | null;
  readonly generator_url: string | null;
  readonly runbook_url: string | null;
  readonly dashboard_url: string | null;
}

function labelsOf(s: string | null): Record<string, string> | null {
  if (s === null) return null;
  try {
    return JSON.parse(s) as Record<string, string>;
  } catch {
    return null;
  }
}

/** An alert history row as JSON. */
export function alertJson(r: AlertRow): AlertJson {
  return {
    ts: formatNanos(r.ts_ns),
    alertname: r.alertname,
    severity: r.severity,
    status: r.status,
    instance: r.instance,
    job: r.job,
    family: r.family,
    summary: r.summary,
    description: r.description,
    starts_at: r.starts_at_ns === null ? null : formatNanos(r.starts_at_ns),
    ends_at: r.ends_at_ns === null ? null : formatNanos(r.ends_at_ns),
    fingerprint: r.fingerprint,
    receiver: r.receiver,
    group_key: r.group_key,
    labels: labelsOf(r.labels),
    generator_url: r.generator_url,
    runbook_url: r.runbook_url,
    dashboard_url: r.dashboard_url,
  };
}

/** Reads the alert history, newest first. */
export async function alertHistory(store: AuditStore, q: AlertQuery): Promise<AlertJson[]> {
  return (await store.searchAlerts(q)).map(alertJson);
}

/** Formats alert history rows as a table for the terminal: notified, status, severity, alert, instance, started, summary. */
export function formatAlertTable(rows: readonly AlertJson[]): string {
  if (rows.length === 0) return 'no alerts in the history match';
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const head = ['notified (UTC)', 'status', 'severity', 'alert', 'instance', 'started (UTC)', 'summary'];
  const body = rows.map((r) => [r.ts.slice(0, 23), r.status, r.severity ?? '', cut(r.alertname, 32), cut(r.instance ?? '', 28), (r.starts_at ?? '').slice(0, 19), cut((r.summary ?? '').replace(/\s+/g, ' '), 100)]);
  return terminalTable(head, body);
}

/**
 * Adds the alert history's routes to the query API: `GET /api/v1/alerts` (the history) and, when
 * a receiver is given, `POST /api/v1/alertmanager/webhook` (Alertmanager's notifications).
 * @param parseTime - `since`/`until` to nanoseconds (search.ts `parseTime`)
 */
export function registerAlertRoutes(app: FastifyInstance, store: AuditStore, receiver: AlertReceiver | undefined, parseTime: (v: string, flag: string) => bigint): void {
  app.get(ALERTS_API_PATH, async (req, reply) => {
    let q: AlertQuery;
    try {
      q = alertQuery(req.query as AlertFilters, parseTime);
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
    try {
      return reply.send(await alertHistory(store, q));
    } catch (err) {
      return reply.code(500).send({ error: (err as Error).message });
    }
  });
  if (!receiver) return;
  app.post(ALERT_WEBHOOK_PATH, {
    bodyLimit: ALERT_WEBHOOK_BODY_LIMIT,
    // A body Fastify cannot parse (not JSON, too large, another content type) is refused here, counted.
    errorHandler: (err: FastifyError, _req, reply) => {
      const reason: AlertRejectReason = err.statusCode === 413 ? 'too_large' : err.statusCode === 415 ? 'content_type' : 'invalid_json';
      if ((err.statusCode ?? 500) >= 500) return reply.code(500).send({ error: err.message });
      receiver.rejected(reason);
      return reply.code(err.statusCode ?? 400).send({ error: `${reason}: ${err.message}` });
    },
    handler: async (req, reply) => {
      // Alertmanager sends JSON; Fastify would read a text/plain body as a string.
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        receiver.rejected('content_type');
        return reply.code(415).send({ error: `content_type: ${req.headers['content-type'] ?? 'none'}: send application/json (Alertmanager's webhook payload)` });
      }
      try {
        return reply.send(await receiver.receive(req.body));
      } catch (err) {
        if (err instanceof AlertWebhookRejection) return reply.code(err.statusCode).send({ error: `${err.reason}: ${err.message}` });
        return reply.code(500).send({ error: (err as Error).message });
      }
    },
  });
}
