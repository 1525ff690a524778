import { faultScenario } from './types.js';

/** The audit store refuses writes. */
export const recorderFailure = faultScenario({
  name: 'recorder-failure',
  description: "The engine's recorder cannot write to its store for 40 s: write failures, store down, queue and spool grow.",
  alert: 'RecorderWriteFailures',
  related: ['RecorderQueueBacklog', 'EngineErrorsRising'],
  faultFor: 40,
  faults: () => ({ recorderFailing: true }),
});
