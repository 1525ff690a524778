/**
 * Alert thresholds as named constants with units. The alert rules, the dashboards (threshold
 * lines and colours) and the simulator's fault scenarios all use these, so a threshold changes in
 * one place. Figures come from the design card and the alerting issue (#4); where those are
 * silent, from the simulator's normal-day distributions with a wide margin (see each comment).
 */

/** Feed gap that pages: seconds without a tick while the session is open (issue 4: > 1 s for 5 s). */
export const FEED_GAP_CRITICAL_SECONDS = 1;
/** How long the feed gap must last before it pages, in seconds. */
export const FEED_GAP_FOR_SECONDS = 5;

/** Event bus fill level that pages (issue 4: > 0.8 for 10 s). Ratio 0-1. */
export const BUS_OCCUPANCY_CRITICAL_RATIO = 0.8;
/** How long the bus must stay above the critical level, in seconds. */
export const BUS_OCCUPANCY_CRITICAL_FOR_SECONDS = 10;
/** Bus fill level that warns (rising): normal days stay under 0.35 in the simulator. */
export const BUS_OCCUPANCY_WARNING_RATIO = 0.6;

/** Broker reject ratio (rejects / submissions over 1 m) that pages (issue 4: 5 %). */
export const ORDER_REJECT_RATIO_CRITICAL = 0.05;

/** API usage over its limit that warns. Ratio 0-1. */
export const API_USAGE_WARNING_RATIO = 0.8;
/** Order rate over its limit that warns. Ratio 0-1. */
export const ORDER_RATE_WARNING_RATIO = 0.8;

/** Strategy decision latency p99 that warns, in seconds (normal p99 is a few µs). */
export const STRATEGY_LATENCY_P99_WARNING_SECONDS = 100e-6;
/** Submit-to-ack latency p99 that warns, in seconds (normal p99 is about 1 ms). */
export const ORDER_ACK_LATENCY_P99_WARNING_SECONDS = 5e-3;
/** Tick latency p99 that warns, in seconds (normal p99 is about 0.6 ms). */
export const FEED_LATENCY_P99_WARNING_SECONDS = 5e-3;

/** Drawdown over the daily loss limit that warns. Ratio 0-1. */
export const DRAWDOWN_WARNING_RATIO = 0.5;
/** Drawdown over the daily loss limit that pages: close to the limit the risk engine enforces. */
export const DRAWDOWN_CRITICAL_RATIO = 0.8;

/** Seconds since the last matching reconciliation that warn (the engine reconciles every 5 s). */
export const RECONCILIATION_LAG_WARNING_SECONDS = 60;

/** Spool use over its size bound that warns: time to fix the store before intake pauses at 100 %. Ratio 0-1. */
export const RECORDER_SPOOL_WARNING_RATIO = 0.8;

/** Recorder rows waiting that warn (a normal batch is about 1,000 rows a second). */
export const RECORDER_QUEUE_WARNING_ROWS = 10_000;

/** Ingest rejects per second (5 m rate) that warn: a bad line every 10 s means an engine bug, not noise. */
export const INGEST_REJECTS_WARNING_PER_SECOND = 0.1;

/**
 * Host CPU idle ratio (average over cores, 2 m rate) under which the host counts as saturated.
 * Average, not per core: an engine that busy-polls on isolated cores keeps those at 100 % on a
 * normal day. Ratio 0-1.
 */
export const HOST_CPU_IDLE_WARNING_RATIO = 0.1;
/** How long the host CPU must stay saturated before it warns, in seconds. */
export const HOST_CPU_FOR_SECONDS = 300;

/** MemAvailable over MemTotal under which memory pressure warns (the kernel starts reclaiming hard). Ratio 0-1. */
export const HOST_MEMORY_AVAILABLE_WARNING_RATIO = 0.1;
/** MemAvailable over MemTotal under which memory pressure pages (the OOM killer is next). Ratio 0-1. */
export const HOST_MEMORY_AVAILABLE_CRITICAL_RATIO = 0.05;

/** Free-space share under which a filesystem that is also predicted to fill warns. Ratio 0-1. */
export const HOST_DISK_FILLING_AVAILABLE_RATIO = 0.2;
/** How far ahead the disk-filling prediction looks, in seconds (4 h: time to act during a session). */
export const HOST_DISK_FILLING_HORIZON_SECONDS = 4 * 3600;
/** Free-space share under which a filesystem pages whatever its trend. Ratio 0-1. */
export const HOST_DISK_AVAILABLE_CRITICAL_RATIO = 0.05;

/** NIC receive plus transmit errors per second (5 m rate) that warn: a healthy NIC has none. */
export const HOST_NIC_ERRORS_PER_SECOND_WARNING = 0.1;
/** Dropped over received-plus-sent packets (5 m rates) that warns. Ratio 0-1. */
export const HOST_NIC_DROP_RATIO_WARNING = 0.01;

/** Seconds ClickHouse must be unavailable before it pages (the recorder spools meanwhile). */
export const CLICKHOUSE_DOWN_FOR_SECONDS = 120;
/**
 * Active parts in one partition that warn. ClickHouse delays inserts at parts_to_delay_insert (150)
 * and refuses them at parts_to_throw_insert (300); this warns before the delays start.
 */
export const CLICKHOUSE_PARTS_WARNING = 100;
/** Age of the oldest pending mutation that warns, in seconds (a mutation of an audit table takes seconds to minutes). */
export const CLICKHOUSE_MUTATION_STUCK_SECONDS = 1800;
/** Free share of a ClickHouse disk that warns. Ratio 0-1. */
export const CLICKHOUSE_DISK_FREE_WARNING_RATIO = 0.15;
/** Free share of a ClickHouse disk that pages (merges need free space; inserts fail when it runs out). Ratio 0-1. */
export const CLICKHOUSE_DISK_FREE_CRITICAL_RATIO = 0.05;
