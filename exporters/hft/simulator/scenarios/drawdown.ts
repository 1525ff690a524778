import { faultScenario } from './types.js';

/** Strategies lose money fast, then win it back. */
export const drawdown = faultScenario({
  name: 'drawdown',
  description: 'PnL falls by 2 % of the daily loss limit per second for a minute (about 85 % of the limit), then recovers.',
  alert: 'PnlDrawdown',
  faultFor: 100,
  faults: (s) => ({ pnlDriftPerSecond: s < 60 ? -0.02 : 0.03 }),
});
