import { faultScenario } from './types.js';

/** Latencies on the order path, the feed and the strategies grow a hundredfold. */
export const latencySpike = faultScenario({
  name: 'latency-spike',
  description: 'Order-ack, tick and strategy decision latencies grow 100x for two minutes.',
  alert: 'OrderAckLatencyHigh',
  related: ['FeedLatencyHigh', 'StrategyLatencyHigh'],
  faultFor: 120,
  faults: () => ({ latencyFactor: 100 }),
});
