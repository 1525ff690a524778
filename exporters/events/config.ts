/** Configuration changes (any component), for the audit trail. */
import { Type } from '@sinclair/typebox';
import { defineEvent } from './define.js';

/** A configuration change was applied. */
export const configChanged = defineEvent(
  'config.changed',
  'A configuration change was applied. Counts hft_config_changes_total; recorded in audit_config_changes.',
  {
    operator_id: Type.String({ minLength: 1, maxLength: 64, description: 'Who changed it.' }),
    config_hash: Type.String({ pattern: '^[0-9a-fA-F]{8,128}$', description: 'Hash of the new configuration.' }),
    previous_hash: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{8,128}$' })),
    key: Type.Optional(Type.String({ maxLength: 256, description: 'What changed.' })),
    diff: Type.Optional(Type.String({ maxLength: 65536, description: 'Unified diff or JSON patch.' })),
  },
  { component: 'risk_engine', operator_id: 'ops-jlin', config_hash: '9f2c1e7a44b0', previous_hash: '51d0aa3e9c12', key: 'limits.mm-2330.max_position', diff: '-5000\n+8000' },
);
