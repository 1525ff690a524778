import type { Scenario } from './types.js';

/** A normal trading session: tick bursts at the open, order lifecycles, PnL random walk, rare rejects. */
export const normal: Scenario = {
  name: 'normal',
  description: 'A normal session: tick bursts at the open, order lifecycles with realistic latencies, PnL random walk, occasional risk rejects. Fires no alert.',
  alert: 'none',
  faultAt: 0,
  faultFor: 0,
  recoveryFor: 120,
  faults: () => ({}),
};
