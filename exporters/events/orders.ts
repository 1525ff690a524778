/** Order lifecycle events (component `order_adapter`). */
import { Type } from '@sinclair/typebox';
import { ORDER_REJECT_REASONS, SIDES } from '../catalog/enums.js';
import { defineEvent, Name, Nanos, NonNeg, oneOf } from './define.js';

const ids = {
  strategy: Name('Strategy name.'),
  gateway: Name('Gateway the order went through.'),
  order_id: Type.String({ minLength: 1, maxLength: 64, description: 'Order id (never a label).' }),
};

/** An order left for the broker. */
export const orderSubmitted = defineEvent(
  'order.submitted',
  'An order was sent to the broker. Counts hft_order_actions_total{action="submit"}.',
  { ...ids, side: oneOf(SIDES), symbol: Type.Optional(Type.String({ maxLength: 32 })), qty: NonNeg('Quantity.'), price: Type.Optional(Type.Number()) },
  { component: 'order_adapter', strategy: 'mm-2330', gateway: 'broker-a', order_id: 'o-55102', side: 'buy', symbol: '2330', qty: 1000, price: 1015.0, intent_id: 'i-8f31', correlation_id: 'c-8f31' },
);

/** The broker acknowledged an order. */
export const orderAcked = defineEvent(
  'order.acked',
  'The broker acknowledged an order. Counts action="ack"; `latency_ns` (submit to ack) feeds hft_order_ack_latency_seconds.',
  { ...ids, latency_ns: Nanos('From submission to acknowledgement.') },
  { component: 'order_adapter', strategy: 'mm-2330', gateway: 'broker-a', order_id: 'o-55102', latency_ns: 212000, correlation_id: 'c-8f31' },
);

/** The broker or exchange rejected an order. */
export const orderRejected = defineEvent(
  'order.rejected',
  'The broker or exchange rejected an order. Counts action="reject" and hft_order_rejects_total by reason.',
  { ...ids, reason: oneOf(ORDER_REJECT_REASONS), broker_code: Type.Optional(Type.String({ maxLength: 64 })), latency_ns: Type.Optional(Nanos('From submission to the reject.')) },
  { component: 'order_adapter', strategy: 'mm-2330', gateway: 'broker-a', order_id: 'o-55103', reason: 'invalid_price', broker_code: 'E1032', level: 'warn', correlation_id: 'c-8f40' },
);

/** A cancel was requested. */
export const orderCancelRequested = defineEvent('order.cancel_requested', 'A cancel was sent. Counts action="cancel".', ids, {
  component: 'order_adapter',
  strategy: 'mm-2330',
  gateway: 'broker-a',
  order_id: 'o-55102',
});

/** The broker confirmed a cancel. */
export const orderCanceled = defineEvent('order.canceled', 'The broker confirmed a cancel. Counts action="cancel_ack".', { ...ids, latency_ns: Type.Optional(Nanos('From cancel request to confirmation.')) }, {
  component: 'order_adapter',
  strategy: 'mm-2330',
  gateway: 'broker-a',
  order_id: 'o-55102',
  latency_ns: 190000,
});

/** An order was amended. */
export const orderReplaced = defineEvent('order.replaced', 'An order was amended (price or quantity). Counts action="replace".', { ...ids, qty: Type.Optional(NonNeg('New quantity.')), price: Type.Optional(Type.Number()) }, {
  component: 'order_adapter',
  strategy: 'mm-2330',
  gateway: 'broker-a',
  order_id: 'o-55102',
  price: 1014.5,
});

/** An order expired at the venue. */
export const orderExpired = defineEvent('order.expired', 'An order expired at the venue. Counts action="expire".', ids, {
  component: 'order_adapter',
  strategy: 'mm-2330',
  gateway: 'broker-a',
  order_id: 'o-55099',
});

/** The engine's order-rate limiter, once a second. */
export const orderRate = defineEvent(
  'order.rate',
  "The engine's order-rate limiter for a gateway. Sets hft_order_rate_per_second and hft_order_rate_limit_per_second.",
  { gateway: Name('Gateway.'), orders_per_second: NonNeg('Submissions per second over the limiter window.'), limit_per_second: NonNeg('Configured limit.'), open_orders: Type.Optional(Type.Record(Type.String(), NonNeg(''), { description: 'Open orders by strategy.' })) },
  { component: 'order_adapter', gateway: 'broker-a', orders_per_second: 41, limit_per_second: 250, open_orders: { 'mm-2330': 6 } },
);
