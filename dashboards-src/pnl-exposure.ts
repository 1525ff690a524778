/**
 * PnL & exposure: what the strategies earn and risk today, how close they are to their daily loss
 * limit, and whether the engine's positions still agree with the broker's.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { rec } from '../query/recording.js';
import { increase, max, sel, sum, topk } from '../query/promql.js';
import { drawdownRatio } from '../query/recording.js';
import * as T from '../alert-rules/thresholds.js';
import * as C from '../exporters/catalog/index.js';
import {
  RATE,
  UNIT,
  buildDashboard,
  criticalAt,
  dur,
  targetFilter as I,
  linked,
  pct,
  strategyFilter as S,
  strategyVariable,
  tablePanel,
  timeseriesPanel,
  warningAt,
} from './common.js';
import { DASHBOARD_UIDS, PANELS } from '../query/panels.js';

/** The PnL & exposure dashboard (uid `tickwatch-pnl-exposure`). */
export function pnlExposureDashboard(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.pnl,
    title: 'tickwatch / PnL & exposure',
    description:
      'Intraday realized and unrealized PnL, drawdown against the daily loss limit, long, short and gross exposure, leverage, and reconciliation of positions with the broker, from the HFT exporters. Money is in the trading account currency.',
    tags: ['hft', 'pnl'],
    jobs: ['hft'],
    variables: [strategyVariable(C.stormguardMode)],
    rows: [
      {
        title: 'PnL',
        panels: [
          timeseriesPanel({
            id: 1,
            title: 'Realized PnL',
            description: 'Realized profit and loss since the start of the trading day, by strategy, in account currency.',
            unit: UNIT.currency,
            queries: [{ expr: sum(['instance', 'strategy'], sel(C.pnlRealized, S)), legend: '{{instance}} {{strategy}}' }],
            width: 8,
          }),
          timeseriesPanel({
            id: 2,
            title: 'Unrealized PnL',
            description: 'Mark-to-market profit and loss of open positions, by strategy, in account currency.',
            unit: UNIT.currency,
            queries: [{ expr: sum(['instance', 'strategy'], sel(C.pnlUnrealized, S)), legend: '{{instance}} {{strategy}}' }],
            width: 8,
          }),
          timeseriesPanel({
            id: 4,
            title: 'Drawdown and daily loss limit',
            description: 'Fall of total PnL from its intraday peak, and the daily loss limit the risk engine enforces, by strategy, in account currency.',
            unit: UNIT.currency,
            queries: [
              { expr: max(['instance', 'strategy'], sel(C.pnlDrawdown, S)), legend: '{{instance}} {{strategy}} drawdown' },
              { expr: max(['instance', 'strategy'], sel(C.dailyLossLimit, S)), legend: '{{instance}} {{strategy}} limit' },
            ],
            min: 0,
            width: 8,
          }),
          timeseriesPanel(
            {
              ...linked(PANELS.drawdown),
              description: `Intraday drawdown over the daily loss limit per strategy (recording rule ${drawdownRatio.record}, the series the PnlDrawdown alerts read). PnlDrawdownWarning above ${pct(T.DRAWDOWN_WARNING_RATIO)} (orange), PnlDrawdownCritical pages above ${pct(T.DRAWDOWN_CRITICAL_RATIO)} (red); 100 % is the limit the risk engine enforces.`,
              unit: UNIT.ratio,
              queries: [{ expr: max(['instance', 'strategy'], rec(drawdownRatio, S)), legend: '{{instance}} {{strategy}}' }],
              thresholds: [warningAt(T.DRAWDOWN_WARNING_RATIO), criticalAt(T.DRAWDOWN_CRITICAL_RATIO)],
              min: 0,
              max: 1,
              width: 24,
            },
            { legendCalcs: ['lastNotNull', 'max'] },
          ),
          timeseriesPanel({
            id: 24,
            title: 'Total PnL',
            description: 'Realized plus unrealized PnL of every selected strategy of each HFT exporter together (all of them at the strategy variable\'s "All": the engine\'s global PnL), and the realized part, in account currency. One line per instance: engines are not added together.',
            unit: UNIT.currency,
            queries: [
              { expr: sum(['instance'], sel(C.pnlRealized, S)).add(sum(['instance'], sel(C.pnlUnrealized, S))), legend: '{{instance}} total' },
              { expr: sum(['instance'], sel(C.pnlRealized, S)), legend: '{{instance}} realized' },
            ],
            width: 12,
          }),
          timeseriesPanel({
            id: 25,
            title: 'Top strategies by PnL',
            description: 'The five strategies with the highest realized plus unrealized PnL at each point across the selected instances, each named with its instance, in account currency (a strategy enters and leaves the five as PnL moves).',
            unit: UNIT.currency,
            queries: [{ expr: topk(5, sum(['instance', 'strategy'], sel(C.pnlRealized, S)).add(sum(['instance', 'strategy'], sel(C.pnlUnrealized, S)))), legend: '{{instance}} {{strategy}}' }],
            width: 12,
          }),
        ],
      },
      {
        title: 'Exposure',
        panels: [
          timeseriesPanel({
            id: 5,
            title: 'Gross exposure',
            description: 'Gross exposure (long plus absolute short market value), by strategy, in account currency.',
            unit: UNIT.currency,
            queries: [{ expr: sum(['instance', 'strategy'], sel(C.exposureGross, S)), legend: '{{instance}} {{strategy}}' }],
            min: 0,
            width: 8,
          }),
          timeseriesPanel({
            id: 6,
            title: 'Long and short exposure',
            description: 'Market value of long positions (above zero) and of short positions (drawn below zero), by strategy, in account currency.',
            unit: UNIT.currency,
            queries: [
              { expr: sum(['instance', 'strategy'], sel(C.exposureLong, S)), legend: '{{instance}} {{strategy}} long' },
              { expr: sum(['instance', 'strategy'], sel(C.exposureShort, S)).mul(-1), legend: '{{instance}} {{strategy}} short' },
            ],
            width: 8,
          }),
          timeseriesPanel({
            id: 7,
            title: 'Leverage',
            description: 'Gross exposure divided by account equity, by strategy (1 means exposure equal to equity).',
            unit: UNIT.count,
            queries: [{ expr: max(['instance', 'strategy'], sel(C.leverageRatio, S)), legend: '{{instance}} {{strategy}}' }],
            min: 0,
            width: 8,
          }),
        ],
      },
      {
        title: 'Reconciliation',
        panels: [
          timeseriesPanel({
            ...linked(PANELS.reconciliationLag),
            description: `Age of the last successful reconciliation of positions with the broker, by account; the engine reconciles every few seconds. ReconciliationLag warns above ${dur(T.RECONCILIATION_LAG_WARNING_SECONDS)} (dashed line).`,
            unit: UNIT.seconds,
            queries: [{ expr: max(['instance', 'account'], sel(C.reconciliationLagSeconds, I)), legend: '{{instance}} {{account}}' }],
            thresholds: [warningAt(T.RECONCILIATION_LAG_WARNING_SECONDS)],
            min: 0,
            width: 8,
          }),
          timeseriesPanel({
            id: 9,
            title: 'Reconciliation mismatches',
            description: 'Positions that differed between the engine and the broker at the last reconciliation, by account. Anything above 0 needs a look before the next order.',
            unit: UNIT.count,
            queries: [{ expr: max(['instance', 'account'], sel(C.reconciliationMismatches, I)), legend: '{{instance}} {{account}}' }],
            min: 0,
            width: 8,
          }),
          timeseriesPanel(
            {
              id: 10,
              title: 'Reconciliation runs by result',
              description: 'Reconciliation runs per rate interval, by account and result (match, mismatch, error).',
              unit: UNIT.count,
              queries: [{ expr: sum(['instance', 'account', 'result'], increase(sel(C.reconciliationRunsTotal, I), RATE)), legend: '{{instance}} {{account}} {{result}}' }],
              min: 0,
              width: 8,
            },
            { bars: true, stacked: true },
          ),
        ],
      },
      {
        title: 'Positions',
        panels: [
          tablePanel({
            id: 22,
            title: 'Top positions by notional',
            description: `The largest open positions by absolute notional now, by instance, strategy and symbol (hft_position_notional; the exporter serves only its top ${C.TOP_POSITIONS_DEFAULT} (topPositions), so a symbol outside them never becomes a series). Signed: negative is short. Money in the account currency.`,
            unit: UNIT.currency,
            queries: [{ expr: max(['instance', 'strategy', 'symbol'], sel(C.positionNotional, S)), legend: '{{instance}} {{strategy}} {{symbol}}' }],
            width: 12,
            height: 10,
          }),
          timeseriesPanel({
            id: 23,
            title: 'Net exposure',
            description: 'Long minus short notional of the open positions, by strategy (from position snapshots), beside the gross exposure panel above. Money in the account currency.',
            unit: UNIT.currency,
            queries: [{ expr: sum(['instance', 'strategy'], sel(C.exposureNet, S)), legend: '{{instance}} {{strategy}}' }],
            width: 12,
            height: 10,
          }),
        ],
      },
      {
        title: 'Anomalies',
        panels: [
          timeseriesPanel(
            {
              ...linked(PANELS.anomaliesOpen),
              description: "Anomalies open now, by severity (the engine's detectors and tickwatch's: price and order-size outliers, position jumps, high slippage, unusual activity, volatility spikes). AnomalyCritical pages while a critical one is open. Which ones, with their values: Logs & audit, Anomalies and their status.",
              unit: UNIT.count,
              queries: [{ expr: sum(['instance', 'severity'], sel(C.anomaliesOpen, I)), legend: '{{instance}} {{severity}}' }],
              thresholds: [criticalAt(1)],
              min: 0,
              width: 12,
            },
            { stacked: true },
          ),
          timeseriesPanel(
            {
              ...linked(PANELS.anomalyDetections),
              description: `Anomalies detected per point, by type. AnomalyRateRising warns above ${T.ANOMALY_DETECTIONS_WARNING} detections in 10 minutes (the engine finds about one every five minutes on a normal day).`,
              unit: UNIT.count,
              queries: [{ expr: sum(['instance', 'anomaly_type'], increase(sel(C.anomaliesTotal, I), '$__interval')), legend: '{{instance}} {{anomaly_type}}' }],
              min: 0,
              width: 12,
            },
            { bars: true, stacked: true },
          ),
        ],
      },
    ],
  });
}
