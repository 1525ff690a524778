import { SLIPPAGE_OUTLIER_CRITICAL_RATIO } from '../../../../alert-rules/thresholds.js';
import { faultScenario } from './types.js';

/** The outlier's slippage: 1.6 times the bound (80 bp at a 50 bp bound), rounded to a millionth. */
const OUTLIER = Math.round(SLIPPAGE_OUTLIER_CRITICAL_RATIO * 1.6 * 1e6) / 1e6;

/**
 * One fill of the first strategy slips 1.6 times the hard bound (80 bp at a 50 bp bound), within
 * the bucket above it. One fill among the thousands of 5 minutes leaves the p95 where it was, so
 * SlippageHigh stays silent.
 */
export const slippageOutlier = faultScenario({
  name: 'slippage-outlier',
  description: `One fill of mm-2330 slips ${Math.round(OUTLIER * 1e4)} bp against its intent price (the hard bound is ${Math.round(SLIPPAGE_OUTLIER_CRITICAL_RATIO * 1e4)} bp); every other fill as usual.`,
  alert: 'SlippageOutlier',
  faultFor: 1,
  faults: () => ({ slippageOutlierRatio: OUTLIER }),
});
