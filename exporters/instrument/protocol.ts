/**
 * Messages from the recording thread's registry to the thread that renders `/metrics`.
 *
 * Values never travel in messages: they live in SharedArrayBuffer segments both threads map.
 * Messages only describe layout (a new segment, a new family, a new series and where its slots
 * are), so they are sent once per series, never per update.
 */
import type { MetricType } from '../catalog/types.js';

/** A new shared-memory segment of `Float64Array` slots. */
export interface SegmentMessage {
  readonly t: 'segment';
  /** Segment index, dense from 0. */
  readonly id: number;
  /** The segment's memory: `buffer.byteLength / 8` float64 slots. */
  readonly buffer: SharedArrayBuffer;
}

/** A new metric family (one catalog metric). */
export interface FamilyMessage {
  readonly t: 'family';
  /** Family index, dense from 0. */
  readonly id: number;
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names in exposition order. */
  readonly labelNames: readonly string[];
  /** Histogram upper bounds (without +Inf); empty for counters and gauges. */
  readonly buckets: readonly number[];
  /** The definition's `freshness` group: the family is not served while that group is stale. */
  readonly freshness?: string;
}

/**
 * A freshness group went stale or fresh again (the engine went silent, or spoke again): the
 * families of the group are not served while it is stale.
 */
export interface StaleMessage {
  readonly t: 'stale';
  readonly group: string;
  readonly stale: boolean;
}

/**
 * A new series. Slots start at `offset` in segment `segment`: one slot for a counter or gauge; for
 * a histogram `buckets.length + 1` non-cumulative bucket counts (the last is +Inf) then the sum.
 */
export interface SeriesMessage {
  readonly t: 'series';
  readonly family: number;
  readonly labelValues: readonly string[];
  readonly segment: number;
  readonly offset: number;
}

/** Any layout message. */
export type LayoutMessage = SegmentMessage | FamilyMessage | SeriesMessage | StaleMessage;

/** Number of float64 slots a series of this type and bucket count takes. */
export function slotsFor(type: MetricType, bucketCount: number): number {
  return type === 'histogram' ? bucketCount + 2 : 1;
}
