/**
 * Prometheus configuration as code. `npm run build:config` writes `prometheus/prometheus.yml`
 * (one server) and `prometheus/prometheus-ha.example.yml` (two replicas with remote_write to
 * VictoriaMetrics, prometheus/victoria-metrics.ts); the
 * local stack and the drills build the same shape with their own ports ({@link prometheusConfig}).
 */
import { JOBS, loopback, PORTS } from '../exporters/catalog/jobs.js';
import { REPLICA_LABEL, VICTORIA_METRICS_PORT, VICTORIA_METRICS_RETENTION, VICTORIA_METRICS_WRITE_PATH, victoriaMetricsFlags } from './victoria-metrics.js';

/** One scrape job. */
export interface ScrapeJob {
  readonly job: string;
  readonly targets: readonly string[];
  /** Overrides the global scrape interval, e.g. `1s` for the trading exporter. */
  readonly interval?: string;
  /** Labels added to every target of the job. */
  readonly labels?: Readonly<Record<string, string>>;
  /** How to reach targets that run under a web configuration (`--web.config.file`); default: {@link PrometheusOptions.access}. */
  readonly access?: ScrapeAccess;
}

/**
 * The scrape side of tickwatch's web configuration (`--web.config.file`, exporter-toolkit's format;
 * exporters/instrument/web/): basic auth with the password in a file (never in prometheus.yml) and
 * TLS checked against the CA that signed the exporters' certificate. Prometheus' own keys
 * (`basic_auth.password_file`, `tls_config.ca_file`, `server_name`, `cert_file`, `key_file`:
 * prometheus/common config.HTTPClientConfig); relative paths are relative to prometheus.yml.
 */
export interface ScrapeAccess {
  /** A user of the web configuration's `basic_auth_users`, and the file holding its password in clear. */
  readonly basicAuth?: { readonly username: string; readonly passwordFile: string };
  /** Scrape over https: the CA file, the name the certificate carries when the target's address is not in it, and a client certificate for mutual TLS. */
  readonly tls?: { readonly caFile: string; readonly serverName?: string; readonly certFile?: string; readonly keyFile?: string };
}

/** A scrape job's `scheme`, `basic_auth` and `tls_config` for an access (none without one). */
export function scrapeAccess(a: ScrapeAccess | undefined): Record<string, unknown> {
  if (!a) return {};
  const t = a.tls;
  return {
    ...(t ? { scheme: 'https' } : {}),
    ...(a.basicAuth ? { basic_auth: { username: a.basicAuth.username, password_file: a.basicAuth.passwordFile } } : {}),
    ...(t
      ? { tls_config: { ca_file: t.caFile, ...(t.serverName ? { server_name: t.serverName } : {}), ...(t.certFile ? { cert_file: t.certFile } : {}), ...(t.keyFile ? { key_file: t.keyFile } : {}) } }
      : {}),
  };
}

/** Inputs of {@link prometheusConfig}. */
export interface PrometheusOptions {
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly jobs: readonly ScrapeJob[];
  /** Rule file globs, relative to the config file or absolute. */
  readonly ruleFiles: readonly string[];
  /** Alertmanager `host:port`s. */
  readonly alertmanagers: readonly string[];
  /** remote_write endpoints (long-term storage), if any: a URL, or a URL and labels to drop on the way. */
  readonly remoteWrite?: readonly (string | RemoteWrite)[];
  /** How every job reaches its targets when tickwatch runs with `--web.config.file` (a job's own `access` wins); default: plain HTTP. */
  readonly access?: ScrapeAccess;
  /** How Prometheus reaches the Alertmanagers when they run with `--web.config.file` (same keys as a scrape job's); default: plain HTTP. */
  readonly alertmanagerAccess?: ScrapeAccess;
  /**
   * Labels removed from every alert sent to Alertmanager (`alerting.alert_relabel_configs`, action
   * `labeldrop`; Prometheus applies it after adding the external labels): `['replica']` so that both
   * replicas' alerts carry the same labels and Alertmanager takes them for one alert.
   */
  readonly alertDropLabels?: readonly string[];
}

/** One remote_write endpoint. */
export interface RemoteWrite {
  /** Where samples are posted, e.g. VictoriaMetrics' `http://host:8428/api/v1/write`. */
  readonly url: string;
  /**
   * Label names removed from every series sent there (`write_relabel_configs`, action `labeldrop`;
   * Prometheus applies it after adding the external labels): `['replica']` so that both replicas
   * write the same series and the store's deduplication keeps one (prometheus/victoria-metrics.ts).
   */
  readonly dropLabels?: readonly string[];
  /** Override `queue_config.batch_send_deadline` (Prometheus' default 5s), e.g. `1s` in tests. */
  readonly batchSendDeadline?: string;
}

/** A remote_write entry of prometheus.yml. */
function remoteWriteEntry(w: string | RemoteWrite): Record<string, unknown> {
  const r: RemoteWrite = typeof w === 'string' ? { url: w } : w;
  return {
    url: r.url,
    ...(r.dropLabels?.length ? { write_relabel_configs: [{ action: 'labeldrop', regex: r.dropLabels.join('|') }] } : {}),
    queue_config: { max_samples_per_send: 5000, ...(r.batchSendDeadline ? { batch_send_deadline: r.batchSendDeadline } : {}) },
  };
}

/**
 * How long, and optionally how much, Prometheus keeps on its own disk. Prometheus takes these as
 * command-line flags (`--storage.tsdb.retention.time`, `--storage.tsdb.retention.size`), not in
 * prometheus.yml: Debian's Prometheus 2.42 refuses a `storage.tsdb.retention` block in the file
 * (`promtool check config`: "field retention not found"); only some 3.x releases read one.
 */
export interface PrometheusRetention {
  /** Age past which blocks are deleted, a Prometheus duration (`30d`, `2w`). */
  readonly time: string;
  /**
   * Size past which the oldest blocks are deleted whatever their age (`50GB`; units B, KB, MB, GB,
   * TB, PB, EB), or none. Whichever limit is reached first wins, so a cap that is reached first
   * cuts the history short without a word.
   */
  readonly size?: string;
}

/**
 * Local retention of every tickwatch Prometheus (seed 004: 15-30 days of metrics): the upper
 * end, so a month-over-month comparison and a 4-week incident review run on the local server.
 * Older samples live only in the long-term store that `remote_write` feeds
 * (prometheus-ha.example.yml). No size cap: a cap reached first would cut the history under seed
 * 004's 15 days silently, while a filling disk pages through HostDiskFilling / HostDiskAlmostFull.
 */
export const PROMETHEUS_RETENTION: PrometheusRetention = { time: '30d' };

/**
 * The command-line flags that give Prometheus a retention (the stack starts Prometheus with them;
 * put them in the unit that runs a production server, e.g. `ARGS=` of Debian's /etc/default/prometheus).
 * @param r - retention; default {@link PROMETHEUS_RETENTION}
 * @returns e.g. `['--storage.tsdb.retention.time=30d']`
 */
export function retentionFlags(r: PrometheusRetention = PROMETHEUS_RETENTION): string[] {
  return [`--storage.tsdb.retention.time=${r.time}`, ...(r.size ? [`--storage.tsdb.retention.size=${r.size}`] : [])];
}

/** The configuration object (write it with a YAML library). */
export function prometheusConfig(o: PrometheusOptions): Record<string, unknown> {
  return {
    global: { scrape_interval: o.scrapeInterval, evaluation_interval: o.evaluationInterval, external_labels: { ...o.externalLabels } },
    rule_files: [...o.ruleFiles],
    alerting: {
      ...(o.alertDropLabels?.length ? { alert_relabel_configs: [{ action: 'labeldrop', regex: o.alertDropLabels.join('|') }] } : {}),
      alertmanagers: [{ ...scrapeAccess(o.alertmanagerAccess), static_configs: [{ targets: [...o.alertmanagers] }] }],
    },
    scrape_configs: o.jobs.map((j) => ({
      job_name: j.job,
      ...(j.interval ? { scrape_interval: j.interval, scrape_timeout: j.interval } : {}),
      ...scrapeAccess(j.access ?? o.access),
      static_configs: [{ targets: [...j.targets], ...(j.labels ? { labels: { ...j.labels } } : {}) }],
    })),
    ...(o.remoteWrite?.length ? { remote_write: o.remoteWrite.map(remoteWriteEntry) } : {}),
  };
}

/**
 * Production jobs: the trading exporter every second (a feed gap must be seen within seconds and
 * its alert has `for: 5s`), the recorder and host every 5 s, ClickHouse every 15 s (its system
 * tables are heavier to read and change slowly).
 */
export const PRODUCTION_JOBS: readonly ScrapeJob[] = (['hft', 'recorder', 'host', 'clickhouse'] as const).map((name) => ({
  job: JOBS[name].job,
  targets: [loopback(name)],
  interval: JOBS[name].interval,
}));

/** The one-server production configuration. */
export function productionConfig(): Record<string, unknown> {
  return prometheusConfig({
    scrapeInterval: '5s',
    evaluationInterval: '5s',
    externalLabels: { environment: 'production', cluster: 'trading-tw' },
    jobs: PRODUCTION_JOBS,
    ruleFiles: ['rules/*.yml'],
    alertmanagers: [loopback('alertmanager')],
  });
}

/**
 * The Alertmanager cluster every replica sends to: three Alertmanagers gossiping with each other
 * (`--cluster.peer`), each sent every alert, since Alertmanager's HA design has the clients send to
 * all members and the cluster deduplicate notifications (prometheus/alertmanager README, "High
 * Availability": "It's important not to load balance traffic between Prometheus and its
 * Alertmanagers"). The local stack runs the same on loopback (`ALERTMANAGER_CLUSTER`, exporters/catalog/jobs.ts).
 */
export const HA_ALERTMANAGERS: readonly string[] = [1, 2, 3].map((n) => `alertmanager-${n}.trading.internal:${PORTS.alertmanager}`);

/**
 * The long-term store both replicas write to: one VictoriaMetrics single node (Debian's 1.79) and
 * how to run it. `dedupInterval` is the smallest scrape interval of {@link PRODUCTION_JOBS} (the
 * HFT exporter's 1 s; prometheus/victoria-metrics.ts says why one interval and why the smallest).
 */
export const HA_VICTORIA_METRICS = {
  url: `http://victoria-metrics.trading.internal:${VICTORIA_METRICS_PORT}${VICTORIA_METRICS_WRITE_PATH}`,
  flags: victoriaMetricsFlags({ dataDir: '/var/lib/victoria-metrics', dedupInterval: JOBS.hft.interval, retention: VICTORIA_METRICS_RETENTION }),
} as const;

/**
 * A remote_write to VictoriaMetrics for one of the HA replicas: the `replica` label dropped, so both
 * replicas write the same series and `-dedup.minScrapeInterval` keeps one sample per interval.
 * @param url - VictoriaMetrics' write endpoint, e.g. `http://127.0.0.1:8428/api/v1/write`
 * @param batchSendDeadline - `queue_config.batch_send_deadline` (a duration, e.g. `1s` in tests); default Prometheus' 5s
 */
export function dedupRemoteWrite(url: string, batchSendDeadline?: string): RemoteWrite {
  return { url, dropLabels: [REPLICA_LABEL], ...(batchSendDeadline ? { batchSendDeadline } : {}) };
}

/**
 * One of two identical replicas: the same jobs and rules, told apart by the `replica` external
 * label, which neither sends on: their alerts go to Alertmanager without it (`alertDropLabels`;
 * Prometheus adds external labels "to any time series or alerts when communicating with external
 * systems", so with it Alertmanager would hold each alert twice, once per replica, rather than one
 * alert it deduplicates), and both remote-write to VictoriaMetrics without it
 * ({@link HA_VICTORIA_METRICS}, {@link dedupRemoteWrite}), where the two copies of each series become one.
 */
export function replicaConfig(replica: 'a' | 'b'): Record<string, unknown> {
  return prometheusConfig({
    scrapeInterval: '5s',
    evaluationInterval: '5s',
    externalLabels: { environment: 'production', cluster: 'trading-tw', [REPLICA_LABEL]: replica },
    jobs: PRODUCTION_JOBS,
    ruleFiles: ['rules/*.yml'],
    alertmanagers: HA_ALERTMANAGERS,
    alertDropLabels: [REPLICA_LABEL],
    remoteWrite: [dedupRemoteWrite(HA_VICTORIA_METRICS.url)],
  });
}
