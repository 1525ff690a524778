/** `metrics`: every row of system.metrics as `ClickHouseMetrics_<Metric>` gauges (see passthrough.ts). */
import type { ClickHouseCollector } from '../collector.js';
import { createPassthroughCollector } from './passthrough.js';

/** The `metrics` collector. */
export function createMetricsCollector(): ClickHouseCollector {
  return createPassthroughCollector('metrics');
}
