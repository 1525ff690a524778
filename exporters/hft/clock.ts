/**
 * The exporter's clock: event time that keeps running in real time.
 *
 * `now()` is the newest event timestamp seen plus the wall time elapsed since it was seen. For a
 * live engine that is wall time (with the engine's clock as reference); for a replayed or
 * accelerated stream it follows the stream, so time-derived gauges (feed gap, reconciliation lag,
 * session open) mean the same in a simulation as in production; and when the stream stops, time
 * still moves, so a dead feed shows a growing gap. The anchor moves in steps of at least 10 ms of
 * event time, so `now()` is accurate to about 10 ms.
 */
export class EventClock {
  private eventTime: number | undefined;
  private seenAt = 0;

  /** @param wall - wall clock in Unix seconds (injectable for tests) */
  constructor(private readonly wall: () => number = () => Date.now() / 1000) {}

  /** Notes an event timestamp (Unix seconds). Older timestamps do not move the clock back. */
  observe(tSeconds: number): void {
    // Re-anchor at most every 10 ms of event time: one Date.now() per 10 ms, not per event.
    if (this.eventTime === undefined || (tSeconds > this.eventTime + 0.01 && tSeconds > this.now())) {
      this.eventTime = tSeconds;
      this.seenAt = this.wall();
    }
  }

  /** Current time in Unix seconds. */
  now(): number {
    return this.eventTime === undefined ? this.wall() : this.eventTime + (this.wall() - this.seenAt);
  }
}
