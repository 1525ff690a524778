/**
 * Alert thresholds as named constants with units. The alert rules, the dashboards (threshold
 * lines and colours) and the simulator's fault scenarios all use these, so a threshold changes in
 * one place. Figures come from the design card and the alerting issue (#4); where those are
 * silent, from the simulator's normal-day distributions with a wide margin (see each comment).
 *
 * A `*_FOR_SECONDS` constant is how long a condition must hold before its alert fires (the rule's
 * `for:`), in seconds. Holds marked *as written* have no design figure: they are the `for:` the rule
 * was first written with, kept here so that the rule, its description and its runbook name one figure.
 * Alert descriptions and runbooks are built from these constants (`alert-rules/<family>.ts`, and the
 * `<!--T:...-->` markers in `runbooks/*.md` that `npm run build:rules` renders).
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
/** How long the bus must stay above the warning level before it warns, in seconds (as written). */
export const BUS_OCCUPANCY_WARNING_FOR_SECONDS = 30;

/** Broker reject ratio (rejects / submissions over 1 m) that pages (issue 4: 5 %). */
export const ORDER_REJECT_RATIO_CRITICAL = 0.05;
/** How long the reject ratio must stay above the critical level before it pages, in seconds (as written). */
export const ORDER_REJECT_RATIO_FOR_SECONDS = 15;

/** API usage over its limit that warns. Ratio 0-1. */
export const API_USAGE_WARNING_RATIO = 0.8;
/** How long API usage must stay above the warning level before it warns, in seconds (as written). */
export const API_USAGE_FOR_SECONDS = 30;
/** Order rate over its limit that warns. Ratio 0-1. */
export const ORDER_RATE_WARNING_RATIO = 0.8;
/** How long the order rate must stay above the warning level before it warns, in seconds (as written). */
export const ORDER_RATE_FOR_SECONDS = 30;

/** Strategy decision latency p99 that warns, in seconds (normal p99 is a few µs). */
export const STRATEGY_LATENCY_P99_WARNING_SECONDS = 100e-6;
/** How long strategy decision latency p99 must stay above the warning before it warns, in seconds (as written). */
export const STRATEGY_LATENCY_FOR_SECONDS = 30;
/** Submit-to-ack latency p99 that warns, in seconds (normal p99 is about 1 ms). */
export const ORDER_ACK_LATENCY_P99_WARNING_SECONDS = 5e-3;
/** How long submit-to-ack latency p99 must stay above the warning before it warns, in seconds (as written). */
export const ORDER_ACK_LATENCY_FOR_SECONDS = 30;
/** Tick latency p99 that warns, in seconds (normal p99 is about 0.6 ms). */
export const FEED_LATENCY_P99_WARNING_SECONDS = 5e-3;
/** How long tick latency p99 must stay above the warning before it warns, in seconds (as written). */
export const FEED_LATENCY_FOR_SECONDS = 30;

/** How long a gateway session must stay disconnected before it pages, in seconds (as written). */
export const GATEWAY_DISCONNECTED_FOR_SECONDS = 5;

/** How long StormGuard must hold a strategy in STORM before it warns, in seconds (as written; HALT pages at once). */
export const STORMGUARD_STORM_FOR_SECONDS = 5;
/** How long StormGuard must hold a strategy in WARM before it warns, in seconds (as written). */
export const STORMGUARD_WARM_FOR_SECONDS = 15;

/** Drawdown over the daily loss limit that warns. Ratio 0-1. */
export const DRAWDOWN_WARNING_RATIO = 0.5;
/** Drawdown over the daily loss limit that pages: close to the limit the risk engine enforces. */
export const DRAWDOWN_CRITICAL_RATIO = 0.8;
/** How long drawdown must stay above either level before its alert fires, in seconds (as written). */
export const DRAWDOWN_FOR_SECONDS = 10;

/** Seconds since the last matching reconciliation that warn (the engine reconciles every 5 s). */
export const RECONCILIATION_LAG_WARNING_SECONDS = 60;
/** How long the reconciliation lag must stay above the warning before it warns, in seconds (as written). */
export const RECONCILIATION_LAG_FOR_SECONDS = 30;

/** Spool use over its size bound that warns: time to fix the store before intake pauses at 100 %. Ratio 0-1. */
export const RECORDER_SPOOL_WARNING_RATIO = 0.8;
/** How long the spool must stay above the warning level before it warns, in seconds (as written). */
export const RECORDER_SPOOL_FOR_SECONDS = 60;

/** Recorder rows waiting that warn (a normal batch is about 1,000 rows a second). */
export const RECORDER_QUEUE_WARNING_ROWS = 10_000;
/** How long the recorder queue must stay above the warning before it warns, in seconds (as written). */
export const RECORDER_QUEUE_FOR_SECONDS = 120;

/**
 * Error-level log lines per second (every accepted line, 1 m rate) that warn: a normal session logs an
 * error every few minutes (the simulator: about 0.004/s); 12 a minute is an engine in trouble.
 */
export const ENGINE_ERRORS_WARNING_PER_SECOND = 0.2;
/** How long the error rate must stay above its threshold before it warns, in seconds. */
export const ENGINE_ERRORS_FOR_SECONDS = 30;

/**
 * How long the engine must stay silent (`hft_engine_up` 0: no event for the exporter's silence limit,
 * default 10 s, while the session is open, or no heartbeat for its timeout, default 5 s) before it
 * pages, in seconds: the exporter's limits already wait; this only rides out one late scrape.
 */
export const ENGINE_SILENT_FOR_SECONDS = 5;

/**
 * Seconds the recorder may be behind a file it tails before it warns (the log shipper's status,
 * seed 004): it seals a batch every second, so 30 s behind is a stalled or overloaded recorder.
 */
export const RECORDER_TAIL_LAG_WARNING_SECONDS = 30;
/** How long the recorder must stay behind before it warns, in seconds. */
export const RECORDER_TAIL_LAG_FOR_SECONDS = 60;

/** Ingest rejects per second (5 m rate) that warn: a bad line every 10 s means an engine bug, not noise. */
export const INGEST_REJECTS_WARNING_PER_SECOND = 0.1;
/** How long ingest rejects must stay above the warning rate before it warns, in seconds (as written). */
export const INGEST_REJECTS_FOR_SECONDS = 120;

/** How long Prometheus must fail to scrape a tickwatch exporter before it pages, in seconds (as written). */
export const EXPORTER_TARGET_DOWN_FOR_SECONDS = 30;

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
/** How long available memory must stay under the warning level before it warns, in seconds (as written). */
export const HOST_MEMORY_WARNING_FOR_SECONDS = 120;
/** How long available memory must stay under the critical level before it pages, in seconds (as written). */
export const HOST_MEMORY_CRITICAL_FOR_SECONDS = 60;

/** Free-space share under which a filesystem that is also predicted to fill warns. Ratio 0-1. */
export const HOST_DISK_FILLING_AVAILABLE_RATIO = 0.2;
/** How far ahead the disk-filling prediction looks, in seconds (4 h: time to act during a session). */
export const HOST_DISK_FILLING_HORIZON_SECONDS = 4 * 3600;
/** Free-space share under which a filesystem pages whatever its trend. Ratio 0-1. */
export const HOST_DISK_AVAILABLE_CRITICAL_RATIO = 0.05;
/** How long a filesystem must be predicted to fill before it warns, in seconds (as written). */
export const HOST_DISK_FILLING_FOR_SECONDS = 300;
/** How long a filesystem must stay under the critical free share before it pages, in seconds (as written). */
export const HOST_DISK_CRITICAL_FOR_SECONDS = 120;

/** NIC receive plus transmit errors per second (5 m rate) that warn: a healthy NIC has none. */
export const HOST_NIC_ERRORS_PER_SECOND_WARNING = 0.1;
/** Dropped over received-plus-sent packets (5 m rates) that warns. Ratio 0-1. */
export const HOST_NIC_DROP_RATIO_WARNING = 0.01;
/** How long NIC errors must stay above the warning rate before it warns, in seconds (as written). */
export const HOST_NIC_ERRORS_FOR_SECONDS = 120;
/** How long the NIC drop ratio must stay above the warning before it warns, in seconds (as written). */
export const HOST_NIC_DROPS_FOR_SECONDS = 300;

/** Seconds ClickHouse must be unavailable before it pages (the recorder spools meanwhile). */
export const CLICKHOUSE_DOWN_FOR_SECONDS = 120;
/**
 * Active parts in one partition that warn: before ClickHouse delays inserts
 * ({@link CLICKHOUSE_PARTS_TO_DELAY_INSERT}) or refuses them ({@link CLICKHOUSE_PARTS_TO_THROW_INSERT}).
 */
export const CLICKHOUSE_PARTS_WARNING = 100;
/** How long a partition must have too many parts before it warns, in seconds (as written). */
export const CLICKHOUSE_PARTS_FOR_SECONDS = 300;
/**
 * Active parts in one partition at which ClickHouse delays inserts: the MergeTree setting
 * `parts_to_delay_insert`, at its default before ClickHouse 23.6 (1000 since). Not an alert
 * threshold of ours; the descriptions and runbooks name it. Set it to your servers' value.
 */
export const CLICKHOUSE_PARTS_TO_DELAY_INSERT = 150;
/**
 * Active parts in one partition at which ClickHouse refuses inserts ("Too many parts"): the MergeTree
 * setting `parts_to_throw_insert`, at its default before ClickHouse 23.6 (3000 since). Set it to your
 * servers' value.
 */
export const CLICKHOUSE_PARTS_TO_THROW_INSERT = 300;
/** How long inserts must keep being delayed before it warns, in seconds (as written). */
export const CLICKHOUSE_DELAYED_INSERTS_FOR_SECONDS = 60;
/** Age of the oldest pending mutation that warns, in seconds (a mutation of an audit table takes seconds to minutes). */
export const CLICKHOUSE_MUTATION_STUCK_SECONDS = 1800;
/** How long a mutation must keep failing before it warns, in seconds (as written). */
export const CLICKHOUSE_MUTATION_FAILING_FOR_SECONDS = 300;
/** How long the oldest pending mutation must stay past its age limit before it warns, in seconds (as written). */
export const CLICKHOUSE_MUTATION_STUCK_FOR_SECONDS = 300;
/** Free share of a ClickHouse disk that warns. Ratio 0-1. */
export const CLICKHOUSE_DISK_FREE_WARNING_RATIO = 0.15;
/** Free share of a ClickHouse disk that pages (merges need free space; inserts fail when it runs out). Ratio 0-1. */
export const CLICKHOUSE_DISK_FREE_CRITICAL_RATIO = 0.05;
/** How long a ClickHouse disk must stay under the warning free share before it warns, in seconds (as written). */
export const CLICKHOUSE_DISK_WARNING_FOR_SECONDS = 300;
/** How long a ClickHouse disk must stay under the critical free share before it pages, in seconds (as written). */
export const CLICKHOUSE_DISK_CRITICAL_FOR_SECONDS = 60;

/**
 * Divergence of the clock from UTC that pages (ClockOffsetCritical), in seconds: 100 µs, MiFID II
 * RTS 25 (Commission Delegated Regulation (EU) 2017/574), Art. 3 and the Annex's Table 2: a member
 * or participant of a trading venue that uses high-frequency algorithmic trading keeps its business
 * clocks within 100 µs of UTC, timestamps at 1 µs or finer (Art. 4: traceable to UTC, and shown).
 * The host exporter's synchronisation log (`clock.sync` system events, FINRA Rule 4590's log of
 * synchronisations and drift beyond tolerance) uses the same bound.
 */
export const CLOCK_OFFSET_CRITICAL_SECONDS = 100e-6;
/** Divergence that warns (ClockOffsetHigh), in seconds: half the RTS 25 bound, time to act before a breach (as written). */
export const CLOCK_OFFSET_WARNING_SECONDS = 50e-6;
/** How long the offset must stay past the critical bound before it pages, in seconds (as written: a few scrapes, so one noisy sample does not page). */
export const CLOCK_OFFSET_CRITICAL_FOR_SECONDS = 10;
/** How long the offset must stay past the warning bound before it warns, in seconds (as written). */
export const CLOCK_OFFSET_WARNING_FOR_SECONDS = 30;
/**
 * How long the clock must stay unsynchronised before it pages, in seconds (as written: chronyd
 * needs a few polls to select a source after it starts, and the kernel keeps `STA_UNSYNC` until then).
 */
export const CLOCK_UNSYNC_FOR_SECONDS = 120;

/**
 * Restarts of one service in 10 minutes above which it warns (ServiceRestartLoop): a service that
 * needs a fourth restart in 10 minutes is not staying up. systemd's default start limit (5 starts in
 * 10 s) only stops a tight loop; this catches the slow one a supervisor keeps feeding.
 */
export const SERVICE_RESTARTS_WARNING = 3;

/**
 * Adverse fill slippage p95 (5 m, from the signed histogram's buckets) that warns, as a ratio of the
 * intent price: 10 bp. The simulator's normal day sits at about 4 bp (slippage of σ 2 bp, p95
 * interpolated in the 1-5 bp bucket); 10 bp is the desk's execution-quality limit for liquid large caps.
 */
export const SLIPPAGE_P95_WARNING_RATIO = 0.001;
/** How long slippage p95 must stay above its warning before it warns, in seconds (as written). */
export const SLIPPAGE_HIGH_FOR_SECONDS = 60;
/**
 * Slippage of a single fill that pages (SlippageOutlier), as a ratio: 50 bp, 25 standard deviations
 * of a normal day's fills; a fill that far off is a wrong price, a stale reference or a runaway
 * order. It must be a bucket bound of `hft_fill_slippage_ratio` (the alert subtracts that bucket's
 * count from the `+Inf` one; test/hft/scenarios.test.ts checks it).
 */
export const SLIPPAGE_OUTLIER_CRITICAL_RATIO = 0.005;

/**
 * Anomaly detections in 10 minutes (every detector, every kind) above which it warns
 * (AnomalyRateRising): the engine's detectors find one about every five minutes on a normal day
 * (the simulator: 1 in 300 s), so more than 10 in 10 minutes is five times that.
 */
export const ANOMALY_DETECTIONS_WARNING = 10;

/**
 * A model's accuracy over its last outcomes (`hft_ai_accuracy_ratio`, the last 200) under which it
 * warns: no better than a coin for an up/down call. The simulator's model is right 65 % of the time.
 * Ratio 0-1.
 */
export const MODEL_ACCURACY_WARNING_RATIO = 0.5;
/** How long a model's accuracy must stay under its warning before it warns, in seconds (as written). */
export const MODEL_ACCURACY_FOR_SECONDS = 60;
/**
 * A model's median confidence over 10 minutes under which it warns: the model no longer believes its
 * own calls (the simulator's model: 0.6-0.9, median 0.75). Ratio 0-1.
 */
export const MODEL_CONFIDENCE_MEDIAN_WARNING_RATIO = 0.5;
/** How long the median confidence must stay under its warning before it warns, in seconds (as written). */
export const MODEL_CONFIDENCE_FOR_SECONDS = 60;
/**
 * Inference latency p99 (5 m) that warns, in seconds: a model on the decision path should answer in
 * well under a millisecond (the simulator's: median 80 µs, p99 about 180 µs).
 */
export const MODEL_INFERENCE_P99_WARNING_SECONDS = 1e-3;
/** How long inference p99 must stay above its warning before it warns, in seconds (as written). */
export const MODEL_INFERENCE_FOR_SECONDS = 120;

/**
 * How long the recorder's Redis hot state may be unreachable before it warns (RecorderRedisDown),
 * in seconds (as written): the client reconnects within about 2 s (its backoff's cap), so a Redis
 * restart passes silently; a minute without Redis is an outage that readers of the hot state notice.
 */
export const RECORDER_REDIS_DOWN_FOR_SECONDS = 60;

/**
 * How long the recorder may go without a successful retention clean-up before it warns
 * (RecorderCleanupMissed), in seconds (as written): it runs daily at 02:00 (seed 002), so a day
 * plus 2 hours of slack for a long run or a restart around 02:00; past it a run was missed.
 */
export const RECORDER_CLEANUP_MISSED_SECONDS = 26 * 3600;
/**
 * How long a missed or failed clean-up must last before it warns, in seconds (as written): a
 * recorder that starts without a successful run in the last day runs one at once (exporters/recorder/
 * cleanup.ts); 15 minutes lets that catch-up finish first.
 */
export const RECORDER_CLEANUP_FOR_SECONDS = 15 * 60;

/*
 * SLOs (alert-rules/slo.ts). Multiwindow, multi-burn-rate alerts after the Google SRE workbook,
 * chapter 5 "Alerting on SLOs" (https://sre.google/workbook/alerting-on-slos/), section 6 and its
 * table of recommended parameters, in Sloth's four-pair form: a pair fires when the error budget
 * burns faster than its factor over both its long and its short window. A burn rate of 1 spends the
 * budget in exactly the period; factor = share of the budget spent x period / long window.
 */

/**
 * The SLO period (error budget window), in seconds: 30 days. The burn-rate factors below are the
 * workbook's for 30 days (14.4 = 2 % of a 30-day budget in an hour) and Sloth's default period; a
 * month is also the desk's review cycle. The SLIs count events (orders, open seconds, batch
 * writes), so closed days add nothing: 30 days hold 20 to 22 sessions of a weekday market.
 */
export const SLO_PERIOD_SECONDS = 30 * 86_400;
/** Page, fast pair: burn-rate factor (2 % of the 30-day budget in 1 h; workbook table, row 1). */
export const SLO_PAGE_FAST_BURN_RATE = 14.4;
/** Page, fast pair: long window, in seconds (1 h). */
export const SLO_PAGE_FAST_LONG_WINDOW_SECONDS = 3600;
/** Page, fast pair: short window, in seconds (5 m: 1/12 of the long one, the workbook's ratio; it ends the page soon after the burn stops). */
export const SLO_PAGE_FAST_SHORT_WINDOW_SECONDS = 300;
/** Page, slow pair: burn-rate factor (5 % of the 30-day budget in 6 h; workbook table, row 2). */
export const SLO_PAGE_SLOW_BURN_RATE = 6;
/** Page, slow pair: long window, in seconds (6 h). */
export const SLO_PAGE_SLOW_LONG_WINDOW_SECONDS = 6 * 3600;
/** Page, slow pair: short window, in seconds (30 m). */
export const SLO_PAGE_SLOW_SHORT_WINDOW_SECONDS = 1800;
/** Ticket, fast pair: burn-rate factor (10 % of the 30-day budget in 1 d; Sloth's default ticket pair, between the workbook's rows). */
export const SLO_TICKET_FAST_BURN_RATE = 3;
/** Ticket, fast pair: long window, in seconds (1 d). */
export const SLO_TICKET_FAST_LONG_WINDOW_SECONDS = 86_400;
/** Ticket, fast pair: short window, in seconds (2 h). */
export const SLO_TICKET_FAST_SHORT_WINDOW_SECONDS = 7200;
/** Ticket, slow pair: burn-rate factor (10 % of the 30-day budget in 3 d; workbook table, row 3). */
export const SLO_TICKET_SLOW_BURN_RATE = 1;
/** Ticket, slow pair: long window, in seconds (3 d). */
export const SLO_TICKET_SLOW_LONG_WINDOW_SECONDS = 3 * 86_400;
/** Ticket, slow pair: short window, in seconds (6 h). */
export const SLO_TICKET_SLOW_SHORT_WINDOW_SECONDS = 6 * 3600;

/** Order acknowledgement SLO: share of orders acknowledged within {@link ORDER_ACK_SLO_LATENCY_SECONDS} (issue 17: 99.9 %). Ratio 0-1. */
export const ORDER_ACK_SLO_OBJECTIVE_RATIO = 0.999;
/**
 * Order acknowledgement SLO: submit-to-ack latency under which an order is good, in seconds (issue
 * 17: 5 ms). A bucket bound of `hft_order_ack_latency_seconds`, so the SLI counts exactly (the
 * rules build refuses another value).
 */
export const ORDER_ACK_SLO_LATENCY_SECONDS = 5e-3;
/**
 * Thin order flow: slow orders that alone never fire an order acknowledgement SLO alert. Each pair
 * also needs ceil(this / (factor x error budget)) orders in its long window (70 in 1 h for the fast
 * page, 167 in 6 h, 334 in 1 d, 1,000 in 3 d), so one slow order among a few an hour pages nobody.
 */
export const ORDER_ACK_SLO_IGNORED_SLOW_ORDERS = 1;
/** Feed availability SLO: share of open-session seconds a feed spends outside gaps of more than 1 s without a tick (issue 17: 99.95 %). Ratio 0-1. */
export const FEED_AVAILABILITY_SLO_OBJECTIVE_RATIO = 0.9995;
/**
 * Feed availability SLO: gap seconds that alone never fire an alert. Each pair also needs that many
 * seconds over its factor x error budget of open session in its long window (139 s in 1 h for the
 * fast page): a stutter right after the open or after a restart does not page (FeedGap does, for a
 * dead feed).
 */
export const FEED_AVAILABILITY_SLO_IGNORED_GAP_SECONDS = 1;
/** Audit durability SLO: share of batch writes to the audit store that do not fail (issue 17: 99.99 %). Ratio 0-1. */
export const AUDIT_DURABILITY_SLO_OBJECTIVE_RATIO = 0.9999;
/**
 * Audit durability SLO: failed batch writes that alone never fire an alert. Each pair also needs
 * that many over its factor x error budget of writes in its long window (695 in 1 h for the fast
 * page): an idle recorder's one failed retry does not page (RecorderWriteFailures does, at once).
 */
export const AUDIT_DURABILITY_SLO_IGNORED_FAILED_WRITES = 1;
