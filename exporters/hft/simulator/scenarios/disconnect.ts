import { faultScenario } from './types.js';

/** The broker order-entry session drops and comes back. */
export const disconnect = faultScenario({
  name: 'disconnect',
  description: 'The broker order-entry gateway disconnects; no orders go out until it reconnects.',
  alert: 'GatewayDisconnected',
  faultFor: 30,
  faults: () => ({ downGateways: ['broker-a'] }),
});
