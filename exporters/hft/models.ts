/**
 * AI model metrics from `ai.decision` and `ai.outcome` events (seed 003): predictions, inference
 * latency and confidence per decision, outcomes, and each model's accuracy over its last
 * `AI_ACCURACY_WINDOW_OUTCOMES` (200) outcomes. `model` is the event's `model_id` (a configured
 * name, bounded by the metrics' series limits); the accuracy windows are kept for at most
 * `AI_TRACKED_MODELS` (100) models, the least recently heard from dropped first.
 */
import { AI_ACCURACY_MIN_OUTCOMES, AI_ACCURACY_WINDOW_OUTCOMES, AI_TRACKED_MODELS, aiAccuracyRatio, aiConfidenceRatio, aiInferenceLatencySeconds, aiOutcomesTotal, aiPredictionsTotal } from '../catalog/ai.js';
import type { HftEvent } from '../events/index.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { GaugeSeries } from '../instrument/series.js';
import { LruMap } from './bounded.js';

/** Options of {@link ModelMetrics}. */
export interface ModelMetricsOptions {
  readonly registry: MetricRegistry;
  /** Outcomes the accuracy is computed over (default 200). */
  readonly window?: number;
  /** Outcomes a model needs before {@link ModelMetrics.accuracy} reports it, as ModelAccuracyLow waits (default 50). */
  readonly minOutcomes?: number;
  /** Models whose windows are kept (default 100). */
  readonly tracked?: number;
}

/** One model's last outcomes, as a ring of 0/1. */
class OutcomeWindow {
  private readonly ring: Uint8Array;
  private next = 0;
  n = 0;
  correct = 0;
  constructor(
    size: number,
    readonly gauge: GaugeSeries,
  ) {
    this.ring = new Uint8Array(size);
  }
  add(ok: boolean): void {
    if (this.n === this.ring.length) this.correct -= this.ring[this.next]!;
    else this.n++;
    this.ring[this.next] = ok ? 1 : 0;
    if (ok) this.correct++;
    this.next = (this.next + 1) % this.ring.length;
  }
}

/** Derives the AI metrics. One per exporter. */
export class ModelMetrics {
  private readonly windows: LruMap<string, OutcomeWindow>;
  private readonly size: number;
  private readonly min: number;
  private readonly f;

  /** @throws RangeError when the window or the minimum is not a positive integer, or the minimum exceeds the window */
  constructor(private readonly o: ModelMetricsOptions) {
    this.size = o.window ?? AI_ACCURACY_WINDOW_OUTCOMES;
    this.min = o.minOutcomes ?? AI_ACCURACY_MIN_OUTCOMES;
    if (!Number.isInteger(this.size) || this.size < 1 || !Number.isInteger(this.min) || this.min < 1 || this.min > this.size) throw new RangeError('the accuracy window and its minimum are positive integers, the minimum at most the window');
    this.windows = new LruMap(o.tracked ?? AI_TRACKED_MODELS);
    const r = o.registry;
    this.f = { predictions: r.counter(aiPredictionsTotal), latency: r.histogram(aiInferenceLatencySeconds), confidence: r.histogram(aiConfidenceRatio), outcomes: r.counter(aiOutcomesTotal), accuracy: r.gauge(aiAccuracyRatio) };
  }

  /** Models whose accuracy windows are held (at most the bound). */
  get trackedModels(): number {
    return this.windows.size;
  }

  /**
   * A model's accuracy as ModelAccuracyLow sees it: the share of its last outcomes that were right
   * (what `hft_ai_accuracy_ratio` serves), or undefined while it has fewer outcomes than the minimum
   * the alert waits for (or is not tracked).
   */
  accuracy(model: string): number | undefined {
    const w = this.windows.peek(model);
    return w !== undefined && w.n >= this.min ? w.correct / w.n : undefined;
  }

  /** A decision: counted, its inference time and confidence observed. */
  decision(ev: Extract<HftEvent, { event: 'ai.decision' }>): void {
    this.f.predictions.labels(ev.model_id).inc();
    this.f.latency.labels(ev.model_id).observe(ev.latency_ns * 1e-9);
    this.f.confidence.labels(ev.model_id).observe(ev.confidence);
  }

  /** An outcome: counted by result; the model's accuracy over its last outcomes moves. */
  outcome(ev: Extract<HftEvent, { event: 'ai.outcome' }>): void {
    this.f.outcomes.labels(ev.model_id, ev.correct ? 'correct' : 'wrong').inc();
    let w = this.windows.get(ev.model_id);
    if (w === undefined) this.windows.set(ev.model_id, (w = new OutcomeWindow(this.size, this.f.accuracy.labels(ev.model_id))));
    w.add(ev.correct);
    w.gauge.set(w.correct / w.n);
  }
}
