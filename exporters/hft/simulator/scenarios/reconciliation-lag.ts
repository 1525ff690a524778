import { RECONCILIATION_LAG_WARNING_SECONDS } from '../../../../alert-rules/thresholds.js';
import { faultScenario } from './types.js';

/** Reconciliation with the broker keeps failing. */
export const reconciliationLag = faultScenario({
  name: 'reconciliation-lag',
  description: 'Every reconciliation run fails, so the time since the last match grows past the warning.',
  alert: 'ReconciliationLag',
  // Each failed run is logged at error level, one every 5 s (EngineErrorsRising's 0.2/s): faster than real time it fires that too.
  related: ['EngineErrorsRising'],
  faultFor: RECONCILIATION_LAG_WARNING_SECONDS + 90,
  faults: () => ({ reconciliationFailing: true }),
});
