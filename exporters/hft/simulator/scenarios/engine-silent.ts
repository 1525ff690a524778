import { ENGINE_HEARTBEAT_TIMEOUT_SECONDS, ENGINE_SILENT_AFTER_SECONDS } from '../../../catalog/engine.js';
import { ENGINE_SILENT_FOR_SECONDS } from '../../../../alert-rules/thresholds.js';
import { faultScenario } from './types.js';

/** The engine stops writing mid-session: no events, no logs, no heartbeat. */
export const engineSilent = faultScenario({
  name: 'engine-silent',
  description: 'The engine stops writing mid-session (hung, or its log pipe broke): no events, no heartbeat; it comes back after the fault.',
  alert: 'EngineSilent',
  // Every feed goes quiet with it: FeedGap leaves out an instance whose engine is down, and EngineSilent
  // inhibits a FeedGap already firing; it may still fire in the seconds before the engine counts as silent.
  // The exporter counts the silence as gap seconds on every feed (it cannot tell a silent engine from
  // silent feeds), so the feed availability SLO burns too.
  related: ['FeedGap', 'FeedAvailabilitySloFastBurn', 'FeedAvailabilitySloSlowBurn'],
  faultFor: Math.max(ENGINE_SILENT_AFTER_SECONDS, ENGINE_HEARTBEAT_TIMEOUT_SECONDS) + ENGINE_SILENT_FOR_SECONDS + 25,
  faults: () => ({ silent: true }),
});
