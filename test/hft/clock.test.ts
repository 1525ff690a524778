/**
 * The exporter's event clock (exporters/hft/clock.ts): the same time as the rule it documents
 * (re-anchor on an event over 10 ms past the anchor and ahead of now()), with one wall-clock
 * reading for many events of a live stream instead of one each.
 */
import { describe, expect, it } from 'vitest';
import { EventClock, RECHECK_EVENTS } from '../../exporters/hft/clock.js';

/** The rule read literally: the wall clock asked for every event past the anchor's 10 ms. */
class ReferenceClock {
  private eventTime: number | undefined;
  private seenAt = 0;
  constructor(private readonly wall: () => number) {}
  observe(t: number): void {
    if (this.eventTime === undefined || (t > this.eventTime + 0.01 && t > this.now())) {
      this.eventTime = t;
      this.seenAt = this.wall();
    }
  }
  now(): number {
    return this.eventTime === undefined ? this.wall() : this.eventTime + (this.wall() - this.seenAt);
  }
}

/** A deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('EventClock', () => {
  it('keeps the same time as the rule read literally, on live, replayed, bursty and out-of-order streams (wall clock never stepping back)', () => {
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(seed);
      let w = 1_700_000_000 + r() * 1000;
      const wall = () => w;
      const ours = new EventClock(wall);
      const ref = new ReferenceClock(wall);
      // Event time starts behind, level with or ahead of the wall; it moves at 0-50x real time.
      let t = w + (r() - 0.7) * 2;
      for (let i = 0; i < 5000; i++) {
        const kind = r();
        if (kind < 0.05) w += r() * 0.2; // a poll's wait
        else if (kind < 0.06) w += r() * 5; // a silence
        const speed = seed % 4 === 0 ? 50 : seed % 4 === 1 ? 1 : r() * 3;
        t += (r() / 2000) * speed;
        const late = r() < 0.05 ? -r() * 0.5 : 0; // now and then an event from the past
        ours.observe(t + late);
        ref.observe(t + late);
        expect(ours.now(), `seed ${seed}, event ${i}`).toBe(ref.now());
      }
    }
  });

  it('reads the wall clock about once every RECHECK_EVENTS events of a live stream, not once an event', () => {
    let calls = 0;
    let w = 1_700_000_000;
    const counted = (): number => (calls++, w);
    const live = (clock: { observe(t: number): void }): number => {
      calls = 0;
      w = 1_700_000_000;
      let t = w - 0.1;
      // 18,000 events a second read every 100 ms, each 0-100 ms old when read.
      for (let poll = 0; poll < 100; poll++) {
        w += 0.1;
        for (let i = 0; i < 1800; i++) clock.observe((t += 1 / 18_000));
      }
      return calls;
    };
    const refCalls = live(new ReferenceClock(counted));
    const ourCalls = live(new EventClock(counted));
    expect(refCalls).toBeGreaterThan(150_000);
    expect(ourCalls).toBeLessThanOrEqual(2 * Math.ceil(180_000 / RECHECK_EVENTS));
  });

  it('after the wall clock steps back, re-anchors on an event ahead of it within RECHECK_EVENTS events', () => {
    let w = 1_700_000_000;
    const clock = new EventClock(() => w);
    let t = w;
    clock.observe(t);
    for (let i = 0; i < 100; i++) clock.observe((t += 0.001)); // level with the wall, 1 ms apart
    w += 0.1;
    clock.observe((t += 0.02)); // behind now(): the wall clock is read and trusted for the next events
    w -= 5; // the wall clock steps back 5 s: now() falls 5 s behind the events
    expect(clock.now()).toBeLessThan(t - 4);
    let n = 0;
    while (clock.now() < t - 1 && n < 10 * RECHECK_EVENTS) {
      clock.observe((t += 0.0001));
      n++;
    }
    expect(n).toBeLessThanOrEqual(RECHECK_EVENTS);
    expect(clock.now()).toBeCloseTo(t, 6);
  });
});
