/**
 * AI decisions and their outcomes (seed 003): per model, how many predictions, how long inference
 * took, how confident the model was, and whether it was right. `model` is the event's `model_id`, a
 * configured model name (open, bounded by each metric's series limit); the model's inputs, its
 * explanation and the decision ids are recorded (audit_ai_decisions), never labels.
 */
import { AI_OUTCOME_RESULTS } from './enums.js';
import { counter, gauge, histogram, LATENCY_BUCKETS_NETWORK_SECONDS } from './types.js';

const domain = 'ai';
const model = { model: 'open' } as const;

/**
 * Outcomes per model over which `hft_ai_accuracy_ratio` is computed: the last 200 (seed 003 names
 * no figure; at the simulator's four decisions a second that is the last 50 s, and the standard
 * error of a 65 % accuracy over 200 outcomes is 3.4 points, so a fall to 50 % is 4 of them).
 */
export const AI_ACCURACY_WINDOW_OUTCOMES = 200;

/**
 * Outcomes of a model the HFT exporter must have seen before ModelAccuracyLow looks at its accuracy
 * (a quarter of the window): an accuracy over a handful of outcomes is noise. The gauge itself is
 * served from the first outcome.
 */
export const AI_ACCURACY_MIN_OUTCOMES = 50;

/** Models whose accuracy windows the exporter keeps (the least recently seen is dropped past it). */
export const AI_TRACKED_MODELS = 100;

/** Model decisions (`ai.decision`), by model. */
export const aiPredictionsTotal = counter({
  name: 'hft_ai_predictions_total',
  help: 'Decisions (predictions) made by a model, by model.',
  unit: 'count',
  labels: model,
  maxSeries: 100,
  domain,
});

/** Inference time of a decision (`ai.decision`'s `latency_ns`), by model. */
export const aiInferenceLatencySeconds = histogram({
  name: 'hft_ai_inference_latency_seconds',
  help: 'Inference time of a model decision in seconds, by model.',
  unit: 'seconds',
  labels: model,
  buckets: LATENCY_BUCKETS_NETWORK_SECONDS,
  maxSeries: 100,
  domain,
});

/** The model's confidence in a decision (`ai.decision`'s `confidence`, 0 to 1), by model. */
export const aiConfidenceRatio = histogram({
  name: 'hft_ai_confidence_ratio',
  help: 'Confidence of a model decision, 0 to 1, by model.',
  unit: 'ratio',
  labels: model,
  buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
  maxSeries: 100,
  domain,
});

/** Outcomes of decisions once known (`ai.outcome`), by model and whether the decision was right. */
export const aiOutcomesTotal = counter({
  name: 'hft_ai_outcomes_total',
  help: 'Outcomes of model decisions once known, by model and result (correct or wrong).',
  unit: 'count',
  labels: { model: 'open', result: AI_OUTCOME_RESULTS },
  maxSeries: 200,
  domain,
});

/**
 * The share of the model's last {@link AI_ACCURACY_WINDOW_OUTCOMES} outcomes that were right (over
 * those it has until the window is full); absent until the model's first outcome. Alerts look at it
 * once `hft_ai_outcomes_total` of the model reaches {@link AI_ACCURACY_MIN_OUTCOMES}.
 */
export const aiAccuracyRatio = gauge({
  name: 'hft_ai_accuracy_ratio',
  help: `Share of the model's last ${AI_ACCURACY_WINDOW_OUTCOMES} decision outcomes that were correct, 0 to 1.`,
  unit: 'ratio',
  labels: model,
  maxSeries: 100,
  domain,
});
