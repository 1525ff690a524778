/**
 * `events`: every row of system.events as `ClickHouseProfileEvents_<Event>` counters, without the
 * `_total` suffix as ClickHouse's own endpoint writes them (see passthrough.ts). Counters reset
 * when the server restarts, which Prometheus' `rate()` handles.
 */
import type { ClickHouseCollector } from '../collector.js';
import { createPassthroughCollector } from './passthrough.js';

/** The `events` collector. */
export function createEventsCollector(): ClickHouseCollector {
  return createPassthroughCollector('events');
}
