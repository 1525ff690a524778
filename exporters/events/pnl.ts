/** PnL and exposure snapshots (component `monitor`). */
import { Type } from '@sinclair/typebox';
import { defineEvent, Name, NonNeg } from './define.js';

/** Periodic PnL and exposure of one strategy, in account currency. */
export const pnlSnapshot = defineEvent(
  'pnl.snapshot',
  'PnL and exposure of a strategy in account currency. Sets the hft_pnl_*, hft_exposure_* and hft_leverage_ratio gauges; drawdown is derived from the intraday peak when the engine does not send it.',
  {
    strategy: Name('Strategy name.'),
    realized: Type.Number({ description: 'Realized PnL today.' }),
    unrealized: Type.Number({ description: 'Mark-to-market PnL of open positions.' }),
    drawdown: Type.Optional(NonNeg('Fall from the intraday peak of total PnL.')),
    daily_loss_limit: Type.Optional(NonNeg('Configured daily loss limit.')),
    exposure_long: NonNeg('Market value of longs.'),
    exposure_short: NonNeg('Absolute market value of shorts.'),
    equity: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Account equity, for leverage.' })),
    leverage: Type.Optional(NonNeg('Gross exposure / equity, when the engine computes it.')),
  },
  { component: 'monitor', strategy: 'mm-2330', realized: 18250, unrealized: -3200, daily_loss_limit: 500000, exposure_long: 2030000, exposure_short: 1015000, equity: 20000000 },
);
