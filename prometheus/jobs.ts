/**
 * Scrape job names and default targets of the tickwatch exporters. Alert rules group by
 * `job`/`instance`; prometheus.yml and the local stack use the same names.
 */
export const JOBS = {
  hft: { job: 'tickwatch-hft', port: 9470 },
  host: { job: 'tickwatch-host', port: 9471 },
  clickhouse: { job: 'tickwatch-clickhouse', port: 9472 },
  recorder: { job: 'tickwatch-recorder', port: 9473 },
} as const;
