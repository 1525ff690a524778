/** StormGuard events (component `risk_engine`). */
import { Type } from '@sinclair/typebox';
import { STORMGUARD_MODES } from '../catalog/enums.js';
import { defineEvent, Name, oneOf } from './define.js';

/** A strategy's StormGuard mode changed. */
export const stormguardTransition = defineEvent(
  'stormguard.transition',
  'StormGuard moved a strategy between NORMAL, WARM, STORM and HALT. Sets hft_stormguard_mode; counts hft_stormguard_transitions_total.',
  {
    strategy: Name('Strategy name.'),
    from: oneOf(STORMGUARD_MODES),
    to: oneOf(STORMGUARD_MODES),
    reason: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { component: 'risk_engine', strategy: 'mm-2330', from: 'NORMAL', to: 'WARM', reason: 'reject ratio 3.1% over 30s', level: 'warn' },
);
