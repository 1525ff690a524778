import { faultScenario } from './types.js';

/** Strategies lose money fast and stay down; after the fault they win it back. */
export const drawdown = faultScenario({
  name: 'drawdown',
  description: 'PnL falls by 2 % of the daily loss limit per second for 45 s (about 90 % of the limit) and stays there 30 s; in the recovery it is won back at 3 % a second.',
  alert: 'PnlDrawdownCritical',
  related: ['PnlDrawdownWarning'],
  faultFor: 75,
  faults: (s) => ({ pnlDriftPerSecond: s < 45 ? -0.02 : 0 }),
  recovery: (s) => ({ pnlDriftPerSecond: s < 30 ? 0.03 : 0 }),
});
