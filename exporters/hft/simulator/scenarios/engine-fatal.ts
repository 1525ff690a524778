import { faultScenario } from './types.js';

/** A strategy process crashes: one fatal log line. */
export const engineFatal = faultScenario({
  name: 'engine-fatal',
  description: 'A strategy process crashes and the engine logs it at fatal level (one line); the engine restarts it.',
  alert: 'EngineFatal',
  faultFor: 5,
  faults: () => ({ fatalLog: true }),
});
