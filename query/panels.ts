/**
 * Stable dashboard UIDs and the ids of panels that alerts link to. Alerts build their
 * `dashboard_url` from these, and the dashboards give these panels these ids, so a link from a page
 * opens the panel that shows the alert's metric.
 */

/** Dashboard UIDs (Grafana `uid`, stable across rebuilds). */
export const DASHBOARD_UIDS = {
  feed: 'tickwatch-feed-gateway',
  orders: 'tickwatch-strategy-orders',
  pnl: 'tickwatch-pnl-exposure',
  recorder: 'tickwatch-recorder-clickhouse',
  system: 'tickwatch-system-health',
  /** Logs and audit: security events, suspicious activity (panels added with issue 14's dashboards). */
  logs: 'tickwatch-logs-audit',
} as const;

/** A panel on a dashboard. */
export interface PanelRef {
  readonly dashboard: (typeof DASHBOARD_UIDS)[keyof typeof DASHBOARD_UIDS];
  readonly panelId: number;
  readonly title: string;
}

const p = (dashboard: PanelRef['dashboard'], panelId: number, title: string): PanelRef => ({ dashboard, panelId, title });

/** Panels alerts link to. Ids are unique per dashboard. */
export const PANELS = {
  gatewayConnected: p(DASHBOARD_UIDS.feed, 2, 'Gateway connection'),
  feedGap: p(DASHBOARD_UIDS.feed, 4, 'Feed gap'),
  tickLatency: p(DASHBOARD_UIDS.feed, 6, 'Tick latency p99'),
  apiUsage: p(DASHBOARD_UIDS.feed, 7, 'API usage vs limit'),
  busOccupancy: p(DASHBOARD_UIDS.feed, 8, 'Event bus occupancy'),
  busOverflows: p(DASHBOARD_UIDS.feed, 9, 'Event bus overflows'),
  strategyLatency: p(DASHBOARD_UIDS.orders, 2, 'Strategy decision latency p99'),
  stormguard: p(DASHBOARD_UIDS.orders, 5, 'StormGuard mode'),
  orderRejectRatio: p(DASHBOARD_UIDS.orders, 7, 'Order reject ratio'),
  orderAckLatency: p(DASHBOARD_UIDS.orders, 8, 'Order ack latency p99'),
  orderRate: p(DASHBOARD_UIDS.orders, 9, 'Order rate vs limit'),
  drawdown: p(DASHBOARD_UIDS.pnl, 3, 'Drawdown vs daily loss limit'),
  reconciliationLag: p(DASHBOARD_UIDS.pnl, 8, 'Reconciliation lag'),
  recorderFailures: p(DASHBOARD_UIDS.recorder, 2, 'Write failures'),
  recorderQueue: p(DASHBOARD_UIDS.recorder, 4, 'Queue depth'),
  recorderSpool: p(DASHBOARD_UIDS.recorder, 8, 'Spool use vs limit'),
  ingestRejects: p(DASHBOARD_UIDS.recorder, 6, 'Ingest rejects'),
  targetsUp: p(DASHBOARD_UIDS.system, 1, 'Exporter targets up'),
  engineUp: p(DASHBOARD_UIDS.system, 10, 'Engine heard from'),
  engineLogs: p(DASHBOARD_UIDS.system, 11, 'Engine log lines by level'),
  recorderTailLag: p(DASHBOARD_UIDS.recorder, 11, 'Log shipper lag'),
  hostCpu: p(DASHBOARD_UIDS.system, 20, 'Host CPU busy'),
  hostMemory: p(DASHBOARD_UIDS.system, 21, 'Host memory available'),
  hostDisk: p(DASHBOARD_UIDS.system, 22, 'Host filesystem space'),
  hostNetwork: p(DASHBOARD_UIDS.system, 23, 'NIC errors and drops'),
  clockSync: p(DASHBOARD_UIDS.system, 39, 'Clock offset and sync'),
  clickhouseUp: p(DASHBOARD_UIDS.recorder, 20, 'ClickHouse up'),
  clickhouseParts: p(DASHBOARD_UIDS.recorder, 21, 'ClickHouse parts per partition'),
  clickhouseInserts: p(DASHBOARD_UIDS.recorder, 22, 'ClickHouse rejected and delayed inserts'),
  clickhouseMutations: p(DASHBOARD_UIDS.recorder, 23, 'ClickHouse mutations'),
  clickhouseDisk: p(DASHBOARD_UIDS.recorder, 24, 'ClickHouse disk space'),
  // Issue 14 (system events, slippage, security, anomalies, AI): the alerts link here; the panels
  // come with the dashboards of that issue.
  serviceEvents: p(DASHBOARD_UIDS.system, 40, 'Service failures and restarts'),
  slippageP95: p(DASHBOARD_UIDS.orders, 20, 'Fill slippage p95'),
  slippageOutliers: p(DASHBOARD_UIDS.orders, 21, 'Fills past the slippage bound'),
  modelAccuracy: p(DASHBOARD_UIDS.orders, 22, 'Model accuracy'),
  modelConfidence: p(DASHBOARD_UIDS.orders, 23, 'Model confidence median'),
  modelLatency: p(DASHBOARD_UIDS.orders, 24, 'Model inference latency p99'),
  anomaliesOpen: p(DASHBOARD_UIDS.pnl, 20, 'Open anomalies by severity'),
  anomalyDetections: p(DASHBOARD_UIDS.pnl, 21, 'Anomaly detections'),
  suspiciousLogins: p(DASHBOARD_UIDS.logs, 2, 'Suspicious login activity'),
  // Issue 15 (the recorder's Redis hot state): RecorderRedisDown links here; the panel (hft_recorder_redis_up,
  // hft_recorder_redis_dropped_total by reason) comes with the recorder dashboard's next edit.
  recorderRedis: p(DASHBOARD_UIDS.recorder, 12, 'Redis hot state'),
  // Issue 15 (retention): RecorderCleanupMissed links to the clean-up's panel (rows archived and deleted, failures, time since the last success).
  recorderCleanup: p(DASHBOARD_UIDS.recorder, 13, 'Retention clean-up'),
  // Issue 17 (SLOs as code, alert-rules/slo.ts): each SLO's page and ticket alerts link to its error budget panel.
  sloOrderAck: p(DASHBOARD_UIDS.orders, 40, 'Order acknowledgement SLO: error budget'),
  sloFeedAvailability: p(DASHBOARD_UIDS.feed, 40, 'Feed availability SLO: error budget'),
  sloAuditDurability: p(DASHBOARD_UIDS.recorder, 60, 'Audit durability SLO: error budget'),
} as const satisfies Record<string, PanelRef>;

/** A dashboard by its key in {@link DASHBOARD_UIDS} (`feed`, `orders`, ...). */
export type DashboardKey = keyof typeof DASHBOARD_UIDS;

/** A dashboard uid of {@link DASHBOARD_UIDS}. */
export type DashboardUid = (typeof DASHBOARD_UIDS)[DashboardKey];

/**
 * Every alert family (the `family` label of alert-rules/model.ts: a critical and its warning twin
 * share it) and the dashboards whose alert annotation and alert list show it: at least one each.
 * {@link AlertFamily} is this object's keys, and an alert's `family` must be one of them, so an
 * alert of a family that is not here, or a family here without a dashboard, fails the type check;
 * test/dashboards/dashboards.test.ts checks that every family is used by an alert and that each
 * alert's own panel is on one of its family's dashboards.
 */
export const ALERT_FAMILY_DASHBOARDS = {
  engine_silent: ['system'],
  engine_errors: ['system'],
  engine_fatal: ['system'],
  feed_gap: ['feed'],
  feed_latency: ['feed'],
  gateway: ['feed'],
  api_limit: ['feed'],
  bus_occupancy: ['feed'],
  bus_overflow: ['feed'],
  stormguard: ['orders'],
  order_rejects: ['orders'],
  order_latency: ['orders'],
  strategy_latency: ['orders'],
  order_rate: ['orders'],
  slippage_high: ['orders'],
  slippage_outlier: ['orders'],
  model_accuracy: ['orders'],
  model_confidence: ['orders'],
  model_latency: ['orders'],
  drawdown: ['pnl'],
  reconciliation: ['pnl'],
  anomaly_critical: ['pnl'],
  anomaly_rate: ['pnl'],
  security: ['logs'],
  service_failed: ['system'],
  service_restarts: ['system'],
  recorder: ['recorder'],
  recorder_spool: ['recorder'],
  recorder_lag: ['recorder'],
  recorder_cleanup: ['recorder'],
  recorder_redis: ['recorder'],
  ingest: ['recorder'],
  target_down: ['system'],
  /** Watchdog (always firing: the alerting pipeline works) has no panel; System health lists it. */
  watchdog: ['system'],
  host_cpu: ['system'],
  host_memory: ['system'],
  host_disk: ['system'],
  host_network: ['system'],
  clock_sync: ['system'],
  clock_offset: ['system'],
  clickhouse_down: ['recorder'],
  clickhouse_parts: ['recorder'],
  clickhouse_inserts: ['recorder'],
  clickhouse_mutations: ['recorder'],
  clickhouse_disk: ['recorder'],
  slo_order_ack: ['orders'],
  slo_feed_availability: ['feed'],
  slo_audit_durability: ['recorder'],
} as const satisfies Record<string, readonly [DashboardKey, ...DashboardKey[]]>;

/** An alert family: a key of {@link ALERT_FAMILY_DASHBOARDS}. */
export type AlertFamily = keyof typeof ALERT_FAMILY_DASHBOARDS;

/** The alert families a dashboard shows ({@link ALERT_FAMILY_DASHBOARDS}), in that object's order; empty for a uid none maps to. */
export function familiesOn(uid: DashboardUid): AlertFamily[] {
  return (Object.keys(ALERT_FAMILY_DASHBOARDS) as AlertFamily[]).filter((f) => (ALERT_FAMILY_DASHBOARDS[f] as readonly DashboardKey[]).some((k) => DASHBOARD_UIDS[k] === uid));
}

/** Id of the alert list panel every dashboard has (dashboards-src/common.ts' `alertListPanel`); no other panel uses it. */
export const ALERT_LIST_PANEL_ID = 99;
