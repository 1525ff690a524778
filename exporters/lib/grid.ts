/**
 * Timers on the wall clock's grid: every timer of one interval fires at the same instants wherever
 * it started, and a timer of an interval that divides another's fires with it, so the periodic work
 * of one thread (the tailers' polls, the HFT exporter's tick, the recorder's batch timer, the clock
 * synchronisation read and the event-loop delay sampler) wakes it once for all instead of once each.
 * An idle thread pays for each wake-up. Issue 19, `tickwatch start` (every service), 30 s `/proc`
 * windows after 45 s, alternating with the code before (7 December 2026): with no lines, 0.37 and
 * 0.37 % of a core against 0.50 and 0.53; at 265 lines/s 1.70 and 1.60 % against 1.73 and 1.90. The
 * main thread's wake-ups (`strace` of `epoll_pwait`, 10 s with no lines) went from about 21 a second
 * (Node's event-loop delay monitor every 100 ms and the HFT tick every 250 ms, each on instants of
 * its own) to about 7 with every timer here on the grid.
 */

/**
 * Milliseconds from `now` to the wall clock's next multiple of `intervalMs` (ms since the Unix
 * epoch): in (0, `intervalMs`], never 0, so a timer set with it never spins. Timers of one interval
 * set with it fire together wherever they started: the tailers of `tickwatch start` (exporter and
 * recorder) wake once for both. Issue 19: `tickwatch start --no-host` at about 268 lines/s, 40 s
 * `/proc` windows after 60 s, four alternating pairs (4 December 2026): 1.32, 1.32, 1.22, 1.40 % of a
 * core with polls on the grid, against 1.87, 1.47, 1.65, 1.47 % without.
 * @param intervalMs - the interval, ms (positive)
 * @param now - the wall clock, ms since the epoch (`Date.now()`)
 */
export function gridDelay(intervalMs: number, now: number): number {
  return intervalMs - (((now % intervalMs) + intervalMs) % intervalMs);
}

/** A timer made by {@link everyOnGrid}. */
export interface GridTimer {
  /** Stops it: `fn` is not called again. */
  stop(): void;
}

/**
 * Calls `fn` at every multiple of `intervalMs` of the wall clock (ms since the Unix epoch), from the
 * next one on ({@link gridDelay}). An instant missed while the thread was busy is skipped, not made
 * up: the next call is at the next multiple after the call ends.
 * @param fn - called with the instant it was due at and the wall clock when it ran (ms since the
 *   epoch; `now - due` is how late it ran: the event loop's delay)
 * @param o - `unref`: the timer does not keep the thread's event loop alive (default false)
 * @throws RangeError when `intervalMs` is not a positive finite number
 */
export function everyOnGrid(intervalMs: number, fn: (due: number, now: number) => void, o: { readonly unref?: boolean } = {}): GridTimer {
  if (!(intervalMs > 0 && Number.isFinite(intervalMs))) throw new RangeError(`everyOnGrid: interval ${intervalMs} ms is not a positive number`);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let last = -Infinity;
  const arm = (): void => {
    // From the last instant at the earliest: a timer can run a little before its instant by the
    // wall clock (Node starts it from the event loop's cached time), and must not run for it twice.
    const now = Date.now();
    const from = Math.max(now, last);
    const due = from + gridDelay(intervalMs, from);
    last = due;
    timer = setTimeout(() => {
      if (stopped) return;
      try {
        fn(due, Date.now());
      } finally {
        if (!stopped) arm();
      }
    }, due - now);
    if (o.unref) timer.unref();
  };
  arm();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
