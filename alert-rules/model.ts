/**
 * The typed rule model: alerting rules with their promtool cases, recording rules, and groups.
 * `npm run build:rules` turns these into `prometheus/rules/*.yml` and
 * `prometheus/rules/tests/*.test.yml` (see build.ts).
 */
import { defaultTarget } from '../exporters/catalog/jobs.js';
import type { LabelSpec, MetricDef, MetricType } from '../exporters/catalog/types.js';
import { promDur } from '../query/format.js';
import { dashboardUrl, runbookUrl, type PanelRef } from '../query/links.js';
import type { AlertFamily } from '../query/panels.js';
import type { Duration, Expr, Matchers } from '../query/promql.js';
import type { RecordingRule } from '../query/recording.js';
import type * as LiveThresholds from './thresholds.js';

/**
 * The thresholds an alert is built from: every constant of `thresholds.ts`, by name. The rules are
 * built from the module itself; a test passes a copy with one value changed (`{ ...T, X: 2 }`) to
 * see every sentence that names `X` change with it.
 */
export type Thresholds = { readonly [K in keyof typeof LiveThresholds]: number };

/**
 * A `for:` hold of `seconds`, written as Prometheus writes a duration (`5s`, `2m`, `1h30m`; see
 * `promDur` in query/format.ts).
 * @param seconds - the hold in seconds, >= 0
 * @throws RangeError when `seconds` is negative, NaN or infinite
 */
export function holdFor(seconds: number): Duration {
  return promDur(seconds) as Duration;
}


/** `critical` pages (pager + Slack + email), `warning` goes to chat, `none` is for Watchdog. */
export type Severity = 'critical' | 'warning' | 'none';

/** One input series of a promtool case: `values` in promtool's expanding notation (`0+1x10`). */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** The default target labels of input series: the HFT exporter's job at its default port (the catalog's port plan). */
export const TEST_TARGET = defaultTarget('hft');

/**
 * An input series for a catalog metric (or a histogram's `_bucket`/`_count`/`_sum` via `suffix`).
 * `job` and `instance` default to {@link TEST_TARGET}.
 */
export function input<D extends MetricDef>(def: D, labels: Matchers<D> & Record<string, string>, values: string, suffix: '' | '_bucket' | '_count' | '_sum' = ''): InputSeries {
  const all: Record<string, string> = { ...TEST_TARGET, ...(labels as Record<string, string>) };
  const body = Object.keys(all)
    .sort()
    .map((k) => `${k}=${JSON.stringify(all[k])}`)
    .join(', ');
  return { series: `${def.name}${suffix}{${body}}`, values };
}

/** Input series for every bucket of a histogram: each `le` gets its own values. */
export function histogramInput<D extends MetricDef<string, 'histogram', LabelSpec>>(def: D, labels: Matchers<D> & Record<string, string>, perBucket: (le: number) => string): InputSeries[] {
  const bounds = [...(def.buckets ?? []), Infinity];
  return bounds.map((le) => input(def, { ...labels, le: Number.isFinite(le) ? String(le) : '+Inf' } as Matchers<D> & Record<string, string>, perBucket(le), '_bucket'));
}

/** An alert expected at a firing case's evaluation time. */
export interface ExpectedAlert {
  /** Labels the expression yields (severity, family and the rule's own labels are added). */
  readonly labels: Readonly<Record<string, string>>;
  /** The description exactly as Prometheus renders it. */
  readonly description: string;
}

/** A promtool case. */
export interface Case {
  readonly name: string;
  readonly series: readonly InputSeries[];
  /** Evaluation time from the start of the series (a multiple of the group's {@link RuleGroup.testInterval}). */
  readonly at: Duration;
  /** Time between two values of the input series; `1s` by default. */
  readonly interval?: Duration;
}

/** A case in which the alert fires with these alerts. */
export interface FiringCase extends Case {
  readonly alerts: readonly ExpectedAlert[];
}

/** A promtool expression case (`promql_expr_test`): `expr` at `at` returns exactly `samples`. */
export interface ExprCase extends Case {
  readonly expr: Expr;
  /** Each sample's full label set (with `__name__` when the result keeps it) and value; promtool 2.42 compares values exactly. */
  readonly samples: readonly { readonly labels: Readonly<Record<string, string>>; readonly value: number }[];
}

/** An alert rule. */
export interface AlertRule {
  readonly kind: 'alert';
  /** Alert name, UpperCamelCase; also the runbook file name. */
  readonly name: string;
  /**
   * Twin key: a critical and its warning twin share it, and the critical inhibits the warning. One
   * of query/panels.ts' `ALERT_FAMILY_DASHBOARDS`, which names the dashboards that list the family's
   * alerts: a new family goes there first, with its dashboard.
   */
  readonly family: AlertFamily;
  readonly severity: Severity;
  readonly expr: Expr;
  readonly for: Duration;
  /** Static one-line summary. */
  readonly summary: string;
  /** Template with the value and labels (`{{ $value }}`, `{{ $labels.feed }}`). */
  readonly description: string;
  /** Runbook file in runbooks/ without `.md`; defaults to the alert name. */
  readonly runbook?: string;
  /** The dashboard panel that shows it (null for Watchdog). */
  readonly panel: PanelRef | null;
  /** Extra static labels. */
  readonly labels?: Readonly<Record<string, string>>;
  /** promtool cases: at least one firing and one silent. */
  readonly tests: { readonly firing: readonly FiringCase[]; readonly silent: readonly Case[] };
}

/** Declares an alert. */
export function alert(a: Omit<AlertRule, 'kind'>): AlertRule {
  return { kind: 'alert', ...a };
}

/** A rule group: one file in prometheus/rules/. */
export interface RuleGroup {
  /** File and group name (`feed` becomes `prometheus/rules/feed.yml`, group `tickwatch-feed`). */
  readonly name: string;
  /** Evaluation interval of the group. */
  readonly interval: Duration;
  readonly rules: readonly (AlertRule | RecordingRule)[];
  /** promtool's evaluation step (`evaluation_interval`) in the group's test file; `1s` by default. */
  readonly testInterval?: Duration;
  /** Expression cases of the group's recording rules, written to its test file beside the alert cases. */
  readonly exprTests?: readonly ExprCase[];
}

/** Labels an alert carries besides those its expression yields. */
export function staticLabels(a: AlertRule): Record<string, string> {
  return { severity: a.severity, family: a.family, ...a.labels };
}

/** Annotations of an alert (summary, description, runbook and dashboard links). */
export function annotations(a: AlertRule): Record<string, string> {
  const out: Record<string, string> = { summary: a.summary, description: a.description, runbook_url: runbookUrl(a.runbook ?? a.name) };
  if (a.panel) out.dashboard_url = dashboardUrl(a.panel);
  return out;
}
