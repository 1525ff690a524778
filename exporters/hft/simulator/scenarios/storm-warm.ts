import { faultScenario } from './types.js';

/** StormGuard warms up on one strategy and calms down again. */
export const stormWarm = faultScenario({
  name: 'storm-warm',
  description: 'StormGuard moves the first strategy to WARM, then back to NORMAL.',
  alert: 'StormGuardWarm',
  faultFor: 60,
  faults: () => ({ stormMode: 'WARM' }),
});
