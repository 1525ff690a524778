/** Execution events (component `execution`). */
import { Type } from '@sinclair/typebox';
import { SIDES } from '../catalog/enums.js';
import { defineEvent, Name, Nanos, NonNeg, oneOf } from './define.js';

/** A (partial) fill. */
export const executionFill = defineEvent(
  'execution.fill',
  'An execution. Counts hft_fills_total and action="fill" or "partial_fill"; `slippage_ratio` feeds hft_fill_slippage_ratio; `qty * price` adds to hft_filled_notional_total.',
  {
    strategy: Name('Strategy name.'),
    gateway: Type.Optional(Name('Gateway.')),
    order_id: Type.String({ minLength: 1, maxLength: 64 }),
    side: oneOf(SIDES),
    symbol: Type.Optional(Type.String({ maxLength: 32 })),
    qty: NonNeg('Filled quantity.'),
    price: NonNeg('Fill price.'),
    leaves_qty: Type.Optional(NonNeg('Quantity still open; 0 or absent means fully filled.')),
    slippage_ratio: Type.Optional(Type.Number({ description: 'Signed, against the intent price; positive is adverse.' })),
    latency_ns: Type.Optional(Nanos('From submission to this fill.')),
  },
  { component: 'execution', strategy: 'mm-2330', gateway: 'broker-a', order_id: 'o-55102', side: 'buy', symbol: '2330', qty: 1000, price: 1015.0, leaves_qty: 0, slippage_ratio: 0.00004, correlation_id: 'c-8f31' },
);
