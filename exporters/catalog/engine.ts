/**
 * The engine's liveness, as the HFT exporter sees it: whether events keep arriving, and the age of
 * the engine's heartbeat (`engine.heartbeat`, one a second). While the engine is silent the
 * exporter sets `hft_engine_up` to 0 and stops serving the gauges that hold the engine's last
 * reported values (those marked `freshness: 'engine'`), so a scrape never shows a stale value as
 * current; counters stay (their rates fall to 0) and time-derived gauges (feed gap, reconciliation
 * lag) keep growing.
 */
import { counter, gauge } from './types.js';

const domain = 'engine';

/**
 * Default seconds without any event, while the trading session is open, after which the engine
 * counts as silent (issue 13: "no event from the engine for a configured time (default 10 s) while
 * the session is open"). The exporter's `--engine-silent-after` overrides it.
 */
export const ENGINE_SILENT_AFTER_SECONDS = 10;

/**
 * Default heartbeat age in seconds past which the engine counts as silent at any hour, once it has
 * sent a heartbeat: five missed heartbeats at the engine's one a second. The exporter's
 * `--heartbeat-timeout` overrides it.
 */
export const ENGINE_HEARTBEAT_TIMEOUT_SECONDS = 5;

/** 1 while the engine is heard from, 0 while it is silent. */
export const engineUp = gauge({
  name: 'hft_engine_up',
  help: 'Whether the engine is heard from (1): an event within the silence limit while the session is open, and a heartbeat within its timeout once heartbeats were seen; 0 while it is silent.',
  unit: 'boolean',
  domain,
});

/** Seconds since the newest event of any type, on the exporter's clock. */
export const engineSilenceSeconds = gauge({
  name: 'hft_engine_silence_seconds',
  help: 'Seconds since the newest event from the engine arrived (counted from the exporter start before the first one).',
  unit: 'seconds',
  domain,
});

/** Seconds since the newest heartbeat; absent until the first. */
export const engineHeartbeatAgeSeconds = gauge({
  name: 'hft_engine_heartbeat_age_seconds',
  help: 'Seconds since the newest engine.heartbeat event arrived; absent until the first heartbeat.',
  unit: 'seconds',
  domain,
});

/** Heartbeats received. */
export const engineHeartbeatsTotal = counter({
  name: 'hft_engine_heartbeats_total',
  help: 'Heartbeat events (engine.heartbeat) received from the engine.',
  unit: 'events',
  domain,
});
