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
 * A freshness group, sent once when the registry first meets it (before any family of the group):
 * where its flag lives. Whether the group is stale is not a message but that flag in shared memory,
 * like the values: a message announcing the engine silent reached the worker after the scrape that
 * read `hft_engine_up 0` beside the engine's last values (`test/hft/positions.test.ts`, once, under
 * load, issue 19).
 */
export interface FreshnessMessage {
  readonly t: 'freshness';
  readonly group: string;
  /**
   * The registry's flags, one `Int32Array` over it: slot `index` is 1 while the group is stale,
   * else 0; the last slot counts every change of any flag (see {@link FRESHNESS_CHANGES_SLOT}).
   */
  readonly flags: SharedArrayBuffer;
  readonly index: number;
}

/** Freshness groups one registry can hold (the catalog names one: `engine`). */
export const MAX_FRESHNESS_GROUPS = 31;

/**
 * The `Int32Array` slot of {@link FreshnessMessage.flags} that counts flag changes: a render that
 * saw it change while reading the values reads them again.
 */
export const FRESHNESS_CHANGES_SLOT = MAX_FRESHNESS_GROUPS;

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
export type LayoutMessage = SegmentMessage | FamilyMessage | SeriesMessage | FreshnessMessage;

/** Number of float64 slots a series of this type and bucket count takes. */
export function slotsFor(type: MetricType, bucketCount: number): number {
  return type === 'histogram' ? bucketCount + 2 : 1;
}
