import { SECURITY_FAILURES_LIMIT, SECURITY_WINDOW_SECONDS } from '../../../catalog/security.js';
import { faultScenario } from './types.js';

/**
 * Someone guesses one user's password from one address: a failed login a second, six times the
 * detector's limit within its window. The detector counts it once (repeated_failures) and
 * SuspiciousLoginActivity pages.
 */
export const loginAttack = faultScenario({
  name: 'login-attack',
  description: `One user's password is guessed from one address: a failed login a second for ${SECURITY_FAILURES_LIMIT * 6} s (the detector's limit is ${SECURITY_FAILURES_LIMIT} within ${SECURITY_WINDOW_SECONDS} s).`,
  alert: 'SuspiciousLoginActivity',
  faultFor: SECURITY_FAILURES_LIMIT * 6,
  faults: () => ({ failedLoginsPerSecond: 1 }),
});
