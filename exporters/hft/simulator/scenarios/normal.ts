import type { Scenario } from './types.js';

/**
 * A normal trading session: tick bursts at the open, order lifecycles, PnL random walk, rare rejects;
 * around it (operations.ts) services starting, perf samples, logins of 10,000 users over the first
 * hour, AI decisions and outcomes, position snapshots, the engine's rare (never critical) anomalies.
 */
export const normal: Scenario = {
  name: 'normal',
  description:
    'A normal session: tick bursts at the open, order lifecycles with realistic latencies, PnL random walk, occasional risk rejects; services starting, perf samples, logins with a second factor, AI decisions and outcomes, position snapshots, rare anomalies. Fires no alert.',
  alert: 'none',
  faultAt: 0,
  faultFor: 0,
  recoveryFor: 120,
  faults: () => ({}),
};
