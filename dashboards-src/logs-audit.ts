/**
 * Logs & audit: what the recorder stored, read back with SQL from its ClickHouse tables through
 * Grafana's ClickHouse datasource (sql.ts): warning and error lines, security events and the
 * addresses behind refused logins, trade executions with their slippage, anomalies and their
 * status, the AI model's decisions and accuracy, and the services' lifecycle and operation times.
 * Where the other dashboards count (Prometheus), this one names: which user, which address, which
 * trade, which decision.
 *
 * The tables and their columns: docs/tables.md (exporters/catalog/tables.ts). The alert history
 * (alert_log, issue 15) is what Alertmanager notified, as the recorder took it from its webhook.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as T from '../alert-rules/thresholds.js';
import { DASHBOARD_UIDS, PANELS } from '../query/panels.js';
import { SECURITY_FAILURES_LIMIT, SECURITY_WINDOW_SECONDS } from '../exporters/catalog/security.js';
import { criticalAt, lowIsBad, ROW_ID_BASE, thresholds, UNIT, warningAt } from './common.js';
import { buildSqlDashboard, linkedSql, SQL_FORMAT, sqlTablePanel, sqlTimeseriesPanel, sqlVariable, table, timeBucket, type SqlQuery } from './sql.js';

/** Name of the component variable (the modules whose log lines the Logs row shows). */
const COMPONENT = 'component';

/** `AND component IN (<the selected components>)`. */
const components = `component IN (\${${COMPONENT}:singlequote})`;

const series = (sql: string): SqlQuery => ({ sql, format: SQL_FORMAT.timeSeries });
const rows = (sql: string): SqlQuery => ({ sql, format: SQL_FORMAT.table });

/** The Logs & audit dashboard (uid `tickwatch-logs-audit`). */
export function logsAuditDashboard(): Dashboard {
  return buildSqlDashboard(
    {
      uid: DASHBOARD_UIDS.logs,
      title: 'tickwatch / Logs & audit',
      description:
        "The recorder's tables in ClickHouse, read with SQL: warning and error lines of every module, security events and who was refused from where, trade executions with slippage, anomalies and whether they are still open, the AI model's decisions and accuracy, service starts, failures and operation times, and the alerts Alertmanager notified. Tables and columns: docs/tables.md.",
      tags: ['logs', 'audit'],
      variables: [sqlVariable(COMPONENT, 'Component', `SELECT DISTINCT component FROM ${table('logs')} WHERE $__timeFilter(ts) ORDER BY component`)],
      rows: [
        {
          title: 'Logs',
          panels: [
            sqlTimeseriesPanel(
              {
                id: 1,
                title: 'Warning and error lines',
                description: 'Log lines at warn, error and fatal per second, by level, of the selected components (the `logs` table: every accepted line at or above its component\'s level).',
                unit: UNIT.eventsPerSecond,
                queries: [
                  series(
                    `SELECT ${timeBucket}, level, count() / $__interval_s AS lines FROM ${table('logs')} WHERE $__timeFilter(ts) AND level IN ('warn', 'error', 'fatal') AND ${components} GROUP BY time, level ORDER BY time`,
                  ),
                ],
                width: 12,
              },
              { bars: true, stacked: true },
            ),
            sqlTimeseriesPanel(
              {
                id: 4,
                title: 'Log lines by component',
                description: 'Every stored log line per second, by component: a module that falls silent or starts chattering shows here first.',
                unit: UNIT.eventsPerSecond,
                queries: [series(`SELECT ${timeBucket}, component, count() / $__interval_s AS lines FROM ${table('logs')} WHERE $__timeFilter(ts) AND ${components} GROUP BY time, component ORDER BY time`)],
                width: 12,
              },
              { stacked: true },
            ),
            sqlTablePanel(
              {
                id: 3,
                title: 'Latest warnings and errors',
                description: 'The last 200 lines at warn or above of the selected components, newest first, with the correlation id that `tickwatch logs trade <id>` follows.',
                unit: UNIT.count,
                queries: [
                  rows(
                    `SELECT ts AS time, level, component, event, message, correlation_id FROM ${table('logs')} WHERE $__timeFilter(ts) AND level IN ('warn', 'error', 'fatal') AND ${components} ORDER BY ts DESC LIMIT 200`,
                  ),
                ],
              },
              { sortBy: 'time' },
            ),
          ],
        },
        {
          title: 'Security',
          panels: [
            sqlTablePanel(
              {
                ...linkedSql(PANELS.suspiciousLogins),
                description:
                  `Source addresses with refused logins or second factors in the range, most failures first: how many users each tried, how many of its attempts failed, how many second factors it failed, when it was last seen. The exporter's detector (SuspiciousLoginActivity) counts, without naming them, a user or address with ${SECURITY_FAILURES_LIMIT} failures within ${SECURITY_WINDOW_SECONDS} s and a new address right after refused second factors; this table names them, from audit_security.`,
                unit: UNIT.count,
                queries: [
                  rows(
                    `SELECT source_ip, uniqExact(user_id) AS users, countIf(status = 'FAILURE') AS failures, countIf(kind = 'mfa_failed') AS mfa_failures, max(ts) AS last_seen FROM ${table('audit_security')} WHERE $__timeFilter(ts) AND source_ip != '' GROUP BY source_ip HAVING failures > 0 ORDER BY failures DESC, last_seen DESC LIMIT 20`,
                  ),
                ],
                width: 12,
              },
              {},
            ),
            sqlTimeseriesPanel(
              {
                id: 5,
                title: 'Security events',
                description: 'Logins, logouts, second factors, expired sessions and refused access per point, by kind and outcome (audit_security).',
                unit: UNIT.count,
                queries: [
                  series(
                    `SELECT ${timeBucket}, kind, ifNull(status, '') AS outcome, count() AS events FROM ${table('audit_security')} WHERE $__timeFilter(ts) GROUP BY time, kind, outcome ORDER BY time`,
                  ),
                ],
                width: 12,
              },
              { bars: true, stacked: true },
            ),
            sqlTablePanel(
              {
                id: 6,
                title: 'Latest security failures',
                description: 'The last 200 refused logins, failed second factors, expired sessions and refused accesses, newest first: who, from where, what was refused.',
                unit: UNIT.count,
                queries: [
                  rows(
                    `SELECT ts AS time, kind, user_id, source_ip, status, resource, message FROM ${table('audit_security')} WHERE $__timeFilter(ts) AND (status = 'FAILURE' OR kind IN ('mfa_failed', 'session_expired', 'permission_denied')) ORDER BY ts DESC LIMIT 200`,
                  ),
                ],
              },
              { sortBy: 'time' },
            ),
          ],
        },
        {
          title: 'Trade executions',
          panels: [
            sqlTimeseriesPanel(
              {
                id: 7,
                title: 'Executions by status',
                description: 'Fills (SUCCESS when nothing of the order is left, PARTIAL while some is) and rejected orders (FAILED) per second (trade_executions).',
                unit: UNIT.opsPerSecond,
                queries: [series(`SELECT ${timeBucket}, status, count() / $__interval_s AS executions FROM ${table('trade_executions')} WHERE $__timeFilter(ts) GROUP BY time, status ORDER BY time`)],
                width: 12,
              },
              { stacked: true },
            ),
            sqlTimeseriesPanel({
              id: 8,
              title: 'Fill slippage by strategy',
              description: `Mean and worst adverse slippage of the fills in each point, by strategy, as a ratio of the intent price (positive is adverse). Dashed: the p95 that warns (SlippageHigh, ${(T.SLIPPAGE_P95_WARNING_RATIO * 1e4).toFixed(0)} bp) and the single fill that pages (SlippageOutlier, ${(T.SLIPPAGE_OUTLIER_CRITICAL_RATIO * 1e4).toFixed(0)} bp).`,
              unit: UNIT.ratio,
              queries: [
                series(
                  `SELECT ${timeBucket}, strategy, avg(slippage_ratio) AS mean, max(slippage_ratio) AS worst FROM ${table('trade_executions')} WHERE $__timeFilter(ts) AND status != 'FAILED' AND slippage_ratio IS NOT NULL GROUP BY time, strategy ORDER BY time`,
                ),
              ],
              width: 12,
              thresholds: thresholds([warningAt(T.SLIPPAGE_P95_WARNING_RATIO), criticalAt(T.SLIPPAGE_OUTLIER_CRITICAL_RATIO)]),
            }),
            sqlTablePanel(
              {
                id: 9,
                title: 'Latest executions',
                description: 'The last 200 fills and rejects, newest first, with slippage in ticks and as a ratio, the broker, and the time from submission.',
                unit: UNIT.count,
                queries: [
                  rows(
                    `SELECT ts AS time, strategy, symbol, side, order_type, volume, price, slippage_ticks, slippage_ratio, status, reason, broker, trade_id, order_id, latency_ns / 1000000000 AS latency FROM ${table('trade_executions')} WHERE $__timeFilter(ts) ORDER BY ts DESC LIMIT 200`,
                  ),
                ],
              },
              { sortBy: 'time', columnUnits: { slippage_ratio: UNIT.ratio, latency: UNIT.seconds } },
            ),
          ],
        },
        {
          title: 'Anomalies',
          panels: [
            sqlTablePanel(
              {
                id: 10,
                title: 'Anomalies and their status',
                description: "Every anomaly detected in the range (the engine's detectors and tickwatch's), still OPEN ones first, then newest: its type, severity, who detected it, the observed and expected values, when it was detected and its last status (anomaly_log).",
                unit: UNIT.count,
                queries: [
                  rows(
                    `SELECT anomaly_id, argMax(anomaly_type, ts) AS type, argMax(severity, ts) AS sev, argMax(detected_by, ts) AS detector, argMin(message, ts) AS detail, argMin(value, ts) AS observed, argMin(expected, ts) AS reference, min(ts) AS detected, argMax(status, ts) AS current FROM ${table('anomaly_log')} WHERE $__timeFilter(ts) AND anomaly_id != '' GROUP BY anomaly_id ORDER BY current = 'OPEN' DESC, detected DESC LIMIT 200`,
                  ),
                ],
                width: 14,
              },
              {},
            ),
            sqlTimeseriesPanel(
              {
                id: 11,
                title: 'Anomaly detections by type',
                description: 'Anomalies detected per point, by type and severity (anomaly_log, anomaly.detected).',
                unit: UNIT.count,
                queries: [
                  series(
                    `SELECT ${timeBucket}, anomaly_type, ifNull(severity, '') AS level_of, count() AS detections FROM ${table('anomaly_log')} WHERE $__timeFilter(ts) AND event = 'anomaly.detected' GROUP BY time, anomaly_type, level_of ORDER BY time`,
                  ),
                ],
                width: 10,
              },
              { bars: true, stacked: true },
            ),
          ],
        },
        {
          title: 'AI decisions',
          panels: [
            sqlTimeseriesPanel({
              id: 12,
              title: 'Decisions by model',
              description: 'Model decisions per second, by model and version (audit_ai_decisions, ai.decision).',
              unit: UNIT.opsPerSecond,
              queries: [
                series(
                  `SELECT ${timeBucket}, model_id, ifNull(model_version, '') AS version, count() / $__interval_s AS decisions FROM ${table('audit_ai_decisions')} WHERE $__timeFilter(ts) AND event = 'ai.decision' GROUP BY time, model_id, version ORDER BY time`,
                ),
              ],
              width: 12,
            }),
            sqlTimeseriesPanel({
              id: 13,
              title: 'Model accuracy from outcomes',
              description: `Share of the outcomes scored in each point whose prediction was right, by model (audit_ai_decisions, ai.outcome). Below ${(T.MODEL_ACCURACY_WARNING_RATIO * 100).toFixed(0)} % the model is no better than a coin (ModelAccuracyLow reads the exporter's rolling accuracy).`,
              unit: UNIT.ratio,
              queries: [
                series(
                  `SELECT ${timeBucket}, model_id, avg(correct) AS accuracy FROM ${table('audit_ai_decisions')} WHERE $__timeFilter(ts) AND event = 'ai.outcome' AND correct IS NOT NULL GROUP BY time, model_id ORDER BY time`,
                ),
              ],
              width: 12,
              thresholds: (() => {
                const t = lowIsBad({ warning: T.MODEL_ACCURACY_WARNING_RATIO });
                return thresholds(t.thresholds ?? [], t.thresholdsBase);
              })(),
            }),
            sqlTablePanel(
              {
                id: 14,
                title: 'Latest model decisions',
                description: 'The last 200 decisions, newest first: the model, the strategy that asked, the prediction, how sure the model was, why (feature contributions) and how long it took.',
                unit: UNIT.count,
                queries: [
                  rows(
                    `SELECT ts AS time, model_id, model_version, strategy, decision_id, prediction, confidence, explanation, latency_ns / 1000000000 AS latency FROM ${table('audit_ai_decisions')} WHERE $__timeFilter(ts) AND event = 'ai.decision' ORDER BY ts DESC LIMIT 200`,
                  ),
                ],
              },
              { sortBy: 'time', columnUnits: { confidence: UNIT.ratio, latency: UNIT.seconds } },
            ),
          ],
        },
        {
          title: 'Services',
          panels: [
            sqlTablePanel(
              {
                id: 15,
                title: 'Service events',
                description: 'Starts, stops, restarts and failures of the engine\'s services and tickwatch\'s own, newest first: the reason, exit code and attempt of each (system_events).',
                unit: UNIT.count,
                queries: [
                  rows(
                    `SELECT ts AS time, service, kind, status, reason, exit_code, attempt, version, instance_id FROM ${table('system_events')} WHERE $__timeFilter(ts) ORDER BY ts DESC LIMIT 200`,
                  ),
                ],
                width: 12,
              },
              { sortBy: 'time' },
            ),
            sqlTimeseriesPanel({
              id: 16,
              title: 'Operation time by service',
              description: 'Mean execution time of the operation each service samples (perf.sample every 10 s: decode a tick, compute a signal, a risk check...), by service (performance_log).',
              unit: UNIT.seconds,
              queries: [
                series(
                  `SELECT ${timeBucket}, service, avg(execution_time_ms) / 1000 AS seconds FROM ${table('performance_log')} WHERE $__timeFilter(ts) AND execution_time_ms IS NOT NULL GROUP BY time, service ORDER BY time`,
                ),
              ],
              width: 12,
            }),
          ],
        },
        {
          title: 'Alert history',
          panels: [
            sqlTablePanel(
              {
                id: 17,
                title: 'Latest alerts',
                description:
                  'The last 200 alert notifications, newest first: when Alertmanager notified (the recorder took its webhook), the alert, its severity, OPEN when it fired or RESOLVED when it resolved, its summary and instance (alert_log; `tickwatch alerts history` reads the same rows).',
                unit: UNIT.count,
                queries: [rows(`SELECT ts AS time, alertname, severity, status, summary, instance FROM ${table('alert_log')} WHERE $__timeFilter(ts) ORDER BY ts DESC LIMIT 200`)],
                width: 14,
              },
              { sortBy: 'time' },
            ),
            sqlTimeseriesPanel(
              {
                id: 18,
                title: 'Alert notifications',
                description: 'Alerts notified per point, by severity and status: OPEN when they fired, RESOLVED when they resolved (alert_log; each alert state once, however often Alertmanager repeated it).',
                unit: UNIT.count,
                queries: [
                  series(
                    `SELECT ${timeBucket}, ifNull(severity, '') AS sev, status, count() AS notifications FROM ${table('alert_log')} WHERE $__timeFilter(ts) GROUP BY time, sev, status ORDER BY time`,
                  ),
                ],
                width: 10,
              },
              { bars: true, stacked: true },
            ),
          ],
        },
      ],
    },
    ROW_ID_BASE,
  );
}
