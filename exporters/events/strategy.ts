/** Strategy events (component `strategy_runner`). */
import { Type } from '@sinclair/typebox';
import { SIDES } from '../catalog/enums.js';
import { defineEvent, Name, Nanos, NonNeg, oneOf } from './define.js';

/** A strategy decided to trade. */
export const strategyIntent = defineEvent(
  'strategy.intent',
  'A strategy emitted a trading intent. Counts hft_strategy_intents_total; `decision_latency_ns` feeds hft_strategy_decision_latency_seconds.',
  {
    strategy: Name('Strategy name (configured list).'),
    side: oneOf(SIDES),
    symbol: Type.Optional(Type.String({ maxLength: 32 })),
    qty: Type.Optional(NonNeg('Quantity.')),
    price: Type.Optional(Type.Number({ description: 'Limit or reference price.' })),
    decision_latency_ns: Nanos('From the market event the strategy reacted to until the intent.'),
  },
  { component: 'strategy_runner', strategy: 'mm-2330', side: 'buy', symbol: '2330', qty: 1000, price: 1015.0, decision_latency_ns: 740, intent_id: 'i-8f31', correlation_id: 'c-8f31' },
);
