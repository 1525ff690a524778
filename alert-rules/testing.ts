/** Helpers that make promtool cases short: histograms with all observations in one bucket, gauges held. */
import type { LabelSpec, MetricDef } from '../exporters/catalog/types.js';
import { histogramInput, type InputSeries } from './model.js';
import type { Matchers } from '../query/promql.js';

/**
 * A histogram whose observations all land in the bucket holding `value`: `perSecond` observations a
 * second for `seconds` seconds.
 */
export function histogramAt<D extends MetricDef<string, 'histogram', LabelSpec>>(def: D, labels: Matchers<D> & Record<string, string>, value: number, perSecond: number, seconds: number): InputSeries[] {
  return histogramInput(def, labels, (le) => (le >= value ? `0+${perSecond}x${seconds}` : `0x${seconds}`));
}

/** `v` repeated for `n + 1` samples (`vxn` in promtool notation). */
export function hold(v: number, n: number): string {
  return `${v}x${n}`;
}
