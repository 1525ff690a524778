import { faultScenario } from './types.js';

/** StormGuard escalates NORMAL -> WARM -> STORM -> HALT on one strategy, holds, then resets. */
export const stormHalt = faultScenario({
  name: 'storm-halt',
  description: 'StormGuard escalates the first strategy to WARM, STORM and HALT (3 s apart), holds HALT, then resets to NORMAL.',
  alert: 'StormGuardHalt',
  related: ['StormGuardWarm', 'StormGuardStorm'],
  faultFor: 45,
  faults: (s) => ({ stormMode: s < 3 ? 'WARM' : s < 6 ? 'STORM' : 'HALT' }),
});
