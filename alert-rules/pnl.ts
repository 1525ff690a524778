/** PnL and reconciliation alerts. */
import * as C from '../exporters/catalog/index.js';
import { PANELS } from '../query/panels.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { promDur, promPct } from '../query/format.js';
import { sel } from '../query/promql.js';
import { drawdownRatio, rec } from '../query/recording.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

function drawdownAlert(t: Thresholds, name: string, severity: 'critical' | 'warning', ratio: number, consequence: string): AlertRule {
  const pct = promPct(ratio);
  const d = `Strategy {{ $labels.strategy }} ({{ $labels.instance }}) has lost {{ $value | humanizePercentage }} of its daily loss limit from today's peak (${severity} above ${pct}). ${consequence}`;
  const limit = 500000;
  const over = Math.round((ratio + 0.05) * limit);
  const under = Math.round((ratio - 0.01) * limit);
  return alert({
    name,
    family: 'drawdown',
    severity,
    expr: rec(drawdownRatio).gt(ratio),
    for: holdFor(t.DRAWDOWN_FOR_SECONDS),
    summary: `PnL drawdown past ${pct} of the daily loss limit`,
    description: d,
    panel: PANELS.drawdown,
    tests: {
      firing: [
        {
          name: `drawdown at ${Math.round((ratio + 0.05) * 100)} %`,
          series: [input(C.pnlDrawdown, { strategy: 'mm-2330' }, hold(over, 30)), input(C.dailyLossLimit, { strategy: 'mm-2330' }, hold(limit, 30))],
          at: '20s',
          alerts: [{ labels: { ...TEST_TARGET, strategy: 'mm-2330' }, description: d.replace('{{ $labels.strategy }}', 'mm-2330').replace('{{ $labels.instance }}', TEST_TARGET.instance).replace('{{ $value | humanizePercentage }}', `${Math.round((ratio + 0.05) * 100)}%`) }],
        },
      ],
      silent: [{ name: 'just under the threshold', series: [input(C.pnlDrawdown, { strategy: 'mm-2330' }, hold(under, 30)), input(C.dailyLossLimit, { strategy: 'mm-2330' }, hold(limit, 30))], at: '20s' }],
    },
  });
}

/** PnlDrawdownCritical with the thresholds `t`: drawdown past 80 % of the daily loss limit, pages. */
export const pnlDrawdownCritical = (t: Thresholds): AlertRule => drawdownAlert(t, 'PnlDrawdownCritical', 'critical', t.DRAWDOWN_CRITICAL_RATIO, 'The risk engine stops the strategy at 100%.');

/** PnlDrawdownWarning with the thresholds `t`: drawdown past 50 % of the daily loss limit, the warning twin. */
export const pnlDrawdownWarning = (t: Thresholds): AlertRule =>
  drawdownAlert(t, 'PnlDrawdownWarning', 'warning', t.DRAWDOWN_WARNING_RATIO, `Watch the strategy; the page comes at ${promPct(t.DRAWDOWN_CRITICAL_RATIO)}.`);

/** ReconciliationLag with the thresholds `t`: no matching reconciliation for over a minute. */
export const reconciliationLag = (t: Thresholds): AlertRule => alert({
  name: 'ReconciliationLag',
  family: 'reconciliation',
  severity: 'warning',
  expr: sel(C.reconciliationLagSeconds).gt(t.RECONCILIATION_LAG_WARNING_SECONDS),
  for: holdFor(t.RECONCILIATION_LAG_FOR_SECONDS),
  summary: 'Positions not reconciled with the broker',
  description: `Account {{ $labels.account }} ({{ $labels.instance }}) has not matched the broker for {{ $value | humanizeDuration }} (warning above ${promDur(t.RECONCILIATION_LAG_WARNING_SECONDS)}). Positions the engine trades on are unconfirmed.`,
  panel: PANELS.reconciliationLag,
  tests: {
    firing: [
      {
        name: 'lag grows to 2 minutes',
        series: [input(C.reconciliationLagSeconds, { account: 'acct-1' }, '0+1x130')],
        at: '120s',
        alerts: [{ labels: { ...TEST_TARGET, account: 'acct-1' }, description: `Account acct-1 (${TEST_TARGET.instance}) has not matched the broker for 2m 0s (warning above ${promDur(t.RECONCILIATION_LAG_WARNING_SECONDS)}). Positions the engine trades on are unconfirmed.` }],
      },
    ],
    silent: [
      { name: 'lag saw-tooths under 60 s', series: [input(C.reconciliationLagSeconds, { account: 'acct-1' }, '0+1x59 0+1x59 0+1x10')], at: '125s' },
      { name: 'over 60 s for only 20 s', series: [input(C.reconciliationLagSeconds, { account: 'acct-1' }, '0+1x80 0x20')], at: '82s' },
    ],
  },
});

/** PnL and reconciliation rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const pnlRules = (t: Thresholds): RuleGroup => ({ name: 'pnl', interval: '1s', rules: [pnlDrawdownCritical(t), pnlDrawdownWarning(t), reconciliationLag(t)] });

/** PnL and reconciliation rules. */
export const pnlGroup: RuleGroup = pnlRules(T);
