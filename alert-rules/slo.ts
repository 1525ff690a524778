/**
 * SLOs as typed code: a {@link SloSpec} (an objective over a period, and an SLI as an error ratio
 * built from catalog handles) generates, with {@link sloRules}, one rule group per SLO:
 *
 * - SLI recording rules: `slo:sli_error:ratio_rate<w>` for every window an alert reads (5m, 30m, 1h,
 *   2h, 6h, 1d, 3d), `slo:sli_total:increase<w>` (events in the long windows, for the thin-flow
 *   guard, and in 5m), `slo:sli_error:increase5m`, and `slo:sli_error:ratio_rate30d` over the period;
 * - metadata as Sloth writes it: `slo:objective:ratio`, `slo:error_budget:ratio`,
 *   `slo:time_period:days`, `slo:current_burn_rate:ratio` (5m), `slo:period_burn_rate:ratio` and the
 *   error-budget-remaining gauge `slo:period_error_budget_remaining:ratio`;
 * - a page alert (`<Prefix>SloFastBurn`, critical: 14.4x over 1 h and 5 m, or 6x over 6 h and 30 m)
 *   and a ticket alert (`<Prefix>SloSlowBurn`, warning: 3x over 1 d and 2 h, or 1x over 3 d and
 *   6 h): the multiwindow, multi-burn-rate alerts of the Google SRE workbook, chapter 5 "Alerting on
 *   SLOs" (https://sre.google/workbook/alerting-on-slos/, section 6 and its table of recommended
 *   parameters), with Sloth's two ticket pairs;
 * - promtool cases for each window pair (the error rate just above its burn threshold fires, just
 *   below stays silent) and the thin-flow case, and a promtool expression case for the budget gauge.
 *
 * **Naming.** Sloth's convention (https://github.com/slok/sloth, its generated `examples/_gen/`):
 * the rule names above and the identity labels `sloth_id` (`<service>-<slo>`), `sloth_service` and
 * `sloth_slo` on every series, `sloth_severity` (`page`, `ticket`) on the alerts; so Sloth's Grafana
 * dashboards and queries written for Sloth read these series. Two differences: no `sloth_window`
 * label (the window is in the rule name; without it the windows of one SLO carry the same labels and
 * `and` between them needs no `ignoring`), and the period's ratio is event-weighted (errors over
 * events across the period, from the recorded 5m counts), where Sloth averages the 5m ratios: an
 * average of ratios counts a quiet night's one slow order like a busy hour's thousand, and turns NaN
 * for good after the first 5 minutes without events (a closed session). Pyrra
 * (https://github.com/pyrra-dev/pyrra) weights by events too, over the raw counters.
 *
 * **Thin flow.** A window with few events turns one bad event into a large ratio: one slow order
 * among 20 in an hour is 5 %, three times the fast page's threshold. Each pair therefore also needs
 * {@link minEvents} events in its long window: enough that the SLO's tolerated bad events
 * ({@link SloSpec.ignoredBadEvents}) alone stay at or under the pair's threshold. With one
 * tolerated slow order and a 99.9 % objective that is 70 orders in 1 h (fast page), 167 in 6 h, 334
 * in 1 d and 1,000 in 3 d. Fewer events fire nothing; the budget gauge still counts them.
 *
 * **On a fresh Prometheus** the windows hold what exists: the 30d ratio and the budget gauge read
 * the hours or days recorded so far, as Sloth's and Pyrra's do.
 */
import * as C from '../exporters/catalog/index.js';
import type { MetricType, Unit } from '../exporters/catalog/types.js';
import { promDur, promPct } from '../query/format.js';
import { PANELS, type AlertFamily, type PanelRef } from '../query/panels.js';
import { bucketAt, count, Expr, increase, rate, sel, sum, sumOverTime, vector, type CounterSelector, type Duration, type Selector, type Window } from '../query/promql.js';
import { rec, recorded, type RecordingRule } from '../query/recording.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type Case, type ExprCase, type FiringCase, type InputSeries, type RuleGroup, type Severity, type Thresholds } from './model.js';
import * as T from './thresholds.js';

/** A window of the SLO rules, as Prometheus writes a duration (`5m`, `1h`, `1d`, `30d`). */
export type SloWindow = Duration;

/** How an SLI reads a counter over a window: per second (`rate`) or as a count (`increase`). */
export type RangeFn = (s: CounterSelector, w: Window) => Expr;

/**
 * One stretch of a promtool case: `minutes` minutes with `total` events a minute, `bad` of them
 * bad (fractions allowed: counters take any increment).
 */
export interface Phase {
  readonly minutes: number;
  readonly total: number;
  readonly bad: number;
}

/**
 * A service level indicator: the bad events and all events of a window, from catalog handles, each
 * summed by the SLO's labels (`job`, `instance` and {@link SloSpec.by}).
 */
export interface Sli {
  /** Bad events over `w`, through `over` (`rate`: per second; `increase`: a count). May be empty while nothing went wrong; the rules fill in 0. */
  errors(w: SloWindow, over: RangeFn): Expr;
  /** All events over `w`, through `over`. */
  total(w: SloWindow, over: RangeFn): Expr;
  /**
   * Input series that carry `phases` in the metrics this SLI reads, one value every `stepMinutes`
   * minutes (see {@link phaseValues}), for the generated promtool cases.
   */
  fixture(phases: readonly Phase[], stepMinutes: number): InputSeries[];
}

/** An alert of an SLO: its name, severity (the route: critical pages, warning is a ticket in chat) and Sloth's severity label. */
export interface SloAlertSpec {
  readonly name: string;
  readonly severity: Exclude<Severity, 'none'>;
  readonly slothSeverity: 'page' | 'ticket';
  readonly summary: string;
}

/** A typed SLO. */
export interface SloSpec {
  /** `sloth_slo`: kebab-case name of the objective (`order-ack-latency`). */
  readonly slo: string;
  /** `sloth_service`: the service it is an objective of (`order-path`). */
  readonly service: string;
  /** Share of events that must be good over the period, 0-1 (0.999). */
  readonly objective: number;
  /** The period the budget spans, in seconds (30 days). */
  readonly periodSeconds: number;
  /** Labels the SLI keeps besides `job` and `instance` (`['feed']`: one SLO per feed). */
  readonly by: readonly string[];
  readonly sli: Sli;
  /** What one event is, plural, for descriptions (`orders`, `seconds of open session`). */
  readonly events: string;
  /** The first words of the alert descriptions: who burns the budget and how ({{ $labels }} allowed). */
  readonly burning: string;
  /** What the objective promises, after the figure (`of orders acknowledged within 5ms`). */
  readonly promise: string;
  /** Bad events that alone never fire an alert: the thin-flow guard ({@link minEvents}). */
  readonly ignoredBadEvents: number;
  readonly page: SloAlertSpec;
  readonly ticket: SloAlertSpec;
  /** The alerts' family (a critical inhibits its warning twin; query/panels.ts' `ALERT_FAMILY_DASHBOARDS`). */
  readonly family: AlertFamily;
  /** Runbook file (without `.md`) that both alerts share. */
  readonly runbook: string;
  /** The error-budget panel both alerts link to. */
  readonly panel: PanelRef;
  /** Events a minute in the generated cases (a realistic rate for the SLI: a feed has 60 seconds a minute). */
  readonly testEventsPerMinute: number;
  /** Labels of {@link SloSpec.by} that the fixture's series carry, as the alerts report them. */
  readonly testLabels: Readonly<Record<string, string>>;
  /** What the thin-flow case shows, for its name (`1 slow order among 35 in an hour`): `bad` of `n` events. */
  thinFlow(bad: number, n: number): string;
}

/** One window pair of an alert: it fires when the burn rate exceeds `factor` over both windows (seconds). */
export interface BurnPair {
  readonly factor: number;
  readonly longSeconds: number;
  readonly shortSeconds: number;
}

/** The page pairs (14.4x over 1 h and 5 m, 6x over 6 h and 30 m), fastest first, from `t`. */
export function pagePairs(t: Thresholds): readonly BurnPair[] {
  return [
    { factor: t.SLO_PAGE_FAST_BURN_RATE, longSeconds: t.SLO_PAGE_FAST_LONG_WINDOW_SECONDS, shortSeconds: t.SLO_PAGE_FAST_SHORT_WINDOW_SECONDS },
    { factor: t.SLO_PAGE_SLOW_BURN_RATE, longSeconds: t.SLO_PAGE_SLOW_LONG_WINDOW_SECONDS, shortSeconds: t.SLO_PAGE_SLOW_SHORT_WINDOW_SECONDS },
  ];
}

/** The ticket pairs (3x over 1 d and 2 h, 1x over 3 d and 6 h), fastest first, from `t`. */
export function ticketPairs(t: Thresholds): readonly BurnPair[] {
  return [
    { factor: t.SLO_TICKET_FAST_BURN_RATE, longSeconds: t.SLO_TICKET_FAST_LONG_WINDOW_SECONDS, shortSeconds: t.SLO_TICKET_FAST_SHORT_WINDOW_SECONDS },
    { factor: t.SLO_TICKET_SLOW_BURN_RATE, longSeconds: t.SLO_TICKET_SLOW_LONG_WINDOW_SECONDS, shortSeconds: t.SLO_TICKET_SLOW_SHORT_WINDOW_SECONDS },
  ];
}

/** A window in seconds as the rules name it (`3600` → `1h`, `86400` → `1d`). */
export function win(seconds: number): SloWindow {
  return promDur(seconds) as SloWindow;
}

/** The error budget: 1 - objective, rounded to 12 decimals (`0.999` → `0.001`, not `0.0010000000000000009`). */
export function errorBudget(objective: number): number {
  return Math.round((1 - objective) * 1e12) / 1e12;
}

/**
 * The thin-flow guard of a pair: the fewest events its long window must hold for the pair to fire,
 * ceil(ignored bad events / (factor x error budget)); with that many, the ignored bad events alone
 * make a ratio at or under the pair's threshold, which the alert needs exceeded.
 */
export function minEvents(spec: SloSpec, pair: BurnPair): number {
  return Math.ceil(spec.ignoredBadEvents / (pair.factor * errorBudget(spec.objective)) - 1e-9);
}

/** `sloth_id`, `sloth_service` and `sloth_slo` of an SLO. */
export function sloIdentity(spec: SloSpec): { readonly sloth_id: string; readonly sloth_service: string; readonly sloth_slo: string } {
  return { sloth_id: `${spec.service}-${spec.slo}`, sloth_service: spec.service, sloth_slo: spec.slo };
}

/** The window of the recorded counts the period's ratio sums (and of `slo:current_burn_rate:ratio`). */
export const SLO_STEP_WINDOW: SloWindow = '5m';
const SLO_STEP_SECONDS = 300;

/** Evaluation interval of the SLO groups: their longest windows read days of raw samples, so not every second. */
export const SLO_GROUP_INTERVAL: Duration = '30s';

/**
 * Step of promtool's evaluation in the SLO groups' test files: the cases span up to a day and ten
 * minutes, and promtool evaluates every rule of the file at every step from 0 (the three files took
 * 13 s here at 5m with one-minute samples, 4 s at 10m with five-minute samples in the day-long
 * cases). Every case's evaluation time is a multiple of it.
 */
export const SLO_TEST_INTERVAL: Duration = '10m';
const TEST_STEP_MINUTES = 10;

/** How far above and below a pair's threshold the generated cases put the error rate: 4 %. */
export const SLO_TEST_MARGIN = 0.04;

const ID_LABELS = ['sloth_id', 'sloth_service', 'sloth_slo'] as const;

/** An SLO's recording rule: `expr` recorded as `record` with the SLO's identity labels. */
function sloRecord(spec: SloSpec, record: string, help: string, unit: Unit, expr: Expr, target = true): RecordingRule {
  const labels = target ? ['job', 'instance', ...spec.by, ...ID_LABELS] : [...ID_LABELS];
  return { ...recorded(record, labels, help, unit, expr), labels: sloIdentity(spec) };
}

/** Selects a recorded SLO series of `spec` (by its `sloth_id`). */
export function sloSel(spec: SloSpec, r: RecordingRule, m: Readonly<Record<string, string | { readonly re: string }>> = {}): Selector<RecordingRule['def'], MetricType> {
  return rec(r, { ...m, sloth_id: sloIdentity(spec).sloth_id });
}

/** The recording rules of one SLO, by what they hold (also the order the group evaluates them in). */
export interface SloRecordingRules {
  /** `slo:sli_error:ratio_rate<w>` by window. */
  readonly ratio: ReadonlyMap<SloWindow, RecordingRule>;
  /** `slo:sli_total:increase<w>` by window (the long windows and {@link SLO_STEP_WINDOW}). */
  readonly events: ReadonlyMap<SloWindow, RecordingRule>;
  readonly errorsStep: RecordingRule;
  readonly periodRatio: RecordingRule;
  readonly objective: RecordingRule;
  readonly errorBudget: RecordingRule;
  readonly periodDays: RecordingRule;
  readonly currentBurnRate: RecordingRule;
  readonly periodBurnRate: RecordingRule;
  /** `slo:period_error_budget_remaining:ratio`: the share of the period's budget left (1 untouched, 0 spent, below 0 overspent). */
  readonly budgetRemaining: RecordingRule;
  readonly all: readonly RecordingRule[];
}

/**
 * The recording rules of `spec` whose alerts use the pairs `pairs`.
 * @returns the rules by role, and all of them in evaluation order
 */
export function sloRecordingRules(spec: SloSpec, pairs: readonly BurnPair[]): SloRecordingRules {
  const { errors, total } = spec.sli;
  // Windows by length, shortest first, each once.
  const seconds = new Map<SloWindow, number>([[SLO_STEP_WINDOW, SLO_STEP_SECONDS], ...pairs.flatMap((p) => [[win(p.shortSeconds), p.shortSeconds] as const, [win(p.longSeconds), p.longSeconds] as const])]);
  const sorted = (ws: readonly SloWindow[]) => [...new Set(ws)].sort((a, b) => seconds.get(a)! - seconds.get(b)!);
  const windows = sorted([...seconds.keys()]);
  const countWindows = sorted([SLO_STEP_WINDOW, ...pairs.map((p) => win(p.longSeconds))]);
  // A window without a bad event has no error series in some SLIs (a counter made on the first failure): 0 then.
  const bad = (w: SloWindow, over: RangeFn) => errors(w, over).or(total(w, over).mul(0));
  const ratio = new Map(
    windows.map((w) => [
      w,
      sloRecord(spec, `slo:sli_error:ratio_rate${w}`, `Share of the ${spec.slo} SLO's events (${spec.events}) over the last ${w} that were bad.`, 'ratio', bad(w, rate).div(total(w, rate))),
    ]),
  );
  const events = new Map(countWindows.map((w) => [w, sloRecord(spec, `slo:sli_total:increase${w}`, `Events of the ${spec.slo} SLO in the last ${w} (${spec.events}).`, 'count', total(w, increase))]));
  const errorsStep = sloRecord(spec, `slo:sli_error:increase${SLO_STEP_WINDOW}`, `Bad events of the ${spec.slo} SLO in the last ${SLO_STEP_WINDOW}.`, 'count', bad(SLO_STEP_WINDOW, increase));
  const period = win(spec.periodSeconds);
  const periodRatio = sloRecord(
    spec,
    `slo:sli_error:ratio_rate${period}`,
    `Share of the ${spec.slo} SLO's events over the last ${period} (or since recording began) that were bad: the recorded ${SLO_STEP_WINDOW} counts summed, so each event weighs the same.`,
    'ratio',
    sumOverTime(sloSel(spec, errorsStep), period).div(sumOverTime(sloSel(spec, events.get(SLO_STEP_WINDOW)!), period)),
  );
  const budget = errorBudget(spec.objective);
  const objective = sloRecord(spec, 'slo:objective:ratio', `The ${spec.slo} SLO's objective.`, 'ratio', vector(spec.objective), false);
  const errorBudgetRule = sloRecord(spec, 'slo:error_budget:ratio', `The ${spec.slo} SLO's error budget (1 - objective).`, 'ratio', vector(budget), false);
  const periodDays = sloRecord(spec, 'slo:time_period:days', `The ${spec.slo} SLO's period in days.`, 'count', vector(spec.periodSeconds / 86_400), false);
  const join = { on: [...ID_LABELS], groupLeft: [] };
  const currentBurnRate = sloRecord(
    spec,
    'slo:current_burn_rate:ratio',
    `How fast the ${spec.slo} SLO spends its error budget over the last ${SLO_STEP_WINDOW} (1: exactly the period's budget over the period).`,
    'count',
    sloSel(spec, ratio.get(SLO_STEP_WINDOW)!).div(sloSel(spec, errorBudgetRule), join),
  );
  const periodBurnRate = sloRecord(
    spec,
    'slo:period_burn_rate:ratio',
    `How fast the ${spec.slo} SLO has spent its error budget over the period (or since recording began).`,
    'count',
    sloSel(spec, periodRatio).div(sloSel(spec, errorBudgetRule), join),
  );
  const budgetRemaining = sloRecord(
    spec,
    'slo:period_error_budget_remaining:ratio',
    `Share of the ${spec.slo} SLO's error budget for the period that is left (1: untouched, 0: spent, below 0: overspent).`,
    'ratio',
    new Expr(`1 - ${sloSel(spec, periodBurnRate).text}`, true),
  );
  return {
    ratio,
    events,
    errorsStep,
    periodRatio,
    objective,
    errorBudget: errorBudgetRule,
    periodDays,
    currentBurnRate,
    periodBurnRate,
    budgetRemaining,
    all: [...ratio.values(), ...events.values(), errorsStep, periodRatio, objective, errorBudgetRule, periodDays, currentBurnRate, periodBurnRate, budgetRemaining],
  };
}

/** Pairs in words: `14.4x over 1h and 5m with at least 70 orders in 1h, or 6x over ...`. */
function pairsInWords(spec: SloSpec, pairs: readonly BurnPair[]): string {
  return pairs
    .map((p) => `${p.factor}x over both ${win(p.longSeconds)} and ${win(p.shortSeconds)} with at least ${minEvents(spec, p)} ${spec.events} in ${win(p.longSeconds)}`)
    .join(', or ');
}

/** The description of an alert of `spec`, with `value` and `labels` as Prometheus fills them in (or the template's placeholders). */
function describe(spec: SloSpec, kind: 'page' | 'ticket', pairs: readonly BurnPair[], value: string, labels: Readonly<Record<string, string>>): string {
  let burning = spec.burning;
  for (const [k, v] of Object.entries(labels)) burning = burning.replaceAll(`{{ $labels.${k} }}`, v);
  return (
    `${burning}, burning the ${spec.slo} SLO's error budget (${promPct(spec.objective)} ${spec.promise} over ${win(spec.periodSeconds)}) ` +
    `${value} times as fast as the period allows (${kind === 'page' ? 'pages' : 'opens a ticket'} above ${pairsInWords(spec, pairs)}).`
  );
}

/**
 * promtool values of a counter from 0 that grows by `perMinute` a minute through each stretch, one
 * value every `stepMinutes` minutes (a stretch's minutes are a multiple of it).
 */
function cumulative(stretches: readonly { minutes: number; perMinute: number }[], stepMinutes: number): string {
  const fmt = (n: number) => String(Number(n.toPrecision(12)));
  let v = 0;
  const parts = ['0'];
  for (const s of stretches) {
    const steps = Math.round(s.minutes / stepMinutes);
    const per = s.perMinute * stepMinutes;
    if (steps <= 0) continue;
    parts.push(steps === 1 ? fmt(v + per) : `${fmt(v + per)}+${fmt(per)}x${steps - 1}`);
    v += per * steps;
  }
  return parts.join(' ');
}

/**
 * promtool values of the counters of all, good and bad events through `phases` (see {@link Phase}),
 * one value every `stepMinutes` minutes, for an SLI's fixture.
 */
export function phaseValues(phases: readonly Phase[], stepMinutes: number): { total: string; good: string; bad: string } {
  return {
    total: cumulative(phases.map((p) => ({ minutes: p.minutes, perMinute: p.total })), stepMinutes),
    good: cumulative(phases.map((p) => ({ minutes: p.minutes, perMinute: p.total - p.bad })), stepMinutes),
    bad: cumulative(phases.map((p) => ({ minutes: p.minutes, perMinute: p.bad })), stepMinutes),
  };
}

const minutes = (seconds: number) => Math.round(seconds / 60);
const at = (mins: number): Duration => `${mins}m`;
/** Rounds up to a multiple of the cases' evaluation step ({@link SLO_TEST_INTERVAL}). */
const upStep = (n: number) => Math.ceil(n / TEST_STEP_MINUTES) * TEST_STEP_MINUTES;

/** A generated case: its phases, evaluation time and the step of its series, in minutes. */
export interface PairCase {
  readonly name: string;
  readonly phases: readonly Phase[];
  readonly atMinutes: number;
  /** 1, or 5 when no window of the pair is shorter than 30 minutes (fewer samples over a day). */
  readonly stepMinutes: number;
}

/**
 * The case that puts the error rate of pair `i` of `pairs` at `scale` times its threshold (1.04:
 * just above, 0.96: just below), with the other pairs of the alert kept silent:
 *
 * - the lowest-factor pair: a uniform stretch, long enough for its guard; every window sees the
 *   same ratio, under the faster pairs' thresholds;
 * - a faster pair: a short burst of good events, then its long window at that rate. Its windows see
 *   only the burn; the slower pairs' long windows, which also hold the burst, see at most half their
 *   threshold. (Uniform traffic cannot do it: 3x over 1 d implies 1x over 3 d.)
 */
export function pairCase(spec: SloSpec, pairs: readonly BurnPair[], i: number, scale: number): PairCase {
  const p = pairs[i]!;
  const b = errorBudget(spec.objective);
  const ratio = p.factor * b * scale;
  const slower = pairs.slice(i + 1);
  const name = `${scale > 1 ? 'just above' : 'just below'} ${p.factor}x over ${win(p.longSeconds)} and ${win(p.shortSeconds)} (${Number((p.factor * scale).toFixed(3))}x)`;
  if (slower.length === 0) {
    const mins = upStep(Math.max(30, Math.ceil((2 * minEvents(spec, p)) / spec.testEventsPerMinute)));
    return { name, phases: [{ minutes: mins, total: spec.testEventsPerMinute, bad: ratio * spec.testEventsPerMinute }], atMinutes: mins, stepMinutes: 1 };
  }
  const long = minutes(p.longSeconds);
  const perMinute = Math.max(spec.testEventsPerMinute, Math.ceil((2 * minEvents(spec, p)) / long));
  const burnEvents = perMinute * long;
  const burst = TEST_STEP_MINUTES;
  const needed = Math.max(...slower.map((q) => (2 * ratio * burnEvents) / (q.factor * b) - burnEvents));
  const burstPerMinute = Math.ceil(Math.max(0, needed) / burst);
  return {
    name,
    phases: [
      { minutes: burst, total: burstPerMinute, bad: 0 },
      { minutes: long, total: perMinute, bad: ratio * perMinute },
    ],
    atMinutes: burst + long,
    stepMinutes: p.shortSeconds >= 1800 && long % 5 === 0 ? 5 : 1,
  };
}

/**
 * The thin-flow case: half the fast page's guard in events over its long window, with the ignored
 * bad events in its short window. The ratio is about twice the fastest threshold, so every pair
 * would fire on the ratio alone; the guard keeps them silent.
 */
export function thinFlowCase(spec: SloSpec, t: Thresholds): PairCase {
  const fast = pagePairs(t)[0]!;
  const long = minutes(fast.longSeconds);
  const short = minutes(fast.shortSeconds);
  const n = Math.floor(minEvents(spec, fast) / 2);
  return {
    name: `thin flow: ${spec.thinFlow(spec.ignoredBadEvents, n)}`,
    phases: [
      { minutes: long - short, total: n / long, bad: 0 },
      { minutes: short, total: n / long, bad: spec.ignoredBadEvents / short },
    ],
    atMinutes: long,
    stepMinutes: 1,
  };
}

/** An alert of `spec` over `pairs`, with its cases. */
function sloAlert(spec: SloSpec, t: Thresholds, kind: 'page' | 'ticket', pairs: readonly BurnPair[], rules: SloRecordingRules): AlertRule {
  const a = spec[kind];
  const b = errorBudget(spec.objective);
  const burn = (seconds: number) => sloSel(spec, rules.ratio.get(win(seconds))!).div(b);
  const expr = pairs
    .map((p) => burn(p.longSeconds).gt(p.factor).and(burn(p.shortSeconds).gt(p.factor)).and(sloSel(spec, rules.events.get(win(p.longSeconds))!).gte(minEvents(spec, p))))
    .reduce((x, y) => x.or(y));
  const placeholders = { instance: '{{ $labels.instance }}', ...Object.fromEntries(spec.by.map((l) => [l, `{{ $labels.${l} }}`])) };
  const expected = { instance: TEST_TARGET.instance, ...spec.testLabels };
  const labels = { ...TEST_TARGET, ...spec.testLabels, ...sloIdentity(spec) };
  const series = (c: PairCase): Pick<Case, 'name' | 'series' | 'at' | 'interval'> => ({ name: c.name, series: spec.sli.fixture(c.phases, c.stepMinutes), at: at(c.atMinutes), interval: at(c.stepMinutes) });
  const firing: FiringCase[] = pairs.map((p, i) => {
    const c = pairCase(spec, pairs, i, 1 + SLO_TEST_MARGIN);
    return { ...series(c), alerts: [{ labels, description: describe(spec, kind, pairs, (p.factor * (1 + SLO_TEST_MARGIN)).toFixed(2), expected) }] };
  });
  const silent: Case[] = [...pairs.map((_, i) => series(pairCase(spec, pairs, i, 1 - SLO_TEST_MARGIN))), series(thinFlowCase(spec, t))];
  return alert({
    name: a.name,
    family: spec.family,
    severity: a.severity,
    expr,
    for: holdFor(0),
    summary: a.summary,
    description: describe(spec, kind, pairs, '{{ $value | printf "%.2f" }}', placeholders),
    runbook: spec.runbook,
    panel: spec.panel,
    labels: { sloth_severity: a.slothSeverity },
    tests: { firing, silent },
  });
}

/**
 * The promtool expression case of the budget gauge: an hour at half the budget's rate leaves half
 * the budget. 1 / budget events a minute, half a bad one a minute: every count is a multiple of 1/2,
 * so the sums are exact and the gauge is exactly 0.5 (promtool 2.42 compares values exactly).
 */
function budgetCase(spec: SloSpec, rules: SloRecordingRules): ExprCase {
  const b = errorBudget(spec.objective);
  return {
    name: 'an hour at half the budget rate leaves half the budget',
    series: spec.sli.fixture([{ minutes: 60, total: Math.round(1 / b), bad: 0.5 }], 1),
    at: '60m',
    interval: '1m',
    expr: sloSel(spec, rules.budgetRemaining),
    samples: [{ labels: { __name__: rules.budgetRemaining.record, ...TEST_TARGET, ...spec.testLabels, ...sloIdentity(spec) }, value: 0.5 }],
  };
}

/**
 * The rule group of one SLO (file `prometheus/rules/slo-<slo>.yml`): its recording rules, then its
 * page and ticket alerts; the promtool file steps every {@link SLO_TEST_INTERVAL}.
 * @param t - the thresholds (the live rules use thresholds.ts; tests pass modified copies)
 */
export function sloRules(spec: SloSpec, t: Thresholds): RuleGroup {
  const pages = pagePairs(t);
  const tickets = ticketPairs(t);
  const rules = sloRecordingRules(spec, [...pages, ...tickets]);
  return {
    name: `slo-${spec.slo}`,
    interval: SLO_GROUP_INTERVAL,
    testInterval: SLO_TEST_INTERVAL,
    rules: [...rules.all, sloAlert(spec, t, 'page', pages, rules), sloAlert(spec, t, 'ticket', tickets, rules)],
    exprTests: [budgetCase(spec, rules)],
  };
}

/** The series of a histogram's `_bucket` at `le` for a fixture (the SLI's good events). */
function bucketInput(def: typeof C.orderAckLatencySeconds, labels: { gateway: string }, le: number, values: string): InputSeries {
  return input(def, { ...labels, le: String(le) }, values, '_bucket');
}

/**
 * Order acknowledgement: 99.9 % of orders acknowledged within 5 ms (issue 17). Bad: an ack slower
 * than the bound, counted exactly because 5 ms is a bucket bound of `hft_order_ack_latency_seconds`
 * (`_count` minus the `le="0.005"` bucket). One SLO per HFT exporter, over all its gateways: the
 * promise is about orders, wherever they go (the ack latency panel tells the gateways apart).
 * Rejected orders carry no ack and are not in it.
 */
export function orderAckSlo(t: Thresholds): SloSpec {
  const bound = t.ORDER_ACK_SLO_LATENCY_SECONDS;
  const by = ['job', 'instance'];
  const good = (w: SloWindow, over: RangeFn) => sum(by, over(bucketAt(C.orderAckLatencySeconds, bound), w));
  const all = (w: SloWindow, over: RangeFn) => sum(by, over(count(C.orderAckLatencySeconds), w));
  return {
    slo: 'order-ack-latency',
    service: 'order-path',
    objective: t.ORDER_ACK_SLO_OBJECTIVE_RATIO,
    periodSeconds: t.SLO_PERIOD_SECONDS,
    by: [],
    sli: {
      errors: (w, over) => all(w, over).sub(good(w, over)),
      total: all,
      fixture: (phases, step) => {
        const v = phaseValues(phases, step);
        return [input(C.orderAckLatencySeconds, { gateway: 'broker-a' }, v.total, '_count'), bucketInput(C.orderAckLatencySeconds, { gateway: 'broker-a' }, bound, v.good)];
      },
    },
    events: 'orders',
    burning: `Orders acknowledged in more than ${promDur(bound)} at {{ $labels.instance }}`,
    promise: `of orders acknowledged within ${promDur(bound)}`,
    ignoredBadEvents: t.ORDER_ACK_SLO_IGNORED_SLOW_ORDERS,
    page: { name: 'OrderAckSloFastBurn', severity: 'critical', slothSeverity: 'page', summary: 'Order acknowledgement SLO: error budget burning fast' },
    ticket: { name: 'OrderAckSloSlowBurn', severity: 'warning', slothSeverity: 'ticket', summary: 'Order acknowledgement SLO: error budget burning' },
    family: 'slo_order_ack',
    runbook: 'OrderAckSlo',
    panel: PANELS.sloOrderAck,
    testEventsPerMinute: 1000,
    testLabels: {},
    thinFlow: (bad, n) => `${bad} slow order${bad === 1 ? '' : 's'} among ${n} in an hour`,
  };
}

/**
 * Feed availability: 99.95 % of each feed's open-session seconds outside gaps of more than 1 s
 * without a tick (issue 17). The exporter counts both (`hft_feed_open_seconds_total`,
 * `hft_feed_gap_exceeded_seconds_total`, exporters/hft/derive.ts): a gap over the bound counts whole,
 * only while the session is open. One SLO per feed.
 */
export function feedAvailabilitySlo(t: Thresholds): SloSpec {
  const by = ['job', 'instance', 'feed'];
  return {
    slo: 'feed-availability',
    service: 'market-data',
    objective: t.FEED_AVAILABILITY_SLO_OBJECTIVE_RATIO,
    periodSeconds: t.SLO_PERIOD_SECONDS,
    by: ['feed'],
    sli: {
      errors: (w, over) => sum(by, over(sel(C.feedGapExceededSecondsTotal), w)),
      total: (w, over) => sum(by, over(sel(C.feedOpenSecondsTotal), w)),
      fixture: (phases, step) => {
        const v = phaseValues(phases, step);
        return [input(C.feedOpenSecondsTotal, { feed: 'twse-md' }, v.total), input(C.feedGapExceededSecondsTotal, { feed: 'twse-md' }, v.bad)];
      },
    },
    events: 'seconds of open session',
    burning: 'Feed {{ $labels.feed }} at {{ $labels.instance }} spends open-session time in gaps without ticks',
    promise: 'of open-session time outside feed gaps',
    ignoredBadEvents: t.FEED_AVAILABILITY_SLO_IGNORED_GAP_SECONDS,
    page: { name: 'FeedAvailabilitySloFastBurn', severity: 'critical', slothSeverity: 'page', summary: 'Feed availability SLO: error budget burning fast' },
    ticket: { name: 'FeedAvailabilitySloSlowBurn', severity: 'warning', slothSeverity: 'ticket', summary: 'Feed availability SLO: error budget burning' },
    family: 'slo_feed_availability',
    runbook: 'FeedAvailabilitySlo',
    panel: PANELS.sloFeedAvailability,
    testEventsPerMinute: 60,
    testLabels: { feed: 'twse-md' },
    thinFlow: (bad, n) => `${bad} s of gap in an hour with ${n} s of open session (just after the open)`,
  };
}

/**
 * Audit durability: 99.99 % of batch writes to the audit store without a failure (issue 17). Every
 * write attempt counts: a success observes `hft_recorder_write_duration_seconds`, a failure (retried
 * or spooled, not lost) increments `hft_recorder_write_failures_total`, so a store that stays down
 * burns the budget at every retry. The recorder service and the HFT exporter (an engine's own
 * recorder, from its `recorder.*` events) both export them: one SLO per target.
 */
export function auditDurabilitySlo(t: Thresholds): SloSpec {
  const by = ['job', 'instance'];
  const failures = (w: SloWindow, over: RangeFn) => sum(by, over(sel(C.recorderWriteFailuresTotal), w));
  const writes = (w: SloWindow, over: RangeFn) => sum(by, over(count(C.recorderWriteDurationSeconds), w));
  return {
    slo: 'audit-durability',
    service: 'audit-recorder',
    objective: t.AUDIT_DURABILITY_SLO_OBJECTIVE_RATIO,
    periodSeconds: t.SLO_PERIOD_SECONDS,
    by: [],
    sli: {
      errors: failures,
      // Successful writes plus failed ones; either counter may not exist yet (an engine's recorder
      // makes each on its first event of the kind): 0 for it then.
      total: (w, over) => writes(w, over).or(failures(w, over).mul(0)).add(failures(w, over).or(writes(w, over).mul(0))),
      fixture: (phases, step) => {
        const v = phaseValues(phases, step);
        return [input(C.recorderWriteDurationSeconds, { store: 'clickhouse' }, v.good, '_count'), input(C.recorderWriteFailuresTotal, { table: 'audit_orders' }, v.bad)];
      },
    },
    events: 'batch writes',
    burning: 'Batch writes to the audit store fail at {{ $labels.instance }}',
    promise: 'of batch writes without a failure',
    ignoredBadEvents: t.AUDIT_DURABILITY_SLO_IGNORED_FAILED_WRITES,
    page: { name: 'AuditDurabilitySloFastBurn', severity: 'critical', slothSeverity: 'page', summary: 'Audit durability SLO: error budget burning fast' },
    ticket: { name: 'AuditDurabilitySloSlowBurn', severity: 'warning', slothSeverity: 'ticket', summary: 'Audit durability SLO: error budget burning' },
    family: 'slo_audit_durability',
    runbook: 'AuditDurabilitySlo',
    panel: PANELS.sloAuditDurability,
    testEventsPerMinute: 600,
    testLabels: {},
    thinFlow: (bad, n) => `${bad} failed write${bad === 1 ? '' : 's'} among ${n} in an hour`,
  };
}

/** The SLOs, with the thresholds `t`. */
export function slos(t: Thresholds): readonly SloSpec[] {
  return [orderAckSlo(t), feedAvailabilitySlo(t), auditDurabilitySlo(t)];
}

/** Order acknowledgement SLO rules with the thresholds `t`. */
export const orderAckSloRules = (t: Thresholds): RuleGroup => sloRules(orderAckSlo(t), t);
/** Feed availability SLO rules with the thresholds `t`. */
export const feedAvailabilitySloRules = (t: Thresholds): RuleGroup => sloRules(feedAvailabilitySlo(t), t);
/** Audit durability SLO rules with the thresholds `t`. */
export const auditDurabilitySloRules = (t: Thresholds): RuleGroup => sloRules(auditDurabilitySlo(t), t);

/** The live SLOs (thresholds.ts). */
export const SLOS: readonly SloSpec[] = slos(T);
/** The live SLO groups, one file each. */
export const sloGroups: readonly RuleGroup[] = [orderAckSloRules(T), feedAvailabilitySloRules(T), auditDurabilitySloRules(T)];

/**
 * What the rules build refuses in an SLO: an objective outside (0, 1), a latency bound that is not
 * a bucket bound of the histogram (the SLI would count nothing as good), a thin-flow guard under one
 * event, a feed gap bound that differs from FeedGap's.
 * @returns problems; empty when sound
 */
export function checkSlos(t: Thresholds = T): string[] {
  const p: string[] = [];
  for (const s of slos(t)) {
    if (!(s.objective > 0 && s.objective < 1)) p.push(`SLO ${s.slo}: objective ${s.objective} is not between 0 and 1`);
    if (!(s.ignoredBadEvents >= 0)) p.push(`SLO ${s.slo}: ignored bad events ${s.ignoredBadEvents} is negative`);
    for (const pair of [...pagePairs(t), ...ticketPairs(t)]) {
      if (!(pair.shortSeconds < pair.longSeconds)) p.push(`SLO ${s.slo}: the short window ${pair.shortSeconds} s of the ${pair.factor}x pair is not shorter than its long window ${pair.longSeconds} s`);
      if (!(pair.longSeconds <= s.periodSeconds)) p.push(`SLO ${s.slo}: the ${pair.factor}x pair's long window is longer than the period`);
    }
  }
  if (!(C.orderAckLatencySeconds.buckets ?? []).includes(t.ORDER_ACK_SLO_LATENCY_SECONDS))
    p.push(`SLO order-ack-latency: ${t.ORDER_ACK_SLO_LATENCY_SECONDS} s is not a bucket bound of ${C.orderAckLatencySeconds.name} (${(C.orderAckLatencySeconds.buckets ?? []).join(', ')})`);
  if (C.FEED_GAP_BAD_AFTER_SECONDS !== t.FEED_GAP_CRITICAL_SECONDS)
    p.push(`SLO feed-availability: the exporter's gap bound (FEED_GAP_BAD_AFTER_SECONDS, ${C.FEED_GAP_BAD_AFTER_SECONDS} s) differs from FeedGap's (FEED_GAP_CRITICAL_SECONDS, ${t.FEED_GAP_CRITICAL_SECONDS} s)`);
  return p;
}
