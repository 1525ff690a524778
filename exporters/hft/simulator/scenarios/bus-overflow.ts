import { BUS_OCCUPANCY_CRITICAL_FOR_SECONDS } from '../../../../alert-rules/thresholds.js';
import { faultScenario } from './types.js';

/** The event bus fills up and drops events. */
export const busOverflow = faultScenario({
  name: 'bus-overflow',
  description: 'The market-data bus fills to 95 % and overflows, dropping events every second.',
  alert: 'BusOverflow',
  related: ['BusOccupancyCritical', 'BusOccupancyRising', 'EngineErrorsRising'],
  faultFor: BUS_OCCUPANCY_CRITICAL_FOR_SECONDS + 25,
  faults: () => ({ busOccupancy: 0.95, busOverflowPerSecond: 120 }),
});
