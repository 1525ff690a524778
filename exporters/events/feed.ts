/** Market feed events (component `market_data`). */
import { Type } from '@sinclair/typebox';
import { FEED_EVENT_TYPES } from '../catalog/enums.js';
import { defineEvent, Name, Nanos, oneOf } from './define.js';

/** Market-data messages received: one event per message or per batch (`count`). */
export const feedTick = defineEvent(
  'feed.tick',
  'Market-data message(s) received. Counted in hft_feed_events_total; resets the feed gap; `latency_ns` feeds hft_feed_tick_latency_seconds.',
  {
    feed: Name('Feed name (configured list).'),
    type: Type.Optional(oneOf(FEED_EVENT_TYPES, 'Message kind; default tick.')),
    symbol: Type.Optional(Type.String({ maxLength: 32, description: 'Instrument (never a label).' })),
    count: Type.Optional(Type.Integer({ minimum: 1, description: 'Messages this event stands for (batched ticks); default 1.' })),
    latency_ns: Type.Optional(Nanos('Exchange timestamp to receipt, of the newest message.')),
  },
  { component: 'market_data', feed: 'twse-md', type: 'tick', symbol: '2330', count: 1, latency_ns: 182000 },
);

/** A sequence gap the feed handler detected (messages lost upstream). */
export const feedGap = defineEvent(
  'feed.gap',
  'The feed handler saw a sequence gap. Counted in hft_feed_sequence_gaps_total.',
  {
    feed: Name('Feed name.'),
    from_seq: Type.Optional(Type.Integer({ minimum: 0 })),
    to_seq: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { component: 'market_data', feed: 'twse-md', from_seq: 1041, to_seq: 1047 },
);
