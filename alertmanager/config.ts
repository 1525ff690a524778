/**
 * Alertmanager configuration as typed code: receivers, the routing tree, inhibitions and timings.
 * `npm run build:alertmanager` writes `alertmanager/alertmanager.yml` (production: secrets read
 * from files under /etc/alertmanager/secrets); the local stack and the drills build the same config
 * with local receiver stand-ins and short timings ({@link alertmanagerConfig}).
 *
 * Routing: every alert is grouped by alert name and instance.
 * - every alert also goes to the audit recorder's alert history (`tickwatch-history`, a webhook with
 *   `send_resolved` and no alert limit): the first child route matches everything and continues, so
 *   the alert then takes its severity's route as well (and an alert no severity route matches, the
 *   last, catch-all route to the root's receiver: a matched child would otherwise keep it from the root);
 * - `severity="critical"` pages: Slack #trading-alerts, PagerDuty and e-mail;
 * - `severity="warning"` goes to Slack only.
 * A critical inhibits the warning of the same `family` on the same `instance` (its twin), and a
 * silent engine (EngineSilent) inhibits the feed gaps it causes on the same instance (every feed
 * goes quiet with it: one page for one cause).
 * Every receiver sends resolved notifications.
 */
import type { Severity } from '../alert-rules/model.js';
import { loopback, RECORDER_ALERT_WEBHOOK_PATH } from '../exporters/catalog/jobs.js';

/** Receiver names; routes refer to these, so a typo is a type error. */
export type ReceiverName = 'critical' | 'warning' | 'deadmans-switch' | 'telegram' | 'tickwatch-history';

/** The receiver every alert also reaches: the audit recorder's alert history (exporters/recorder/alerts.ts). */
export const HISTORY_RECEIVER = 'tickwatch-history' satisfies ReceiverName;

/** Where each integration sends, and where its secret is read from. */
export interface Endpoints {
  /** File holding the Slack incoming-webhook URL (`api_url_file`). */
  readonly slackApiUrlFile: string;
  /** Slack channel. */
  readonly slackChannel: string;
  /** PagerDuty Events API v2 URL (default PagerDuty's own) and the file with the routing key. */
  readonly pagerdutyUrl?: string;
  readonly pagerdutyRoutingKeyFile: string;
  /** SMTP relay `host:port`, sender, recipient, login and the file with its password. */
  readonly smtpSmarthost: string;
  readonly emailFrom: string;
  readonly emailTo: string;
  readonly smtpUsername?: string;
  readonly smtpPasswordFile?: string;
  readonly smtpRequireTls: boolean;
  /** Dead man's switch webhook URL, and a file with its bearer token (the URL itself is not secret). */
  readonly deadmanUrl: string;
  readonly deadmanTokenFile?: string;
  /**
   * Telegram, optional. Alertmanager 0.25 (Debian's) has no `bot_token_file` (it arrives in 0.26),
   * so a Telegram receiver needs the token in the generated file: generate it at deploy time from
   * the environment, never commit it. Absent here means no Telegram receiver.
   */
  readonly telegram?: { readonly botToken: string; readonly chatId: number; readonly apiUrl?: string };
  /**
   * The audit recorder's alert history webhook (`POST /api/v1/alertmanager/webhook` on its query
   * API): every alert, firing and resolved, is recorded there (`alert_log`).
   */
  readonly historyUrl: string;
}

/** Notification timings. */
export interface Timings {
  /** Wait before the first notification of a new group, to batch a burst (s). */
  readonly groupWaitSeconds: number;
  /** Wait before notifying about changes in a group already notified (s). */
  readonly groupIntervalSeconds: number;
  /** Re-send a still-firing critical alert after this long (s). */
  readonly criticalRepeatSeconds: number;
  /** Re-send a still-firing warning after this long (s). */
  readonly warningRepeatSeconds: number;
  /** Watchdog heartbeat period at the dead man's switch (s). */
  readonly watchdogRepeatSeconds: number;
  /** How long an alert without updates counts as firing (s). */
  readonly resolveTimeoutSeconds: number;
}

/**
 * Production timings, chosen for a trading desk:
 * - group_wait 10 s: a feed or gateway failure raises several alerts within seconds; one page that
 *   names them all beats five pages, and 10 s is small next to the 5-30 s `for` of the rules;
 * - group_interval 1 m: new alerts joining an incident, and resolves, reach people within a minute;
 * - repeat 1 h for critical (an unresolved trading incident must re-page during the session), 4 h
 *   for warnings (chat noise is the enemy of attention);
 * - Watchdog every 1 m: the dead man's switch alarms after a few missed minutes.
 */
export const PRODUCTION_TIMINGS: Timings = {
  groupWaitSeconds: 10,
  groupIntervalSeconds: 60,
  criticalRepeatSeconds: 3600,
  warningRepeatSeconds: 4 * 3600,
  watchdogRepeatSeconds: 60,
  resolveTimeoutSeconds: 300,
};

/** Drill timings: the same tree, fast enough for a test (see DESIGN: about 7 s from rule to webhook). */
export const DRILL_TIMINGS: Timings = {
  groupWaitSeconds: 1,
  groupIntervalSeconds: 2,
  criticalRepeatSeconds: 3600,
  warningRepeatSeconds: 3600,
  watchdogRepeatSeconds: 10,
  resolveTimeoutSeconds: 300,
};

/** Production endpoints: secrets from files, never in the repo. */
export const PRODUCTION_ENDPOINTS: Endpoints = {
  slackApiUrlFile: '/etc/alertmanager/secrets/slack_webhook_url',
  slackChannel: '#trading-alerts',
  pagerdutyRoutingKeyFile: '/etc/alertmanager/secrets/pagerduty_routing_key',
  smtpSmarthost: 'smtp.trading.internal:587',
  emailFrom: 'alertmanager@trading.internal',
  emailTo: 'trading-oncall@trading.internal',
  smtpUsername: 'alertmanager',
  smtpPasswordFile: '/etc/alertmanager/secrets/smtp_password',
  smtpRequireTls: true,
  deadmanUrl: 'https://deadmanssnitch.trading.internal/tickwatch',
  deadmanTokenFile: '/etc/alertmanager/secrets/deadman_token',
  // The recorder's query API listens on loopback: Alertmanager runs on the recorder's host.
  historyUrl: `http://${loopback('recorderQuery')}${RECORDER_ALERT_WEBHOOK_PATH}`,
};

/** Which receiver each severity reaches. The route tests check every alert against this. */
export const RECEIVER_FOR_SEVERITY: Readonly<Record<Severity, ReceiverName>> = {
  critical: 'critical',
  warning: 'warning',
  none: 'deadmans-switch',
};

const secs = (s: number): string => (s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);

/**
 * The Alertmanager configuration object (write it with a YAML library).
 * @param templatesGlob - where the `.tmpl` files are, as Alertmanager will see the path
 */
export function alertmanagerConfig(e: Endpoints, t: Timings, templatesGlob: string): Record<string, unknown> {
  const slack = {
    api_url_file: e.slackApiUrlFile,
    channel: e.slackChannel,
    send_resolved: true,
    title: '{{ template "tickwatch.title" . }}',
    title_link: '{{ (index .Alerts 0).Annotations.dashboard_url }}',
    text: '{{ template "tickwatch.slack.text" . }}',
    color: '{{ if eq .Status "firing" }}{{ if eq .CommonLabels.severity "critical" }}danger{{ else }}warning{{ end }}{{ else }}good{{ end }}',
    actions: [
      { type: 'button', text: 'Runbook', url: '{{ (index .Alerts 0).Annotations.runbook_url }}' },
      { type: 'button', text: 'Dashboard', url: '{{ (index .Alerts 0).Annotations.dashboard_url }}' },
    ],
  };
  const receivers: Record<string, unknown>[] = [
    {
      name: 'critical' satisfies ReceiverName,
      slack_configs: [slack],
      pagerduty_configs: [
        {
          routing_key_file: e.pagerdutyRoutingKeyFile,
          ...(e.pagerdutyUrl ? { url: e.pagerdutyUrl } : {}),
          send_resolved: true,
          severity: 'critical',
          description: '{{ template "tickwatch.pagerduty.description" . }}',
          details: {
            alertname: '{{ .CommonLabels.alertname }}',
            instance: '{{ .CommonLabels.instance }}',
            description: '{{ (index .Alerts 0).Annotations.description }}',
            runbook_url: '{{ (index .Alerts 0).Annotations.runbook_url }}',
            dashboard_url: '{{ (index .Alerts 0).Annotations.dashboard_url }}',
            firing: '{{ .Alerts.Firing | len }}',
          },
          links: [{ href: '{{ (index .Alerts 0).Annotations.runbook_url }}', text: 'Runbook' }],
        },
      ],
      email_configs: [
        {
          to: e.emailTo,
          from: e.emailFrom,
          smarthost: e.smtpSmarthost,
          ...(e.smtpUsername ? { auth_username: e.smtpUsername } : {}),
          ...(e.smtpPasswordFile ? { auth_password_file: e.smtpPasswordFile } : {}),
          require_tls: e.smtpRequireTls,
          send_resolved: true,
          headers: { Subject: '{{ template "tickwatch.email.subject" . }}' },
          html: '{{ template "tickwatch.email.html" . }}',
        },
      ],
    },
    { name: 'warning' satisfies ReceiverName, slack_configs: [slack] },
    {
      name: 'deadmans-switch' satisfies ReceiverName,
      webhook_configs: [
        {
          url: e.deadmanUrl,
          send_resolved: true,
          ...(e.deadmanTokenFile ? { http_config: { authorization: { type: 'Bearer', credentials_file: e.deadmanTokenFile } } } : {}),
        },
      ],
    },
  ];
  // The alert history: every alert of every notification, firing and resolved (max_alerts 0: no limit).
  receivers.push({ name: HISTORY_RECEIVER, webhook_configs: [{ url: e.historyUrl, send_resolved: true, max_alerts: 0 }] });
  if (e.telegram) {
    receivers.push({
      name: 'telegram' satisfies ReceiverName,
      telegram_configs: [{ bot_token: e.telegram.botToken, chat_id: e.telegram.chatId, ...(e.telegram.apiUrl ? { api_url: e.telegram.apiUrl } : {}), send_resolved: true, parse_mode: 'HTML', message: '{{ template "tickwatch.email.html" . }}' }],
    });
  }
  const route = (receiver: ReceiverName, severity: Severity, repeat: number, extra: Record<string, unknown> = {}) => ({
    receiver,
    matchers: [`severity="${severity}"`],
    repeat_interval: secs(repeat),
    ...extra,
  });
  const criticalRoute = route('critical', 'critical', t.criticalRepeatSeconds, e.telegram ? { continue: true } : {});
  return {
    global: { resolve_timeout: secs(t.resolveTimeoutSeconds) },
    templates: [templatesGlob],
    route: {
      receiver: 'warning' satisfies ReceiverName,
      group_by: ['alertname', 'instance'],
      group_wait: secs(t.groupWaitSeconds),
      group_interval: secs(t.groupIntervalSeconds),
      repeat_interval: secs(t.warningRepeatSeconds),
      routes: [
        // First, matching everything and continuing: every alert is also recorded in the history.
        { receiver: HISTORY_RECEIVER, continue: true },
        route('deadmans-switch', 'none', t.watchdogRepeatSeconds, { group_wait: '0s', group_interval: secs(Math.min(t.groupIntervalSeconds, t.watchdogRepeatSeconds)) }),
        criticalRoute,
        ...(e.telegram ? [route('telegram', 'critical', t.criticalRepeatSeconds)] : []),
        route('warning', 'warning', t.warningRepeatSeconds),
        // Last, matching what no severity route took (the history route matched it, so the root's
        // own receiver would not): the root's receiver, as before the history route.
        { receiver: 'warning' satisfies ReceiverName },
      ],
    },
    inhibit_rules: [
      {
        // A critical silences its warning twin (same family) on the same instance.
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ['family', 'instance'],
      },
      {
        // The engine went silent: its feeds are silent too. Page for the cause, not for each symptom
        // (FeedGap's own expression also leaves out an instance whose engine is down; this covers a
        // FeedGap already firing when the engine is declared silent).
        source_matchers: ['alertname="EngineSilent"'],
        target_matchers: ['alertname="FeedGap"'],
        equal: ['instance'],
      },
    ],
    receivers,
  };
}
