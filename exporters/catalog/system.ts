/**
 * System events (seed 000's `system_event_log`): a service of the engine, or of tickwatch itself,
 * started, stopped, restarted or failed (`service.<kind>` events, exporters/events/system.ts).
 * tickwatch's own services report about themselves too (`exporters/start.ts`: `service: 'tickwatch-hft'`,
 * `tickwatch-recorder`, ...), so one series set covers both.
 */
import { COMPONENTS, SERVICE_EVENT_KINDS } from './enums.js';
import { counter } from './types.js';

const domain = 'system';

/**
 * `service.<kind>` events by the component that reported them (closed set, usually `monitor`: the
 * supervisor), the service they are about, and what happened. `service` is open: a configured
 * process or module name (`strategy_runner`, `tickwatch-recorder`), never a host or a pid (those
 * stay in the event's `instance_id`), bounded by the series limit (4 kinds × 100 services).
 *
 * The first event of a (component, service) pair creates all four kinds at 0, so an `increase()`
 * over the window sees the next event of any kind; ServiceFailed and ServiceRestartLoop read it. A
 * failure that is the very first event of a service the exporter has heard of starts its series at
 * 1, and `increase()` cannot see a series' first sample: engines report `service.started` first
 * (the simulator does, and so does tickwatch for its own services).
 */
export const serviceEventsTotal = counter({
  name: 'hft_service_events_total',
  help: 'Service lifecycle events (started, stopped, restarted, failed) by reporting component and service.',
  unit: 'events',
  labels: { component: COMPONENTS, service: 'open', event: SERVICE_EVENT_KINDS },
  maxSeries: 400,
  domain,
});
