/**
 * The error-budget panel of an SLO (alert-rules/slo.ts), one per SLO on the dashboard it belongs to
 * (order acknowledgement on Strategies & orders, feed availability on Feed & gateways, audit
 * durability on Recorder & ClickHouse): the share of the period's budget left, and how fast it
 * burns over the page pairs' long windows. Both alerts of the SLO link here.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { errorBudget, pagePairs, sloRecordingRules, sloSel, ticketPairs, win, type SloSpec } from '../alert-rules/slo.js';
import * as T from '../alert-rules/thresholds.js';
import { promDur } from '../query/format.js';
import { COLOR, UNIT, criticalAt, linked, okAt, pct, targetFilter as I, timeseriesPanel, warningAt } from './common.js';

/**
 * The error-budget panel of `spec` (its {@link SloSpec.panel}): left axis, the budget left over the
 * period (`slo:period_error_budget_remaining:ratio`: 1 untouched, 0 spent, red below 0); right axis,
 * the burn rate over the fast and the slow page pair's long windows (1 spends the budget in exactly
 * the period), with the two page factors as dashed lines.
 * @param width - grid width of 24 (default 12)
 */
export function sloBudgetPanel(spec: SloSpec, width = 12): cog.Builder<Panel> {
  const pages = pagePairs(T);
  const rules = sloRecordingRules(spec, [...pages, ...ticketPairs(T)]);
  const [fast, slow] = [pages[0]!, pages[1]!];
  const b = errorBudget(spec.objective);
  const who = ['{{instance}}', ...spec.by.map((l) => `{{${l}}}`)].join(' ');
  const burn = (seconds: number) => ({ expr: sloSel(spec, rules.ratio.get(win(seconds))!, I).div(b), legend: `${who} burn rate ${win(seconds)}` });
  return timeseriesPanel(
    {
      ...linked(spec.panel),
      description:
        `Error budget of the ${spec.slo} SLO (${pct(spec.objective)} ${spec.promise} over ${promDur(spec.periodSeconds)}, alert-rules/slo.ts): the share left ` +
        `(left axis, recording rule ${rules.budgetRemaining.record}; 1 untouched, below 0 overspent; on a Prometheus younger than the period, over what it holds), and how fast it burns ` +
        `over ${win(fast.longSeconds)} and ${win(slow.longSeconds)} (right axis, recording rules ${rules.ratio.get(win(fast.longSeconds))!.record} and ${rules.ratio.get(win(slow.longSeconds))!.record} over the budget; ` +
        `1 spends the budget in exactly the period). ${spec.page.name} pages above ${fast.factor}x over ${win(fast.longSeconds)} (red dashes) or ${slow.factor}x over ${win(slow.longSeconds)} (orange), ` +
        `each with its short window and enough ${spec.events}; ${spec.ticket.name} opens a ticket on slower burns over days. See the runbook link.`,
      unit: UNIT.ratio,
      queries: [{ expr: sloSel(spec, rules.budgetRemaining, I), legend: `${who} budget left` }, burn(fast.longSeconds), burn(slow.longSeconds)],
      thresholds: [okAt(0)],
      thresholdsBase: COLOR.critical,
      max: 1,
      width,
    },
    { legendCalcs: ['lastNotNull', 'min'], rightAxis: { refIds: ['B', 'C'], unit: UNIT.count, min: 0, thresholds: [warningAt(slow.factor), criticalAt(fast.factor)] } },
  );
}
