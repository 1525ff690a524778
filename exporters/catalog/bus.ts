/** Event bus metrics: the engine's internal queue between feed, strategies and order path. */
import { counter, gauge } from './types.js';

const domain = 'bus';

/** Fill level of the bus ring buffer, 0 to 1. */
export const busOccupancyRatio = gauge({
  name: 'hft_bus_occupancy_ratio',
  help: 'Fill level of the event bus ring buffer, from 0 (empty) to 1 (full).',
  unit: 'ratio',
  labels: { bus: 'open' },
  maxSeries: 20,
  domain,
  freshness: 'engine',
});

/** Events dropped or refused because the bus was full. */
export const busOverflowsTotal = counter({
  name: 'hft_bus_overflows_total',
  help: 'Events the event bus refused or dropped because it was full.',
  unit: 'events',
  labels: { bus: 'open' },
  maxSeries: 20,
  domain,
});

/** Events published onto the bus. */
export const busPublishedTotal = counter({
  name: 'hft_bus_published_events_total',
  help: 'Events published onto the event bus.',
  unit: 'events',
  labels: { bus: 'open' },
  maxSeries: 20,
  domain,
});
