/** Order path metrics (component `order_adapter`). */
import { ORDER_ACTIONS, ORDER_REJECT_REASONS } from './enums.js';
import { counter, gauge, histogram, LATENCY_BUCKETS_NETWORK_SECONDS } from './types.js';

const domain = 'orders';

/** Order lifecycle actions, by strategy and action. */
export const orderActionsTotal = counter({
  name: 'hft_order_actions_total',
  help: 'Order lifecycle actions (submit, ack, reject, cancel, fill, ...) by strategy.',
  unit: 'orders',
  labels: { strategy: 'open', action: ORDER_ACTIONS },
  maxSeries: 1000,
  domain,
});

/** Orders rejected by the broker or exchange, by reason. */
export const orderRejectsTotal = counter({
  name: 'hft_order_rejects_total',
  help: 'Orders rejected by the broker or exchange, by strategy and reason.',
  unit: 'orders',
  labels: { strategy: 'open', reason: ORDER_REJECT_REASONS },
  maxSeries: 1000,
  domain,
});

/** Submit-to-acknowledgement latency at the gateway. */
export const orderAckLatencySeconds = histogram({
  name: 'hft_order_ack_latency_seconds',
  help: 'Latency in seconds from order submission to the broker acknowledgement.',
  unit: 'seconds',
  labels: { gateway: 'open' },
  buckets: LATENCY_BUCKETS_NETWORK_SECONDS,
  maxSeries: 50,
  domain,
});

/** Order submissions per second over the limiter's window, as the engine's rate limiter sees it. */
export const orderRatePerSecond = gauge({
  name: 'hft_order_rate_per_second',
  help: 'Order submissions per second over the rate limiter window of the gateway.',
  unit: 'orders_per_second',
  labels: { gateway: 'open' },
  maxSeries: 50,
  domain,
  freshness: 'engine',
});

/** The configured order-rate limit, for rate-versus-limit panels and alerts. */
export const orderRateLimitPerSecond = gauge({
  name: 'hft_order_rate_limit_per_second',
  help: 'Configured limit of order submissions per second at the gateway.',
  unit: 'orders_per_second',
  labels: { gateway: 'open' },
  maxSeries: 50,
  domain,
  freshness: 'engine',
});

/** Orders live at the venue. */
export const openOrders = gauge({
  name: 'hft_open_orders',
  help: 'Orders currently open at the venue, by strategy.',
  unit: 'orders',
  labels: { strategy: 'open' },
  maxSeries: 100,
  domain,
  freshness: 'engine',
});
