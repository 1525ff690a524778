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
 * - `severity="critical"` pages: Slack #trading-alerts, PagerDuty and e-mail, and where configured
 *   Telegram (seed 001's first channel) and SMS (Amazon SNS to phone numbers) in the same receiver,
 *   so one group notifies all five at once;
 * - `severity="warning"` goes to Slack only.
 * A critical inhibits the warning of the same `family` on the same `instance` (its twin), and a
 * silent engine (EngineSilent) inhibits the feed gaps it causes on the same instance (every feed
 * goes quiet with it: one page for one cause).
 * Every receiver sends resolved notifications.
 */
import type { Severity } from '../alert-rules/model.js';
import { loopback, RECORDER_ALERT_WEBHOOK_PATH } from '../exporters/catalog/jobs.js';

/** Receiver names; routes refer to these, so a typo is a type error. */
export type ReceiverName = 'critical' | 'warning' | 'deadmans-switch' | 'tickwatch-history';

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
   * Telegram for criticals, optional (absent: no Telegram). The bot token is read from
   * `botTokenFile`: by Alertmanager itself (`bot_token_file`) from 0.26 on; Alertmanager 0.25
   * (Debian bookworm's, the one `scripts/setup.sh` installs) has only `bot_token` (prometheus/
   * alertmanager `config/notifiers.go` at v0.25.0), so for 0.25 the generator reads the file at
   * generation time through {@link ConfigOptions.readSecret} and writes the token into the file it
   * generates: generate that one at deploy time, next to the secret, never into this repository.
   * `chatId`: the chat's numeric id (negative for groups and channels). `apiUrl`: the Bot API
   * base (default `https://api.telegram.org`; the stack points it at its stand-in).
   */
  readonly telegram?: TelegramEndpoint;
  /**
   * SMS for criticals, optional (absent: no SMS): Alertmanager's own Amazon SNS integration
   * (`sns_configs`, one per phone number, E.164 like `+442079460000`), chosen over a webhook to an
   * SMS gateway because Alertmanager then writes the text itself from our template (a webhook
   * sends its JSON and leaves the wording to a gateway adapter nobody here tests), truncates it to
   * SNS's SMS limit of 1600 characters, retries, and sends the resolve; SNS delivers to phones
   * directly, with no extra service to run. The AWS secret never enters the file: the request is
   * signed (SigV4) with the credentials of the shared-credentials `profile` (the file named by
   * `AWS_SHARED_CREDENTIALS_FILE` in Alertmanager's environment, default `~/.aws/credentials`),
   * or of the instance role when `profile` is absent. `region`: the SNS region. `apiUrl`: the SNS
   * endpoint (default the region's own; the stack points it at its stand-in).
   */
  readonly sms?: SmsEndpoint;
  /**
   * The audit recorder's alert history webhook (`POST /api/v1/alertmanager/webhook` on its query
   * API): every alert, firing and resolved, is recorded there (`alert_log`).
   */
  readonly historyUrl: string;
  /**
   * How Alertmanager authenticates to that webhook when the recorder runs with `--web.config.file`
   * (exporters/instrument/web/; README "Security"): a user of its `basic_auth_users` with the
   * password in a file, and for an `https://` {@link historyUrl} the CA that signed the recorder's
   * certificate (and the name in it, when the URL's host is not). Absent: no credentials.
   */
  readonly historyAccess?: HistoryAccess;
}

/** Alertmanager's credentials for the recorder's webhook ({@link Endpoints.historyAccess}; Alertmanager's `http_config`). */
export interface HistoryAccess {
  readonly basicAuth?: { readonly username: string; readonly passwordFile: string };
  readonly tls?: { readonly caFile: string; readonly serverName?: string; readonly certFile?: string; readonly keyFile?: string };
}

/** The `http_config` of {@link HistoryAccess} (`basic_auth.password_file`, `tls_config`), or nothing. */
function historyHttpConfig(a: HistoryAccess | undefined): Record<string, unknown> {
  if (!a?.basicAuth && !a?.tls) return {};
  const t = a.tls;
  return {
    http_config: {
      ...(a.basicAuth ? { basic_auth: { username: a.basicAuth.username, password_file: a.basicAuth.passwordFile } } : {}),
      ...(t ? { tls_config: { ca_file: t.caFile, ...(t.serverName ? { server_name: t.serverName } : {}), ...(t.certFile ? { cert_file: t.certFile } : {}), ...(t.keyFile ? { key_file: t.keyFile } : {}) } } : {}),
    },
  };
}

/** Telegram for criticals ({@link Endpoints.telegram}). */
export interface TelegramEndpoint {
  /** File holding the bot token (`123456:ABC...`, from BotFather). */
  readonly botTokenFile: string;
  /** Numeric chat id (negative for groups and channels). */
  readonly chatId: number;
  /** Bot API base URL (default Telegram's own). */
  readonly apiUrl?: string;
}

/** SMS through Amazon SNS for criticals ({@link Endpoints.sms}). */
export interface SmsEndpoint {
  /** E.164 phone numbers, one `sns_configs` entry each. */
  readonly phoneNumbers: readonly string[];
  /** AWS region of SNS (`eu-west-2`). */
  readonly region: string;
  /** Shared-credentials profile that signs the requests (absent: the default credential chain, e.g. an instance role). */
  readonly profile?: string;
  /** SNS endpoint URL (default the region's own). */
  readonly apiUrl?: string;
}

/**
 * What the generated file is for. Alertmanager refuses unknown fields, so a field a version lacks
 * must not be written for it.
 */
export interface ConfigOptions {
  /** Alertmanager version `[major, minor]` the file is for (default {@link ALERTMANAGER_VERSION}). */
  readonly version?: readonly [number, number];
  /**
   * Reads a secret file at generation time, for a secret the version cannot read from a file
   * itself (Telegram's bot token before 0.26). Without it such a config throws.
   */
  readonly readSecret?: (path: string) => string;
}

/** The Alertmanager version `scripts/setup.sh` installs (Debian bookworm's prometheus-alertmanager 0.25.0). */
export const ALERTMANAGER_VERSION: readonly [number, number] = [0, 25];

/** The first Alertmanager version with `telegram_configs[].bot_token_file` (prometheus/alertmanager `config/notifiers.go`: absent at v0.25.0, present at v0.26.0). */
export const TELEGRAM_TOKEN_FILE_SINCE: readonly [number, number] = [0, 26];

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
 *
 * Time to notify: with these timings and the HFT exporter's 1 s scrape, a critical's first
 * notification comes at most 1 s scrape + 1 s recording rules + its rule group's interval + `for`
 * (rounded up to whole group intervals) + 10 s group_wait after its series crosses the threshold:
 * `for` + 13 s for the 1 s trading groups, 42 s for an SLO page (30 s group) (`pipelineBoundSeconds`
 * in scripts/stack/drill.ts, printed in the drill table; delivery not counted). An alert joining a
 * group already notified waits group_interval (1 m) instead.
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

/**
 * Production Telegram: the desk's on-call group. Not in {@link PRODUCTION_ENDPOINTS}: the committed
 * `alertmanager.yml` is for Alertmanager 0.25, which cannot read the token from a file, and the
 * token must never be committed. Where Alertmanager is 0.26 or newer, add it with
 * `{ version: [0, 26] }` (the file then says `bot_token_file`); on 0.25, generate the deployed file
 * on the Alertmanager host with `readSecret` (the token lands in that file only; keep it 0600).
 * The chat id is a placeholder for the desk's group.
 */
export const PRODUCTION_TELEGRAM: TelegramEndpoint = {
  botTokenFile: '/etc/alertmanager/secrets/telegram_bot_token',
  chatId: -1001234567890,
};

/**
 * Production endpoints: secrets from files, never in the repo. SMS is on (no secret in the file:
 * SNS requests are signed with the `tickwatch-alertmanager` profile of the Alertmanager host's AWS
 * shared credentials file); the phone number is a placeholder from Ofcom's drama range
 * (+44 20 7946 0xxx, never assigned), to be replaced by the on-call phone. Telegram is off here
 * ({@link PRODUCTION_TELEGRAM} says why and how to turn it on).
 */
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
  sms: { phoneNumbers: ['+442079460000'], region: 'eu-west-2', profile: 'tickwatch-alertmanager' },
};

/** Which receiver each severity reaches. The route tests check every alert against this. */
export const RECEIVER_FOR_SEVERITY: Readonly<Record<Severity, ReceiverName>> = {
  critical: 'critical',
  warning: 'warning',
  none: 'deadmans-switch',
};

const secs = (s: number): string => (s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);

const atLeast = (v: readonly [number, number], w: readonly [number, number]): boolean => v[0] > w[0] || (v[0] === w[0] && v[1] >= w[1]);

/**
 * The Alertmanager configuration object (write it with a YAML library).
 * @param templatesGlob - where the `.tmpl` files are, as Alertmanager will see the path
 * @param o - the Alertmanager version the file is for, and how to read a secret it cannot read itself
 * @throws Error when Telegram is configured for a version before 0.26 and `o.readSecret` is absent,
 *   or `readSecret` returns an empty token
 */
export function alertmanagerConfig(e: Endpoints, t: Timings, templatesGlob: string, o: ConfigOptions = {}): Record<string, unknown> {
  const version = o.version ?? ALERTMANAGER_VERSION;
  const telegramConfigs = e.telegram ? [telegramConfig(e.telegram, version, o.readSecret)] : [];
  // One sns_configs entry per phone: SNS publishes an SMS to one PhoneNumber per request.
  const smsConfigs = (e.sms?.phoneNumbers ?? []).map((phone) => ({
    ...(e.sms!.apiUrl ? { api_url: e.sms!.apiUrl } : {}),
    sigv4: { region: e.sms!.region, ...(e.sms!.profile ? { profile: e.sms!.profile } : {}) },
    phone_number: phone,
    send_resolved: true,
    message: '{{ template "tickwatch.sms.message" . }}',
  }));
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
      ...(telegramConfigs.length ? { telegram_configs: telegramConfigs } : {}),
      ...(smsConfigs.length ? { sns_configs: smsConfigs } : {}),
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
  receivers.push({ name: HISTORY_RECEIVER, webhook_configs: [{ url: e.historyUrl, send_resolved: true, max_alerts: 0, ...historyHttpConfig(e.historyAccess) }] });
  const route = (receiver: ReceiverName, severity: Severity, repeat: number, extra: Record<string, unknown> = {}) => ({
    receiver,
    matchers: [`severity="${severity}"`],
    repeat_interval: secs(repeat),
    ...extra,
  });
  const criticalRoute = route('critical', 'critical', t.criticalRepeatSeconds);
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

/**
 * One `telegram_configs` entry: HTML (Telegram's subset: b, i, a, code, pre), the title first.
 * @throws Error for a version before 0.26 without `readSecret`, or an empty token
 */
function telegramConfig(tg: TelegramEndpoint, version: readonly [number, number], readSecret: ConfigOptions['readSecret']): Record<string, unknown> {
  let token: Record<string, string>;
  if (atLeast(version, TELEGRAM_TOKEN_FILE_SINCE)) token = { bot_token_file: tg.botTokenFile };
  else {
    if (!readSecret) throw new Error(`telegram: Alertmanager ${version.join('.')} has no bot_token_file (0.26+); pass readSecret to write the token from ${tg.botTokenFile} into a deploy-time file`);
    const value = readSecret(tg.botTokenFile).trim();
    if (!value) throw new Error(`telegram: ${tg.botTokenFile} is empty`);
    token = { bot_token: value };
  }
  return {
    ...(tg.apiUrl ? { api_url: tg.apiUrl } : {}),
    ...token,
    chat_id: tg.chatId,
    send_resolved: true,
    parse_mode: 'HTML',
    message: '{{ template "tickwatch.telegram.message" . }}',
  };
}
