/**
 * The feed availability SLO's counters (exporters/hft/derive.ts): seconds of open session per feed
 * (`hft_feed_open_seconds_total`) and the seconds of gaps of more than 1 s without a tick
 * (`hft_feed_gap_exceeded_seconds_total`), each gap counted whole from its last tick: by the tick
 * that ends it (from the ticks' own timestamps, so a reader that stalls for a moment counts
 * nothing), or, while it lasts, once it has lasted 5 s. Only open-session time counts.
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../exporters/catalog/index.js';
import { ALWAYS_OPEN_CALENDAR, TradingCalendar, TWSE_CALENDAR } from '../../exporters/hft/calendar.js';
import { Deriver } from '../../exporters/hft/derive.js';
import type { HftEvent } from '../../exporters/events/index.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';

/** 12:00 UTC on a Monday: open on the always-open calendar. */
const NOON = Date.UTC(2026, 10, 23, 12) / 1000;
/** 13:30 in Taipei (05:30 UTC) on the same Monday: the TWSE-like session's close. */
const TWSE_CLOSE = Date.UTC(2026, 10, 23, 5, 30) / 1000;
const FEED = 'twse-md';

/** A deriver on `calendar`, with helpers that move its clock and feed it ticks. */
function setup(calendar = ALWAYS_OPEN_CALENDAR) {
  const registry = new MetricRegistry();
  const d = new Deriver({ registry, calendar: new TradingCalendar(calendar) });
  const open = registry.counter(C.feedOpenSecondsTotal).labels(FEED);
  const gap = registry.counter(C.feedGapExceededSecondsTotal).labels(FEED);
  let now = Number.NaN;
  /** The exporter's timer: every 250 ms from the current time to `until`. */
  const timer = (from: number, until: number) => {
    for (now = from; now <= until + 1e-9; now += 0.25) d.tick(now);
  };
  const tick = (t: number) => d.apply({ event: 'feed.tick', ts: '', component: 'market_data', level: 'debug', feed: FEED, type: 'tick', count: 1 } as unknown as HftEvent, t);
  /** Ticks every `every` seconds over [from, until], the timer running between them. */
  const flow = (from: number, until: number, every = 0.1) => {
    for (let t = from; t <= until + 1e-9; t += every) {
      tick(t);
      if (Math.floor(t * 4) !== Math.floor((t + every) * 4)) d.tick(t);
    }
  };
  return { d, open: () => open.get(), gap: () => gap.get(), timer, tick, flow, get now() { return now; } };
}

describe('feed availability counters', () => {
  it('are made at 0 with the feed, and count open seconds from the first timer run after it', () => {
    const s = setup();
    s.tick(NOON);
    expect([s.open(), s.gap()]).toEqual([0, 0]);
    s.flow(NOON, NOON + 10);
    expect(s.open()).toBeCloseTo(10, 0);
    expect(s.gap()).toBe(0);
  });

  it('count a 3 s gap whole when the tick that ends it arrives, and a 0.9 s one not at all', () => {
    const s = setup();
    s.flow(NOON, NOON + 10);
    s.timer(NOON + 10, NOON + 13); // no tick from 10 to 13: under 5 s, the timer leaves it to the next tick
    expect(s.gap()).toBe(0);
    s.tick(NOON + 13);
    expect(s.gap()).toBeCloseTo(3, 2);
    s.flow(NOON + 13, NOON + 20);
    s.timer(NOON + 20, NOON + 20.9);
    s.tick(NOON + 20.9);
    expect(s.gap()).toBeCloseTo(3, 2);
  });

  it('count a dead feed while it stays dead once the gap has lasted 5 s, from its last tick, and the rest when it comes back', () => {
    const s = setup();
    s.flow(NOON, NOON + 20);
    s.timer(NOON + 20, NOON + 24.5);
    expect(s.gap()).toBe(0);
    s.timer(NOON + 24.5, NOON + 30);
    expect(s.gap()).toBeCloseTo(10, 2);
    s.tick(NOON + 30.1);
    expect(s.gap()).toBeCloseTo(10.1, 2);
    expect(s.open()).toBeGreaterThan(s.gap());
  });

  it('count nothing for a reader that stalls: the clock runs on, the ticks read afterwards are close together', () => {
    const s = setup();
    s.flow(NOON, NOON + 10);
    // Nothing read for 2 s of the exporter's clock (the timer ran, saw a 2 s gap), then the backlog
    // of those 2 s at once, then the flow again.
    s.timer(NOON + 10.25, NOON + 12);
    for (let t = NOON + 10.1; t < NOON + 12; t += 0.1) s.tick(t);
    s.flow(NOON + 12, NOON + 14);
    expect(s.gap()).toBe(0);
    expect(s.open()).toBeCloseTo(14, 0);
  });

  it('count only open-session time: nothing after the close, and a gap stops at it', () => {
    const s = setup(TWSE_CALENDAR);
    s.flow(TWSE_CLOSE - 60, TWSE_CLOSE - 20);
    // The feed dies 20 s before the close; the timer runs on past it.
    s.timer(TWSE_CLOSE - 20, TWSE_CLOSE + 60);
    expect(s.open()).toBeCloseTo(60, 0);
    expect(s.gap()).toBeCloseTo(20, 0);
    expect(s.gap()).toBeLessThanOrEqual(s.open());
    const [open, gap] = [s.open(), s.gap()];
    s.tick(TWSE_CLOSE + 61); // a tick after the close ends no open-session gap
    s.timer(TWSE_CLOSE + 61, TWSE_CLOSE + 120);
    expect([s.open(), s.gap()]).toEqual([open, gap]);
  });

  it('never count time before the exporter watched the feed: a feed told about at start that never ticks', () => {
    const registry = new MetricRegistry();
    const d = new Deriver({ registry, calendar: new TradingCalendar(ALWAYS_OPEN_CALENDAR), feeds: [FEED] });
    for (let t = NOON; t <= NOON + 30; t += 0.25) d.tick(t);
    const gap = registry.counter(C.feedGapExceededSecondsTotal).labels(FEED).get();
    const open = registry.counter(C.feedOpenSecondsTotal).labels(FEED).get();
    expect(open).toBeCloseTo(30, 2);
    expect(gap).toBeCloseTo(30, 2);
  });
});
