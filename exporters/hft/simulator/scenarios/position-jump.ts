import { POSITION_JUMP_NOTIONAL } from '../../../catalog/anomalies.js';
import { faultScenario } from './types.js';

/**
 * A position of the first strategy grows by four times the exporter's position-jump bound in one
 * second (a fat finger, a fill booked twice) and stays so for 30 s, then goes back. tickwatch's
 * position detector raises one critical position_jump (the jump back refreshes the same anomaly),
 * and AnomalyCritical pages while it is open.
 */
export const positionJump = faultScenario({
  name: 'position-jump',
  description: `A position of mm-2330 grows by ${POSITION_JUMP_NOTIONAL * 4} (four times the position-jump bound) in one second, stays 30 s, then goes back.`,
  alert: 'AnomalyCritical',
  faultFor: 30,
  faults: () => ({ positionJumpNotional: POSITION_JUMP_NOTIONAL * 4 }),
});
