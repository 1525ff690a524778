import { DRAWDOWN_CRITICAL_RATIO, DRAWDOWN_WARNING_RATIO } from '../../../../alert-rules/thresholds.js';
import { faultScenario } from './types.js';

/** PnL lost per simulated second during the fault, as a fraction of the daily loss limit. */
const DRIFT_PER_SECOND = 0.02;

/** Strategies lose money fast and stay down; after the fault they win it back. */
export const drawdown = faultScenario({
  name: 'drawdown',
  description: 'PnL falls by 2 % of the daily loss limit per second for 45 s (about 90 % of the limit) and stays there 30 s; in the recovery it is won back at 3 % a second.',
  alert: 'PnlDrawdownCritical',
  related: ['PnlDrawdownWarning'],
  faultFor: 75,
  // The session starts near flat: each bound is crossed about ratio / drift seconds in.
  conditionAfter: { PnlDrawdownWarning: DRAWDOWN_WARNING_RATIO / DRIFT_PER_SECOND, PnlDrawdownCritical: DRAWDOWN_CRITICAL_RATIO / DRIFT_PER_SECOND },
  faults: (s) => ({ pnlDriftPerSecond: s < 45 ? -DRIFT_PER_SECOND : 0 }),
  recovery: (s) => ({ pnlDriftPerSecond: s < 30 ? 0.03 : 0 }),
});
