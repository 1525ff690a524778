/** Performance samples (seed 000's `performance_log`, seed 002's `performance_logs`). */
import { Type } from '@sinclair/typebox';
import { defineEvent, Name, NonNeg } from './define.js';

/** One sample of a service's operation: how long it took and what it used. */
export const perfSample = defineEvent(
  'perf.sample',
  'A performance sample of a service operation. Feeds hft_perf_execution_time_seconds; recorded in performance_log.',
  {
    service: Name('The service sampled.'),
    operation: Type.String({ minLength: 1, maxLength: 128, description: 'What it was doing (place_order, risk_check, scrape).' }),
    execution_time_ms: NonNeg('How long the operation took, milliseconds.'),
    cpu_percent: Type.Optional(Type.Number({ minimum: 0, description: 'CPU use of the service, percent of one core.' })),
    memory_mb: Type.Optional(NonNeg('Resident memory, MB.')),
    disk_mb: Type.Optional(NonNeg('Disk used by the service, MB.')),
    latency_ms: Type.Optional(NonNeg('Request latency, milliseconds.')),
    instance_id: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { component: 'monitor', service: 'order_adapter', operation: 'place_order', execution_time_ms: 0.42, cpu_percent: 37.5, memory_mb: 512, disk_mb: 1200, latency_ms: 0.9, instance_id: 'engine-1' },
);
