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
