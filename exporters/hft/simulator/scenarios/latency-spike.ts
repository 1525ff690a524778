import { faultScenario } from './types.js';

/** Latencies on the order path, the feed and the strategies grow a hundredfold. */
export const latencySpike = faultScenario({
  name: 'latency-spike',
  description: 'Order-ack, tick and strategy decision latencies grow 100x for two minutes.',
  alert: 'OrderAckLatencyHigh',
  // Nearly every ack is over the order acknowledgement SLO's 5 ms: its page and ticket burn.
  related: ['FeedLatencyHigh', 'StrategyLatencyHigh', 'OrderAckSloFastBurn', 'OrderAckSloSlowBurn'],
  faultFor: 120,
  faults: () => ({ latencyFactor: 100 }),
});
