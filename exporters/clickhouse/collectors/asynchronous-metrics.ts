/**
 * `asynchronous_metrics`: every row of system.asynchronous_metrics as `ClickHouseAsyncMetrics_<Metric>`
 * gauges (`jemalloc.resident` becomes `ClickHouseAsyncMetrics_jemalloc_resident`; see passthrough.ts).
 * ClickHouse recomputes these in the background (about once a minute on 18.16, the first time up
 * to 90 s after it starts), so a fresh server has none yet.
 */
import type { ClickHouseCollector } from '../collector.js';
import { createPassthroughCollector } from './passthrough.js';

/** The `asynchronous_metrics` collector. */
export function createAsynchronousMetricsCollector(): ClickHouseCollector {
  return createPassthroughCollector('asynchronous_metrics');
}
