/** Performance samples (seed 000's `performance_log`, seed 002's `performance_logs`): `perf.sample` events. */
import { histogram, LATENCY_BUCKETS_NETWORK_SECONDS } from './types.js';

const domain = 'performance';

/**
 * How long a sampled operation of a service took (`perf.sample`'s `execution_time_ms`, converted
 * to seconds). `service` and `operation` are open labels from the engine's configuration
 * (`order_adapter` / `place_order`; tickwatch's own services report `tickwatch-hft` / `run`),
 * bounded by the series limit; anything past it is folded into `other` and counted in
 * `tickwatch_cardinality_overflow_total`. The sample's CPU, memory and disk figures are recorded
 * (performance_log), not exported.
 */
export const perfExecutionTimeSeconds = histogram({
  name: 'hft_perf_execution_time_seconds',
  help: 'Execution time in seconds of sampled service operations (perf.sample), by service and operation.',
  unit: 'seconds',
  labels: { service: 'open', operation: 'open' },
  buckets: LATENCY_BUCKETS_NETWORK_SECONDS,
  maxSeries: 200,
  domain,
});
