/**
 * Prometheus configuration as code. `npm run build:prometheus` writes `prometheus/prometheus.yml`
 * (one server) and `prometheus/prometheus-ha.example.yml` (two replicas with remote_write); the
 * local stack and the drills build the same shape with their own ports ({@link prometheusConfig}).
 */
import { JOBS, loopback, PORTS } from '../exporters/catalog/jobs.js';

/** One scrape job. */
export interface ScrapeJob {
  readonly job: string;
  readonly targets: readonly string[];
  /** Overrides the global scrape interval, e.g. `1s` for the trading exporter. */
  readonly interval?: string;
  /** Labels added to every target of the job. */
  readonly labels?: Readonly<Record<string, string>>;
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
  /** remote_write URLs (long-term storage), if any. */
  readonly remoteWrite?: readonly string[];
}

/** The configuration object (write it with a YAML library). */
export function prometheusConfig(o: PrometheusOptions): Record<string, unknown> {
  return {
    global: { scrape_interval: o.scrapeInterval, evaluation_interval: o.evaluationInterval, external_labels: { ...o.externalLabels } },
    rule_files: [...o.ruleFiles],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [...o.alertmanagers] }] }] },
    scrape_configs: o.jobs.map((j) => ({
      job_name: j.job,
      ...(j.interval ? { scrape_interval: j.interval, scrape_timeout: j.interval } : {}),
      static_configs: [{ targets: [...j.targets], ...(j.labels ? { labels: { ...j.labels } } : {}) }],
    })),
    ...(o.remoteWrite?.length ? { remote_write: o.remoteWrite.map((url) => ({ url, queue_config: { max_samples_per_send: 5000 } })) } : {}),
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
 * One of two identical replicas: the same jobs and rules, told apart by the `replica` external
 * label (Alertmanager deduplicates their alerts because alert labels do not include it; a
 * long-term store such as Thanos, Mimir or VictoriaMetrics deduplicates series on it).
 */
export function replicaConfig(replica: 'a' | 'b'): Record<string, unknown> {
  return prometheusConfig({
    scrapeInterval: '5s',
    evaluationInterval: '5s',
    externalLabels: { environment: 'production', cluster: 'trading-tw', replica },
    jobs: PRODUCTION_JOBS,
    ruleFiles: ['rules/*.yml'],
    alertmanagers: [`alertmanager-1.trading.internal:${PORTS.alertmanager}`, `alertmanager-2.trading.internal:${PORTS.alertmanager}`],
    remoteWrite: ['https://metrics-store.trading.internal/api/v1/push'],
  });
}
