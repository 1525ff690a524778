/**
 * The long-term store of the HA pair (prometheus-ha.example.yml): VictoriaMetrics, single node
 * (Debian's `victoria-metrics` 1.79.5, binary `/usr/bin/victoria-metrics`; scripts/setup.sh
 * installs it). Both Prometheus replicas `remote_write` every sample to it; it keeps one.
 *
 * How the two copies become one, as VictoriaMetrics' single-node docs say (docs/Single-server-VictoriaMetrics.md,
 * "Deduplication"): the replicas "must have identical `external_labels` section in their configs, so
 * they write data to the same time series", and `-dedup.minScrapeInterval` set to the
 * `scrape_interval` keeps one sample per series in each interval (the last one, says 1.79's
 * `victoria-metrics -help`). Our replicas
 * differ in the `replica` external label (it tells a human which replica a series or alert came from), so each replica drops
 * it on the way out: `write_relabel_configs: [{action: labeldrop, regex: replica}]`, which
 * Prometheus applies after the external labels ("Write relabeling is applied after external
 * labels", Prometheus' remote_write reference). VictoriaMetrics' own `-relabelConfig` could drop it
 * on arrival instead; dropping it at the sender keeps the store's flags free of our label names.
 *
 * VictoriaMetrics single node has one `-dedup.minScrapeInterval` for every series. tickwatch scrapes
 * at 1 s (the HFT exporter), 5 s and 15 s (PRODUCTION_JOBS), so it is the smallest, 1 s: the HFT
 * series keep one sample a second; a 5 s or 15 s series keeps the samples of both replicas unless
 * the two fall within the same second (they scrape at different offsets), up to twice one
 * replica's samples for those jobs, still as one series (reasoned from the rule: the HA test,
 * test/alerting/prometheus-ha.test.ts, scrapes every job at 1 s). A larger interval would thin the
 * 1 s series out.
 */

/** Inputs of {@link victoriaMetricsFlags}. */
export interface VictoriaMetricsOptions {
  /** `-storageDataPath`: its data folder. */
  readonly dataDir: string;
  /** `-httpListenAddr`: `host:port` of its HTTP API (remote write on `/api/v1/write`, PromQL on `/api/v1/query`). Default `:8428`. */
  readonly listen?: string;
  /** `-dedup.minScrapeInterval`, a duration (`1s`): one sample per series per interval. */
  readonly dedupInterval: string;
  /** `-retentionPeriod`: `400d`, `2y`, ... (suffixes h, d, w, y; a bare number is months). */
  readonly retention: string;
}

/** The external label that tells the two Prometheus replicas apart (prometheus/config.ts `replicaConfig`). */
export const REPLICA_LABEL = 'replica';

/**
 * How long the long-term store keeps metrics: 400 days, past the replicas' own 30 d
 * (PROMETHEUS_RETENTION), so that a month can be compared with the same month a year before. Our
 * choice, not a regulation's figure (seed 004 asks only for 15-30 days of metrics).
 */
export const VICTORIA_METRICS_RETENTION = '400d';

/** VictoriaMetrics' HTTP port, its default (`-httpListenAddr :8428`). */
export const VICTORIA_METRICS_PORT = 8428;

/** The path Prometheus' remote_write posts to on a VictoriaMetrics single node. */
export const VICTORIA_METRICS_WRITE_PATH = '/api/v1/write';

/**
 * The command line of a VictoriaMetrics single node for the HA pair.
 * @returns flags, e.g. `['-storageDataPath=/var/lib/victoria-metrics', '-httpListenAddr=:8428', '-dedup.minScrapeInterval=1s', '-retentionPeriod=400d']`
 */
export function victoriaMetricsFlags(o: VictoriaMetricsOptions): string[] {
  return [`-storageDataPath=${o.dataDir}`, `-httpListenAddr=${o.listen ?? `:${VICTORIA_METRICS_PORT}`}`, `-dedup.minScrapeInterval=${o.dedupInterval}`, `-retentionPeriod=${o.retention}`];
}
