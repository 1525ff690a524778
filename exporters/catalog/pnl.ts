/** PnL and exposure metrics, from the engine's periodic snapshots (account currency). */
import { gauge } from './types.js';

const domain = 'pnl';
const strategy = { strategy: 'open' } as const;

/** Realized PnL since the session start. */
export const pnlRealized = gauge({
  name: 'hft_pnl_realized',
  help: 'Realized profit and loss since the start of the trading day, in account currency.',
  unit: 'currency',
  labels: strategy,
  maxSeries: 100,
  domain,
  freshness: 'engine',
});

/** Unrealized (mark-to-market) PnL of open positions. */
export const pnlUnrealized = gauge({
  name: 'hft_pnl_unrealized',
  help: 'Unrealized mark-to-market profit and loss of open positions, in account currency.',
  unit: 'currency',
  labels: strategy,
  maxSeries: 100,
  domain,
  freshness: 'engine',
});

/** Drawdown: peak-to-current fall of total PnL today, never negative. */
export const pnlDrawdown = gauge({
  name: 'hft_pnl_drawdown',
  help: 'Fall of total PnL from its intraday peak, in account currency; 0 at a new peak.',
  unit: 'currency',
  labels: strategy,
  maxSeries: 100,
  domain,
  freshness: 'engine',
});

/** The configured daily loss limit, for drawdown-versus-limit alerts. */
export const dailyLossLimit = gauge({
  name: 'hft_daily_loss_limit',
  help: 'Configured daily loss limit of the strategy, in account currency.',
  unit: 'currency',
  labels: strategy,
  maxSeries: 100,
  domain,
  freshness: 'engine',
});

/** Gross exposure: |long| + |short|. */
export const exposureGross = gauge({
  name: 'hft_exposure_gross',
  help: 'Gross exposure (long plus absolute short market value), in account currency.',
  unit: 'currency',
  labels: strategy,
  maxSeries: 100,
  domain,
  freshness: 'engine',
});

/** Long market value. */
export const exposureLong = gauge({
  name: 'hft_exposure_long',
  help: 'Market value of long positions, in account currency.',
  unit: 'currency',
  labels: strategy,
  maxSeries: 100,
  domain,
  freshness: 'engine',
});

/** Absolute short market value. */
export const exposureShort = gauge({
  name: 'hft_exposure_short',
  help: 'Absolute market value of short positions, in account currency.',
  unit: 'currency',
  labels: strategy,
  maxSeries: 100,
  domain,
  freshness: 'engine',
});

/** Gross exposure over equity. */
export const leverageRatio = gauge({
  name: 'hft_leverage_ratio',
  help: 'Gross exposure divided by account equity.',
  unit: 'ratio',
  labels: strategy,
  maxSeries: 100,
  domain,
  freshness: 'engine',
});
