/** Reconciliation with the broker (component `monitor`). */
import { Type } from '@sinclair/typebox';
import { RECONCILIATION_RESULTS } from '../catalog/enums.js';
import { defineEvent, Name, oneOf } from './define.js';

/** One reconciliation run. */
export const reconciliationResult = defineEvent(
  'reconciliation.result',
  'A reconciliation of positions against the broker. Counts hft_reconciliation_runs_total; a match resets hft_reconciliation_lag_seconds, which otherwise grows with time.',
  { account: Name('Account.'), result: oneOf(RECONCILIATION_RESULTS), mismatches: Type.Optional(Type.Integer({ minimum: 0 })) },
  { component: 'monitor', account: 'acct-1', result: 'match', mismatches: 0 },
);
