/** The engine's liveness (any component; `monitor` by convention). */
import { Type } from '@sinclair/typebox';
import { defineEvent } from './define.js';

/**
 * The engine is alive. Engines send one every second, trading or not, so that a silent engine is
 * told apart from a quiet market: the exporter reports the heartbeat's age, and a missed heartbeat
 * sets `hft_engine_up` to 0 at any hour (see the EngineSilent alert).
 */
export const engineHeartbeat = defineEvent(
  'engine.heartbeat',
  'The engine is alive (one a second). Sets hft_engine_heartbeat_timestamp_seconds; a heartbeat older than the exporter\'s timeout (default 5 s) sets hft_engine_up to 0 at any hour.',
  {
    interval_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000, description: 'How often the engine sends heartbeats, in milliseconds (default 1000).' })),
    seq: Type.Optional(Type.Integer({ minimum: 0, description: 'Heartbeats sent since the engine started.' })),
  },
  { component: 'monitor', interval_ms: 1000, seq: 86400 },
);
