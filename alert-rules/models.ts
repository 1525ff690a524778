/**
 * AI models on the decision path (seed 003): a model whose calls stopped being right (accuracy over
 * its last outcomes), one that stopped believing its own calls (median confidence), and one too slow
 * to answer (inference p99). Per model: the `model` label is the decision's `model_id`.
 */
import * as C from '../exporters/catalog/index.js';
import { count, promDur, promPct } from '../query/format.js';
import { PANELS } from '../query/panels.js';
import { min, quantile, sel, sum } from '../query/promql.js';
import { alert, holdFor, input, TEST_TARGET, type AlertRule, type RuleGroup, type Thresholds } from './model.js';
import { histogramAt, hold } from './testing.js';
import * as T from './thresholds.js';

const by = ['job', 'instance', 'model'] as const;
const model = { model: 'alpha-gbm' } as const;
/** Outcomes of the model, right and wrong, `perSecond` each a second for `seconds` seconds. */
const outcomes = (perSecond: number, seconds: number) => (['correct', 'wrong'] as const).map((result) => input(C.aiOutcomesTotal, { ...model, result }, `0+${perSecond}x${seconds}`));

/**
 * ModelAccuracyLow with the thresholds `t`: a model's accuracy over its last outcomes under its
 * bound, once the exporter has seen `AI_ACCURACY_MIN_OUTCOMES` outcomes of it (an accuracy over the
 * first handful is noise).
 */
export const modelAccuracyLow = (t: Thresholds): AlertRule =>
  alert({
    name: 'ModelAccuracyLow',
    family: 'model_accuracy',
    severity: 'warning',
    expr: min(by, sel(C.aiAccuracyRatio))
      .lt(t.MODEL_ACCURACY_WARNING_RATIO)
      .and(sum(by, sel(C.aiOutcomesTotal)).gte(C.AI_ACCURACY_MIN_OUTCOMES), by),
    for: holdFor(t.MODEL_ACCURACY_FOR_SECONDS),
    summary: 'Model accuracy low',
    description: `Model {{ $labels.model }} ({{ $labels.instance }}) was right in {{ $value | humanizePercentage }} of its last ${count(C.AI_ACCURACY_WINDOW_OUTCOMES)} outcomes (warning under ${promPct(t.MODEL_ACCURACY_WARNING_RATIO)} for ${promDur(t.MODEL_ACCURACY_FOR_SECONDS)}, from its ${count(C.AI_ACCURACY_MIN_OUTCOMES)}th outcome): its inputs or the market drifted from what it was trained on.`,
    panel: PANELS.modelAccuracy,
    tests: {
      firing: [
        {
          name: 'right in 35 % of outcomes',
          series: [input(C.aiAccuracyRatio, model, `${hold(0.65, 20)} ${hold(0.35, 200)}`), ...outcomes(4, 220)],
          at: '150s',
          alerts: [
            {
              labels: { ...TEST_TARGET, ...model },
              description: `Model alpha-gbm (${TEST_TARGET.instance}) was right in 35% of its last ${count(C.AI_ACCURACY_WINDOW_OUTCOMES)} outcomes (warning under ${promPct(t.MODEL_ACCURACY_WARNING_RATIO)} for ${promDur(t.MODEL_ACCURACY_FOR_SECONDS)}, from its ${count(C.AI_ACCURACY_MIN_OUTCOMES)}th outcome): its inputs or the market drifted from what it was trained on.`,
            },
          ],
        },
      ],
      silent: [
        { name: 'just over the bound', series: [input(C.aiAccuracyRatio, model, hold(t.MODEL_ACCURACY_WARNING_RATIO + 0.01, 200)), ...outcomes(4, 200)], at: '150s' },
        { name: 'under the bound for less than the hold', series: [input(C.aiAccuracyRatio, model, `${hold(0.65, 100)} ${hold(0.3, 200)}`), ...outcomes(4, 300)], at: `${100 + Math.floor(t.MODEL_ACCURACY_FOR_SECONDS / 2)}s` },
        {
          name: 'too few outcomes yet: the first ones wrong',
          series: [input(C.aiAccuracyRatio, model, hold(0.2, 400)), input(C.aiOutcomesTotal, { ...model, result: 'wrong' }, `0+1x${C.AI_ACCURACY_MIN_OUTCOMES - 2} ${hold(C.AI_ACCURACY_MIN_OUTCOMES - 2, 400)}`)],
          at: '300s',
        },
      ],
    },
  });

/** ModelConfidenceCollapse with the thresholds `t`: a model's median confidence over 10 minutes under its bound. */
export const modelConfidenceCollapse = (t: Thresholds): AlertRule =>
  alert({
    name: 'ModelConfidenceCollapse',
    family: 'model_confidence',
    severity: 'warning',
    expr: quantile(0.5, C.aiConfidenceRatio, by, '10m').lt(t.MODEL_CONFIDENCE_MEDIAN_WARNING_RATIO),
    for: holdFor(t.MODEL_CONFIDENCE_FOR_SECONDS),
    summary: 'Model confidence collapsed',
    description: `The median confidence of model {{ $labels.model }} ({{ $labels.instance }}) over the last 10 minutes is {{ $value | humanizePercentage }} (warning under ${promPct(t.MODEL_CONFIDENCE_MEDIAN_WARNING_RATIO)} for ${promDur(t.MODEL_CONFIDENCE_FOR_SECONDS)}): it no longer recognises the market it sees.`,
    panel: PANELS.modelConfidence,
    tests: {
      firing: [
        {
          name: 'decisions at 20-30 % confidence',
          series: histogramAt(C.aiConfidenceRatio, model, 0.25, 4, 700),
          at: '600s',
          alerts: [
            {
              labels: { ...TEST_TARGET, ...model },
              description: `The median confidence of model alpha-gbm (${TEST_TARGET.instance}) over the last 10 minutes is 25% (warning under ${promPct(t.MODEL_CONFIDENCE_MEDIAN_WARNING_RATIO)} for ${promDur(t.MODEL_CONFIDENCE_FOR_SECONDS)}): it no longer recognises the market it sees.`,
            },
          ],
        },
      ],
      silent: [
        { name: 'confident as usual (70-80 %)', series: histogramAt(C.aiConfidenceRatio, model, 0.75, 4, 700), at: '600s' },
        { name: 'no decisions at all', series: histogramAt(C.aiConfidenceRatio, model, 0.25, 0, 700), at: '600s' },
      ],
    },
  });

/** ModelInferenceSlow with the thresholds `t`: inference p99 over 5 minutes above its bound. */
export const modelInferenceSlow = (t: Thresholds): AlertRule =>
  alert({
    name: 'ModelInferenceSlow',
    family: 'model_latency',
    severity: 'warning',
    expr: quantile(0.99, C.aiInferenceLatencySeconds, by, '5m').gt(t.MODEL_INFERENCE_P99_WARNING_SECONDS),
    for: holdFor(t.MODEL_INFERENCE_FOR_SECONDS),
    summary: 'Model inference slow',
    description: `Inference latency p99 of model {{ $labels.model }} ({{ $labels.instance }}) is {{ $value | humanizeDuration }} over the last 5 minutes (warning above ${promDur(t.MODEL_INFERENCE_P99_WARNING_SECONDS)} for ${promDur(t.MODEL_INFERENCE_FOR_SECONDS)}): every decision that asks it waits that long.`,
    panel: PANELS.modelLatency,
    tests: {
      firing: [
        {
          name: 'inference takes 1-2.5 ms',
          series: histogramAt(C.aiInferenceLatencySeconds, model, 0.002, 4, 400),
          at: '300s',
          alerts: [
            {
              labels: { ...TEST_TARGET, ...model },
              description: `Inference latency p99 of model alpha-gbm (${TEST_TARGET.instance}) is 2.485ms over the last 5 minutes (warning above ${promDur(t.MODEL_INFERENCE_P99_WARNING_SECONDS)} for ${promDur(t.MODEL_INFERENCE_FOR_SECONDS)}): every decision that asks it waits that long.`,
            },
          ],
        },
      ],
      silent: [{ name: 'p99 just under 1 ms', series: histogramAt(C.aiInferenceLatencySeconds, model, 0.0009, 4, 400), at: '300s' }],
    },
  });

/** Model rules with the thresholds `t` (the live rules use thresholds.ts; tests pass modified copies). */
export const modelsRules = (t: Thresholds): RuleGroup => ({ name: 'models', interval: '5s', rules: [modelAccuracyLow(t), modelConfidenceCollapse(t), modelInferenceSlow(t)] });

/** Model rules. */
export const modelsGroup: RuleGroup = modelsRules(T);
