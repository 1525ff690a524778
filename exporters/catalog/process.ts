/**
 * Process and instrumentation-core metrics exported by every tickwatch service. The `process_*`
 * and `nodejs_*` names are the ones prom-client's default collectors and the Prometheus client
 * libraries use, so community dashboards work unchanged.
 */
import { CARDINALITY_REASONS } from './enums.js';
import { counter, decades, gauge, histogram } from './types.js';

const domain = 'process';
const exportedBy = ['instrument'] as const;

/** Process start time. */
export const processStartTimeSeconds = gauge({
  name: 'process_start_time_seconds',
  help: 'Start time of the process since the Unix epoch in seconds.',
  unit: 'timestamp_seconds',
  domain,
  exportedBy,
});

/** Process uptime, for panels that want it without arithmetic. */
export const processUptimeSeconds = gauge({
  name: 'tickwatch_process_uptime_seconds',
  help: 'Seconds since the process started.',
  unit: 'seconds',
  domain,
  exportedBy,
});

/** User plus system CPU time of the whole process (all threads). */
export const processCpuSecondsTotal = counter({
  name: 'process_cpu_seconds_total',
  help: 'Total user and system CPU time spent by the process in seconds.',
  unit: 'seconds',
  domain,
  exportedBy,
});

/** Resident set size of the process. */
export const processResidentMemoryBytes = gauge({
  name: 'process_resident_memory_bytes',
  help: 'Resident memory size of the process in bytes.',
  unit: 'bytes',
  domain,
  exportedBy,
});

/** Heap used by the recording thread's V8 isolate. */
export const nodejsHeapUsedBytes = gauge({
  name: 'nodejs_heap_size_used_bytes',
  help: 'V8 heap in use by the recording thread in bytes.',
  unit: 'bytes',
  domain,
  exportedBy,
});

/** V8 heap of the recording thread's isolate: used and free, what V8 has reserved. */
export const nodejsHeapTotalBytes = gauge({
  name: 'nodejs_heap_size_total_bytes',
  help: 'V8 heap allocated for the recording thread (used and free) in bytes.',
  unit: 'bytes',
  domain,
  exportedBy,
});

/**
 * Kinds of V8 garbage collection, as prom-client names them (Node's `perf_hooks` GC entry
 * `detail.kind`): `minor` (scavenge of the young generation), `major` (mark-sweep-compact),
 * `incremental` (incremental marking steps), `weakcb` (weak callbacks).
 */
export const NODEJS_GC_KINDS = ['major', 'minor', 'incremental', 'weakcb'] as const;

/**
 * Garbage collections of the recording thread's isolate and how long each took, by kind: prom-client's
 * name, label and kinds, finer buckets (100 µs to 5 s; prom-client's are 1 ms, 10 ms, 0.1 s, 1 s, 2 s,
 * 5 s: a minor GC takes well under a millisecond). From Node's `perf_hooks` GC entries (`duration`
 * in milliseconds), observed after each collection on the recording thread's event loop. The time
 * is the pause the collector reports: `rate(..._sum)` is the share of one thread's time spent in GC.
 */
export const nodejsGcDurationSeconds = histogram({
  name: 'nodejs_gc_duration_seconds',
  help: 'Garbage collection duration of the recording thread by kind, one of major, minor, incremental or weakcb, in seconds.',
  unit: 'seconds',
  labels: { kind: NODEJS_GC_KINDS },
  buckets: decades(1e-4, 5),
  domain,
  exportedBy,
});

/** Event-loop delay of the recording thread, p99 over the last sampling window. */
export const eventLoopLagP99Seconds = gauge({
  name: 'nodejs_eventloop_lag_p99_seconds',
  help: 'The 99th percentile of the recording thread event-loop delay over the last window, in seconds.',
  unit: 'seconds',
  domain,
  exportedBy,
});

/** Event-loop delay of the recording thread, max over the last sampling window. */
export const eventLoopLagMaxSeconds = gauge({
  name: 'nodejs_eventloop_lag_max_seconds',
  help: 'The maximum recording thread event-loop delay over the last window, in seconds.',
  unit: 'seconds',
  domain,
  exportedBy,
});

/** Lookups folded into the `other` series by the cardinality guard. */
export const cardinalityOverflowTotal = counter({
  name: 'tickwatch_cardinality_overflow_total',
  help: 'Label lookups folded into the other series by the cardinality guard, by metric and reason.',
  unit: 'count',
  labels: { metric: 'open', reason: CARDINALITY_REASONS },
  maxSeries: 3000,
  domain,
  exportedBy,
});

/** Updates refused by the recording API (negative counter increments, NaN observations). */
export const invalidUpdatesTotal = counter({
  name: 'tickwatch_instrument_invalid_updates_total',
  help: 'Metric updates refused by the recording API (negative counter increment or NaN), by metric.',
  unit: 'count',
  labels: { metric: 'open' },
  maxSeries: 1000,
  domain,
  exportedBy,
});

/** Series currently allocated per metric. */
export const seriesCount = gauge({
  name: 'tickwatch_series',
  help: 'Series currently allocated by the instrumentation core, by metric.',
  unit: 'series',
  labels: { metric: 'open' },
  maxSeries: 1000,
  domain,
  exportedBy,
});

/** Build and runtime versions. */
export const buildInfo = gauge({
  name: 'tickwatch_build_info',
  help: 'Build information of the tickwatch service: version and Node.js version; always 1.',
  unit: 'info',
  labels: { service: 'open', version: 'open', nodejs_version: 'open' },
  maxSeries: 10,
  domain,
  exportedBy,
});
