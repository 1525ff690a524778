import { faultScenario } from './types.js';

/** Broker API usage runs close to its limit. */
export const apiLimit = faultScenario({
  name: 'api-limit',
  description: 'Broker API usage runs at 95 % of its rate limit for 90 s.',
  alert: 'ApiUsageNearLimit',
  faultFor: 90,
  faults: () => ({ apiUsageRatio: 0.95 }),
});
