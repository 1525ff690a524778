import { SERVICE_RESTARTS_WARNING } from '../../../../alert-rules/thresholds.js';
import { faultScenario } from './types.js';

/** Seconds between the crashes of the loop, and how long the service stays down each time. */
const PERIOD = 20;
const DOWN = 3;

/**
 * The risk engine crashes and its supervisor restarts it, again and again: two more restarts than
 * ServiceRestartLoop lets pass in 10 minutes. The first crash pages (ServiceFailed); the loop warns
 * too, the honest consequence of a crash loop.
 */
export const serviceCrash = faultScenario({
  name: 'service-crash',
  description: `The risk engine crashes (service.failed, exit 139) every ${PERIOD} s and its supervisor restarts it ${DOWN} s later (service.restarted), ${SERVICE_RESTARTS_WARNING + 2} times; trading goes on.`,
  alert: 'ServiceFailed',
  related: ['ServiceRestartLoop'],
  faultFor: PERIOD * (SERVICE_RESTARTS_WARNING + 2),
  faults: (s) => (s % PERIOD < DOWN ? { crashedService: 'risk_engine' } : {}),
});
