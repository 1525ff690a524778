/** Market session state from the trading calendar. */
import { COMPONENTS } from './enums.js';
import { counter, gauge } from './types.js';

/** 1 while the exchange's trading session is open (calendar: time zone, sessions, holidays). */
export const marketSessionOpen = gauge({
  name: 'hft_market_session_open',
  help: 'Whether the exchange trading session is open (1) or closed (0) per the trading calendar.',
  unit: 'boolean',
  labels: { exchange: 'open' },
  maxSeries: 20,
  domain: 'session',
});

/** Configuration changes applied in the engine (each one is in the audit trail). */
export const configChangesTotal = counter({
  name: 'hft_config_changes_total',
  help: 'Configuration changes applied in the trading engine, by component.',
  unit: 'count',
  labels: { component: COMPONENTS },
  domain: 'session',
});
