/** Execution events (component `execution`). */
import { Type } from '@sinclair/typebox';
import { ORDER_TYPES, SIDES } from '../catalog/enums.js';
import { defineEvent, Name, Nanos, NonNeg, oneOf } from './define.js';

/** A (partial) fill. */
export const executionFill = defineEvent(
  'execution.fill',
  'An execution. Counts hft_fills_total and action="fill" or "partial_fill"; `slippage_ratio` feeds hft_fill_slippage_ratio; `qty * price` adds to hft_filled_notional_total; recorded in trade_executions (SUCCESS, or PARTIAL while quantity is left).',
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
    slippage_ticks: Type.Optional(Type.Number({ description: "Signed slippage in the instrument's ticks; positive is adverse." })),
    trade_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The venue trade id (never a label).' })),
    order_type: Type.Optional(oneOf(ORDER_TYPES, 'Order type.')),
    broker: Type.Optional(Name('Broker that executed it.')),
    latency_ns: Type.Optional(Nanos('From submission to this fill.')),
  },
  { component: 'execution', strategy: 'mm-2330', gateway: 'broker-a', order_id: 'o-55102', side: 'buy', symbol: '2330', qty: 1000, price: 1015.0, leaves_qty: 0, slippage_ratio: 0.00004, slippage_ticks: 0.08, trade_id: 't-77120', order_type: 'limit', broker: 'broker-a', correlation_id: 'c-8f31' },
);
