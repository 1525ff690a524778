/** Pre-trade risk events (component `risk_engine`). */
import { Type } from '@sinclair/typebox';
import { RISK_DECISIONS, RISK_REJECT_REASONS } from '../catalog/enums.js';
import { defineEvent, Name, Nanos, oneOf } from './define.js';

/** The risk engine accepted or rejected an intent. */
export const riskDecision = defineEvent(
  'risk.decision',
  'A pre-trade risk decision. Counts hft_risk_decisions_total, and hft_risk_rejects_total by reason on reject.',
  {
    strategy: Name('Strategy name.'),
    decision: oneOf(RISK_DECISIONS),
    reason: Type.Optional(oneOf(RISK_REJECT_REASONS, 'Why, when rejected.')),
    latency_ns: Type.Optional(Nanos('Time the check took.')),
    limit: Type.Optional(Type.String({ maxLength: 128, description: 'The limit that decided (audit only).' })),
  },
  { component: 'risk_engine', strategy: 'mm-2330', decision: 'reject', reason: 'max_position', latency_ns: 310, intent_id: 'i-8f32', correlation_id: 'c-8f32' },
);
