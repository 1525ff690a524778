/**
 * AI decisions and their outcomes (seed 003): what a model predicted, from which inputs, how sure
 * it was and why (feature contributions, e.g. SHAP values), and later whether it was right. The
 * inputs and the explanation are bounded (64 entries each) and never become labels.
 */
import { Type } from '@sinclair/typebox';
import { defineEvent, Name, Nanos } from './define.js';

const model = {
  model_id: Name('The model (a configured name; the `model` label).'),
  model_version: Type.String({ minLength: 1, maxLength: 64, description: 'Its version.' }),
  decision_id: Type.String({ minLength: 1, maxLength: 128, description: 'Ties the decision to its outcome.' }),
};

/** A model's decision. */
export const aiDecision = defineEvent(
  'ai.decision',
  'A model decision. Counts hft_ai_predictions_total, feeds hft_ai_inference_latency_seconds and hft_ai_confidence_ratio; recorded (hash-chained) in audit_ai_decisions.',
  {
    ...model,
    strategy: Type.Optional(Name('The strategy that asked.')),
    features: Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.Number(), Type.String({ maxLength: 256 }), Type.Boolean(), Type.Null()]), { maxProperties: 64, description: 'The model inputs (at most 64).' }),
    prediction: Type.Union([Type.Number(), Type.String({ maxLength: 64 })], { description: 'What it predicted (a score or a class).' }),
    confidence: Type.Number({ minimum: 0, maximum: 1, description: 'How sure, 0 to 1.' }),
    explanation: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Number(), { maxProperties: 64, description: 'Contribution of each feature (e.g. SHAP values).' })),
    latency_ns: Nanos('Inference time.'),
  },
  {
    component: 'strategy_runner',
    model_id: 'alpha-gbm',
    model_version: '2026.11.3',
    decision_id: 'd-55102',
    strategy: 'mm-2330',
    features: { spread_bp: 1.8, imbalance: 0.31, vol_5m: 0.012 },
    prediction: 0.7,
    confidence: 0.82,
    explanation: { spread_bp: 0.21, imbalance: 0.38, vol_5m: -0.05 },
    latency_ns: 84000,
    intent_id: 'i-8f31',
    correlation_id: 'c-8f31',
  },
);

/** What came of a decision, once known. */
export const aiOutcome = defineEvent(
  'ai.outcome',
  'Whether a model decision was right, once known. Counts hft_ai_outcomes_total and moves hft_ai_accuracy_ratio (over the model\'s last outcomes); recorded in audit_ai_decisions.',
  { ...model, correct: Type.Boolean({ description: 'Whether the prediction was right.' }), actual: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])) },
  { component: 'strategy_runner', model_id: 'alpha-gbm', model_version: '2026.11.3', decision_id: 'd-55102', correct: true, actual: 1, correlation_id: 'c-8f31' },
);
