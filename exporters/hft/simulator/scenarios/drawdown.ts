import { faultScenario } from './types.js';

/** Strategies lose money fast, stay down, then win it back. */
export const drawdown = faultScenario({
  name: 'drawdown',
  description: 'PnL falls by 2 % of the daily loss limit per second for 45 s (about 90 % of the limit), stays there 30 s, then recovers.',
  alert: 'PnlDrawdownCritical',
  related: ['PnlDrawdownWarning'],
  faultFor: 105,
  faults: (s) => ({ pnlDriftPerSecond: s < 45 ? -0.02 : s < 75 ? 0 : 0.03 }),
});
