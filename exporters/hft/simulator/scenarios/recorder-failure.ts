import { faultScenario } from './types.js';

/** The audit store refuses writes. */
export const recorderFailure = faultScenario({
  name: 'recorder-failure',
  description: "The engine's recorder cannot write to its store for 40 s: write failures, store down, queue and spool grow.",
  alert: 'RecorderWriteFailures',
  // Every failed write spends the audit durability SLO's budget: its page and ticket burn.
  related: ['RecorderQueueBacklog', 'EngineErrorsRising', 'AuditDurabilitySloFastBurn', 'AuditDurabilitySloSlowBurn'],
  faultFor: 40,
  faults: () => ({ recorderFailing: true }),
});
