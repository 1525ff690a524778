import { ENGINE_ERRORS_FOR_SECONDS, ENGINE_ERRORS_WARNING_PER_SECOND } from '../../../../alert-rules/thresholds.js';
import { faultScenario } from './types.js';

/** The engine's modules log errors in a burst: ten times the warning rate, long enough to fire. */
export const engineErrors = faultScenario({
  name: 'engine-errors',
  description: 'The engine logs a burst of errors (exceptions in its modules, event types outside the contract) while it keeps trading.',
  alert: 'EngineErrorsRising',
  faultFor: ENGINE_ERRORS_FOR_SECONDS + 60,
  faults: () => ({ errorLogsPerSecond: Math.ceil(ENGINE_ERRORS_WARNING_PER_SECOND * 10) }),
});
