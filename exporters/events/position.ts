/** Positions (component `monitor`): per strategy and symbol, for exposure and the top positions. */
import { Type } from '@sinclair/typebox';
import { defineEvent, Name } from './define.js';

/** A strategy's position in one instrument. */
export const positionSnapshot = defineEvent(
  'position.snapshot',
  'A strategy\'s position in one instrument. Feeds hft_exposure_net and the top-K hft_position_notional (symbol labels limited to those K); a change past the configured bound is an anomaly (position_jump).',
  {
    strategy: Name('Strategy name.'),
    symbol: Type.String({ minLength: 1, maxLength: 32, description: 'The instrument (a label only among the top K).' }),
    quantity: Type.Number({ description: 'Signed: positive long, negative short.' }),
    notional: Type.Number({ description: 'Signed market value in account currency.' }),
    price: Type.Optional(Type.Number({ minimum: 0, description: 'Mark price.' })),
  },
  { component: 'monitor', strategy: 'mm-2330', symbol: '2330', quantity: 2000, notional: 2030000, price: 1015 },
);
