/** Every simulator scenario by name. */
import { apiLimit } from './api-limit.js';
import { busOverflow } from './bus-overflow.js';
import { disconnect } from './disconnect.js';
import { drawdown } from './drawdown.js';
import { engineErrors } from './engine-errors.js';
import { engineFatal } from './engine-fatal.js';
import { engineSilent } from './engine-silent.js';
import { feedGap } from './feed-gap.js';
import { latencySpike } from './latency-spike.js';
import { loginAttack } from './login-attack.js';
import { modelDrift } from './model-drift.js';
import { normal } from './normal.js';
import { positionJump } from './position-jump.js';
import { reconciliationLag } from './reconciliation-lag.js';
import { recorderFailure } from './recorder-failure.js';
import { rejectSpike } from './reject-spike.js';
import { serviceCrash } from './service-crash.js';
import { slippageOutlier } from './slippage-outlier.js';
import { stormHalt } from './storm-halt.js';
import { stormWarm } from './storm-warm.js';
import type { Scenario } from './types.js';

export type { Faults, Scenario } from './types.js';

/** Scenarios in documentation order. */
export const SCENARIOS: readonly Scenario[] = [
  normal,
  feedGap,
  disconnect,
  busOverflow,
  stormWarm,
  stormHalt,
  rejectSpike,
  latencySpike,
  drawdown,
  apiLimit,
  reconciliationLag,
  recorderFailure,
  engineErrors,
  engineFatal,
  engineSilent,
  serviceCrash,
  loginAttack,
  slippageOutlier,
  modelDrift,
  positionJump,
];

/**
 * The scenario with this name.
 * @throws Error listing the known names
 */
export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario '${name}'; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
