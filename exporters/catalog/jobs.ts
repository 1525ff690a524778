/**
 * The job and port plan, in one place: every tickwatch service's scrape job name and default
 * port, and the ports of the local stack's Prometheus, Alertmanager and receiver stand-ins.
 *
 * Exporters default to these ports, `prometheus/config.ts` writes these jobs, alert rules group by
 * these `job`/`instance` labels (and their promtool cases use {@link defaultTarget}), and the stack,
 * the drills and the tests read them from here. Every port is on 127.0.0.1 unless a service is
 * told otherwise (`--host`).
 *
 * The 947x range is tickwatch's own (9470-9474 HTTP, 9478 the NDJSON ingest); 9090 and 9093 are
 * Prometheus' and Alertmanager's registered defaults
 * (https://github.com/prometheus/prometheus/wiki/Default-port-allocations); the stand-ins take
 * 9480-9481.
 */

/** Default TCP ports. */
export const PORTS = {
  /** HFT exporter `/metrics`. */
  hft: 9470,
  /** Host exporter `/metrics`. */
  host: 9471,
  /** ClickHouse exporter `/metrics`. */
  clickhouse: 9472,
  /** Audit recorder `/metrics`. */
  recorder: 9473,
  /** Audit recorder query API (`logs search`, `audit verify`). */
  recorderQuery: 9474,
  /** NDJSON ingest over TCP (the HFT exporter's listener). */
  ingestTcp: 9478,
  /** Prometheus of the local stack. */
  prometheus: 9090,
  /** Alertmanager of the local stack. */
  alertmanager: 9093,
  /** Receiver stand-ins of the local stack: HTTP (Slack, PagerDuty, webhooks). */
  receiversHttp: 9480,
  /** Receiver stand-ins of the local stack: SMTP (e-mail). */
  receiversSmtp: 9481,
} as const;

/**
 * Where the audit recorder takes Alertmanager's notifications for the alert history: a path of its
 * query API ({@link PORTS.recorderQuery}); `alertmanager/config.ts` sends every alert there.
 */
export const RECORDER_ALERT_WEBHOOK_PATH = '/api/v1/alertmanager/webhook';

/**
 * The local Alertmanager cluster (`npm run stack -- --ha`, the HA drill): three Alertmanagers
 * gossiping on loopback, each with its web port and its cluster (memberlist) port. The first takes
 * Alertmanager's registered web port ({@link PORTS.alertmanager}) and its default cluster port,
 * 9094 (`--cluster.listen-address` default, prometheus/alertmanager README "High Availability");
 * the others take the next pairs, 9095/9096 and 9097/9098, free in the plan above. Three, so that
 * the HA drill can kill one and still have two that gossip.
 */
export const ALERTMANAGER_CLUSTER: readonly { readonly web: number; readonly cluster: number }[] = [
  { web: PORTS.alertmanager, cluster: 9094 },
  { web: 9095, cluster: 9096 },
  { web: 9097, cluster: 9098 },
];

/** A port name of the plan. */
export type PortName = keyof typeof PORTS;

/**
 * Scrape jobs: the `job` label of each exporter, its default port, and the scrape interval
 * prometheus.yml gives it (the HFT job every second, for alerts with `for` of a few seconds; the
 * others every 5 s, ClickHouse every 15 s since each scrape queries the server).
 */
export const JOBS = {
  hft: { job: 'tickwatch-hft', port: PORTS.hft, interval: '1s' },
  host: { job: 'tickwatch-host', port: PORTS.host, interval: '5s' },
  clickhouse: { job: 'tickwatch-clickhouse', port: PORTS.clickhouse, interval: '15s' },
  recorder: { job: 'tickwatch-recorder', port: PORTS.recorder, interval: '5s' },
} as const;

/** A service that exports metrics on a scrape job. */
export type JobName = keyof typeof JOBS;

/** The `job` and `instance` labels a default-configured service gets when scraped on 127.0.0.1. */
export interface Target {
  readonly job: string;
  readonly instance: string;
}

/** `{ job, instance: '127.0.0.1:<port>' }` of a job at its default port (promtool cases, route tests). */
export function defaultTarget<J extends JobName>(name: J): { readonly job: (typeof JOBS)[J]['job']; readonly instance: `127.0.0.1:${(typeof JOBS)[J]['port']}` } {
  const j = JOBS[name];
  return { job: j.job, instance: `127.0.0.1:${j.port}` } as never;
}

/** `127.0.0.1:<port>` of a named port. */
export function loopback(name: PortName, offset = 0): string {
  return `127.0.0.1:${PORTS[name] + offset}`;
}
