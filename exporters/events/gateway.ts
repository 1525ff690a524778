/** Gateway sessions and broker API usage (components `market_data`, `order_adapter`). */
import { Type } from '@sinclair/typebox';
import { GATEWAY_KINDS } from '../catalog/enums.js';
import { defineEvent, Name, NonNeg, oneOf } from './define.js';

const gw = { gateway: Name('Gateway name (configured list).'), kind: oneOf(GATEWAY_KINDS, 'What the session carries.') };

/** The gateway session is up. */
export const gatewayConnect = defineEvent('gateway.connect', 'A gateway session connected. Sets hft_gateway_connected to 1.', gw, {
  component: 'order_adapter',
  gateway: 'broker-a',
  kind: 'order_entry',
});

/** The gateway session is down. */
export const gatewayDisconnect = defineEvent(
  'gateway.disconnect',
  'A gateway session dropped. Sets hft_gateway_connected to 0.',
  { ...gw, reason: Type.Optional(Type.String({ maxLength: 256 })) },
  { component: 'order_adapter', gateway: 'broker-a', kind: 'order_entry', reason: 'heartbeat timeout', level: 'error' },
);

/** The gateway session came back after a drop. */
export const gatewayReconnect = defineEvent(
  'gateway.reconnect',
  'A gateway session reconnected after a drop. Sets hft_gateway_connected to 1 and counts hft_gateway_reconnects_total.',
  { ...gw, attempt: Type.Optional(Type.Integer({ minimum: 1 })) },
  { component: 'order_adapter', gateway: 'broker-a', kind: 'order_entry', attempt: 2, level: 'warn' },
);

/** Broker API rate-limit usage in the current window. */
export const apiUsage = defineEvent(
  'api.usage',
  'Broker API usage in the current rate-limit window. Sets hft_api_usage_requests and hft_api_limit_requests.',
  { api: Name('API name.'), used: NonNeg('Requests used in the window.'), limit: NonNeg('Requests allowed per window.'), window_s: Type.Optional(NonNeg('Window length in seconds.')) },
  { component: 'order_adapter', api: 'broker-a-rest', used: 112, limit: 500, window_s: 10 },
);
