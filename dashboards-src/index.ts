/** Every dashboard, with the file name `npm run build:dashboards` writes it to. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { feedGatewayDashboard } from './feed-gateway.js';
import { logsAuditDashboard } from './logs-audit.js';
import { pnlExposureDashboard } from './pnl-exposure.js';
import { recorderClickhouseDashboard } from './recorder-clickhouse.js';
import { strategyOrdersDashboard } from './strategy-orders.js';
import { systemHealthDashboard } from './system-health.js';

/** A dashboard module: `dashboards/<name>.json` is built from `build()`. */
export interface DashboardSource {
  /** File name without `.json` (the module's name). */
  readonly name: string;
  /** Builds the dashboard model afresh on every call. */
  readonly build: () => Dashboard;
}

/** All dashboards, in file-name order. */
export const DASHBOARDS: readonly DashboardSource[] = [
  { name: 'feed-gateway', build: feedGatewayDashboard },
  { name: 'logs-audit', build: logsAuditDashboard },
  { name: 'pnl-exposure', build: pnlExposureDashboard },
  { name: 'recorder-clickhouse', build: recorderClickhouseDashboard },
  { name: 'strategy-orders', build: strategyOrdersDashboard },
  { name: 'system-health', build: systemHealthDashboard },
];
