/**
 * Trade executions (seed 000's trade_execution_log): fill slippage against the intent price, from the
 * signed histogram `hft_fill_slippage_ratio` (positive is adverse). Its bounds go below zero, so in
 * OpenMetrics (what Prometheus scrapes) it has buckets only, no `_sum` and no `_count` (see its TSDoc
 * in exporters/catalog/executions.ts): both alerts read the buckets. SlippageHigh warns on a high
 * p95 (histogram_quantile over the buckets); SlippageOutlier pages on any single fill past a hard
 * bound, counted as the fills in the `+Inf` bucket minus those in the bucket at the bound.
 */
import * as C from '../exporters/catalog/index.js';
import { promDur, promPct } from '../query/format.js';
import { PANELS } from '../query/panels.js';
import { bucketAt, increase, quantile, sum } from '../query/promql.js';
import { alert, histogramInput, holdFor, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { histogramAt } from './testing.js';
import * as T from './thresholds.js';

const by = ['job', 'instance', 'strategy'] as const;
const strategy = { strategy: 'mm-2330' } as const;

/**
 * A histogram's `_bucket` series at one bound: `le` is no label of the catalog definition, so the
 * typed matchers do not name it. `bound` is written as the exporter writes it (`String(0.005)`, `+Inf`).
 */

/** SlippageHigh with the thresholds `t`: adverse slippage p95 over 5 minutes above its bound. */
export const slippageHigh = (t: Thresholds): AlertRule =>
  alert({
    name: 'SlippageHigh',
    family: 'slippage_high',
    severity: 'warning',
    expr: quantile(0.95, C.fillSlippageRatio, by, '5m').gt(t.SLIPPAGE_P95_WARNING_RATIO),
    for: holdFor(t.SLIPPAGE_HIGH_FOR_SECONDS),
    summary: 'Fill slippage high',
    description: `Slippage p95 of strategy {{ $labels.strategy }} ({{ $labels.instance }}) is {{ $value | humanizePercentage }} of the intent price against it over the last 5 minutes (warning above ${promPct(t.SLIPPAGE_P95_WARNING_RATIO)} for ${promDur(t.SLIPPAGE_HIGH_FOR_SECONDS)}).`,
    panel: PANELS.slippageP95,
    tests: {
      firing: [
        {
          name: 'fills slip 10-20 bp',
          series: histogramAt(C.fillSlippageRatio, strategy, 0.0015, 10, 400),
          at: '300s',
          alerts: [
            {
              labels: { ...TEST_TARGET, ...strategy },
              description: `Slippage p95 of strategy mm-2330 (${TEST_TARGET.instance}) is 0.195% of the intent price against it over the last 5 minutes (warning above ${promPct(t.SLIPPAGE_P95_WARNING_RATIO)} for ${promDur(t.SLIPPAGE_HIGH_FOR_SECONDS)}).`,
            },
          ],
        },
      ],
      silent: [
        { name: 'p95 just under 10 bp', series: histogramAt(C.fillSlippageRatio, strategy, 0.0009, 10, 400), at: '300s' },
        { name: 'price improvement is no slippage', series: histogramAt(C.fillSlippageRatio, strategy, -0.004, 10, 400), at: '300s' },
      ],
    },
  });

/** Fills per second in the promtool cases, and when the outlier lands. */
const PER_SECOND = 10;
const OUTLIER_AT = 60;

/**
 * Cumulative bucket counts of fills at 10 a second, all within 1 bp, plus (when `outlierAt` is set)
 * one fill at that second past every bound up to `hard` (in the next bucket).
 */
function fills(hard: number, outlierAt: number | undefined, seconds: number) {
  return histogramInput(C.fillSlippageRatio, strategy, (le) => {
    if (le < 0.0001) return `0x${seconds}`;
    if (outlierAt === undefined || le <= hard) return `0+${PER_SECOND}x${seconds}`;
    return `0+${PER_SECOND}x${outlierAt - 1} ${outlierAt * PER_SECOND + 1}+${PER_SECOND}x${seconds - outlierAt}`;
  });
}

/**
 * SlippageOutlier with the thresholds `t`: a fill in the last 5 minutes slipped past the hard bound.
 * `SLIPPAGE_OUTLIER_CRITICAL_RATIO` must be a bucket bound of the histogram (the bucket subtracted
 * counts the fills at or under it).
 */
export const slippageOutlier = (t: Thresholds): AlertRule =>
  alert({
    name: 'SlippageOutlier',
    family: 'slippage_outlier',
    severity: 'critical',
    expr: sum(by, increase(bucketAt(C.fillSlippageRatio, Infinity), '5m'))
      .sub(sum(by, increase(bucketAt(C.fillSlippageRatio, t.SLIPPAGE_OUTLIER_CRITICAL_RATIO), '5m')))
      .gt(0),
    for: '0s',
    summary: 'A fill slipped past the hard bound',
    description: `{{ $value | humanize }} fills of strategy {{ $labels.strategy }} ({{ $labels.instance }}) slipped more than ${promPct(t.SLIPPAGE_OUTLIER_CRITICAL_RATIO)} against their intent price in the last 5 minutes: a wrong price, a stale reference or a runaway order. Find them: tickwatch logs search --event execution.fill --since 10m --json.`,
    panel: PANELS.slippageOutliers,
    tests: {
      firing: [
        {
          name: 'one fill slips past the bound',
          series: fills(t.SLIPPAGE_OUTLIER_CRITICAL_RATIO, OUTLIER_AT + 1, 400),
          at: '200s',
          alerts: [
            {
              labels: { ...TEST_TARGET, ...strategy },
              description: `1 fills of strategy mm-2330 (${TEST_TARGET.instance}) slipped more than ${promPct(t.SLIPPAGE_OUTLIER_CRITICAL_RATIO)} against their intent price in the last 5 minutes: a wrong price, a stale reference or a runaway order. Find them: tickwatch logs search --event execution.fill --since 10m --json.`,
            },
          ],
        },
      ],
      silent: [
        { name: 'every fill within the bound', series: fills(t.SLIPPAGE_OUTLIER_CRITICAL_RATIO, undefined, 400), at: '200s' },
        { name: 'the outlier is over 5 minutes old', series: fills(t.SLIPPAGE_OUTLIER_CRITICAL_RATIO, 2, 500), at: '400s' },
      ],
    },
  });

/** Execution rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const executionsRules = (t: Thresholds): RuleGroup => ({ name: 'executions', interval: '5s', rules: [slippageHigh(t), slippageOutlier(t)] });

/** Execution rules. */
export const executionsGroup: RuleGroup = executionsRules(T);
