import { faultScenario } from './types.js';

/** The broker rejects a quarter of orders for two minutes. */
export const rejectSpike = faultScenario({
  name: 'reject-spike',
  description: 'The broker rejects 25 % of orders (invalid price, rate limited) for two minutes.',
  alert: 'OrderRejectRatioHigh',
  faultFor: 120,
  faults: () => ({ rejectRatio: 0.25 }),
});
