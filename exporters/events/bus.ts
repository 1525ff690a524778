/** Event bus events (component `monitor`). */
import { Type } from '@sinclair/typebox';
import { defineEvent, Name, NonNeg } from './define.js';

/** Periodic bus fill level. */
export const busOccupancy = defineEvent(
  'bus.occupancy',
  'Fill level of the event bus ring buffer. Sets hft_bus_occupancy_ratio; `published` adds to hft_bus_published_events_total.',
  {
    bus: Name('Bus name.'),
    occupancy: Type.Number({ minimum: 0, maximum: 1, description: 'Used / capacity, 0 to 1.' }),
    published: Type.Optional(NonNeg('Events published since the previous occupancy event.')),
  },
  { component: 'monitor', bus: 'md-to-strategy', occupancy: 0.12, published: 48211 },
);

/** The bus refused or dropped events because it was full. */
export const busOverflow = defineEvent(
  'bus.overflow',
  'The event bus was full and refused or dropped events. Adds `dropped` to hft_bus_overflows_total.',
  { bus: Name('Bus name.'), dropped: Type.Integer({ minimum: 1, description: 'Events refused or dropped.' }) },
  { component: 'monitor', bus: 'md-to-strategy', dropped: 37, level: 'error' },
);
