/** StormGuard: the engine's per-strategy circuit breaker (NORMAL, WARM, STORM, HALT). */
import { STORMGUARD_MODES } from './enums.js';
import { counter, gauge } from './types.js';

const domain = 'stormguard';

/** Numeric value of each StormGuard mode in `hft_stormguard_mode`. */
export const STORMGUARD_MODE_VALUE = { NORMAL: 0, WARM: 1, STORM: 2, HALT: 3 } as const satisfies Record<
  (typeof STORMGUARD_MODES)[number],
  number
>;

/** Current StormGuard mode per strategy: 0 NORMAL, 1 WARM, 2 STORM, 3 HALT. */
export const stormguardMode = gauge({
  name: 'hft_stormguard_mode',
  help: 'Current StormGuard mode of the strategy: 0 NORMAL, 1 WARM, 2 STORM, 3 HALT.',
  unit: 'state',
  labels: { strategy: 'open' },
  valueMap: { 0: 'NORMAL', 1: 'WARM', 2: 'STORM', 3: 'HALT' },
  maxSeries: 100,
  domain,
  freshness: 'engine',
});

/** StormGuard transitions, by source and target mode. */
export const stormguardTransitionsTotal = counter({
  name: 'hft_stormguard_transitions_total',
  help: 'StormGuard mode transitions of a strategy, by source and target mode.',
  unit: 'count',
  labels: { strategy: 'open', from: STORMGUARD_MODES, to: STORMGUARD_MODES },
  maxSeries: 2000,
  domain,
});
