/**
 * The audit recorder's Redis hot state (seed 000: real-time state in Redis with a 7-day expiry,
 * `tickwatch recorder --redis-url`; the keys and structures are documented in
 * `exporters/recorder/redis.ts`). Redis is a cache beside the store of record: these metrics say
 * whether it is reachable and what it did not get, never that an audit row was lost.
 * Served only by a recorder started with `--redis-url`.
 */
import { counter, gauge } from './types.js';

const domain = 'redis';
const exportedBy = ['recorder'] as const;

/**
 * The hot-state structures the recorder writes (the `structure` label): the stream of recent trade
 * executions and the hashes of open anomalies and open alerts.
 */
export const REDIS_STRUCTURES = ['trade_executions', 'anomalies_open', 'alerts_open'] as const;

/**
 * Why a hot-state write was dropped (the `reason` label): `down` (Redis unreachable or not
 * answering when the write was due), `queue_full` (the bounded in-memory queue was full and the
 * oldest write made room), `error` (Redis answered the command with an error).
 */
export const REDIS_DROP_REASONS = ['down', 'queue_full', 'error'] as const;

/** 1 while the recorder's Redis connection is ready and answering, 0 while it is down or stalled. */
export const recorderRedisUp = gauge({
  name: 'hft_recorder_redis_up',
  help: "Whether the recorder's Redis hot state is reachable and answering (1) or not (0); the audit store keeps recording either way.",
  unit: 'boolean',
  domain,
  exportedBy,
});

/** Hot-state writes Redis acknowledged, by structure (an entry added, an open item set or removed). */
export const recorderRedisWritesTotal = counter({
  name: 'hft_recorder_redis_writes_total',
  help: 'Writes to the Redis hot state that Redis acknowledged, by structure (a stream entry added, an open item set or removed).',
  unit: 'count',
  labels: { structure: REDIS_STRUCTURES },
  domain,
  exportedBy,
});

/** Hot-state writes dropped, by reason; the audit store has every row all the same. */
export const recorderRedisDroppedTotal = counter({
  name: 'hft_recorder_redis_dropped_total',
  help: 'Writes to the Redis hot state dropped (down, queue_full, error); the audit store keeps every row, Redis only misses them.',
  unit: 'count',
  labels: { reason: REDIS_DROP_REASONS },
  domain,
  exportedBy,
});
